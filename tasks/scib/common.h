/*
 * common.h - what the scIB metrics share: the "why is this NaN" note, the
 * validation of label vectors, and small numerical helpers whose summation
 * order matters for agreeing with numpy.
 *
 * Conventions of every metric in tasks/scib/:
 * - Bad input (NaN in an embedding, lengths that differ, a missing label) is
 *   an error: the function returns SC_EINVAL and fills err.
 * - A metric that is undefined for valid input (one batch, no isolated
 *   label, ...) is not an error: the value is NaN and the why note (when the
 *   caller passes one) says in one line why, in the sc_err message style.
 * - Categories are the codes of an sc_labels; only categories with at least
 *   one cell count, so a label vector need not be compacted first. (scib
 *   mostly agrees, anndata dropping unused categories when it subsets; where
 *   scib iterates an unused pandas category - graph connectivity, isolated
 *   labels - its result would turn NaN, and here the category is ignored.)
 */
#ifndef SC_SCIB_COMMON_H
#define SC_SCIB_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

typedef struct sc_scib_why {
	char msg[256];
} sc_scib_why;

/* Fill why (if non-NULL) and return NaN, for "return sc_scib_nan(why, ...)". */
double sc_scib_nan(sc_scib_why *why, const char *fmt, ...) SC_PRINTF(2, 3);
void sc_scib_why_clear(sc_scib_why *why);

/*
 * A label vector checked and compacted: code[i] in [0, k) numbers the
 * categories that occur, in the order of their original codes (so names
 * map back through orig[]). count[c] cells carry category c.
 */
typedef struct sc_scib_cats {
	size_t n, k;
	int32_t *code;  /* n */
	int32_t *orig;  /* k: original code of each compact category */
	size_t *count;  /* k */
} sc_scib_cats;

/* Validate l (length n, no missing codes, codes below ncat) and compact it.
 * what names the vector in messages ("labels", "batches"). */
int sc_scib_cats_init(sc_scib_cats *c, const sc_labels *l, size_t n, const char *what,
		      sc_err *err) SC_WUR;
/* The same from a raw code array (e.g. cluster assignments) of length n. */
int sc_scib_cats_from_codes(sc_scib_cats *c, const int32_t *codes, size_t n, const char *what,
			    sc_err *err) SC_WUR;
void sc_scib_cats_free(sc_scib_cats *c);

/* Error unless every entry of x is finite. */
int sc_scib_check_finite(const sc_dmat *x, const char *what, sc_err *err) SC_WUR;

/* Worker threads to use: n_threads if > 0, else sc_par_default_threads().
 * Results never depend on this number. */
int sc_scib_threads(int n_threads);

/* numpy's pairwise summation of a contiguous array (np.sum / np.nansum of a
 * float64 vector), so short sums round exactly as numpy's do. */
double sc_scib_np_sum(const double *a, size_t n);

/* Median of the finite values of a (numpy nanmedian); NaN when none. a is
 * not modified. */
double sc_scib_nanmedian(const double *a, size_t n);
/* Mean of the finite values (numpy nanmean); NaN when none. */
double sc_scib_nanmean(const double *a, size_t n);

/*
 * NOFUSE(v): an empty asm that makes the compiler materialise v, so a
 * product is never fused with the following add into an FMA (AVX-512F has
 * FMA in its base set, and GCC contracts by default). Sums that must round
 * as numpy's and scipy's do, and equally on every vector width, need it.
 */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define NOFUSE(v) __asm__("" : "+v"(v))
#else
#define NOFUSE(v) ((void)0)
#endif

/* The vector kernels to use: 2 AVX-512F, 1 AVX2, 0 plain C: the CPU's
 * (checked once), capped by portable mode (SCEVAL_PORTABLE=1: plain C) or
 * SCEVAL_SIMD=scalar|avx2|avx512. Every level gives the same bytes (the
 * kernels never fuse or reorder a sum); the cap lets that be tested and
 * keeps a portable run off CPU-specific code. */
int sc_scib_isa(void);
/* Cap the level for the whole process (tests); level < 0 re-reads the
 * environment. */
void sc_scib_isa_cap(int level);

/* y[i] += a * x[i] (a multiply then an add, never fused, so every vector
 * width gives scipy's axpy bit for bit) and y[i] += x[i]. */
void sc_scib_axpy(double *restrict y, double a, const double *restrict x, size_t n);
void sc_scib_vadd(double *restrict y, const double *restrict x, size_t n);


#endif
