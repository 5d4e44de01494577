/*
 * npy.h - NumPy .npy files: how an external model that is not written
 * against AnnData hands over an embedding (np.save of a cells x dims
 * array), and how `sceval scib` takes label codes and variances.
 *
 * Read: format versions 1 to 3, C or Fortran order, every numeric dtype
 * numpy writes (bool, int8..int64, uint8..uint64, float16, float32,
 * float64) in either byte order, converted to doubles (64-bit integers
 * beyond 2^53 round, as numpy's astype(float) does). Complex, object,
 * string, datetime and structured arrays are refused with a message naming
 * the dtype. The header's shape is checked against the file's size before
 * anything is allocated.
 */
#ifndef SC_NPY_H
#define SC_NPY_H

#include "util/mat.h"
#include "util/err.h"

/* What the header said, for callers that care about more than values. */
typedef struct sc_npy_info {
	char descr[32]; /* the dtype as written, e.g. "<f4", ">i8", "|b1" */
	char kind;      /* 'b' (bool), 'i', 'u' or 'f' */
	int fortran;    /* the file was in Fortran (column-major) order */
	size_t ndim;    /* 1 or 2 */
} sc_npy_info;

/* True when the file starts with the .npy magic. */
int sc_npy_is(const char *path);
/* A 1-D or 2-D numeric array as doubles, row-major whatever the file's
 * order; a vector of n values comes back as n x 1. info may be NULL.
 * out is released with sc_dmat_free. */
int sc_npy_load(sc_dmat *out, sc_npy_info *info, const char *path, sc_err *err) SC_WUR;
/* A 2-D numeric array (cells x dimensions) as doubles: sc_npy_load that
 * refuses a vector. */
int sc_npy_read(sc_dmat *out, const char *path, sc_err *err) SC_WUR;

#endif
