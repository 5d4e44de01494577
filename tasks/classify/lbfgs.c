/*
 * lbfgs.c - limited-memory BFGS (two-loop recursion) with the More-Thuente
 * line search (J. J. More and D. J. Thuente, "Line search algorithms with
 * guaranteed sufficient decrease", ACM TOMS 20, 1994), driven the way
 * L-BFGS-B 3.0 drives it for an unconstrained problem.
 *
 * Why: the logistic-regression baseline must stop where sklearn's lbfgs
 * solver stops (scipy's relative-decrease rule), which needs the same
 * directions, the same line search and the same tests; see lbfgs.h.
 * Workload: a few thousand to a few hundred thousand variables, tens to
 * hundreds of iterations; the cost is in the objective, not here, so the
 * vector operations are plain loops in a fixed order (deterministic).
 */
#include "tasks/classify/lbfgs.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void sc_lbfgs_opts_init(sc_lbfgs_opts *o)
{
	o->m = 10;
	o->max_iter = 15000;
	o->max_ls = 20;
	o->gtol = 1e-5;
	o->ftol = 2.220446049250313e-09;
}

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static double maxabs(const double *a, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		if (fabs(a[i]) > m)
			m = fabs(a[i]);
	return m;
}

/* ---- More-Thuente line search ---- */

enum { LS_EVAL, LS_CONV, LS_WARN };

typedef struct linesearch {
	double ftol, gtol, xtol, stpmin, stpmax;
	int brackt, stage;
	double ginit, gtest, finit, width, width1;
	double stx, fx, gx, sty, fy, gy, stmin, stmax;
} linesearch;

static double max3(double a, double b, double c)
{
	double m = a > b ? a : b;
	return m > c ? m : c;
}

/* The safeguarded step of More and Thuente: from the interval end points
 * (stx: best so far, sty: other end) and the trial stp, the next trial by
 * cubic or quadratic interpolation, and the updated interval. */
static void ls_step(linesearch *s, double *stp, double fp, double dp)
{
	double stx = s->stx, fx = s->fx, dx = s->gx;
	double sty = s->sty, fy = s->fy, dy = s->gy;
	double t = *stp, stpf;
	double sgnd = dp * (dx / fabs(dx));

	if (fp > fx) {
		/* Higher value: the minimum is bracketed. Take the cubic step if
		 * it is closer to stx than the quadratic one, else their mean. */
		double theta = 3.0 * (fx - fp) / (t - stx) + dx + dp;
		double sc = max3(fabs(theta), fabs(dx), fabs(dp));
		double gamma = sc * sqrt((theta / sc) * (theta / sc) - (dx / sc) * (dp / sc));
		if (t < stx)
			gamma = -gamma;
		double p = (gamma - dx) + theta;
		double q = ((gamma - dx) + gamma) + dp;
		double stpc = stx + p / q * (t - stx);
		double stpq = stx + ((dx / ((fx - fp) / (t - stx) + dx)) / 2.0) * (t - stx);
		stpf = fabs(stpc - stx) < fabs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2.0;
		s->brackt = 1;
	} else if (sgnd < 0.0) {
		/* Derivatives of opposite sign: bracketed. Cubic if farther from
		 * stp than the secant step, else the secant step. */
		double theta = 3.0 * (fx - fp) / (t - stx) + dx + dp;
		double sc = max3(fabs(theta), fabs(dx), fabs(dp));
		double gamma = sc * sqrt((theta / sc) * (theta / sc) - (dx / sc) * (dp / sc));
		if (t > stx)
			gamma = -gamma;
		double p = (gamma - dp) + theta;
		double q = ((gamma - dp) + gamma) + dx;
		double stpc = t + p / q * (stx - t);
		double stpq = t + (dp / (dp - dx)) * (stx - t);
		stpf = fabs(stpc - t) > fabs(stpq - t) ? stpc : stpq;
		s->brackt = 1;
	} else if (fabs(dp) < fabs(dx)) {
		/* Same sign, derivative shrinking: the cubic may not have a
		 * minimiser in the right direction; fall back to the bounds. */
		double theta = 3.0 * (fx - fp) / (t - stx) + dx + dp;
		double sc = max3(fabs(theta), fabs(dx), fabs(dp));
		double g2 = (theta / sc) * (theta / sc) - (dx / sc) * (dp / sc);
		double gamma = sc * sqrt(g2 > 0 ? g2 : 0);
		if (t > stx)
			gamma = -gamma;
		double p = (gamma - dp) + theta;
		double q = (gamma + (dx - dp)) + gamma;
		double r = p / q;
		double stpc;
		if (r < 0.0 && gamma != 0.0)
			stpc = t + r * (stx - t);
		else if (t > stx)
			stpc = s->stmax;
		else
			stpc = s->stmin;
		double stpq = t + (dp / (dp - dx)) * (stx - t);
		if (s->brackt) {
			stpf = fabs(stpc - t) < fabs(stpq - t) ? stpc : stpq;
			if (t > stx)
				stpf = fmin(t + 0.66 * (sty - t), stpf);
			else
				stpf = fmax(t + 0.66 * (sty - t), stpf);
		} else {
			stpf = fabs(stpc - t) > fabs(stpq - t) ? stpc : stpq;
			stpf = fmin(s->stmax, stpf);
			stpf = fmax(s->stmin, stpf);
		}
	} else {
		/* Same sign, derivative not shrinking: cubic towards sty when
		 * bracketed, else to the bound. */
		if (s->brackt) {
			double theta = 3.0 * (fp - fy) / (sty - t) + dy + dp;
			double sc = max3(fabs(theta), fabs(dy), fabs(dp));
			double gamma =
				sc * sqrt((theta / sc) * (theta / sc) - (dy / sc) * (dp / sc));
			if (t > sty)
				gamma = -gamma;
			double p = (gamma - dp) + theta;
			double q = ((gamma - dp) + gamma) + dy;
			stpf = t + p / q * (sty - t);
		} else {
			stpf = t > stx ? s->stmax : s->stmin;
		}
	}

	if (fp > fx) {
		s->sty = t, s->fy = fp, s->gy = dp;
	} else {
		if (sgnd < 0.0)
			s->sty = stx, s->fy = fx, s->gy = dx;
		s->stx = t, s->fx = fp, s->gx = dp;
	}
	*stp = stpf;
}

static void ls_start(linesearch *s, double f, double g, double stp)
{
	s->brackt = 0;
	s->stage = 1;
	s->finit = f;
	s->ginit = g;
	s->gtest = s->ftol * g;
	s->width = s->stpmax - s->stpmin;
	s->width1 = s->width / 0.5;
	s->stx = 0, s->fx = f, s->gx = g;
	s->sty = 0, s->fy = f, s->gy = g;
	s->stmin = 0;
	s->stmax = stp + 4.0 * stp;
}

/* Given f and the directional derivative g at *stp: converged, a warning
 * (accept the step anyway, as L-BFGS-B does), or a new *stp to evaluate. */
static int ls_next(linesearch *s, double f, double g, double *stp)
{
	double ftest = s->finit + *stp * s->gtest;
	if (s->stage == 1 && f <= ftest && g >= 0.0)
		s->stage = 2;
	if (s->brackt && (*stp <= s->stmin || *stp >= s->stmax))
		return LS_WARN; /* rounding errors prevent progress */
	if (s->brackt && s->stmax - s->stmin <= s->xtol * s->stmax)
		return LS_WARN; /* interval below tolerance */
	if (*stp == s->stpmax && f <= ftest && g <= s->gtest)
		return LS_WARN;
	if (*stp == s->stpmin && (f > ftest || g >= s->gtest))
		return LS_WARN;
	if (f <= ftest && fabs(g) <= s->gtol * (-s->ginit))
		return LS_CONV;

	if (s->stage == 1 && f <= s->fx && f > ftest) {
		/* First stage: work on the auxiliary function f - stp * gtest,
		 * whose minimiser satisfies sufficient decrease. */
		double fm = f - *stp * s->gtest;
		double gm = g - s->gtest;
		s->fx -= s->stx * s->gtest;
		s->fy -= s->sty * s->gtest;
		s->gx -= s->gtest;
		s->gy -= s->gtest;
		ls_step(s, stp, fm, gm);
		s->fx += s->stx * s->gtest;
		s->fy += s->sty * s->gtest;
		s->gx += s->gtest;
		s->gy += s->gtest;
	} else {
		ls_step(s, stp, f, g);
	}
	if (s->brackt) {
		/* Force enough shrinkage of the bracket (bisect if it did not halve
		 * over two steps). */
		if (fabs(s->sty - s->stx) >= 0.66 * s->width1)
			*stp = s->stx + 0.5 * (s->sty - s->stx);
		s->width1 = s->width;
		s->width = fabs(s->sty - s->stx);
		s->stmin = fmin(s->stx, s->sty);
		s->stmax = fmax(s->stx, s->sty);
	} else {
		s->stmin = *stp + 1.1 * (*stp - s->stx);
		s->stmax = *stp + 4.0 * (*stp - s->stx);
	}
	*stp = fmax(*stp, s->stpmin);
	*stp = fmin(*stp, s->stpmax);
	if ((s->brackt && (*stp <= s->stmin || *stp >= s->stmax)) ||
	    (s->brackt && s->stmax - s->stmin <= s->xtol * s->stmax))
		*stp = s->stx; /* no further progress possible: best point so far */
	return LS_EVAL;
}

/* ---- the driver ---- */

int sc_lbfgs_minimize(double *x, size_t n, sc_lbfgs_fn fn, void *ctx, const sc_lbfgs_opts *o,
		      sc_lbfgs_result *res, sc_err *err)
{
	if (o->m < 1 || o->max_iter < 1 || o->max_ls < 1 || !(o->gtol >= 0) || !(o->ftol >= 0))
		return sc_errf(err, SC_EINVAL, "bad L-BFGS options (m %d, max_iter %d, max_ls %d)",
			       o->m, o->max_iter, o->max_ls);
	size_t m = (size_t)o->m;
	double *g = sc_xmalloc(sc_mulsz(n, sizeof(double)));
	double *d = sc_xmalloc(n * sizeof(double));
	double *xold = sc_xmalloc(n * sizeof(double));
	double *gold = sc_xmalloc(n * sizeof(double));
	double *S = sc_xmalloc(sc_mulsz(m, n * sizeof(double)));
	double *Y = sc_xmalloc(sc_mulsz(m, n * sizeof(double)));
	double *rho = sc_xmalloc(m * sizeof(double));
	double *alpha = sc_xmalloc(m * sizeof(double));
	int rc = 0;
	memset(res, 0, sizeof(*res));

	double f = fn(ctx, x, g);
	res->nfev = 1;
	if (!isfinite(f)) {
		rc = sc_errf(err, SC_EINVAL, "objective is not finite at the start ('%g')", f);
		goto out;
	}
	double gmax = maxabs(g, n);
	size_t col = 0, head = 0; /* stored pairs; index of the oldest */
	double theta = 1.0;
	int iter = 0;
	res->status = 0;
	if (gmax <= o->gtol)
		res->status = SC_LBFGS_GTOL;

	while (!res->status) {
		/* Direction: d = -H g by the two-loop recursion, H0 = I / theta. */
		for (size_t i = 0; i < n; i++)
			d[i] = -g[i];
		for (size_t j = col; j-- > 0;) {
			size_t k = (head + j) % m;
			alpha[k] = rho[k] * dot(S + k * n, d, n);
			const double *yk = Y + k * n;
			for (size_t i = 0; i < n; i++)
				d[i] -= alpha[k] * yk[i];
		}
		if (col) {
			for (size_t i = 0; i < n; i++)
				d[i] /= theta;
		}
		for (size_t j = 0; j < col; j++) {
			size_t k = (head + j) % m;
			double beta = rho[k] * dot(Y + k * n, d, n);
			const double *sk = S + k * n;
			for (size_t i = 0; i < n; i++)
				d[i] += (alpha[k] - beta) * sk[i];
		}

		double gd = dot(g, d, n);
		double fold = f, gdold = gd;
		memcpy(xold, x, n * sizeof(double));
		memcpy(gold, g, n * sizeof(double));
		int ok = 0;
		double stp = 1.0;
		if (gd < 0) {
			linesearch ls = {.ftol = 1e-3, .gtol = 0.9, .xtol = 0.1, .stpmin = 0,
					 .stpmax = 1e10};
			double dnorm = sqrt(dot(d, d, n));
			stp = iter == 0 ? fmin(1.0 / dnorm, ls.stpmax) : 1.0;
			ls_start(&ls, f, gd, stp);
			for (int nls = 0; nls <= o->max_ls; nls++) {
				for (size_t i = 0; i < n; i++)
					x[i] = xold[i] + stp * d[i];
				f = fn(ctx, x, g);
				res->nfev++;
				gd = dot(g, d, n);
				if (!isfinite(f)) {
					/* Overshot into overflow: treat as a large value. */
					f = HUGE_VAL;
				}
				int t = ls_next(&ls, f, gd, &stp);
				if (t != LS_EVAL) {
					ok = isfinite(f);
					break;
				}
			}
		}
		if (!ok) {
			/* Back to the last point; with no memory left to drop we are
			 * at the precision limit (L-BFGS-B's abnormal termination). */
			memcpy(x, xold, n * sizeof(double));
			memcpy(g, gold, n * sizeof(double));
			f = fold;
			if (col == 0) {
				res->status = SC_LBFGS_LSFAIL;
				break;
			}
			col = 0;
			head = 0;
			continue;
		}
		iter++;
		gmax = maxabs(g, n);
		if (iter >= o->max_iter) {
			res->status = SC_LBFGS_MAXITER;
			break;
		}
		if (gmax <= o->gtol) {
			res->status = SC_LBFGS_GTOL;
			break;
		}
		if (fold - f <= o->ftol * max3(fabs(fold), fabs(f), 1.0)) {
			res->status = SC_LBFGS_FTOL;
			break;
		}
		/* Update the memory unless the curvature s'y is too weak. */
		double dr = (gd - gdold) * stp;
		double ddum = -gdold * stp;
		if (dr <= DBL_EPSILON * ddum)
			continue;
		size_t k;
		if (col < m) {
			k = (head + col) % m;
			col++;
		} else {
			k = head;
			head = (head + 1) % m;
		}
		double *sk = S + k * n, *yk = Y + k * n;
		for (size_t i = 0; i < n; i++) {
			sk[i] = stp * d[i];
			yk[i] = g[i] - gold[i];
		}
		rho[k] = 1.0 / dr;
		theta = dot(yk, yk, n) / dr;
	}
	res->iters = iter;
	res->f = f;
	res->gmax = maxabs(g, n);
out:
	free(g);
	free(d);
	free(xold);
	free(gold);
	free(S);
	free(Y);
	free(rho);
	free(alpha);
	return rc;
}
