/*
 * clusters.c - NMI, ARI and F1 between partitions, following sklearn 1.2's
 * arithmetic step by step (same contingency order, same logarithm
 * identities, exact integer pair counts), so the values agree with sklearn's
 * to the last few bits rather than merely to the formula.
 *
 * The contingency table is counted densely when clusters x labels is small
 * next to n, and otherwise built by sorting (b, a) code pairs (O(n log n),
 * O(n) memory whatever the number of clusters).
 */
#include "clusters.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct cont {
	size_t ka, kb, nnz;
	double *pa, *pb;        /* marginals (cell counts) */
	size_t *ia, *ib;        /* nonzero cells, ordered by (b, a) as scipy's find */
	double *val;
} cont;

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

static int cont_build(cont *t, const int32_t *a, const int32_t *b, size_t n, sc_err *err)
{
	sc_scib_cats ca, cb;
	memset(t, 0, sizeof(*t));
	int rc = sc_scib_cats_from_codes(&ca, a, n, "clusters", err);
	if (rc)
		return rc;
	rc = sc_scib_cats_from_codes(&cb, b, n, "labels", err);
	if (rc) {
		sc_scib_cats_free(&ca);
		return rc;
	}
	t->ka = ca.k;
	t->kb = cb.k;
	t->pa = sc_xmalloc(sizeof(double) * (ca.k + 1));
	t->pb = sc_xmalloc(sizeof(double) * (cb.k + 1));
	for (size_t i = 0; i < ca.k; i++)
		t->pa[i] = (double)ca.count[i];
	for (size_t i = 0; i < cb.k; i++)
		t->pb[i] = (double)cb.count[i];
	t->ia = sc_xmalloc(sizeof(size_t) * (n + 1));
	t->ib = sc_xmalloc(sizeof(size_t) * (n + 1));
	t->val = sc_xmalloc(sizeof(double) * (n + 1));
	if (ca.k * cb.k <= 4 * n + 4096) {
		/* a dense table is cheaper than sorting; read it column-major */
		size_t *tab = sc_xcalloc(ca.k * cb.k + 1, sizeof(size_t));
		for (size_t i = 0; i < n; i++)
			tab[(size_t)cb.code[i] * ca.k + (size_t)ca.code[i]]++;
		for (size_t j = 0; j < cb.k; j++)
			for (size_t i = 0; i < ca.k; i++)
				if (tab[j * ca.k + i]) {
					t->ia[t->nnz] = i;
					t->ib[t->nnz] = j;
					t->val[t->nnz++] = (double)tab[j * ca.k + i];
				}
		free(tab);
	} else {
		uint64_t *key = sc_xmalloc(sizeof(uint64_t) * (n + 1));
		for (size_t i = 0; i < n; i++)
			key[i] = ((uint64_t)cb.code[i] << 32) | (uint32_t)ca.code[i];
		qsort(key, n, sizeof(*key), cmp_u64);
		for (size_t i = 0; i < n;) {
			size_t j = i;
			while (j < n && key[j] == key[i])
				j++;
			t->ia[t->nnz] = (size_t)(uint32_t)key[i];
			t->ib[t->nnz] = (size_t)(key[i] >> 32);
			t->val[t->nnz] = (double)(j - i);
			t->nnz++;
			i = j;
		}
		free(key);
	}
	sc_scib_cats_free(&ca);
	sc_scib_cats_free(&cb);
	return 0;
}

static void cont_free(cont *t)
{
	free(t->pa);
	free(t->pb);
	free(t->ia);
	free(t->ib);
	free(t->val);
	memset(t, 0, sizeof(*t));
}

/* sklearn.metrics.cluster.entropy from the category counts */
static double entropy(const double *p, size_t k)
{
	if (k <= 1)
		return 0.;
	double s = sc_scib_np_sum(p, k), ls = log(s);
	double *t = sc_xmalloc(sizeof(double) * k);
	for (size_t i = 0; i < k; i++)
		t[i] = (p[i] / s) * (log(p[i]) - ls);
	double h = -sc_scib_np_sum(t, k);
	free(t);
	return h;
}

int sc_scib_nmi(double *out, const int32_t *a, const int32_t *b, size_t n, sc_err *err)
{
	cont t;
	int rc = cont_build(&t, a, b, n, err);
	if (rc)
		return rc;
	if ((t.ka == 1 && t.kb == 1) || (t.ka == 0 && t.kb == 0)) {
		*out = 1.;
		goto out;
	}
	double mi = 0.;
	if (t.ka > 1 && t.kb > 1) {
		double N = (double)n, lN = log(N);
		double lpa = log(sc_scib_np_sum(t.pa, t.ka)), lpb = log(sc_scib_np_sum(t.pb, t.kb));
		double *term = sc_xmalloc(sizeof(double) * t.nnz);
		for (size_t z = 0; z < t.nnz; z++) {
			double cnm = t.val[z] / N;
			/* the outer product is formed in int64, as sklearn does */
			int64_t outer = (int64_t)t.pa[t.ia[z]] * (int64_t)t.pb[t.ib[z]];
			double lo = -log((double)outer) + lpa + lpb;
			double v = cnm * (log(t.val[z]) - lN) + cnm * lo;
			term[z] = fabs(v) < DBL_EPSILON ? 0. : v;
		}
		mi = sc_scib_np_sum(term, t.nnz);
		free(term);
		if (mi < 0)
			mi = 0;
	}
	if (mi == 0) {
		*out = 0.;
		goto out;
	}
	double ha = entropy(t.pa, t.ka), hb = entropy(t.pb, t.kb);
	*out = mi / ((0. + ha + hb) / 2);
out:
	cont_free(&t);
	return 0;
}

int sc_scib_ari(double *out, const int32_t *a, const int32_t *b, size_t n, sc_err *err)
{
	cont t;
	int rc = cont_build(&t, a, b, n, err);
	if (rc)
		return rc;
	/* pair counts are exact integers; products need 128 bits past ~3e9 cells^2 */
	__int128 ss = 0, sa = 0, sb = 0, N = (__int128)n;
	for (size_t z = 0; z < t.nnz; z++)
		ss += (__int128)t.val[z] * (__int128)t.val[z];
	for (size_t i = 0; i < t.ka; i++)
		sa += (__int128)t.pa[i] * (__int128)t.pa[i];
	for (size_t j = 0; j < t.kb; j++)
		sb += (__int128)t.pb[j] * (__int128)t.pb[j];
	__int128 tp = ss - N, fp = sb - ss, fn = sa - ss, tn = N * N - fp - fn - ss;
	if (fn == 0 && fp == 0) {
		*out = 1.;
	} else {
		__int128 num = 2 * (tp * tn - fn * fp);
		__int128 den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
		*out = (double)num / (double)den;
	}
	cont_free(&t);
	return 0;
}

int sc_scib_max_f1(double *out, int32_t *best_cluster, const int32_t *clusters,
		   const int32_t *labels, int32_t label, size_t n, sc_err *err)
{
	int32_t maxc = -1;
	for (size_t i = 0; i < n; i++) {
		if (clusters[i] < 0)
			return sc_errf(err, SC_EINVAL, "cluster of cell %zu is missing", i);
		if (clusters[i] > maxc)
			maxc = clusters[i];
	}
	size_t k = (size_t)(maxc + 1);
	size_t *size = sc_xcalloc(k + 1, sizeof(size_t)), *tp = sc_xcalloc(k + 1, sizeof(size_t));
	size_t nl = 0;
	for (size_t i = 0; i < n; i++) {
		size[clusters[i]]++;
		if (labels[i] == label) {
			tp[clusters[i]]++;
			nl++;
		}
	}
	double best = 0;
	int32_t arg = -1;
	/* scib loops over clusters in order of first appearance; keeping the
	 * first strict maximum in that order gives its arg-max */
	char *seen = sc_xcalloc(k + 1, 1);
	for (size_t i = 0; i < n; i++) {
		int32_t c = clusters[i];
		if (seen[c])
			continue;
		seen[c] = 1;
		if (!tp[c])
			continue;
		/* sklearn f1_score(y_true = cluster == c, y_pred = label == L) */
		double p = (double)tp[c] / (double)nl, r = (double)tp[c] / (double)size[c];
		double f = 2. * p * r / (p + r);
		if (f > best) {
			best = f;
			arg = c;
		}
	}
	free(seen);
	free(size);
	free(tp);
	*out = best;
	if (best_cluster)
		*best_cluster = arg;
	return 0;
}

size_t sc_scib_default_resolutions(double res[10])
{
	for (int i = 0; i < 10; i++)
		res[i] = 2. * (i + 1) / 10;
	return 10;
}
