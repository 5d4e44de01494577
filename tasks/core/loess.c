/*
 * loess.c - direct one-dimensional loess, for seurat_v3 highly variable
 * genes (log10 variance against log10 mean of 1e3..3e4 genes, degree 2,
 * span 0.3).
 *
 * This follows netlib dloess's local fit (ehg127): the q = floor(n * span)
 * nearest points of x0, radius h = distance of the q-th, weights
 * (1 - (d/h)^3)^3 (so the q-th point itself weighs 0), design columns
 * 1, (x - x0), (x - x0)^2 scaled by sqrt(weight) and equilibrated, least
 * squares by Householder QR with columns whose pivot falls under 100 eps
 * of the largest dropped (netlib's pseudo-inverse). The fitted value is the
 * intercept.
 *
 * It is the "direct" surface. scanpy calls skmisc's loess with its default
 * surface "interpolate": the fit is evaluated at the vertices of a k-d tree
 * (cells of span * cell points) and blended by cubic Hermite interpolation,
 * which differs from the direct fit by up to ~0.007 in log10 variance on
 * the real files; bench/hvg_loess_surface.py re-creates the interpolation
 * and finds 1, 2, 1 and 7 genes of the top 2000 changed on the two
 * CellBench and two CITE-seq files (those nearest the cut). Cost: one pass of two
 * pointers over the sorted x, then O(q) per point: O(n q), about 0.1 s for
 * 15000 genes.
 */
#include "loess.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct xi {
	double x;
	size_t i;
} xi;

static int xi_cmp(const void *a, const void *b)
{
	const xi *p = a, *q = b;
	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return (p->i > q->i) - (p->i < q->i);
}

/* Weighted least squares on m rows, k <= 3 columns (column-major in a,
 * overwritten), right-hand side b (overwritten); returns coefficient 0. */
static double lsq_intercept(double *a, double *b, size_t m, int k)
{
	double colnor[3], r[3][3] = { { 0 } }, qb[3] = { 0 };
	int keep[3];
	for (int j = 0; j < k; j++) {
		double s = 0;
		for (size_t t = 0; t < m; t++)
			s += a[j * m + t] * a[j * m + t];
		s = sqrt(s);
		colnor[j] = s > 0 ? s : 1;
		for (size_t t = 0; t < m; t++)
			a[j * m + t] /= colnor[j];
	}
	/* Householder QR */
	for (int j = 0; j < k; j++) {
		double nrm = 0;
		for (size_t t = (size_t)j; t < m; t++)
			nrm += a[j * m + t] * a[j * m + t];
		nrm = sqrt(nrm);
		if (nrm == 0) {
			r[j][j] = 0;
			continue;
		}
		double alpha = a[j * m + (size_t)j] > 0 ? -nrm : nrm;
		double *v = a + j * m; /* v = column j from row j, v[j] -= alpha */
		v[j] -= alpha;
		double vv = 0;
		for (size_t t = (size_t)j; t < m; t++)
			vv += v[t] * v[t];
		for (int c = j + 1; c < k; c++) {
			double *u = a + c * m, s = 0;
			for (size_t t = (size_t)j; t < m; t++)
				s += v[t] * u[t];
			s = 2 * s / vv;
			for (size_t t = (size_t)j; t < m; t++)
				u[t] -= s * v[t];
		}
		double s = 0;
		for (size_t t = (size_t)j; t < m; t++)
			s += v[t] * b[t];
		s = 2 * s / vv;
		for (size_t t = (size_t)j; t < m; t++)
			b[t] -= s * v[t];
		r[j][j] = alpha;
		for (int c = j + 1; c < k; c++)
			r[j][c] = a[c * m + (size_t)j];
	}
	double big = 0;
	for (int j = 0; j < k; j++) {
		qb[j] = b[j];
		big = fmax(big, fabs(r[j][j]));
	}
	for (int j = 0; j < k; j++)
		keep[j] = fabs(r[j][j]) > 100 * DBL_EPSILON * big;
	double beta[3] = { 0 };
	for (int j = k - 1; j >= 0; j--) {
		if (!keep[j])
			continue;
		double s = qb[j];
		for (int c = j + 1; c < k; c++)
			s -= r[j][c] * beta[c];
		beta[j] = s / r[j][j];
	}
	return beta[0] / colnor[0];
}

int sc_loess_fit(double *fitted, const double *x, const double *y, size_t n, double span,
		 int degree, sc_err *err)
{
	if (!(span > 0 && span <= 1))
		return sc_errf(err, SC_EINVAL, "loess span '%g' not in (0, 1]", span);
	if (degree < 0 || degree > 2)
		return sc_errf(err, SC_EINVAL, "loess degree '%d' not in 0..2", degree);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]) || !isfinite(y[i]))
			return sc_errf(err, SC_EINVAL, "non-finite loess input at point %zu", i);
	size_t q = (size_t)floor((double)n * span);
	if (q > n)
		q = n;
	int k = degree + 1;
	if (q < (size_t)k)
		return sc_errf(err, SC_EINVAL, "loess span too small: %zu points for degree %d", q, degree);
	xi *s = sc_xmalloc(n * sizeof(xi));
	for (size_t i = 0; i < n; i++) {
		s[i].x = x[i];
		s[i].i = i;
	}
	qsort(s, n, sizeof(xi), xi_cmp);
	double *a = sc_xmalloc(sc_mulsz(q, 3 * sizeof(double)));
	double *b = sc_xmalloc(q * sizeof(double));
	size_t l = 0;
	for (size_t t = 0; t < n; t++) {
		double x0 = s[t].x;
		/* the q nearest form a window [l, l + q) of the sorted points */
		while (l + q < n && s[l + q].x - x0 < x0 - s[l].x)
			l++;
		double h = fmax(x0 - s[l].x, s[l + q - 1].x - x0);
		size_t m = 0;
		for (size_t u = l; u < l + q; u++) {
			double d = fabs(s[u].x - x0), w;
			if (h > 0) {
				double r = d / h;
				w = r < 1 ? sqrt(pow(1 - r * r * r, 3)) : 0;
			} else {
				w = 1; /* all q points coincide: a weighted mean */
			}
			if (w == 0)
				continue;
			double dx = s[u].x - x0;
			a[m] = w;
			a[q + m] = w * dx;
			a[2 * q + m] = w * dx * dx;
			b[m] = w * y[s[u].i];
			m++;
		}
		/* compact the columns to stride m */
		if (m < q) {
			memmove(a + m, a + q, m * sizeof(double));
			memmove(a + 2 * m, a + 2 * q, m * sizeof(double));
		}
		fitted[s[t].i] = lsq_intercept(a, b, m, h > 0 ? k : 1);
	}
	free(s);
	free(a);
	free(b);
	return 0;
}
