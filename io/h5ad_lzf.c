/*
 * h5ad_lzf.c - read side of h5py's LZF filter (HDF5 filter id 32000).
 *
 * h5py registers LZF itself, so files written with compression="lzf"
 * (scvi-tools' test data, many older h5ad files) cannot be read by plain
 * libhdf5: every read fails with "required filter is not registered".
 * LZF's format is small enough to decode here, with every bound checked:
 * a control byte c < 32 starts a literal run of c + 1 bytes; otherwise the
 * top three bits are a match length (7 means "add the next byte"), and the
 * low five bits with the next byte are a back-reference distance - 1. The
 * filter's third client value is the uncompressed chunk size, when known.
 * Compression is not provided: sceval writes gzip.
 */
#include "h5ad_impl.h"

#include <stdlib.h>
#include <string.h>

#define LZF_FILTER_ID 32000

/* Decode in[0, n) into out[0, cap); returns the decoded length, or 0 when
 * the input is malformed or does not fit. */
static size_t lzf_decode(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
	size_t ip = 0, op = 0;
	while (ip < n) {
		unsigned c = in[ip++];
		if (c < 32) {
			size_t len = (size_t)c + 1;
			if (ip + len > n || op + len > cap)
				return 0;
			memcpy(out + op, in + ip, len);
			ip += len;
			op += len;
			continue;
		}
		size_t len = c >> 5;
		if (len == 7) {
			if (ip >= n)
				return 0;
			len += in[ip++];
		}
		len += 2;
		if (ip >= n)
			return 0;
		size_t dist = (((size_t)c & 0x1f) << 8) + in[ip++] + 1;
		if (dist > op || op + len > cap)
			return 0;
		/* Overlapping copies repeat the pattern: byte by byte on purpose. */
		for (size_t k = 0; k < len; k++, op++)
			out[op] = out[op - dist];
	}
	return op;
}

static size_t lzf_filter(unsigned flags, size_t cd_nelmts, const unsigned cd_values[], size_t nbytes,
			 size_t *buf_size, void **buf)
{
	if (!(flags & H5Z_FLAG_REVERSE))
		return 0; /* no compression: writing LZF is not supported */
	size_t cap = cd_nelmts >= 3 && cd_values[2] ? cd_values[2] : 0;
	/* Without a recorded chunk size, guess and grow (as h5py does). */
	int known = cap != 0;
	if (!cap)
		cap = nbytes * 3 + 64;
	for (int tries = 0; tries < 8; tries++) {
		unsigned char *out = malloc(cap);
		if (!out)
			return 0;
		size_t got = lzf_decode(*buf, nbytes, out, cap);
		if (got) {
			free(*buf);
			*buf = out;
			*buf_size = cap;
			return got;
		}
		free(out);
		if (known)
			return 0;
		cap *= 2;
	}
	return 0;
}

void sc_h5ad_register_lzf(void)
{
	if (H5Zfilter_avail(LZF_FILTER_ID) > 0)
		return;
	H5Z_class2_t cls = {
		H5Z_CLASS_T_VERS, (H5Z_filter_t)LZF_FILTER_ID, 1, 1, "lzf (sceval, decode only)",
		NULL, NULL, (H5Z_func_t)lzf_filter,
	};
	H5Zregister(&cls);
	H5Eclear2(H5E_DEFAULT);
}
