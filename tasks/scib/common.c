/*
 * common.c - helpers shared by the scIB metrics: label validation and
 * compaction, the NaN note, thread count, and numpy-compatible reductions.
 *
 * numpy sums float64 arrays pairwise (eight accumulators in blocks of up to
 * 128, split in halves above); the LISI bisection compares entropies to a
 * 1e-5 tolerance, so summing in numpy's order keeps this code's iterations
 * on the same side of that tolerance as scib's.
 */
#include "common.h"
#include "util/par.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SCIB_X86 1
#endif

double sc_scib_nan(sc_scib_why *why, const char *fmt, ...)
{
	if (why) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why->msg, sizeof(why->msg), fmt, ap);
		va_end(ap);
	}
	return NAN;
}

void sc_scib_why_clear(sc_scib_why *why)
{
	if (why)
		why->msg[0] = 0;
}

int sc_scib_cats_from_codes(sc_scib_cats *c, const int32_t *codes, size_t n, const char *what,
			    sc_err *err)
{
	memset(c, 0, sizeof(*c));
	int32_t maxc = -1;
	for (size_t i = 0; i < n; i++) {
		if (codes[i] < 0)
			return sc_errf(err, SC_EINVAL, "%s of cell %zu is missing (code %d)", what, i,
				       (int)codes[i]);
		if (codes[i] > maxc)
			maxc = codes[i];
	}
	size_t m = (size_t)(maxc + 1);
	int32_t *map = sc_xmalloc((m ? m : 1) * sizeof(*map));
	for (size_t j = 0; j < m; j++)
		map[j] = -1;
	for (size_t i = 0; i < n; i++)
		map[codes[i]] = 0;
	size_t k = 0;
	for (size_t j = 0; j < m; j++)
		if (map[j] == 0)
			map[j] = (int32_t)k++;
	c->n = n;
	c->k = k;
	c->code = sc_xmalloc((n ? n : 1) * sizeof(*c->code));
	c->orig = sc_xmalloc((k ? k : 1) * sizeof(*c->orig));
	c->count = sc_xcalloc(k ? k : 1, sizeof(*c->count));
	for (size_t j = 0; j < m; j++)
		if (map[j] >= 0)
			c->orig[map[j]] = (int32_t)j;
	for (size_t i = 0; i < n; i++) {
		c->code[i] = map[codes[i]];
		c->count[c->code[i]]++;
	}
	free(map);
	return 0;
}

int sc_scib_cats_init(sc_scib_cats *c, const sc_labels *l, size_t n, const char *what,
		      sc_err *err)
{
	memset(c, 0, sizeof(*c));
	if (!l || (!l->codes && l->n))
		return sc_errf(err, SC_EINVAL, "no %s given", what);
	if (l->n != n)
		return sc_errf(err, SC_EINVAL, "%s have %zu entries for %zu cells", what, l->n, n);
	for (size_t i = 0; i < n; i++)
		if (l->codes[i] >= 0 && (size_t)l->codes[i] >= l->ncat)
			return sc_errf(err, SC_EINVAL, "%s code %d of cell %zu is not below %zu", what,
				       (int)l->codes[i], i, l->ncat);
	return sc_scib_cats_from_codes(c, l->codes, n, what, err);
}

void sc_scib_cats_free(sc_scib_cats *c)
{
	if (!c)
		return;
	free(c->code);
	free(c->orig);
	free(c->count);
	memset(c, 0, sizeof(*c));
}

int sc_scib_check_finite(const sc_dmat *x, const char *what, sc_err *err)
{
	size_t n = x->rows * x->cols;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x->v[i]))
			return sc_errf(err, SC_EINVAL, "%s has a non-finite value (%g) at cell %zu, dim %zu",
				       what, x->v[i], i / x->cols, i % x->cols);
	return 0;
}

int sc_scib_threads(int n_threads)
{
	if (n_threads > 0)
		return n_threads > 64 ? 64 : n_threads;
	return sc_par_default_threads();
}

static double pairwise(const double *a, size_t n)
{
	if (n < 8) {
		double r = 0.;
		for (size_t i = 0; i < n; i++)
			r += a[i];
		return r;
	}
	if (n <= 128) {
		double r[8];
		size_t i;
		for (i = 0; i < 8; i++)
			r[i] = a[i];
		for (i = 8; i < n - (n % 8); i += 8)
			for (size_t j = 0; j < 8; j++)
				r[j] += a[i + j];
		double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += a[i];
		return res;
	}
	size_t n2 = n / 2;
	n2 -= n2 % 8;
	return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

double sc_scib_np_sum(const double *a, size_t n)
{
	/* np.add.reduce starts from the identity 0 */
	return 0. + pairwise(a, n);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double sc_scib_nanmedian(const double *a, size_t n)
{
	double *t = sc_xmalloc((n ? n : 1) * sizeof(*t));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(a[i]))
			t[m++] = a[i];
	double r = NAN;
	if (m) {
		qsort(t, m, sizeof(*t), cmp_double);
		/* numpy: mean of the two middle values, computed as a mean of two */
		r = m % 2 ? t[m / 2] : (t[m / 2 - 1] + t[m / 2]) / 2;
	}
	free(t);
	return r;
}

double sc_scib_nanmean(const double *a, size_t n)
{
	/* numpy replaces NaN by 0 and sums the whole array, then divides */
	double *t = sc_xmalloc((n ? n : 1) * sizeof(*t));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		t[i] = isnan(a[i]) ? 0. : a[i];
		m += !isnan(a[i]);
	}
	double r = m ? sc_scib_np_sum(t, n) / (double)m : NAN;
	free(t);
	return r;
}

/* ---- elementwise kernels ---- */

static void axpy_plain(double *restrict y, double a, const double *restrict x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double q = a * x[i];
		NOFUSE(q); /* inlined into the AVX-512 version, whose target has FMA */
		y[i] += q;
	}
}

static void vadd_plain(double *restrict y, const double *restrict x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] += x[i];
}

#ifdef SCIB_X86
__attribute__((target("avx512f"))) static void axpy_512(double *restrict y, double a,
						      const double *restrict x, size_t n)
{
	__m512d va = _mm512_set1_pd(a);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m512d p = _mm512_mul_pd(va, _mm512_loadu_pd(x + i));
		NOFUSE(p);
		_mm512_storeu_pd(y + i, _mm512_add_pd(_mm512_loadu_pd(y + i), p));
	}
	axpy_plain(y + i, a, x + i, n - i);
}

__attribute__((target("avx512f"))) static void vadd_512(double *restrict y,
						      const double *restrict x, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm512_storeu_pd(y + i, _mm512_add_pd(_mm512_loadu_pd(y + i), _mm512_loadu_pd(x + i)));
	vadd_plain(y + i, x + i, n - i);
}

__attribute__((target("avx2"))) static void axpy_256(double *restrict y, double a,
						   const double *restrict x, size_t n)
{
	__m256d va = _mm256_set1_pd(a);
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		__m256d p = _mm256_mul_pd(va, _mm256_loadu_pd(x + i));
		NOFUSE(p);
		_mm256_storeu_pd(y + i, _mm256_add_pd(_mm256_loadu_pd(y + i), p));
	}
	axpy_plain(y + i, a, x + i, n - i);
}

__attribute__((target("avx2"))) static void vadd_256(double *restrict y,
						   const double *restrict x, size_t n)
{
	size_t i = 0;
	for (; i + 4 <= n; i += 4)
		_mm256_storeu_pd(y + i, _mm256_add_pd(_mm256_loadu_pd(y + i), _mm256_loadu_pd(x + i)));
	vadd_plain(y + i, x + i, n - i);
}
#endif

static atomic_int isa_cap = -1; /* -1: not yet read from the environment */

/* The cap the environment asks for: portable mode means scalar; else
 * SCEVAL_SIMD=scalar|avx2|avx512; else none (2). */
static int isa_env_cap(void)
{
	const char *p = getenv("SCEVAL_PORTABLE"), *e = getenv("SCEVAL_SIMD");
	if (p && !strcmp(p, "1"))
		return 0;
	if (e && !strcmp(e, "scalar"))
		return 0;
	if (e && !strcmp(e, "avx2"))
		return 1;
	return 2;
}

void sc_scib_isa_cap(int level)
{
	atomic_store(&isa_cap, level < 0 ? isa_env_cap() : level > 2 ? 2 : level);
}

int sc_scib_isa(void)
{
	static atomic_int level = -1;
	int l = atomic_load(&level);
	if (l < 0) {
		l = 0;
#ifdef SCIB_X86
		__builtin_cpu_init();
		if (__builtin_cpu_supports("avx512f"))
			l = 2;
		else if (__builtin_cpu_supports("avx2"))
			l = 1;
#endif
		atomic_store(&level, l);
	}
	int cap = atomic_load(&isa_cap);
	if (cap < 0) {
		cap = isa_env_cap();
		atomic_store(&isa_cap, cap);
	}
	return l < cap ? l : cap;
}

void sc_scib_axpy(double *restrict y, double a, const double *restrict x, size_t n)
{
#ifdef SCIB_X86
	int l = sc_scib_isa();
	if (l == 2)
		return axpy_512(y, a, x, n);
	if (l == 1)
		return axpy_256(y, a, x, n);
#endif
	axpy_plain(y, a, x, n);
}

void sc_scib_vadd(double *restrict y, const double *restrict x, size_t n)
{
#ifdef SCIB_X86
	int l = sc_scib_isa();
	if (l == 2)
		return vadd_512(y, x, n);
	if (l == 1)
		return vadd_256(y, x, n);
#endif
	vadd_plain(y, x, n);
}
