/*
 * logreg.c - multinomial logistic regression (L-BFGS or Newton) and the
 * StandardScaler-style standardisation, for the annotation and
 * gene-function baselines.
 *
 * Why: the study's logistic-regression baseline is sklearn's
 * LogisticRegression; sceval reproduces its coefficients (same objective,
 * same solver path and stopping rules, see lbfgs.h) without Python.
 * Workload: up to ~10^6 cells x 50-2000 features x tens of classes. An
 * objective evaluation runs over fixed 1024-row blocks: X_b W^T, the softmax
 * and G_b^T X_b per block, on a thread pool with OpenBLAS single-threaded
 * (par.h); partial sums are added in block order, so the result does not
 * depend on the thread count.
 */
#include "tasks/classify/logreg.h"
#include "tasks/classify/lbfgs.h"
#include "util/par.h"
#include "tasks/core/blas.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 1024

void sc_logreg_opts_init(sc_logreg_opts *o)
{
	o->C = 1.0;
	o->fit_intercept = 1;
	o->solver = SC_LOGREG_LBFGS;
	o->tol = 1e-4;
	o->max_iter = 100;
	o->ftol = 2.220446049250313e-09;
	o->threads = 0;
}

void sc_logreg_free(sc_logreg *m)
{
	if (!m)
		return;
	free(m->classes);
	free(m->coef);
	free(m->intercept);
	memset(m, 0, sizeof(*m));
}

/* ---- the objective ---- */

typedef struct obj {
	const double *x;
	const int32_t *yi; /* class index per cell, or NULL when predicting */
	size_t n, d, K;
	int fi;
	double invC;
	const double *W, *b; /* current weights (K x d) and intercepts (or NULL) */
	double *Z;           /* n x K: scores, then probabilities (minus one-hot) */
	double *bsum;        /* per block: column sums of G, then the log-loss */
	double *part;        /* per group: partial G^T X (K x d) */
	size_t nblk, ngrp;
	sc_par *par;
} obj;

/* Scores of a block of rows, softmax in place (with the intercept added);
 * with labels, subtract the one-hot row and record the block's column sums
 * of G = P - Y and its log-loss, logsumexp(z) - z_y with the row maximum
 * taken out (sklearn's HalfMultinomialLoss). */
static void block_pass(obj *o, size_t blk)
{
	size_t K = o->K, d = o->d, lo = blk * BLOCK;
	size_t hi = lo + BLOCK < o->n ? lo + BLOCK : o->n;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(hi - lo), (int)K, (int)d, 1.0,
		    o->x + lo * d, (int)d, o->W, (int)d, 0.0, o->Z + lo * K, (int)K);
	double *acc = o->yi ? o->bsum + blk * (K + 1) : NULL;
	if (acc)
		memset(acc, 0, (K + 1) * sizeof(double));
	for (size_t i = lo; i < hi; i++) {
		double *z = o->Z + i * K;
		double mx = -HUGE_VAL;
		for (size_t k = 0; k < K; k++) {
			if (o->b)
				z[k] += o->b[k];
			if (z[k] > mx)
				mx = z[k];
		}
		double zy = acc ? z[o->yi[i]] - mx : 0;
		double s = 0;
		for (size_t k = 0; k < K; k++) {
			z[k] = exp(z[k] - mx);
			s += z[k];
		}
		double inv = 1.0 / s;
		for (size_t k = 0; k < K; k++)
			z[k] *= inv;
		if (acc) {
			acc[K] += log(s) - zy;
			z[o->yi[i]] -= 1.0;
			for (size_t k = 0; k < K; k++)
				acc[k] += z[k];
		}
	}
}

static void probs_task(void *ctx, size_t blk)
{
	block_pass(ctx, blk);
}

/* A group is a fixed run of blocks: its blocks' passes, and their G^T X
 * accumulated in block order into the group's partial. The grouping depends
 * on n only, so the sums do not depend on the thread count. */
static void grad_task(void *ctx, size_t g)
{
	obj *o = ctx;
	size_t K = o->K, d = o->d;
	size_t b0 = g * o->nblk / o->ngrp, b1 = (g + 1) * o->nblk / o->ngrp;
	double *part = o->part + g * K * d;
	for (size_t blk = b0; blk < b1; blk++) {
		block_pass(o, blk);
		size_t lo = blk * BLOCK, hi = lo + BLOCK < o->n ? lo + BLOCK : o->n;
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)d, (int)(hi - lo),
			    1.0, o->Z + lo * K, (int)K, o->x + lo * d, (int)d, blk == b0 ? 0.0 : 1.0,
			    part, (int)d);
	}
}

static void obj_setup(obj *o, size_t n)
{
	o->n = n;
	o->nblk = (n + BLOCK - 1) / BLOCK;
	o->ngrp = o->nblk < 32 ? o->nblk : 32;
}

/* f = sum of log-losses + ||W||^2 / (2C); grad in the layout [W (K x d), b]. */
static double objective(void *ctx, const double *w, double *grad)
{
	obj *o = ctx;
	size_t d = o->d, K = o->K;
	o->W = w;
	o->b = o->fi ? w + K * d : NULL;
	sc_par_run(o->par, o->ngrp, grad_task, o);
	double loss = 0;
	double *gb = o->fi ? grad + K * d : NULL;
	if (gb)
		memset(gb, 0, K * sizeof(double));
	for (size_t blk = 0; blk < o->nblk; blk++) {
		const double *acc = o->bsum + blk * (K + 1);
		loss += acc[K];
		for (size_t k = 0; gb && k < K; k++)
			gb[k] += acc[k];
	}
	memcpy(grad, o->part, K * d * sizeof(double));
	for (size_t g = 1; g < o->ngrp; g++) {
		const double *p = o->part + g * K * d;
		for (size_t i = 0; i < K * d; i++)
			grad[i] += p[i];
	}
	double pen = 0;
	for (size_t i = 0; i < K * d; i++) {
		pen += w[i] * w[i];
		grad[i] += o->invC * w[i];
	}
	return loss + 0.5 * o->invC * pen;
}

/* ---- Newton ---- */

/* Damped Newton on the same objective. The Hessian is built per class pair
 * (k, l) as X~' diag(p_k (delta_kl - p_l)) X~ with X~ = [X, 1]; the
 * intercept shift common to all classes is a null direction, closed by
 * adding s u u' (u = 1 on the intercepts), which leaves the step in the
 * sum-zero subspace the gradient lives in unchanged. */
static int newton(obj *o, double *w, const sc_logreg_opts *opt, sc_logreg *out, sc_err *err)
{
	size_t n = o->n, d = o->d, K = o->K, p = d + (size_t)o->fi, P = K * p, nw = K * d + K * o->fi;
	int rc = 0;
	double *xa = sc_xmalloc(sc_mulsz(n, p * sizeof(double)));
	double *A = sc_xmalloc(sc_mulsz(n, p * sizeof(double)));
	double *H = sc_xmalloc(sc_mulsz(P, P * sizeof(double)));
	double *hb = sc_xmalloc(sc_mulsz(p, p * sizeof(double)));
	double *g = sc_xmalloc(nw * sizeof(double));
	double *step = sc_xmalloc(P * sizeof(double));
	double *wt = sc_xmalloc(nw * sizeof(double));
	double *gt = sc_xmalloc(nw * sizeof(double));
	double *prob = sc_xmalloc(sc_mulsz(n, K * sizeof(double)));
	for (size_t i = 0; i < n; i++) {
		memcpy(xa + i * p, o->x + i * d, d * sizeof(double));
		if (o->fi)
			xa[i * p + d] = 1.0;
	}
	double f = objective(o, w, g);
	int it;
	out->converged = 0;
	for (it = 0; it < opt->max_iter; it++) {
		double gmax = 0;
		for (size_t i = 0; i < nw; i++)
			gmax = fmax(gmax, fabs(g[i]));
		if (gmax <= opt->tol) {
			out->converged = 1;
			break;
		}
		/* probabilities: Z holds P - Y after the objective */
		memcpy(prob, o->Z, n * K * sizeof(double));
		for (size_t i = 0; i < n; i++)
			prob[i * K + (size_t)o->yi[i]] += 1.0;
		for (size_t k = 0; k < K; k++)
			for (size_t l = k; l < K; l++) {
				for (size_t i = 0; i < n; i++) {
					double a = prob[i * K + k] * ((k == l) - prob[i * K + l]);
					for (size_t j = 0; j < p; j++)
						A[i * p + j] = a * xa[i * p + j];
				}
				cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)p,
					    (int)n, 1.0, xa, (int)p, A, (int)p, 0.0, hb, (int)p);
				for (size_t r = 0; r < p; r++)
					for (size_t c = 0; c < p; c++) {
						H[(k * p + r) * P + l * p + c] = hb[r * p + c];
						H[(l * p + c) * P + k * p + r] = hb[r * p + c];
					}
			}
		double s = (double)n / (double)K;
		for (size_t k = 0; k < K; k++) {
			for (size_t j = 0; j < d; j++)
				H[(k * p + j) * P + k * p + j] += o->invC;
			for (size_t l = 0; o->fi && l < K; l++)
				H[(k * p + d) * P + l * p + d] += s;
		}
		/* step = -H^-1 g, in the class-major layout (k * p + j) */
		for (size_t k = 0; k < K; k++) {
			for (size_t j = 0; j < d; j++)
				step[k * p + j] = -g[k * d + j];
			if (o->fi)
				step[k * p + d] = -g[K * d + k];
		}
		int N = (int)P, one = 1, info = 0;
		dpotrf_("L", &N, H, &N, &info);
		if (info == 0)
			dpotrs_("L", &N, &one, H, &N, step, &N, &info);
		if (info != 0) {
			rc = sc_errf(err, SC_ERR, "Newton step failed: Hessian not positive definite "
						  "(LAPACK info %d)", info);
			goto out;
		}
		double slope = 0;
		for (size_t k = 0; k < K; k++) {
			for (size_t j = 0; j < d; j++)
				slope += g[k * d + j] * step[k * p + j];
			if (o->fi)
				slope += g[K * d + k] * step[k * p + d];
		}
		/* Armijo backtracking from the full step. */
		double t = 1.0, ft = f;
		int accepted = 0;
		for (int ls = 0; ls < 60; ls++, t *= 0.5) {
			for (size_t k = 0; k < K; k++) {
				for (size_t j = 0; j < d; j++)
					wt[k * d + j] = w[k * d + j] + t * step[k * p + j];
				if (o->fi)
					wt[K * d + k] = w[K * d + k] + t * step[k * p + d];
			}
			ft = objective(o, wt, gt);
			if (ft <= f + 1e-4 * t * slope) {
				accepted = 1;
				break;
			}
		}
		if (!accepted || !(ft < f)) {
			/* No decrease left at double precision: this is the optimum. */
			objective(o, w, g);
			out->converged = 1;
			break;
		}
		memcpy(w, wt, nw * sizeof(double));
		memcpy(g, gt, nw * sizeof(double));
		f = ft;
	}
	out->n_iter = it;
	out->loss = f;
	out->gmax = 0;
	for (size_t i = 0; i < nw; i++)
		out->gmax = fmax(out->gmax, fabs(g[i]));
out:
	free(xa);
	free(A);
	free(H);
	free(hb);
	free(g);
	free(step);
	free(wt);
	free(gt);
	free(prob);
	return rc;
}

/* ---- fit and predict ---- */

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

int sc_logreg_fit(sc_logreg *out, const sc_dmat *x, const int32_t *y, const sc_logreg_opts *opt,
		  sc_err *err)
{
	int rc = 0, blas_prev = 1, blas_set = 0;
	size_t n = x->rows, d = x->cols;
	int32_t *yi = NULL;
	double *w = NULL;
	obj o = {0};
	memset(out, 0, sizeof(*out));
	if (!(opt->C > 0) || opt->max_iter < 1 || !(opt->tol >= 0) || !(opt->ftol >= 0)) {
		rc = sc_errf(err, SC_EINVAL, "bad logistic regression options (C '%g', max_iter %d)",
			     opt->C, opt->max_iter);
		goto out;
	}
	if (n == 0 || d == 0) {
		rc = sc_errf(err, SC_EINVAL, "no data to fit (%zu x %zu)", n, d);
		goto out;
	}
	for (size_t i = 0; i < n * d; i++)
		if (!isfinite(x->v[i])) {
			rc = sc_errf(err, SC_EINVAL, "input value at row %zu, column %zu is not finite",
				     i / d, i % d);
			goto out;
		}
	int32_t *cls = sc_xmalloc(n * sizeof(int32_t));
	for (size_t i = 0; i < n; i++) {
		if (y[i] < 0) {
			free(cls);
			rc = sc_errf(err, SC_EINVAL, "missing label at row %zu", i);
			goto out;
		}
		cls[i] = y[i];
	}
	qsort(cls, n, sizeof(int32_t), cmp_i32);
	size_t K = 0;
	for (size_t i = 0; i < n; i++)
		if (K == 0 || cls[i] != cls[K - 1])
			cls[K++] = cls[i];
	out->classes = cls;
	out->nclass = K;
	out->nfeat = d;
	if (K < 2) {
		rc = sc_errf(err, SC_EINVAL, "need at least 2 classes to fit, got only class %d",
			     cls[0]);
		goto out;
	}
	yi = sc_xmalloc(n * sizeof(int32_t));
	for (size_t i = 0; i < n; i++) {
		int32_t *p = bsearch(&y[i], cls, K, sizeof(int32_t), cmp_i32);
		yi[i] = (int32_t)(p - cls);
	}
	o.x = x->v;
	o.yi = yi;
	obj_setup(&o, n);
	o.d = d;
	o.K = K;
	o.fi = opt->fit_intercept ? 1 : 0;
	o.invC = 1.0 / opt->C;
	o.Z = sc_xmalloc(sc_mulsz(n, K * sizeof(double)));
	o.bsum = sc_xmalloc(sc_mulsz(o.nblk, (K + 1) * sizeof(double)));
	o.part = sc_xmalloc(sc_mulsz(o.ngrp, sc_mulsz(K, d * sizeof(double))));
	blas_prev = sc_blas_serial_begin();
	blas_set = 1;
	o.par = sc_par_new(opt->threads > 0 ? opt->threads : 0);
	size_t nw = K * d + (o.fi ? K : 0);
	w = sc_xcalloc(nw, sizeof(double));

	if (opt->solver == SC_LOGREG_NEWTON) {
		rc = newton(&o, w, opt, out, err);
		if (rc)
			goto out;
		out->status = 0;
	} else {
		sc_lbfgs_opts lo;
		sc_lbfgs_opts_init(&lo);
		lo.max_iter = opt->max_iter;
		lo.gtol = opt->tol;
		lo.ftol = opt->ftol;
		sc_lbfgs_result res;
		rc = sc_lbfgs_minimize(w, nw, objective, &o, &lo, &res, err);
		if (rc)
			goto out;
		out->n_iter = res.iters;
		out->status = res.status;
		out->converged = res.status != SC_LBFGS_MAXITER;
		out->loss = res.f;
		out->gmax = res.gmax;
	}
	out->coef = sc_xmalloc(sc_mulsz(K, d * sizeof(double)));
	memcpy(out->coef, w, K * d * sizeof(double));
	out->intercept = sc_xcalloc(K, sizeof(double));
	if (o.fi) {
		/* Centre the intercepts: a common shift is not identifiable. */
		double mean = 0;
		for (size_t k = 0; k < K; k++)
			mean += w[K * d + k];
		mean /= (double)K;
		for (size_t k = 0; k < K; k++)
			out->intercept[k] = w[K * d + k] - mean;
	}
out:
	if (blas_set)
		sc_blas_serial_end(blas_prev);
	sc_par_free(o.par);
	free(yi);
	free(w);
	free(o.Z);
	free(o.bsum);
	free(o.part);
	if (rc)
		sc_logreg_free(out);
	return rc;
}

int sc_logreg_predict_proba(sc_dmat *out, const sc_logreg *m, const sc_dmat *x, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	if (x->cols != m->nfeat)
		return sc_errf(err, SC_EINVAL, "model has %zu features, data has %zu", m->nfeat,
			       x->cols);
	sc_dmat_alloc(out, x->rows, m->nclass);
	if (x->rows == 0)
		return 0;
	obj o = {.x = x->v, .d = m->nfeat, .K = m->nclass, .Z = out->v, .W = m->coef,
		 .b = m->intercept};
	obj_setup(&o, x->rows);
	int prev = sc_blas_serial_begin();
	o.par = sc_par_new(0);
	sc_par_run(o.par, o.nblk, probs_task, &o);
	sc_par_free(o.par);
	sc_blas_serial_end(prev);
	return 0;
}

int sc_logreg_predict(int32_t *out, const sc_logreg *m, const sc_dmat *x, sc_err *err)
{
	sc_dmat p;
	int rc = sc_logreg_predict_proba(&p, m, x, err);
	if (rc)
		return rc;
	sc_dmat_argmax_rows(out, &p, m->classes);
	sc_dmat_free(&p);
	return 0;
}

/* ---- standardisation ---- */

void sc_scaler_free(sc_scaler *s)
{
	if (!s)
		return;
	free(s->mean);
	free(s->scale);
	memset(s, 0, sizeof(*s));
}

int sc_scaler_fit(sc_scaler *out, const sc_dmat *x, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	size_t n = x->rows, d = x->cols;
	if (n == 0)
		return sc_errf(err, SC_EINVAL, "cannot standardise an empty matrix");
	out->nfeat = d;
	out->mean = sc_xcalloc(d ? d : 1, sizeof(double));
	out->scale = sc_xcalloc(d ? d : 1, sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			out->mean[j] += x->v[i * d + j];
	for (size_t j = 0; j < d; j++)
		out->mean[j] /= (double)n;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double t = x->v[i * d + j] - out->mean[j];
			out->scale[j] += t * t;
		}
	for (size_t j = 0; j < d; j++) {
		double var = out->scale[j] / (double)n, mu = out->mean[j];
		/* sklearn's _is_constant_feature bound for the two-pass variance */
		double bound = (double)n * DBL_EPSILON * var +
			       ((double)n * mu * DBL_EPSILON) * ((double)n * mu * DBL_EPSILON);
		out->scale[j] = var <= bound ? 1.0 : sqrt(var);
		if (!isfinite(out->scale[j]) || !isfinite(mu)) {
			sc_scaler_free(out);
			return sc_errf(err, SC_EINVAL, "column %zu has non-finite values", j);
		}
	}
	return 0;
}

void sc_scaler_transform(const sc_scaler *s, sc_dmat *x)
{
	size_t d = s->nfeat;
	for (size_t i = 0; i < x->rows; i++)
		for (size_t j = 0; j < d; j++)
			x->v[i * d + j] = (x->v[i * d + j] - s->mean[j]) / s->scale[j];
}
