/*
 * combat.c - ComBat (parametric empirical Bayes batch correction) exactly as
 * scanpy.pp.combat computes it, for the built-in baseline of the batch task.
 *
 * Per gene: a least-squares fit of the design (batch one-hot + numeric
 * covariates) gives the pooled variance (mean squared residual, divided by n
 * as scanpy does) and the standardisation mean; the standardised data give
 * per-batch location/scale estimates (gamma_hat, delta_hat), their priors by
 * the method of moments, and the iterated posterior means gamma_star and
 * delta_star; the data are then adjusted and un-standardised.
 *
 * Workload: up to ~10^5-10^6 cells x 500-2000 genes, dense. The matrix is
 * read in five streaming passes over rows (cache friendly for the row-major
 * layout) and written once, in the last pass, so memory is the input plus
 * O(batches x genes), and a failure leaves the input untouched. The
 * standardised values are recomputed in each pass instead of stored.
 * Every reduction is a plain loop in a fixed order: the bytes do not depend
 * on the thread count.
 */
#include "combat.h"
#include "tasks/core/blas.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* scanpy's _it_sol has no iteration cap; this one only stops a pathological
 * oscillation from hanging the process. */
#define COMBAT_MAX_ITER 100000
#define COMBAT_CONV 1e-4

typedef struct combat {
	size_t n, g, nb, q, p; /* cells, genes, batches, covariates, design columns */
	int32_t *bidx;         /* per cell: batch index in [0, nb) */
	size_t *nbatch;        /* cells per batch */
	double *bhat;          /* p x g least-squares coefficients */
	double *grand;         /* g: batch-size-weighted mean of batch coefficients */
	double *sdp;           /* g: sqrt(pooled variance) */
	const sc_dmat *cov;
} combat;

/* Standardisation mean of cell i, gene j: grand mean plus covariate effects. */
static inline double stand_mean(const combat *c, size_t i, size_t j)
{
	double m = c->grand[j];
	for (size_t k = 0; k < c->q; k++)
		m += c->cov->v[i * c->q + k] * c->bhat[(c->nb + k) * c->g + j];
	return m;
}

/* The standardised row of cell i into s (g values). Zero-variance genes are 0. */
static void standardise_row(const combat *c, const double *x, size_t i, double *s)
{
	for (size_t j = 0; j < c->g; j++)
		s[j] = c->sdp[j] == 0 ? 0 : (x[j] - stand_mean(c, i, j)) / c->sdp[j];
}

/* Least squares of every gene on the design: bhat = (D'D)^-1 D'X. With the
 * batch one-hot alone the coefficients are the batch means, computed as
 * sum / n_b so that a gene constant within each batch leaves an exactly zero
 * residual (scanpy's explicit inverse may leave 1e-31 by rounding, which
 * would decide whether the gene counts as zero-variance by luck). With
 * covariates, by Cholesky; a pivot below a relative 1e-10 is taken as
 * singular (collinear covariates). Returns -1 when D'D is singular. */
static int fit_design(combat *c, const sc_dmat *x)
{
	size_t p = c->p, g = c->g;
	double *dtd = sc_xcalloc(p * p, sizeof(double));
	double *dtx = c->bhat;
	memset(dtx, 0, p * g * sizeof(double));
	for (size_t i = 0; i < c->n; i++) {
		const double *xi = x->v + i * g;
		size_t b = (size_t)c->bidx[i];
		const double *ci = c->q ? c->cov->v + i * c->q : NULL;
		double *row = dtx + b * g;
		for (size_t j = 0; j < g; j++)
			row[j] += xi[j];
		dtd[b * p + b] += 1;
		for (size_t k = 0; k < c->q; k++) {
			double *rk = dtx + (c->nb + k) * g;
			for (size_t j = 0; j < g; j++)
				rk[j] += ci[k] * xi[j];
			dtd[b * p + c->nb + k] += ci[k];
			dtd[(c->nb + k) * p + b] += ci[k];
			for (size_t l = 0; l < c->q; l++)
				dtd[(c->nb + k) * p + c->nb + l] += ci[k] * ci[l];
		}
	}
	/* D'D is symmetric, so its row-major layout is LAPACK's column-major one;
	 * the right-hand sides D'X are transposed into column-major p x g. */
	double *rhs = sc_xmalloc(sc_mulsz(p * g, sizeof(double)));
	for (size_t r = 0; r < p; r++)
		for (size_t j = 0; j < g; j++)
			rhs[j * p + r] = dtx[r * g + j]; /* column-major p x g */
	int ip = (int)p, ig = (int)g, info = 0;
	double dmax = 0;
	for (size_t r = 0; r < p; r++)
		dmax = fmax(dmax, dtd[r * p + r]);
	if (c->q == 0) {
		for (size_t r = 0; r < p; r++)
			for (size_t j = 0; j < g; j++)
				rhs[j * p + r] /= dtd[r * p + r];
	} else {
		dpotrf_("L", &ip, dtd, &ip, &info);
		for (size_t r = 0; info == 0 && r < p; r++)
			if (!(dtd[r * p + r] * dtd[r * p + r] > 1e-10 * dmax))
				info = (int)r + 1;
		if (info == 0)
			dpotrs_("L", &ip, &ig, dtd, &ip, rhs, &ip, &info);
	}
	if (info == 0)
		for (size_t r = 0; r < p; r++)
			for (size_t j = 0; j < g; j++)
				c->bhat[r * g + j] = rhs[j * p + r];
	free(rhs);
	free(dtd);
	return info == 0 ? 0 : -1;
}

/* One batch's iterated posterior means (scanpy's _it_sol), including its
 * convergence test: max over genes of (new - old) / old, signed denominator,
 * NaN-propagating as numpy's max, combined as Python's max(a, b), which
 * keeps a NaN first argument. ss = sum of squared deviations around ghat. */
static size_t it_sol(double *gstar, double *dstar, const double *ghat, const double *dhat,
		     const double *ss, size_t g, double nb, double gbar, double t2, double a,
		     double b)
{
	memcpy(gstar, ghat, g * sizeof(double));
	memcpy(dstar, dhat, g * sizeof(double));
	double *gn = sc_xmalloc(g * sizeof(double)), *dn = sc_xmalloc(g * sizeof(double));
	size_t count = 0;
	double change = 1;
	while (change > COMBAT_CONV && count < COMBAT_MAX_ITER) {
		double cg = -INFINITY, cd = -INFINITY;
		int gnan = 0, dnan = 0;
		for (size_t j = 0; j < g; j++) {
			gn[j] = (t2 * nb * ghat[j] + dstar[j] * gbar) / (t2 * nb + dstar[j]);
			/* sum_i (s_i - gn)^2 = ss + n (ghat - gn)^2 exactly, no second pass */
			double dev = ghat[j] - gn[j];
			double sum2 = ss[j] + nb * dev * dev;
			dn[j] = (0.5 * sum2 + b) / (nb / 2.0 + a - 1.0);
			double rg = fabs(gn[j] - gstar[j]) / gstar[j];
			double rd = fabs(dn[j] - dstar[j]) / dstar[j];
			if (isnan(rg))
				gnan = 1;
			else if (rg > cg)
				cg = rg;
			if (isnan(rd))
				dnan = 1;
			else if (rd > cd)
				cd = rd;
		}
		if (gnan)
			cg = NAN;
		if (dnan)
			cd = NAN;
		change = cd > cg ? cd : cg; /* Python max(cg, cd) */
		memcpy(gstar, gn, g * sizeof(double));
		memcpy(dstar, dn, g * sizeof(double));
		count++;
	}
	free(gn);
	free(dn);
	return count;
}

/* Batches in category order, keeping only non-empty categories (pandas
 * groupby(observed=True) on a categorical). */
static int map_batches(combat *c, const sc_labels *batch, sc_err *err)
{
	size_t ncat = batch->ncat;
	size_t *count = sc_xcalloc(ncat ? ncat : 1, sizeof(size_t));
	int32_t *map = sc_xmalloc((ncat ? ncat : 1) * sizeof(int32_t));
	int rc = 0;
	for (size_t i = 0; i < c->n; i++) {
		int32_t k = batch->codes[i];
		if (k < 0 || (size_t)k >= ncat) {
			rc = sc_errf(err, SC_EINVAL, "combat: cell %zu has no batch label", i);
			goto out;
		}
		count[k]++;
	}
	c->nb = 0;
	for (size_t k = 0; k < ncat; k++)
		map[k] = count[k] ? (int32_t)c->nb++ : -1;
	c->nbatch = sc_xcalloc(c->nb ? c->nb : 1, sizeof(size_t));
	for (size_t k = 0; k < ncat; k++) {
		if (count[k] == 1) {
			rc = sc_errf(err, SC_EINVAL,
				     "combat: batch '%s' has 1 cell; at least 2 per batch are "
				     "needed to estimate its variance",
				     batch->names && batch->names[k] ? batch->names[k] : "?");
			goto out;
		}
		if (count[k])
			c->nbatch[map[k]] = count[k];
	}
	c->bidx = sc_xmalloc(c->n * sizeof(int32_t));
	for (size_t i = 0; i < c->n; i++)
		c->bidx[i] = map[batch->codes[i]];
out:
	free(count);
	free(map);
	return rc;
}

/* Method-of-moments hyperparameters of the inverse-gamma prior on delta:
 * mean m and variance s2 (ddof = 1, pandas' Series.var) over genes. */
static int priors(double *a, double *b, const double *dhat, size_t g)
{
	double m = 0, s2 = 0;
	for (size_t j = 0; j < g; j++)
		m += dhat[j];
	m /= (double)g;
	for (size_t j = 0; j < g; j++)
		s2 += (dhat[j] - m) * (dhat[j] - m);
	s2 /= (double)(g - 1);
	if (!(s2 > 0) || !isfinite(s2))
		return -1;
	*a = (2 * s2 + m * m) / s2;
	*b = (m * s2 + m * m * m) / s2;
	return 0;
}

int sc_combat(sc_dmat *x, const sc_labels *batch, const sc_dmat *covariates,
	      sc_combat_info *info, sc_err *err)
{
	combat c;
	memset(&c, 0, sizeof(c));
	c.n = x->rows;
	c.g = x->cols;
	c.cov = covariates;
	c.q = covariates ? covariates->cols : 0;
	double *gam = NULL, *del = NULL, *ss = NULL, *gstar = NULL, *dstar = NULL, *s = NULL;
	double *scale = NULL;
	int rc = 0;
	size_t n = c.n, g = c.g, maxit = 0, nzero = 0;

	if (batch->n != n)
		return sc_errf(err, SC_EINVAL, "combat: %zu batch labels for %zu cells", batch->n, n);
	if (covariates && covariates->rows != n)
		return sc_errf(err, SC_EINVAL, "combat: %zu covariate rows for %zu cells",
			       covariates->rows, n);
	if (g < 2)
		return sc_errf(err, SC_EINVAL, "combat: %zu genes; the priors need at least 2", g);
	for (size_t i = 0; i < n * g; i++)
		if (!isfinite(x->v[i]))
			return sc_errf(err, SC_EINVAL, "combat: non-finite value at cell %zu, gene %zu",
				       i / g, i % g);
	for (size_t i = 0; covariates && i < n * c.q; i++)
		if (!isfinite(covariates->v[i]))
			return sc_errf(err, SC_EINVAL, "combat: non-finite covariate at cell %zu",
				       i / c.q);
	if ((rc = map_batches(&c, batch, err)) != 0)
		goto out;
	if (c.nb < 2) {
		rc = sc_errf(err, SC_EINVAL, "combat: %zu batch; at least 2 are needed", c.nb);
		goto out;
	}
	c.p = c.nb + c.q;
	size_t nb = c.nb, p = c.p;
	if (n <= p) {
		rc = sc_errf(err, SC_EINVAL, "combat: %zu cells for %zu design columns", n, p);
		goto out;
	}
	c.bhat = sc_xmalloc(sc_mulsz(p * g, sizeof(double)));
	c.grand = sc_xcalloc(g, sizeof(double));
	c.sdp = sc_xcalloc(g, sizeof(double));

	/* Pass 1: the design fit. */
	if (fit_design(&c, x) != 0) {
		rc = sc_errf(err, SC_EINVAL,
			     "combat: the design is singular (covariates collinear with the batches)");
		goto out;
	}
	for (size_t b = 0; b < nb; b++)
		for (size_t j = 0; j < g; j++)
			c.grand[j] += ((double)c.nbatch[b] / (double)n) * c.bhat[b * g + j];

	/* Pass 2: pooled variance, the mean squared residual of the fit. */
	for (size_t i = 0; i < n; i++) {
		const double *xi = x->v + i * g, *bb = c.bhat + (size_t)c.bidx[i] * g;
		for (size_t j = 0; j < g; j++) {
			double fit = bb[j];
			for (size_t k = 0; k < c.q; k++)
				fit += c.cov->v[i * c.q + k] * c.bhat[(nb + k) * g + j];
			double r = xi[j] - fit;
			c.sdp[j] += r * r;
		}
	}
	for (size_t j = 0; j < g; j++) {
		c.sdp[j] = sqrt(c.sdp[j] / (double)n);
		nzero += c.sdp[j] == 0;
	}

	/* Passes 3 and 4: per-batch mean (gamma_hat) and sum of squared
	 * deviations of the standardised data; delta_hat = ss / (n_b - 1). */
	gam = sc_xcalloc(nb * g, sizeof(double));
	ss = sc_xcalloc(nb * g, sizeof(double));
	del = sc_xmalloc(nb * g * sizeof(double));
	s = sc_xmalloc(g * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		standardise_row(&c, x->v + i * g, i, s);
		double *gb = gam + (size_t)c.bidx[i] * g;
		for (size_t j = 0; j < g; j++)
			gb[j] += s[j];
	}
	for (size_t b = 0; b < nb; b++)
		for (size_t j = 0; j < g; j++)
			gam[b * g + j] /= (double)c.nbatch[b];
	for (size_t i = 0; i < n; i++) {
		standardise_row(&c, x->v + i * g, i, s);
		const double *gb = gam + (size_t)c.bidx[i] * g;
		double *sb = ss + (size_t)c.bidx[i] * g;
		for (size_t j = 0; j < g; j++)
			sb[j] += (s[j] - gb[j]) * (s[j] - gb[j]);
	}
	for (size_t b = 0; b < nb; b++)
		for (size_t j = 0; j < g; j++)
			del[b * g + j] = ss[b * g + j] / (double)(c.nbatch[b] - 1);

	/* Priors and the empirical-Bayes iteration, per batch. */
	gstar = sc_xmalloc(nb * g * sizeof(double));
	dstar = sc_xmalloc(nb * g * sizeof(double));
	for (size_t b = 0; b < nb; b++) {
		const double *gb = gam + b * g;
		double gbar = 0, t2 = 0, a, bp;
		for (size_t j = 0; j < g; j++)
			gbar += gb[j];
		gbar /= (double)g;
		for (size_t j = 0; j < g; j++)
			t2 += (gb[j] - gbar) * (gb[j] - gbar);
		t2 /= (double)g; /* numpy var, ddof = 0 */
		if (priors(&a, &bp, del + b * g, g) != 0) {
			rc = sc_errf(err, SC_EINVAL,
				     "combat: cannot estimate the variance prior of batch %zu: "
				     "its per-gene variances do not vary",
				     b);
			goto out;
		}
		size_t it = it_sol(gstar + b * g, dstar + b * g, gb, del + b * g, ss + b * g, g,
				   (double)c.nbatch[b], gbar, t2, a, bp);
		if (it >= COMBAT_MAX_ITER) {
			rc = sc_errf(err, SC_ERR, "combat: the empirical Bayes estimates of batch %zu "
						  "did not converge", b);
			goto out;
		}
		if (it > maxit)
			maxit = it;
	}
	scale = sc_xmalloc(nb * g * sizeof(double));
	for (size_t b = 0; b < nb * g; b++) {
		scale[b] = sqrt(dstar[b]);
		if (!isfinite(gstar[b]) || !isfinite(scale[b]) || !(scale[b] > 0)) {
			rc = sc_errf(err, SC_ERR,
				     "combat: non-finite batch estimate for batch %zu, gene %zu",
				     b / g, b % g);
			goto out;
		}
	}

	/* Pass 5: adjust and un-standardise, in place. */
	for (size_t i = 0; i < n; i++) {
		double *xi = x->v + i * g;
		size_t b = (size_t)c.bidx[i];
		standardise_row(&c, xi, i, s);
		for (size_t j = 0; j < g; j++)
			xi[j] = (s[j] - gstar[b * g + j]) / scale[b * g + j] * c.sdp[j] +
				stand_mean(&c, i, j);
	}
	if (info) {
		info->n_batches = nb;
		info->n_zero_var = nzero;
		info->max_iterations = maxit;
	}
out:
	free(c.bidx);
	free(c.nbatch);
	free(c.bhat);
	free(c.grand);
	free(c.sdp);
	free(gam);
	free(del);
	free(ss);
	free(gstar);
	free(dstar);
	free(s);
	free(scale);
	return rc;
}
