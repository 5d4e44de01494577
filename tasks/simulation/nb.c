/*
 * nb.c - the negative binomial and normal distributions, and the per-gene
 * NB GLM fit (nb.h). Built for fitting 2,000 genes over 100,000 cells: a
 * Newton step costs one pass over the cells with one log per cell (zero
 * counts need no lgamma or digamma: their terms reduce to logs of mu and
 * theta), and digamma differences of small counts are exact sums.
 *
 * The fit maximises the NB log-likelihood in (beta, tau = log theta)
 * jointly by Newton's method with the observed Hessian, falling back to
 * Fisher scoring when that Hessian is not negative definite, with step
 * halving so that the likelihood never decreases. The optimum is the one
 * MASS::glm.nb reaches by alternating IRLS and theta.ml (the same joint
 * MLE), here converged until no coordinate moves by 1e-10.
 */
#include "tasks/simulation/nb.h"
#include "tasks/core/blas.h"

#include <assert.h>
#include <math.h>
#include <string.h>

/* Exact sums for counts below this: psi(y + t) - psi(t) = sum 1/(t + k). */
#define SMALL_COUNT 64

double sc_sim_digamma(double x)
{
	double r = 0;
	while (x < 10) {
		r -= 1 / x;
		x += 1;
	}
	double f = 1 / (x * x);
	/* Asymptotic series (Bernoulli numbers B2..B10). */
	double s = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
	return r + log(x) - 0.5 / x - s;
}

double sc_sim_trigamma(double x)
{
	double r = 0;
	while (x < 10) {
		r += 1 / (x * x);
		x += 1;
	}
	double f = 1 / (x * x);
	double s = 1 / x + f / 2 +
		   f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f * (1.0 / 30 - f * 5.0 / 66))));
	return r + s;
}

double sc_sim_norm_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

/* Acklam's rational approximation (relative error 1.15e-9), refined by
 * one Halley step on erfc to full double precision. */
double sc_sim_norm_ppf(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
				    -2.759285104469687e+02, 1.383577518672690e+02,
				    -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
				    -1.556989798598866e+02, 6.680131188771972e+01,
				    -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
				    -2.400758277161838e+00, -2.549732539343734e+00,
				    4.374664141464968e+00,  2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
				    2.445134137142996e+00, 3.754408661907416e+00 };
	if (!(p > 0))
		return -INFINITY;
	if (!(p < 1))
		return INFINITY;
	double x;
	if (p < 0.02425) {
		double q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p <= 1 - 0.02425) {
		double q = p - 0.5, r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	} else {
		double q = sqrt(-2 * log1p(-p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	/* Halley: e = Phi(x) - p, computed on the tail nearer to x. */
	double e = x < 0 ? 0.5 * erfc(-x / M_SQRT2) - p : -(0.5 * erfc(x / M_SQRT2) - (1 - p));
	double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
	return x - u / (1 + x * u / 2);
}

/* lgamma(y + t) - lgamma(t) for integer y >= 0. */
static double lgamma_diff(double y, double t)
{
	if (y < SMALL_COUNT) {
		double s = 0;
		for (int k = 0; k < (int)y; k++)
			s += log(t + k);
		return s;
	}
	return lgamma(y + t) - lgamma(t);
}

/* psi(y + t) - psi(t) and psi'(y + t) - psi'(t). */
static void digamma_diff(double y, double t, double *d1, double *d2)
{
	if (y < SMALL_COUNT) {
		double s1 = 0, s2 = 0;
		for (int k = 0; k < (int)y; k++) {
			double v = 1 / (t + k);
			s1 += v;
			s2 -= v * v;
		}
		*d1 = s1;
		*d2 = s2;
		return;
	}
	*d1 = sc_sim_digamma(y + t) - sc_sim_digamma(t);
	*d2 = sc_sim_trigamma(y + t) - sc_sim_trigamma(t);
}

double sc_nb_logpmf(double y, double mu, double theta)
{
	if (y < 0)
		return -INFINITY;
	if (!(mu > 0))
		return y == 0 ? 0 : -INFINITY;
	double lp = log(theta / (theta + mu)), lq = log(mu / (theta + mu));
	return lgamma_diff(y, theta) - lgamma(y + 1) + theta * lp + y * lq;
}

/* Regularised incomplete beta I_x(a, b) by its continued fraction
 * (modified Lentz), on the side where the fraction converges fast. */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double qab = a + b, qap = a + 1, qam = a - 1;
	double c = 1, d = 1 - qab * x / qap;
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	double h = d;
	for (int m = 1; m <= 10000; m++) {
		int m2 = 2 * m;
		double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return h;
}

/* I_x(a, b) with x and 1 - x both given (so that 1 - x near 0 is exact). */
static double incbeta(double a, double b, double x, double x1)
{
	if (x <= 0)
		return 0;
	if (x1 <= 0)
		return 1;
	double lf = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(x1);
	if (x < (a + 1) / (a + b + 2))
		return exp(lf) * betacf(a, b, x) / a;
	return 1 - exp(lf) * betacf(b, a, x1) / b;
}

double sc_nb_cdf(double y, double mu, double theta)
{
	if (y < 0)
		return 0;
	if (!(mu > 0))
		return 1;
	y = floor(y);
	double p = theta / (theta + mu), q = mu / (theta + mu);
	double lp0 = theta * log(p);
	if (y < 200 && lp0 > -700) {
		double f = exp(lp0), s = f;
		for (double k = 0; k < y; k++) {
			f *= (k + theta) / (k + 1) * q;
			s += f;
		}
		return s < 1 ? s : 1;
	}
	/* P(Y <= y) = I_p(theta, y + 1). */
	return incbeta(theta, y + 1, p, q);
}

double sc_nb_quantile(double u, double mu, double theta)
{
	if (!(mu > 0) || !(u > 0))
		return 0;
	double p = theta / (theta + mu), q = mu / (theta + mu);
	double lp0 = theta * log(p);
	if (lp0 > -700 && mu < 50) {
		double f = exp(lp0), s = f, k = 0;
		while (s < u && k < 1e7) {
			f *= (k + theta) / (k + 1) * q;
			s += f;
			k++;
			if (f == 0 && s < u)
				break; /* u beyond the representable tail */
		}
		return k;
	}
	/* Start near the normal approximation and walk with the pmf recursion. */
	double sd = sqrt(mu + mu * mu / theta);
	double z = sc_sim_norm_ppf(u);
	double k = floor(mu + sd * z);
	if (!(k >= 0))
		k = 0;
	double F = sc_nb_cdf(k, mu, theta), f = exp(sc_nb_logpmf(k, mu, theta));
	if (F >= u) {
		/* Down while P(Y <= k - 1) = F - f(k) still reaches u. */
		while (k > 0 && F - f >= u) {
			F -= f;
			f *= k / ((k - 1 + theta) * q);
			k--;
		}
		return k;
	}
	for (long steps = 0; F < u && steps < 100000000L; steps++) {
		f *= (k + theta) / (k + 1) * q;
		k++;
		F += f;
		if (f == 0)
			break;
	}
	return k;
}

/* ---- the GLM ------------------------------------------------------------ */

typedef struct pass_out {
	double l, gtau, htau;
	double *geta, *heta, *hcross, *fisher; /* per group */
} pass_out;

/* One pass over the cells at (eg = exp(x_g' beta), theta). */
static void glm_pass(pass_out *o, const sc_nbglm_design *d, const double *y, const double *eg,
		     double theta, int derivatives)
{
	size_t G = d->ngroups;
	o->l = o->gtau = o->htau = 0;
	if (derivatives)
		for (size_t g = 0; g < G; g++)
			o->geta[g] = o->heta[g] = o->hcross[g] = o->fisher[g] = 0;
	double lt = log(theta);
	for (size_t i = 0; i < d->n; i++) {
		double L = d->lib[i];
		if (!(L > 0))
			continue;
		size_t g = (size_t)d->group[i];
		double mu = L * eg[g], yi = y[i];
		double tm = theta + mu, ltm = log(tm);
		double l = theta * (lt - ltm);
		if (yi > 0)
			l += lgamma_diff(yi, theta) - lgamma(yi + 1) + yi * (log(mu) - ltm);
		o->l += l;
		if (!derivatives)
			continue;
		double d1 = 0, d2 = 0;
		if (yi > 0)
			digamma_diff(yi, theta, &d1, &d2);
		/* dl/dtheta = psi(y+t) - psi(t) + log t - log(t+mu) + (mu - y)/(t+mu) */
		double dt = d1 + lt - ltm + (mu - yi) / tm;
		/* d2l/dtheta2 = psi'(y+t) - psi'(t) + mu/(t(t+mu)) - (mu - y)/(t+mu)^2 */
		double dtt = d2 + mu / (theta * tm) - (mu - yi) / (tm * tm);
		o->gtau += theta * dt;
		o->htau += theta * theta * dtt + theta * dt;
		o->geta[g] += theta * (yi - mu) / tm;
		o->heta[g] -= (theta + yi) * theta * mu / (tm * tm);
		o->hcross[g] += theta * (yi - mu) * mu / (tm * tm);
		o->fisher[g] += theta * mu / tm;
	}
}

/* Solve A s = b (A m x m, positive definite, overwritten); 0 on success. */
static int chol_solve(double *A, double *b, int m)
{
	int info = 0, one = 1;
	dpotrf_("L", &m, A, &m, &info);
	if (info)
		return -1;
	dpotrs_("L", &m, &one, A, &m, b, &m, &info);
	return info ? -1 : 0;
}

static void group_exp(double *eg, const sc_nbglm_design *d, const double *beta)
{
	for (size_t g = 0; g < d->ngroups; g++) {
		double e = 0;
		for (size_t j = 0; j < d->p; j++)
			e += d->x[g * d->p + j] * beta[j];
		eg[g] = exp(e > 700 ? 700 : e);
	}
}

/* Start: per-group log rates (with 0.1 added so that empty groups start
 * finite) projected on the design by least squares weighted by group size;
 * theta from theta.ml's moment start n / sum (y/mu - 1)^2. */
static void glm_start(double *beta, double *theta, const sc_nbglm_design *d, const double *y,
		      double *sy, double *sl, double *eg)
{
	size_t G = d->ngroups, p = d->p;
	for (size_t g = 0; g < G; g++)
		sy[g] = sl[g] = 0;
	double *cnt = eg;
	for (size_t g = 0; g < G; g++)
		cnt[g] = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!(d->lib[i] > 0))
			continue;
		sy[d->group[i]] += y[i];
		sl[d->group[i]] += d->lib[i];
		cnt[d->group[i]] += 1;
	}
	double A[SC_NBGLM_MAXP * SC_NBGLM_MAXP], b[SC_NBGLM_MAXP];
	memset(A, 0, sizeof(double) * p * p);
	memset(b, 0, sizeof(double) * p);
	for (size_t g = 0; g < G; g++) {
		if (!(sl[g] > 0))
			continue;
		double lr = log((sy[g] + 0.1) / sl[g]);
		const double *x = d->x + g * p;
		for (size_t j = 0; j < p; j++) {
			b[j] += cnt[g] * x[j] * lr;
			for (size_t k = 0; k < p; k++)
				A[j * p + k] += cnt[g] * x[j] * x[k];
		}
	}
	for (size_t j = 0; j < p; j++)
		A[j * p + j] += 1e-10;
	if (chol_solve(A, b, (int)p))
		memset(b, 0, sizeof(double) * p);
	memcpy(beta, b, sizeof(double) * p);
	group_exp(eg, d, beta);
	double ss = 0, n = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!(d->lib[i] > 0))
			continue;
		double mu = d->lib[i] * eg[d->group[i]], r = y[i] / mu - 1;
		ss += r * r;
		n++;
	}
	double t = ss > 0 ? n / ss : SC_NB_THETA_MAX;
	*theta = t < SC_NB_THETA_MIN ? SC_NB_THETA_MIN : t > SC_NB_THETA_MAX ? SC_NB_THETA_MAX : t;
}

/* The Newton direction in (beta, tau): observed Hessian when it is
 * negative definite, else Fisher information for beta and |h_tau|. */
static void newton_dir(double *step, const sc_nbglm_design *d, const pass_out *o)
{
	size_t G = d->ngroups, p = d->p, m = p + 1;
	double A[(SC_NBGLM_MAXP + 1) * (SC_NBGLM_MAXP + 1)], b[SC_NBGLM_MAXP + 1];
	for (int pass = 0; pass < 2; pass++) {
		memset(A, 0, sizeof(double) * m * m);
		memset(b, 0, sizeof(double) * m);
		for (size_t g = 0; g < G; g++) {
			const double *x = d->x + g * p;
			double h = pass ? o->fisher[g] : -o->heta[g];
			for (size_t j = 0; j < p; j++) {
				b[j] += x[j] * o->geta[g];
				if (!pass)
					A[j * m + p] -= x[j] * o->hcross[g];
				for (size_t k = 0; k < p; k++)
					A[j * m + k] += h * x[j] * x[k];
			}
		}
		for (size_t j = 0; j < p; j++)
			A[p * m + j] = A[j * m + p];
		b[p] = o->gtau;
		A[p * m + p] = pass ? fabs(o->htau) + 1e-12 : -o->htau;
		for (size_t j = 0; j < p; j++)
			A[j * m + j] += 1e-12;
		if (!chol_solve(A, b, (int)m))
			break;
		if (pass) { /* singular even so: a short gradient step */
			for (size_t j = 0; j < p; j++) {
				b[j] = 0;
				for (size_t g = 0; g < G; g++)
					b[j] += d->x[g * p + j] * o->geta[g];
				b[j] *= 1e-6;
			}
			b[p] = o->gtau * 1e-6;
		}
	}
	memcpy(step, b, sizeof(double) * m);
}

void sc_nbglm_fit_gene(sc_nbglm_fit *out, const sc_nbglm_design *d, const double *y,
		       double *scratch)
{
	size_t G = d->ngroups, p = d->p;
	assert(p >= 1 && p <= SC_NBGLM_MAXP);
	double *eg = scratch, *sy = scratch + G, *sl = scratch + 2 * G;
	pass_out o = { .geta = scratch + 3 * G, .heta = scratch + 4 * G, .hcross = scratch + 5 * G,
		       .fisher = scratch + 6 * G };
	double *beta = out->beta, theta;
	glm_start(beta, &theta, d, y, sy, sl, eg);
	double lo = log(SC_NB_THETA_MIN), hi = log(SC_NB_THETA_MAX);
	group_exp(eg, d, beta);
	glm_pass(&o, d, y, eg, theta, 1);
	out->converged = 0;
	int it;
	for (it = 0; it < 200; it++) {
		double step[SC_NBGLM_MAXP + 1], nb[SC_NBGLM_MAXP];
		newton_dir(step, d, &o);
		double tau = log(theta), lold = o.l, t = 1, ntau = tau, maxs = 0;
		for (size_t j = 0; j <= p; j++)
			if (fabs(step[j]) > maxs)
				maxs = fabs(step[j]);
		/* Long steps (a group with no counts going to -inf) are capped. */
		if (maxs > 5)
			t = 5 / maxs;
		int accepted = 0;
		for (int h = 0; h < 40; h++, t /= 2) {
			for (size_t j = 0; j < p; j++)
				nb[j] = beta[j] + t * step[j];
			ntau = tau + t * step[p];
			ntau = ntau < lo ? lo : ntau > hi ? hi : ntau;
			group_exp(eg, d, nb);
			glm_pass(&o, d, y, eg, exp(ntau), 1);
			if (o.l >= lold - 1e-12 * fabs(lold)) {
				accepted = 1;
				break;
			}
		}
		if (!accepted) {
			group_exp(eg, d, beta);
			glm_pass(&o, d, y, eg, theta, 1);
			break;
		}
		double moved = 0;
		for (size_t j = 0; j < p; j++) {
			double dj = fabs(nb[j] - beta[j]);
			moved = dj > moved ? dj : moved;
			beta[j] = nb[j];
		}
		if (fabs(ntau - tau) > moved)
			moved = fabs(ntau - tau);
		theta = exp(ntau);
		if (moved < 1e-10) {
			out->converged = 1;
			it++;
			break;
		}
	}
	out->theta = theta;
	out->loglik = o.l;
	out->iterations = it;
}
