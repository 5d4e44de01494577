/*
 * pcr.c - scib's principal component regression from PC scores, and its
 * rotation-free form for a representation whose PCA would keep every
 * component (the usual case: a 10- to 50-dimensional embedding with scib's
 * 50 components), which needs no PCA at all.
 *
 * With a one-hot batch design and an intercept, the least-squares fit of a
 * column is its per-batch mean, so R^2 = 1 - (within-batch sum of squares) /
 * (total sum of squares); one pass over the data, O(n c).
 */
#include "pcr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* within-batch and total sums of squares of every column of x */
static void sums_of_squares(double *ssw, double *sst, const sc_dmat *x, const sc_scib_cats *b)
{
	size_t n = x->rows, c = x->cols, k = b->k;
	double *mean = sc_xcalloc(c, sizeof(double));
	double *bm = sc_xcalloc(k * c + 1, sizeof(double));
	for (size_t i = 0; i < n; i++) {
		const double *r = x->v + i * c;
		double *g = bm + (size_t)b->code[i] * c;
		for (size_t j = 0; j < c; j++) {
			mean[j] += r[j];
			g[j] += r[j];
		}
	}
	for (size_t j = 0; j < c; j++)
		mean[j] /= (double)n;
	for (size_t g = 0; g < k; g++)
		for (size_t j = 0; j < c; j++)
			bm[g * c + j] /= (double)b->count[g];
	for (size_t j = 0; j < c; j++)
		ssw[j] = sst[j] = 0;
	for (size_t i = 0; i < n; i++) {
		const double *r = x->v + i * c, *g = bm + (size_t)b->code[i] * c;
		for (size_t j = 0; j < c; j++) {
			double dt = r[j] - mean[j], dw = r[j] - g[j];
			sst[j] += dt * dt;
			ssw[j] += dw * dw;
		}
	}
	free(bm);
	free(mean);
}

static int check(const sc_dmat *x, const sc_labels *batches, sc_scib_cats *b, sc_err *err)
{
	if (!x || !x->v || !x->rows || !x->cols)
		return sc_errf(err, SC_EINVAL, "no data for the PC regression");
	int rc = sc_scib_check_finite(x, "PC regression input", err);
	if (rc)
		return rc;
	return sc_scib_cats_init(b, batches, x->rows, "batches", err);
}

int sc_scib_pcr_scores(double *out, double *r2, const sc_dmat *scores, const double *var,
		       const sc_labels *batches, sc_err *err)
{
	sc_scib_cats b;
	int rc = check(scores, batches, &b, err);
	if (rc)
		return rc;
	size_t c = scores->cols;
	double tot = 0;
	for (size_t j = 0; j < c; j++) {
		if (!isfinite(var[j]) || var[j] < 0) {
			sc_scib_cats_free(&b);
			return sc_errf(err, SC_EINVAL, "variance of component %zu is %g", j, var[j]);
		}
		tot += var[j]; /* scib: Python's sum(), left to right */
	}
	if (!(tot > 0)) {
		sc_scib_cats_free(&b);
		return sc_errf(err, SC_EINVAL, "the components' variances sum to %g", tot);
	}
	double *ssw = sc_xmalloc(sizeof(double) * c), *sst = sc_xmalloc(sizeof(double) * c);
	sums_of_squares(ssw, sst, scores, &b);
	double s = 0;
	for (size_t j = 0; j < c; j++) {
		double r = sst[j] > 0 ? 1 - ssw[j] / sst[j] : 0;
		if (r < 0)
			r = 0;
		if (r2)
			r2[j] = r;
		s += r * (var[j] / tot);
	}
	*out = s;
	free(ssw);
	free(sst);
	sc_scib_cats_free(&b);
	return 0;
}

/* sc_scib_pcr_embedding needs the core PCA only below full rank: pcr_pca.c */
int sc_scib_pcr_truncated(double *out, const sc_dmat *x, const sc_labels *batches,
			  size_t n_comps, sc_err *err);

int sc_scib_pcr_embedding(double *out, const sc_dmat *x, const sc_labels *batches,
			  size_t n_comps, sc_err *err)
{
	sc_scib_cats b;
	if (!n_comps)
		return sc_errf(err, SC_EINVAL, "number of components must be positive");
	int rc = check(x, batches, &b, err);
	if (rc)
		return rc;
	size_t n = x->rows, c = x->cols;
	if (n_comps < (n < c ? n : c)) {
		sc_scib_cats_free(&b);
		return sc_scib_pcr_truncated(out, x, batches, n_comps, err);
	}
	double *ssw = sc_xmalloc(sizeof(double) * c), *sst = sc_xmalloc(sizeof(double) * c);
	sums_of_squares(ssw, sst, x, &b);
	double w = 0, t = 0;
	for (size_t j = 0; j < c; j++) {
		w += ssw[j];
		t += sst[j];
	}
	free(ssw);
	free(sst);
	sc_scib_cats_free(&b);
	if (!(t > 0))
		return sc_errf(err, SC_EINVAL, "the representation has no variance");
	*out = 1 - w / t;
	if (*out < 0)
		*out = 0;
	return 0;
}

double sc_scib_pcr_comparison(double before, double after, sc_scib_why *why)
{
	sc_scib_why_clear(why);
	if (isnan(before) || isnan(after))
		return sc_scib_nan(why, "PC regression before or after integration is undefined");
	if (before == 0)
		return sc_scib_nan(why, "batch explains no variance before integration (PCR 0)");
	double s = (before - after) / before;
	return s < 0 ? 0 : s;
}

void sc_scib_column_variances(double *out, const sc_dmat *x)
{
	for (size_t j = 0; j < x->cols; j++) {
		double m = 0, q = 0;
		for (size_t i = 0; i < x->rows; i++)
			m += SC_AT(x, i, j);
		m /= (double)x->rows;
		for (size_t i = 0; i < x->rows; i++)
			q += (SC_AT(x, i, j) - m) * (SC_AT(x, i, j) - m);
		out[j] = q / (double)(x->rows > 1 ? x->rows - 1 : 1);
	}
}
