/*
 * npy.h - NumPy .npy files: how an external model that is not written
 * against AnnData can hand over an embedding (np.save of a cells x dims
 * float array, C order).
 */
#ifndef SC_NPY_H
#define SC_NPY_H

#include "util/mat.h"
#include "util/err.h"

/* True when the file starts with the .npy magic. */
int sc_npy_is(const char *path);
/* A 2-D array of little-endian float32/float64/int32/int64, C order, as doubles. */
int sc_npy_read(sc_dmat *out, const char *path, sc_err *err) SC_WUR;

#endif
