/*
 * fuzz_npy.c - the .npy reader (io/npy.c), how external models hand
 * over embeddings: headers (version, length, the dict literal) and bodies.
 *
 * Invariants: a failure has a message; a success is a rows x cols matrix
 * whose values fit in the file (rows * cols bytes at least: bool, int8 and
 * uint8 take one byte a value).
 */
#include "fuzz.h"
#include "io/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = fuzz_write("emb.npy", data, size);
	(void)sc_npy_is(p);
	sc_dmat m;
	memset(&m, 0, sizeof(m));
	sc_err err;
	memset(&err, 0, sizeof(err));
	int rc = sc_npy_read(&m, p, &err);
	if (rc) {
		fuzz_check_err(rc, &err, "sc_npy_read");
	} else {
		if (m.rows && m.cols > (size - 10) / m.rows)
			fuzz_fail("%zu x %zu values from %zu bytes", m.rows, m.cols, size);
		double acc = 0;
		for (size_t i = 0; i < m.rows * m.cols; i++)
			acc += m.v[i] == m.v[i];
		(void)acc;
		sc_dmat_free(&m);
	}
	free(p);
	return 0;
}
