/*
 * splat_fit.c - splatEstimate for sceval's Splatter-style simulator
 * (splat_fit.h). Estimation reads the counts gene by gene from the
 * loaded data (one pass per statistic over the non-zeros); the simulation
 * is sc_splat_write with the real cells' types and batches, copied into
 * the task's output with the real cells' names and covariate columns.
 */
#include "tasks/simulation/splat_fit.h"
#include "tasks/simulation/nb.h"
#include "io/h5ad.h"
#include "util/buf.h"
#include "util/fs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* R's quantile type 7 of sorted x. */
static double quantile7(const double *x, size_t n, double q)
{
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)floor(h);
	return lo + 1 < n ? x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]) : x[n - 1];
}

static double median_of(double *x, size_t n)
{
	qsort(x, n, sizeof(double), cmp_double);
	return quantile7(x, n, 0.5);
}

/* Gamma(shape, rate) by maximum likelihood: Newton on
 * log(shape) - psi(shape) = log(mean) - mean(log x). */
static void gamma_mle(double *shape, double *rate, const double *x, size_t n)
{
	double m = 0, lm = 0;
	for (size_t i = 0; i < n; i++) {
		m += x[i];
		lm += log(x[i]);
	}
	m /= (double)n;
	lm /= (double)n;
	double s = log(m) - lm;
	double a = s > 0 ? (3 - s + sqrt((s - 3) * (s - 3) + 24 * s)) / (12 * s) : 1e6;
	for (int it = 0; it < 100 && s > 0; it++) {
		double f = log(a) - sc_sim_digamma(a) - s, df = 1 / a - sc_sim_trigamma(a);
		double na = a - f / df;
		if (!(na > 0))
			na = a / 2;
		if (fabs(na - a) < 1e-14 * a) {
			a = na;
			break;
		}
		a = na;
	}
	*shape = a;
	*rate = a / m;
}

/* Log-normal by maximum likelihood (fitdistrplus: sdlog with ddof 0). */
static void lnorm_mle(double *loc, double *scale, const double *x, size_t n)
{
	double m = 0, v = 0;
	for (size_t i = 0; i < n; i++)
		m += log(x[i]);
	m /= (double)n;
	for (size_t i = 0; i < n; i++)
		v += (log(x[i]) - m) * (log(x[i]) - m);
	*loc = m;
	*scale = sqrt(v / (double)n);
}

/* Library-size-normalised gene means (counts / L * median L), and raw means. */
static void gene_means(double *norm_mean, double *raw_mean, const sc_sim_data *d)
{
	double *l = sc_xmalloc(d->n * sizeof(double));
	size_t nl = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->lib[i] > 0)
			l[nl++] = d->lib[i];
	double med = nl ? median_of(l, nl) : 1;
	free(l);
	for (size_t g = 0; g < d->genes; g++) {
		double s = 0, r = 0;
		for (int64_t k = d->colptr[g]; k < d->colptr[g + 1]; k++) {
			s += d->val[k] / d->lib[d->row[k]] * med;
			r += d->val[k];
		}
		norm_mean[g] = s / (double)d->n;
		raw_mean[g] = r / (double)d->n;
	}
}

static void estimate_mean(sc_splat_params *p, const double *means, size_t G)
{
	double *x = sc_xmalloc(G * sizeof(double));
	size_t n = 0;
	for (size_t g = 0; g < G; g++)
		if (means[g] > 0)
			x[n++] = means[g];
	if (n < 2) {
		free(x);
		return;
	}
	double *s = sc_xmalloc(n * sizeof(double));
	memcpy(s, x, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_double);
	double lo = quantile7(s, n, 0.1), hi = quantile7(s, n, 0.9);
	for (size_t i = 0; i < n; i++)
		x[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
	gamma_mle(&p->mean_shape, &p->mean_rate, x, n);
	free(s);
	free(x);
}

/* splatEstOutlier: genes whose log mean is above median + 2 MAD. */
static void estimate_outliers(sc_splat_params *p, const double *means, size_t G)
{
	double *lm = sc_xmalloc(G * sizeof(double)), *dev = sc_xmalloc(G * sizeof(double));
	double *m = sc_xmalloc(G * sizeof(double));
	size_t n = 0;
	for (size_t g = 0; g < G; g++)
		if (means[g] > 0) {
			lm[n] = log(means[g]);
			m[n++] = means[g];
		}
	if (n < 3)
		goto out;
	double *s = sc_xmalloc(n * sizeof(double));
	memcpy(s, lm, n * sizeof(double));
	double med = median_of(s, n);
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(lm[i] - med);
	double mad = 1.4826 * median_of(dev, n), bound = med + 2 * mad;
	memcpy(s, m, n * sizeof(double));
	double med_mean = median_of(s, n);
	size_t no = 0;
	for (size_t i = 0; i < n; i++)
		if (lm[i] > bound)
			s[no++] = m[i] / med_mean;
	p->out_prob = (double)no / (double)G;
	if (no > 1)
		lnorm_mle(&p->out_loc, &p->out_scale, s, no);
	free(s);
out:
	free(lm);
	free(dev);
	free(m);
}

/* BCV: per gene log X_g = log phi_g - 2 log(c + 1/sqrt(mu_g)) must have
 * the mean and variance of log(df / chi2_df): E = log(df/2) - psi(df/2),
 * Var = psi'(df/2). Alternate: c by bisection on the mean, df from the
 * variance. */
static void estimate_bcv(sc_splat_params *p, const sc_sim_data *d, const double *raw_mean,
			 sc_err *err, int *rc)
{
	sc_sim_nb m;
	*rc = sc_sim_nb_fit(&m, d, 0, 0, err);
	if (*rc)
		return;
	size_t G = d->genes, n = 0;
	double *lphi = sc_xmalloc(G * sizeof(double)), *mu = sc_xmalloc(G * sizeof(double));
	for (size_t g = 0; g < G; g++)
		if (raw_mean[g] >= 1 && m.converged[g] && m.theta[g] < SC_NB_THETA_MAX / 10) {
			lphi[n] = -log(m.theta[g]);
			mu[n++] = raw_mean[g];
		}
	sc_sim_nb_free(&m);
	if (n >= 10) {
		double df = 1e4, c = 0.1;
		for (int it = 0; it < 50; it++) {
			double target = log(df / 2) - sc_sim_digamma(df / 2), lo = 0, hi = 10;
			for (int b = 0; b < 100; b++) {
				c = 0.5 * (lo + hi);
				double s = 0;
				for (size_t i = 0; i < n; i++)
					s += lphi[i] - 2 * log(c + 1 / sqrt(mu[i]));
				if (s / (double)n > target)
					lo = c;
				else
					hi = c;
			}
			double s = 0, s2 = 0;
			for (size_t i = 0; i < n; i++) {
				double x = lphi[i] - 2 * log(c + 1 / sqrt(mu[i]));
				s += x;
				s2 += x * x;
			}
			double var = (s2 - s * s / (double)n) / (double)(n - 1);
			/* psi'(df/2) = var, psi' decreasing: bisection on log df. */
			double a = log(1e-2), bnd = log(1e6);
			if (!(var > 0) || sc_sim_trigamma(exp(bnd) / 2) >= var) {
				df = 1e6;
			} else {
				for (int b = 0; b < 100; b++) {
					double mid = 0.5 * (a + bnd);
					if (sc_sim_trigamma(exp(mid) / 2) > var)
						a = mid;
					else
						bnd = mid;
				}
				df = exp(0.5 * (a + bnd));
			}
		}
		p->bcv_common = c;
		p->bcv_df = df;
	}
	free(lphi);
	free(mu);
}

/* splatEstDropout: logistic zero fraction ~ log mean, least squares
 * (Gauss-Newton with step halving, as nls). */
static void estimate_dropout(sc_splat_params *p, const sc_sim_data *d, const double *means)
{
	size_t G = d->genes, n = 0;
	double *x = sc_xmalloc(G * sizeof(double)), *y = sc_xmalloc(G * sizeof(double));
	for (size_t g = 0; g < G; g++)
		if (means[g] > 0) {
			x[n] = log(means[g]);
			y[n++] = 1 - (double)(d->colptr[g + 1] - d->colptr[g]) / (double)d->n;
		}
	if (n < 3)
		goto out;
	double *s = sc_xmalloc(n * sizeof(double));
	memcpy(s, x, n * sizeof(double));
	double mid = median_of(s, n), k = -1;
	free(s);
	double sse = INFINITY;
	for (int it = 0; it < 200; it++) {
		double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0, cur = 0;
		for (size_t i = 0; i < n; i++) {
			double f = 1 / (1 + exp(-k * (x[i] - mid))), r = y[i] - f;
			double dfk = f * (1 - f) * (x[i] - mid), dfm = -f * (1 - f) * k;
			a11 += dfk * dfk;
			a12 += dfk * dfm;
			a22 += dfm * dfm;
			b1 += dfk * r;
			b2 += dfm * r;
			cur += r * r;
		}
		sse = cur;
		double det = a11 * a22 - a12 * a12;
		if (!(fabs(det) > 0))
			break;
		double dk = (a22 * b1 - a12 * b2) / det, dm = (a11 * b2 - a12 * b1) / det;
		double t = 1;
		for (int h = 0; h < 30; h++, t /= 2) {
			double nk = k + t * dk, nm = mid + t * dm, ns = 0;
			for (size_t i = 0; i < n; i++) {
				double f = 1 / (1 + exp(-nk * (x[i] - nm)));
				ns += (y[i] - f) * (y[i] - f);
			}
			if (ns <= sse)
				break;
		}
		k += t * dk;
		mid += t * dm;
		if (fabs(t * dk) < 1e-10 && fabs(t * dm) < 1e-10)
			break;
	}
	if (isfinite(k) && isfinite(mid) && fabs(k) <= 50 && fabs(mid) <= 50) {
		p->dropout_shape = k;
		p->dropout_mid = mid;
	}
out:
	free(x);
	free(y);
}

int sc_sim_splat_estimate(sc_splat_params *p, const sc_sim_data *d, sc_err *err)
{
	size_t G = d->genes;
	double *nm = sc_xmalloc(G * sizeof(double)), *rm = sc_xmalloc(G * sizeof(double));
	gene_means(nm, rm, d);
	estimate_mean(p, nm, G);
	double *l = sc_xmalloc(d->n * sizeof(double));
	size_t nl = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->lib[i] > 0)
			l[nl++] = d->lib[i];
	if (nl)
		lnorm_mle(&p->lib_loc, &p->lib_scale, l, nl);
	free(l);
	estimate_outliers(p, nm, G);
	int rc = 0;
	estimate_bcv(p, d, rm, err, &rc);
	if (!rc)
		estimate_dropout(p, d, nm);
	free(nm);
	free(rm);
	return rc;
}

static int write_params(sc_step_ctx *c, const sc_splat_params *p, const char *name)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_printf(&b,
		      "parameter\tvalue\nmean_shape\t%.17g\nmean_rate\t%.17g\nlib_loc\t%.17g\n"
		      "lib_scale\t%.17g\nout_prob\t%.17g\nout_loc\t%.17g\nout_scale\t%.17g\n"
		      "bcv_common\t%.17g\nbcv_df\t%.17g\ndropout_mid\t%.17g\ndropout_shape\t%.17g\n"
		      "dropout\t%d\n",
		      p->mean_shape, p->mean_rate, p->lib_loc, p->lib_scale, p->out_prob, p->out_loc,
		      p->out_scale, p->bcv_common, p->bcv_df, p->dropout_mid, p->dropout_shape,
		      p->dropout);
	char *path = sc_step_out(c, name);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	sc_buf_free(&b);
	return rc;
}

/* The generator's file, rewritten with the real cells' names and columns. */
static int copy_with_frames(const char *from, const char *to, const sc_sim_data *d, sc_err *err)
{
	sc_h5ad *h = NULL;
	sc_h5ad_writer *w = NULL;
	double *tot = sc_xcalloc(d->n, sizeof(double));
	int rc = sc_h5ad_open(&h, from, err);
	if (!rc)
		rc = sc_h5ad_create(&w, to, err);
	if (!rc)
		rc = sc_h5ad_csr_begin(w, "X", d->genes, SC_H5AD_F32, err);
	for (size_t r0 = 0; r0 < d->n && !rc; r0 += 4096) {
		size_t r1 = r0 + 4096 < d->n ? r0 + 4096 : d->n;
		sc_csr b;
		if ((rc = sc_h5ad_read_rows(&b, h, "X", r0, r1, 0, err)))
			break;
		for (size_t i = 0; i < b.rows; i++)
			for (int64_t k = b.indptr[i]; k < b.indptr[i + 1]; k++)
				tot[r0 + i] += b.data[k];
		rc = sc_h5ad_csr_append(w, &b, err);
		sc_csr_free(&b);
	}
	if (!rc)
		rc = sc_h5ad_csr_end(w, err);
	if (!rc)
		rc = sc_sim_write_frames(w, d, tot, err);
	if (!rc)
		rc = sc_h5ad_write_uns_string(w, "simulation/model", "splat_fit", err);
	if (!rc)
		rc = sc_h5ad_writer_close(w, err);
	else
		sc_h5ad_writer_free(w);
	sc_h5ad_close(h);
	free(tot);
	return rc;
}

int sc_sim_splat_fit_step(sc_step_ctx *c, const sc_sim_data *d, const char *out_data,
			  const char *out_params)
{
	const char *dropout = sc_step_str(c, "dropout", "none");
	if (strcmp(dropout, "none") && strcmp(dropout, "experiment"))
		return sc_errf(c->err, SC_EINVAL, "splat_fit: dropout must be none or experiment, not '%s'",
			       dropout);
	sc_splat_params p;
	sc_splat_defaults(&p);
	int rc = sc_sim_splat_estimate(&p, d, c->err);
	if (rc)
		return rc;
	p.cells = d->n;
	p.genes = d->genes;
	p.types = d->type.ncat;
	p.batches = d->batch.ncat ? d->batch.ncat : 1;
	p.cell_type = d->type.codes;
	p.cell_batch = d->batch.ncat ? d->batch.codes : NULL;
	p.seed = (uint64_t)c->seed;
	p.dropout = !strcmp(dropout, "experiment");
	p.threads = 1; /* the bytes do not depend on it; the step runs beside others */
	if (!d->batch.ncat)
		p.batch_loc = 0, p.batch_scale = 0; /* one batch: no batch factor */
	char *tmp = sc_step_out(c, ".splat.tmp.h5ad"), *out = sc_step_out(c, out_data);
	rc = sc_splat_write(&p, tmp, NULL, c->err);
	if (!rc)
		rc = copy_with_frames(tmp, out, d, c->err);
	unlink(tmp);
	free(tmp);
	free(out);
	if (!rc)
		rc = write_params(c, &p, out_params);
	return rc;
}
