/*
 * tasks/imputation/scores.c - per-gene scores of a predicted expression
 * profile against the measured one, as the published tools compute them:
 * the cosine of Tangram's compare_spatial_geneexp, scipy.stats.pearsonr
 * (r and its two-sided p-value) and scipy.stats.spearmanr (average ranks).
 * A few thousand spots per gene, a few hundred genes: plain loops.
 */
#include "tasks/core/corr.h"
#include "imputation.h"
#include "util/buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The continued fraction of the regularised incomplete beta I_x(a, b)
 * (modified Lentz), valid for x < (a + 1) / (a + b + 2). */
static double beta_fraction(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1);
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	double h = d;
	for (int m = 1; m <= 10000; m++) {
		double m2 = 2.0 * m;
		double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + num * d;
		c = 1 + num / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + num * d;
		c = 1 + num / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return h;
}

/* I_x(a, b), the regularised incomplete beta function. */
static double incomplete_beta(double a, double b, double x)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double lnfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lnfront) * beta_fraction(a, b, x) / a;
	lnfront = lgamma(a + b) - lgamma(a) - lgamma(b) + b * log1p(-x) + a * log(x);
	return 1 - exp(lnfront) * beta_fraction(b, a, 1 - x) / b;
}

double sc_imp_pearson_pvalue(double r, size_t n)
{
	if (isnan(r) || n < 3)
		return NAN;
	double r2 = r * r;
	if (r2 >= 1)
		return 0;
	/* P(|T| > t) with T ~ t(n - 2): I_{(1 - r^2)}((n - 2) / 2, 1 / 2). */
	return incomplete_beta(0.5 * (double)(n - 2), 0.5, 1 - r2);
}

typedef struct ranked {
	double v;
	size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Average ranks (1-based) of x, ties sharing the mean of their ranks. */
static void average_ranks(double *rank, const double *x, size_t n, ranked *tmp)
{
	for (size_t i = 0; i < n; i++)
		tmp[i] = (ranked){ x[i], i };
	qsort(tmp, n, sizeof(*tmp), cmp_ranked);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && tmp[j + 1].v == tmp[i].v)
			j++;
		double r = 0.5 * (double)(i + j) + 1;
		for (size_t k = i; k <= j; k++)
			rank[tmp[k].i] = r;
		i = j + 1;
	}
}

void sc_imp_score_gene(sc_imp_gene_score *out, const double *pred, const double *meas, size_t n,
		       size_t stride_pred, size_t stride_meas)
{
	double *p = sc_xmalloc((n ? n : 1) * 4 * sizeof(double));
	double *m = p + n, *rp = m + n, *rm = rp + n;
	ranked *tmp = sc_xmalloc((n ? n : 1) * sizeof(ranked));
	double dot = 0, np = 0, nm = 0;
	size_t zeros = 0;
	for (size_t i = 0; i < n; i++) {
		p[i] = pred[i * stride_pred];
		m[i] = meas[i * stride_meas];
		dot += p[i] * m[i];
		np += p[i] * p[i];
		nm += m[i] * m[i];
		zeros += m[i] == 0;
	}
	double den = sqrt(np) * sqrt(nm);
	out->cosine = den > 0 ? dot / den : NAN;
	out->pearson = sc_pearson(p, m, n);
	out->pearson_p = sc_imp_pearson_pvalue(out->pearson, n);
	average_ranks(rp, p, n, tmp);
	average_ranks(rm, m, n, tmp);
	out->spearman = sc_pearson(rp, rm, n);
	out->sparsity = n ? (double)zeros / (double)n : NAN;
	free(tmp);
	free(p);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double sc_imp_median(double *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			v[k++] = v[i];
	if (!k)
		return NAN;
	qsort(v, k, sizeof(double), cmp_double);
	return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}
