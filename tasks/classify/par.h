/*
 * par.h - a small fixed thread pool and a matrix product whose bytes do not
 * depend on the thread count, for the classifiers' training loops.
 *
 * Why not OpenBLAS's own threads: OpenBLAS 0.3.21 splits a dgemm over
 * threads in thread-count-dependent pieces, and the pieces are computed by
 * different kernel variants (edges, K chunks), so e.g. a 20 x 256 <- (128)
 * A^T B product differs in the last bits between OPENBLAS_NUM_THREADS=1 and
 * 2 (checked in test_cls_par). Training a network amplifies such bits into
 * different weights. So the classifiers run OpenBLAS single-threaded
 * (sc_par_blas_begin/end) and split each product themselves into tiles
 * fixed by its shape alone, one single-threaded dgemm per tile.
 *
 * sc_par_blas_begin sets OpenBLAS's process-wide thread count to 1 until
 * sc_par_blas_end: other code running BLAS in the same process meanwhile
 * runs single-threaded (still correct, only slower).
 *
 * Tasks given to sc_par_run must write disjoint outputs; which thread runs
 * which task is unspecified, so results must not depend on it.
 */
#ifndef SC_CLASSIFY_PAR_H
#define SC_CLASSIFY_PAR_H

#include <stddef.h>

typedef struct sc_par sc_par;

/* A pool of nthreads (the caller included; < 1 means 1). Never fails:
 * threads that cannot be started leave the caller doing their share. */
sc_par *sc_par_new(int nthreads);
void sc_par_free(sc_par *p);
int sc_par_threads(const sc_par *p);
/* Run fn(ctx, t) for t in [0, ntasks) and wait for all. p may be NULL (serial). */
void sc_par_run(sc_par *p, size_t ntasks, void (*fn)(void *ctx, size_t t), void *ctx);

/* OpenBLAS to one thread; returns the previous count (the default for the
 * pool size), to hand back to sc_par_blas_end. */
int sc_par_blas_begin(void);
void sc_par_blas_end(int prev);

/*
 * C = alpha op(A) op(B) + beta C, row-major, op = transpose when ta/tb.
 * The m x n output is cut into tiles fixed by (m, n) alone (up to 128 rows,
 * columns so that there are about 8 tiles, at least 128 wide), each
 * computed by one dgemm call; identical bytes for any pool size provided
 * OpenBLAS is single-threaded (between sc_par_blas_begin and _end).
 */
void sc_par_gemm(sc_par *p, int ta, int tb, size_t m, size_t n, size_t k, double alpha,
		 const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
		 size_t ldc);

#endif
