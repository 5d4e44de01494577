/*
 * tasks/grn/stats.c - hypergeometric tails, Benjamini-Hochberg, AMI, EPR
 * (see stats.h). Workload: an enrichment of a thousand programs against
 * six thousand gene sets makes a few hundred thousand tail calls, each a
 * handful of extended-precision log-gammas and a sum over at most the
 * program's size; AMI sums over every pair of clusters of two partitions
 * of some ten thousand genes.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* log C(n, k) in extended precision: lgammal's error is a few ulps of a
 * number near n log n, so about 1e-19 * 2e5 for 20,000 genes. */
static long double lchoose(int64_t n, int64_t k)
{
	return lgammal((long double)n + 1) - lgammal((long double)k + 1) -
	       lgammal((long double)(n - k) + 1);
}

static long double log_pmf(int64_t i, int64_t N, int64_t K, int64_t n)
{
	return lchoose(K, i) + lchoose(N - K, n - i) - lchoose(N, n);
}

double sc_grn_hypergeom_logsf(int64_t x, int64_t N, int64_t K, int64_t n)
{
	int64_t lo = n + K - N > 0 ? n + K - N : 0, hi = n < K ? n : K;
	if (x <= lo)
		return 0.0;
	if (x > hi)
		return -INFINITY;
	/* The mode: terms decrease away from it on both sides, so each sum
	 * below runs over decreasing terms and stops when they no longer
	 * change it. */
	int64_t mode = (int64_t)(((long double)(n + 1) * (long double)(K + 1)) / (long double)(N + 2));
	if (x > mode) {
		long double t = 1, s = 1;
		for (int64_t i = x; i < hi; i++) {
			t *= ((long double)(K - i) * (long double)(n - i)) /
			     ((long double)(i + 1) * (long double)(N - K - n + i + 1));
			s += t;
			if (t < s * 1e-21L)
				break;
		}
		return (double)(log_pmf(x, N, K, n) + logl(s));
	}
	/* At or below the mode the tail is at least about a half: take the
	 * complement of the lower tail P(X <= x - 1), summed downwards. */
	long double t = 1, s = 1;
	for (int64_t i = x - 1; i > lo; i--) {
		t *= ((long double)i * (long double)(N - K - n + i)) /
		     ((long double)(K - i + 1) * (long double)(n - i + 1));
		s += t;
		if (t < s * 1e-21L)
			break;
	}
	long double lower = expl(log_pmf(x - 1, N, K, n)) * s;
	return (double)log1pl(-lower);
}

typedef struct {
	double p;
	size_t i;
} ranked_p;

static int cmp_ranked_p(const void *a, const void *b)
{
	const ranked_p *x = a, *y = b;
	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int sc_grn_bh(double *q, const double *p, size_t m, sc_err *err)
{
	if (!m)
		return 0;
	ranked_p *r = sc_xmalloc(sc_mulsz(m, sizeof(*r)));
	for (size_t i = 0; i < m; i++) {
		if (isnan(p[i])) {
			free(r);
			return sc_errf(err, SC_EINVAL, "p-value %zu is NaN", i);
		}
		r[i].p = p[i];
		r[i].i = i;
	}
	qsort(r, m, sizeof(*r), cmp_ranked_p);
	/* statsmodels: p_sorted / (rank / m), then the running minimum from
	 * the largest p-value down, then clipped at 1. */
	double run = INFINITY;
	for (size_t k = m; k-- > 0;) {
		double v = r[k].p / ((double)(k + 1) / (double)m);
		if (v < run)
			run = v;
		q[r[k].i] = run > 1 ? 1 : run;
	}
	free(r);
	return 0;
}

/* Codes relabelled 0..k-1 in the order of their values; *k: how many. */
static int32_t *dense_codes(const int32_t *a, size_t n, size_t *k)
{
	int32_t mx = -1;
	for (size_t i = 0; i < n; i++)
		if (a[i] > mx)
			mx = a[i];
	int32_t *map = sc_xmalloc(((size_t)mx + 2) * sizeof(int32_t));
	int32_t *out = sc_xmalloc((n ? n : 1) * sizeof(int32_t));
	for (int32_t v = 0; v <= mx; v++)
		map[v] = -1;
	for (size_t i = 0; i < n; i++)
		map[a[i]] = 0;
	*k = 0;
	for (int32_t v = 0; v <= mx; v++)
		if (map[v] >= 0)
			map[v] = (int32_t)(*k)++;
	for (size_t i = 0; i < n; i++)
		out[i] = map[a[i]];
	free(map);
	return out;
}

static double entropy_of(const int64_t *cnt, size_t k, double n)
{
	if (k <= 1)
		return 0;
	double h = 0;
	for (size_t i = 0; i < k; i++)
		h += ((double)cnt[i] / n) * (log((double)cnt[i]) - log(n));
	return -h;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* sklearn's mutual_info_score from the contingency table's non-zeros. */
static double mutual_info(const int32_t *a, const int32_t *b, size_t n, size_t kb,
			  const int64_t *ca, const int64_t *cb)
{
	int64_t *key = sc_xmalloc(sc_mulsz(n, sizeof(int64_t)));
	for (size_t i = 0; i < n; i++)
		key[i] = (int64_t)a[i] * (int64_t)kb + b[i];
	qsort(key, n, sizeof(int64_t), cmp_i64);
	double N = (double)n, mi = 0, eps = 2.220446049250313e-16;
	for (size_t s = 0; s < n;) {
		size_t e = s;
		while (e < n && key[e] == key[s])
			e++;
		double nij = (double)(e - s), c = nij / N;
		int64_t i = key[s] / (int64_t)kb, j = key[s] % (int64_t)kb;
		double outer = (double)(ca[i] * cb[j]);
		double term = c * (log(nij) - log(N)) + c * (-log(outer) + log(N) + log(N));
		if (fabs(term) >= eps)
			mi += term;
		s = e;
	}
	free(key);
	return mi < 0 ? 0 : mi;
}

/* E[MI] under the permutation model (sklearn's expected_mutual_information). */
static double expected_mi(const int64_t *ca, size_t ka, const int64_t *cb, size_t kb, int64_t n)
{
	if (ka == 1 || kb == 1)
		return 0;
	double N = (double)n, emi = 0, glnN = lgamma(N + 1);
	for (size_t i = 0; i < ka; i++) {
		double ai = (double)ca[i];
		double ga = lgamma(ai + 1) + lgamma(N - ai + 1);
		for (size_t j = 0; j < kb; j++) {
			double bj = (double)cb[j];
			double gab = ga + lgamma(bj + 1) + lgamma(N - bj + 1);
			int64_t lo = ca[i] + cb[j] - n, hi = ca[i] < cb[j] ? ca[i] : cb[j];
			if (lo < 1)
				lo = 1;
			for (int64_t v = lo; v <= hi; v++) {
				double nij = (double)v;
				double t2 = log(N) + log(nij) - log(ai) - log(bj);
				double gln = gab - (lgamma(nij + 1) + glnN) - lgamma(ai - nij + 1) -
					     lgamma(bj - nij + 1) - lgamma(N - ai - bj + nij + 1);
				emi += (nij / N) * t2 * exp(gln);
			}
		}
	}
	return emi;
}

int sc_grn_ami(double *out, const int32_t *a, const int32_t *b, size_t n, sc_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] < 0 || b[i] < 0)
			return sc_errf(err, SC_EINVAL, "partition code %d at %zu is negative",
				       a[i] < 0 ? a[i] : b[i], i);
	size_t ka = 0, kb = 0;
	int32_t *da = dense_codes(a, n, &ka), *db = dense_codes(b, n, &kb);
	int64_t *ca = sc_xcalloc(ka + 1, sizeof(int64_t)), *cb = sc_xcalloc(kb + 1, sizeof(int64_t));
	int rc = 0;
	if (ka == kb && ka <= 1) {
		*out = 1.0;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		ca[da[i]]++;
		cb[db[i]]++;
	}
	double mi = mutual_info(da, db, n, kb, ca, cb);
	double emi = expected_mi(ca, ka, cb, kb, (int64_t)n);
	double h = (entropy_of(ca, ka, (double)n) + entropy_of(cb, kb, (double)n)) / 2;
	double den = h - emi, eps = 2.220446049250313e-16;
	if (den < 0)
		den = den < -eps ? den : -eps;
	else
		den = den > eps ? den : eps;
	*out = (mi - emi) / den;
out:
	free(da);
	free(db);
	free(ca);
	free(cb);
	return rc;
}

typedef struct {
	double s;
	size_t i;
} ranked_score;

static int cmp_score_desc(const void *a, const void *b)
{
	const ranked_score *x = a, *y = b;
	if (x->s != y->s)
		return x->s > y->s ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

double sc_grn_epr(const uint8_t *is_true, const double *score, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += is_true[i] != 0;
	if (!k || k == n)
		return NAN;
	ranked_score *r = sc_xmalloc(sc_mulsz(n, sizeof(*r)));
	for (size_t i = 0; i < n; i++) {
		r[i].s = score[i];
		r[i].i = i;
	}
	qsort(r, n, sizeof(*r), cmp_score_desc);
	size_t hits = 0;
	for (size_t t = 0; t < k; t++)
		hits += is_true[r[t].i] != 0;
	free(r);
	return ((double)hits / (double)k) / ((double)k / (double)n);
}
