/*
 * par.h - the numerical core's one thread pool, and the rule that makes
 * every result independent of the thread count.
 *
 * The invariant (sceval's reproducibility rests on it): a built-in step's
 * output bytes depend on its inputs, parameters and the BLAS kernel alone,
 * never on how many threads ran it. Two rules keep it:
 *
 *  1. OpenBLAS never runs threaded under sceval's numerical code. OpenBLAS
 *     0.3.21 splits a dgemm or dsyrk over threads in thread-count-dependent
 *     pieces, and the pieces are computed by different kernel variants (edge
 *     tiles, K chunks, the SkylakeX small-matrix kernels), so 1 and 2 threads
 *     round differently: seen for dsyrk on SkylakeX kernels (PCA), and for
 *     dgemm on every kernel (test_core_par). sc_blas_serial_begin/_end
 *     (tasks/core/blas.h) is the one way to say so around a BLAS region.
 *  2. Work is split into pieces fixed by the problem's shape alone, each
 *     piece is computed by one single-threaded BLAS call or loop, and
 *     partial results are combined in a fixed order. Which thread runs which
 *     piece is unspecified and changes nothing.
 *
 * sc_par_gemm and sc_par_syrk (tasks/core/tiles.h) are products cut that way; sc_par_run runs any
 * such split. The pool size comes from sc_par_default_threads() unless a
 * caller names it: SCEVAL_THREADS when set (1..64), else the online CPUs.
 * Tasks given to sc_par_run must write disjoint outputs.
 */
#ifndef SC_UTIL_PAR_H
#define SC_UTIL_PAR_H

#include <stddef.h>

typedef struct sc_par sc_par;

/* Threads for a parallel region: the process-wide override if one is set
 * (sc_par_set_default_threads), else SCEVAL_THREADS (1..64), else the online
 * CPUs (at most 64). Results never depend on it. */
int sc_par_default_threads(void);
/* Override the default for the whole process (tests use it to show the
 * invariance); n < 1 removes the override. */
void sc_par_set_default_threads(int n);

/* A pool of nthreads (the caller included; < 1 means the default). Never
 * fails: threads that cannot be started leave the caller doing their share. */
sc_par *sc_par_new(int nthreads);
void sc_par_free(sc_par *p);
int sc_par_threads(const sc_par *p);
/* Run fn(ctx, t) for t in [0, ntasks) and wait for all. p may be NULL (serial). */
void sc_par_run(sc_par *p, size_t ntasks, void (*fn)(void *ctx, size_t t), void *ctx);

/*
 * A parallel loop over [0, n) in chunks of `chunk` taken from a shared
 * counter by nthreads threads (< 1: the default), started for this loop.
 * run() gets each chunk with the calling worker's scratch (from
 * worker_init, released with worker_fini; both optional). A chunk's result
 * must not depend on the worker that runs it. For loops that need scratch
 * per worker or run once; sc_par_run serves many short calls from a pool.
 */
typedef struct sc_par_for {
	void *ctx;
	void *(*worker_init)(void *ctx);
	void (*worker_fini)(void *scratch);
	void (*run)(void *ctx, void *scratch, size_t begin, size_t end);
} sc_par_for;
void sc_par_for_run(size_t n, size_t chunk, int nthreads, const sc_par_for *job);

#endif
