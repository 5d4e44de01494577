/*
 * fuzz_h5ad.c - the .h5ad reader (io/h5ad*.c) on byte-level
 * mutations of small valid files (the reads: fuzz_h5ad_reads.h).
 * fuzz_h5ad_struct.c builds malformed files at the HDF5 level instead.
 *
 * Crashes inside libhdf5 itself (it trusts much of the file format) are
 * possible: see tests/fuzz/README.md for what was found there.
 */
#include "fuzz_h5ad_reads.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = fuzz_write("data.h5ad", data, size);
	fuzz_h5ad_reads(p);
	free(p);
	return 0;
}
