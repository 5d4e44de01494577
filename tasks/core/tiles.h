/*
 * tiles.h - dgemm and dsyrk cut into tiles fixed by the shape alone, run on
 * a pool of util/par.h: the same bytes at any thread count.
 */
#ifndef SC_CORE_TILES_H
#define SC_CORE_TILES_H

#include <stddef.h>
#include "util/par.h"

/*
 * C = alpha op(A) op(B) + beta C, row-major, op = transpose when ta/tb.
 * The m x n output is cut into tiles fixed by (m, n) alone (up to 128 rows,
 * columns so that there are about 8 tiles, at least 128 wide), each
 * computed by one dgemm call. Call inside sc_blas_serial_begin/_end.
 */
void sc_par_gemm(sc_par *p, int ta, int tb, size_t m, size_t n, size_t k, double alpha,
		 const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
		 size_t ldc);

/*
 * The upper triangle of the m x m row-major C += op(B) op(B)^T, where
 * trans = 0: B is m x k (C += B B^T) and trans = 1: B is k x m (C += B^T B).
 * C is cut into SC_PAR_SYRK_TILE-square tiles fixed by m alone; diagonal
 * tiles are one dsyrk each, the others one dgemm each. Call inside
 * sc_blas_serial_begin/_end. The strict lower triangle is not written.
 */
#define SC_PAR_SYRK_TILE 256
void sc_par_syrk(sc_par *p, int trans, size_t m, size_t k, const double *B, size_t ldb,
		 double *C, size_t ldc);

#endif
