/*
 * test_simulation.c - the simulation task's numerics (tasks/simulation/):
 *
 *  1. the NB CDF and quantile against plain loops over the pmf written
 *     from its closed form with lgamma, and against scipy.stats.nbinom;
 *     the inverse normal against scipy.stats.norm.ppf and against the
 *     normal CDF (erfc) it inverts;
 *  2. the Gaussian copula of copula_nb fitted to cells drawn from a known
 *     copula (AR(1) correlations per cell type): the fitted matrix equals
 *     the truth, and the normal scores of cells generated from the fit
 *     correlate as the fitted matrix, both within the sampling error of
 *     the cell count;
 *  3. the simulator fitted to cells it generated itself recovers its own
 *     parameters (group means and dispersions within their standard
 *     errors) and its cells score near the ideal on the KS statistics.
 *
 * The test's data generator is its own: NB draws by inverting a plain
 * loop over the pmf at Phi(z), z from the AR(1) recursion.
 */
#include "tests/unit/unit.h"

#include "tasks/core/rng.h"
#include "tasks/simulation/fidelity.h"
#include "tasks/simulation/model.h"
#include "tasks/simulation/nb.h"

#include <math.h>
#include <stdint.h>

/* ---- 1. distributions ---------------------------------------------------- */

static double naive_logpmf(double k, double mu, double th)
{
	return lgamma(k + th) - lgamma(th) - lgamma(k + 1) + th * log(th / (th + mu)) +
	       k * log(mu / (th + mu));
}

static double naive_cdf(double y, double mu, double th)
{
	double s = 0;
	for (double k = 0; k <= y; k++)
		s += exp(naive_logpmf(k, mu, th));
	return s;
}

/* Smallest k with the plain sum reaching u; *gap = |F(k) - u| or |F(k-1) - u|
 * whichever is closer (cases within rounding of a step are ambiguous). */
static double naive_quantile(double u, double mu, double th, double *gap)
{
	double s = 0, k = 0, prev = 0;
	for (;; k++) {
		prev = s;
		s += exp(naive_logpmf(k, mu, th));
		if (s >= u)
			break;
	}
	double g1 = fabs(s - u), g0 = fabs(prev - u);
	*gap = g1 < g0 ? g1 : g0;
	return k;
}

static void test_nb_cdf(void)
{
	/* Both branches of sc_nb_cdf: the pmf recursion (y < 200) and the
	 * incomplete beta (y >= 200 or a tiny P(0)). The plain sum carries
	 * ~y * 1e-16 of rounding and lgamma's relative 1e-15 per term: 1e-10. */
	static const double mus[] = { 0.05, 0.5, 3, 40, 400, 3000 };
	static const double ths[] = { 0.05, 0.8, 5, 60 };
	int bad = 0, n = 0;
	for (size_t a = 0; a < 6; a++)
		for (size_t b = 0; b < 4; b++)
			for (double f = 0.2; f < 3; f += 0.55) {
				double mu = mus[a], th = ths[b], y = floor(mu * f);
				double got = sc_nb_cdf(y, mu, th), want = naive_cdf(y, mu, th);
				n++;
				if (!(fabs(got - want) <= 1e-10 * want)) {
					bad++;
					printf("#   cdf(%g; mu %g theta %g) %.17g want %.17g\n", y, mu, th,
					       got, want);
				}
			}
	OK(!bad, "NB CDF equals the plain sum of the pmf (%d cases, relative 1e-10)", n);
	/* scipy 1.10.1: nbinom.cdf(y, theta, theta / (theta + mu)). */
	static const double sc[][4] = {
		{ 3, 0.5, 0.1, 0.9561762571221311 },    { 0, 2.0, 1.0, 0.3333333333333333 },
		{ 17, 10.0, 3.0, 0.8731910237479465 },  { 500, 400.0, 2.5, 0.7175668475588001 },
		{ 250, 300.0, 0.3, 0.6959054988263694 }, { 9500, 9000.0, 50.0, 0.6671541161347432 },
		{ 8000, 9000.0, 50.0, 0.22171013875571713 },
	};
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		NEAR(sc_nb_cdf(sc[i][0], sc[i][1], sc[i][2]), sc[i][3], 1e-10,
		     "NB CDF(%g; mu %g, theta %g) equals scipy's", sc[i][0], sc[i][1], sc[i][2]);
	OK(sc_nb_cdf(-1, 3, 2) == 0 && sc_nb_cdf(4, 0, 2) == 1, "NB CDF below 0 is 0; mu 0 is a point mass");
}

static void test_nb_quantile(void)
{
	static const double mus[] = { 0.05, 0.5, 3, 40, 400, 3000 };
	static const double ths[] = { 0.05, 0.8, 5, 60 };
	int bad = 0, n = 0;
	for (size_t a = 0; a < 6; a++)
		for (size_t b = 0; b < 4; b++)
			for (double u = 0.0137; u < 1; u += 0.0731) {
				double mu = mus[a], th = ths[b], gap;
				double want = naive_quantile(u, mu, th, &gap);
				if (gap < 1e-9)
					continue; /* u on a step of the CDF up to rounding */
				double got = sc_nb_quantile(u, mu, th);
				n++;
				if (got != want) {
					bad++;
					printf("#   quantile(%g; mu %g theta %g) %g want %g\n", u, mu, th,
					       got, want);
				}
			}
	OK(!bad && n > 250, "NB quantile is the plain loop's smallest k with F(k) >= u (%d cases)", n);
	/* scipy 1.10.1: nbinom.ppf(u, theta, theta / (theta + mu)). */
	static const double sc[][4] = {
		{ 0.3, 1000.0, 5.0, 726 },  { 0.999, 1000.0, 5.0, 2964 }, { 0.5, 0.2, 0.05, 0 },
		{ 0.9, 0.2, 0.05, 0 },      { 0.01, 9000.0, 50.0, 6298 }, { 0.75, 60.0, 2.0, 81 },
	};
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		OK(sc_nb_quantile(sc[i][0], sc[i][1], sc[i][2]) == sc[i][3],
		   "NB quantile(%g; mu %g, theta %g) = scipy's %g", sc[i][0], sc[i][1], sc[i][2],
		   sc[i][3]);
}

static void test_norm_ppf(void)
{
	/* scipy 1.10.1 norm.ppf; the inverse is good to a few ulps. */
	static const double sc[][2] = {
		{ 1e-300, -37.0470962993612 },   { 1e-10, -6.361340902404056 },
		{ 0.01, -2.3263478740408408 },   { 0.02425, -1.972961051311885 },
		{ 0.3, -0.5244005127080409 },    { 0.5, 0.0 },
		{ 0.975, 1.959963984540054 },    { 0.999, 3.090232306167813 },
		{ 0.999999999999, 7.0344869100478356 },
	};
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		NEAR(sc_sim_norm_ppf(sc[i][0]), sc[i][1], 1e-13, "norm ppf(%g) equals scipy's",
		     sc[i][0]);
	/* Phi(ppf(p)) = p on the tail nearer to x, through erfc: an error of
	 * eps |x| in x moves the tail by x^2 eps relative (<= 3e-13 at x = -37). */
	int bad = 0, n = 0;
	for (double lp = -300; lp < -0.01; lp += 1.37, n++) {
		double p = pow(10, lp), x = sc_sim_norm_ppf(p);
		double lower = 0.5 * erfc(-x / M_SQRT2);
		double x2 = sc_sim_norm_ppf(1 - p), upper = 0.5 * erfc(x2 / M_SQRT2);
		double q = 1 - (1 - p); /* the p that 1 - p represents */
		if (fabs(lower - p) > 1e-12 * p || fabs(upper - q) > 1e-12 * q)
			bad++;
	}
	OK(!bad, "Phi(ppf(p)) = p in both tails, p from 1e-300 to 0.98 (%d values)", n);
	OK(sc_sim_norm_ppf(0) == -INFINITY && sc_sim_norm_ppf(1) == INFINITY,
	   "norm ppf(0) = -inf, ppf(1) = inf");
}

/* ---- 2 and 3. the copula and self-consistency ------------------------------ */

#define NCELL 2000
#define NGENE 400
#define NCOP 8 /* the correlated genes: 0..NCOP-1 */
#define NTYPE 2

/* AR(1) correlation per type: rho^|a-b|. */
static const double type_rho[NTYPE] = { 0.7, -0.5 };

static double true_corr(size_t t, size_t a, size_t b)
{
	return pow(type_rho[t], fabs((double)a - (double)b));
}

/* Mean count per unit library scale and dispersion of gene g in type t. */
static double gene_mean(size_t g, size_t t)
{
	if (g < NCOP)
		return t ? 30 - 2.0 * (double)g : 20 + 5.0 * (double)g;
	return 5 + (double)(g % 10);
}

static double gene_theta(size_t g)
{
	return g < NCOP ? 4 + 0.5 * (double)g : 3;
}

static double naive_draw(double u, double mu, double th)
{
	double gap;
	return naive_quantile(u, mu, th, &gap);
}

/* Cells alternate types; scale exp(0.3 N); copula genes from Phi of the
 * AR(1) recursion z_k = rho z_{k-1} + sqrt(1 - rho^2) e_k. */
static void make_data(sc_sim_data *d)
{
	memset(d, 0, sizeof(*d));
	d->n = NCELL;
	d->genes = NGENE;
	int32_t *y = calloc((size_t)NCELL * NGENE, sizeof(int32_t));
	d->type.n = NCELL;
	d->type.ncat = NTYPE;
	d->type.codes = malloc(NCELL * sizeof(int32_t));
	d->type.names = malloc(NTYPE * sizeof(char *));
	d->type.names[0] = sc_xstrdup("alpha");
	d->type.names[1] = sc_xstrdup("beta");
	d->type_key = sc_xstrdup("cell_type");
	d->cell_names = malloc(NCELL * sizeof(char *));
	d->gene_names = malloc(NGENE * sizeof(char *));
	for (size_t g = 0; g < NGENE; g++)
		d->gene_names[g] = sc_xasprintf("g%zu", g);
	sc_rng r;
	sc_rng_seed(&r, 2024);
	for (size_t i = 0; i < NCELL; i++) {
		size_t t = i % NTYPE;
		d->type.codes[i] = (int32_t)t;
		d->cell_names[i] = sc_xasprintf("c%zu", i);
		double s = exp(0.3 * sc_rng_normal(&r)), z = 0, rho = type_rho[t];
		for (size_t g = 0; g < NGENE; g++) {
			double u;
			if (g < NCOP) {
				double e = sc_rng_normal(&r);
				z = g ? rho * z + sqrt(1 - rho * rho) * e : e;
				u = 0.5 * erfc(-z / M_SQRT2);
			} else {
				u = sc_rng_uniform(&r);
			}
			u = u < 1e-12 ? 1e-12 : u > 1 - 1e-12 ? 1 - 1e-12 : u;
			y[i * NGENE + g] = (int32_t)naive_draw(u, s * gene_mean(g, t), gene_theta(g));
		}
	}
	/* CSC, library sizes, lnvar (variance of log1p(CP10k), ddof 1). */
	d->colptr = calloc(NGENE + 1, sizeof(int64_t));
	d->lib = calloc(NCELL, sizeof(double));
	d->lnvar = calloc(NGENE, sizeof(double));
	size_t nnz = 0;
	for (size_t i = 0; i < (size_t)NCELL * NGENE; i++)
		nnz += y[i] != 0;
	d->row = malloc(nnz * sizeof(int32_t));
	d->val = malloc(nnz * sizeof(int32_t));
	for (size_t i = 0; i < NCELL; i++)
		for (size_t g = 0; g < NGENE; g++)
			d->lib[i] += y[i * NGENE + g];
	size_t k = 0;
	for (size_t g = 0; g < NGENE; g++) {
		double s1 = 0, s2 = 0;
		for (size_t i = 0; i < NCELL; i++) {
			int32_t v = y[i * NGENE + g];
			double l = log1p(v / d->lib[i] * 1e4);
			s1 += l;
			s2 += l * l;
			if (v) {
				d->row[k] = (int32_t)i;
				d->val[k++] = v;
			}
		}
		d->colptr[g + 1] = (int64_t)k;
		d->lnvar[g] = (s2 - s1 * s1 / NCELL) / (NCELL - 1);
	}
	free(y);
}

/* Dense counts of a sc_sim_data (n x genes). */
static double *dense(const sc_sim_data *d)
{
	double *x = calloc(d->n * d->genes, sizeof(double));
	for (size_t g = 0; g < d->genes; g++)
		for (int64_t k = d->colptr[g]; k < d->colptr[g + 1]; k++)
			x[(size_t)d->row[k] * d->genes + g] = d->val[k];
	return x;
}

/* Position of gene g among the copula's genes, or -1. */
static long cop_pos(const sc_sim_copula *c, size_t g)
{
	for (size_t k = 0; k < c->k; k++)
		if (c->genes[k] == g)
			return (long)k;
	return -1;
}

/* Pearson correlations of the normal scores of the randomised PIT of x
 * (cells of type t) under the model m, offsets lib, for genes 0..NCOP-1. */
static void score_corr(double *out, const double *x, const sc_sim_data *d, const double *lib,
		       const sc_sim_nb *m, size_t t, uint64_t seed)
{
	double s[NCOP] = { 0 }, S[NCOP][NCOP] = { { 0 } }, n = 0;
	sc_rng r;
	sc_rng_seed(&r, seed);
	for (size_t i = 0; i < d->n; i++) {
		if ((size_t)d->type.codes[i] != t)
			continue;
		double z[NCOP];
		for (size_t g = 0; g < NCOP; g++) {
			double yv = x[i * d->genes + g];
			double mu = sc_sim_nb_mu(m, g, (size_t)m->group[i], lib[i]), th = m->theta[g];
			double hi = naive_cdf(yv, mu, th), lo = yv > 0 ? naive_cdf(yv - 1, mu, th) : 0;
			double u = lo + sc_rng_uniform(&r) * (hi - lo);
			u = u < 1e-15 ? 1e-15 : u > 1 - 1e-15 ? 1 - 1e-15 : u;
			z[g] = sc_sim_norm_ppf(u);
		}
		for (size_t a = 0; a < NCOP; a++) {
			s[a] += z[a];
			for (size_t b = 0; b < NCOP; b++)
				S[a][b] += z[a] * z[b];
		}
		n++;
	}
	for (size_t a = 0; a < NCOP; a++)
		for (size_t b = 0; b < NCOP; b++) {
			double cab = S[a][b] - s[a] * s[b] / n, caa = S[a][a] - s[a] * s[a] / n,
			       cbb = S[b][b] - s[b] * s[b] / n;
			out[a * NCOP + b] = cab / sqrt(caa * cbb);
		}
}

/*
 * A correlation estimated from n cells has standard error (1 - rho^2) /
 * sqrt(n) <= 1 / sqrt(n). Over the 2 types x 28 pairs x 2 checks, a bound
 * of 4 / sqrt(n) fails by chance with probability below 112 x 6.3e-5.
 * The randomised PIT of counts with means of 16 to 55 (times the cell scale)
 * attenuates a correlation by the jitter within one pmf step (variance
 * ~ pmf^2 / 12 / phi(z)^2, below 1e-3 here): far inside the bound.
 * The offset is the cell's own total, so correlated genes that make up a
 * large share of it bias the fitted correlation down (their common
 * excursion is read as library size): with 8 correlated genes among 100
 * (25% of the counts) type 0's AR(0.7) came out 0.10-0.15 low; among 400
 * genes (~7% of the counts) the bias is a few hundredths, inside the bound.
 */
static void test_copula(const sc_sim_data *d, const sc_sim_nb *m, const sc_sim_copula *c,
			const sc_sim_data *sim)
{
	double bound = 4 / sqrt(NCELL / NTYPE);
	int placed = 1;
	for (size_t g = 0; g < NCOP; g++)
		placed &= cop_pos(c, g) >= 0;
	OK(placed && c->k == NGENE, "every gene is in the copula (k = %zu)", c->k);
	if (!placed)
		return;
	double *xs = dense(sim);
	for (size_t t = 0; t < NTYPE; t++) {
		const double *R = c->corr + t * c->k * c->k;
		double worst_fit = 0, worst_sim = 0, sc[NCOP * NCOP];
		/* The generated cells used the real cells' library sizes (d->lib). */
		score_corr(sc, xs, sim, d->lib, m, t, 77 + t);
		for (size_t a = 0; a < NCOP; a++)
			for (size_t b = a + 1; b < NCOP; b++) {
				double f = R[cop_pos(c, a) * c->k + cop_pos(c, b)];
				double e1 = fabs(f - true_corr(t, a, b)), e2 = fabs(sc[a * NCOP + b] - f);
				worst_fit = e1 > worst_fit ? e1 : worst_fit;
				worst_sim = e2 > worst_sim ? e2 : worst_sim;
			}
		OK(worst_fit <= bound, "type %zu: fitted copula = the true AR(%g) correlations "
		   "(max error %.4f <= 4/sqrt(%d) = %.4f)", t, type_rho[t], worst_fit, NCELL / NTYPE,
		   bound);
		OK(worst_sim <= bound, "type %zu: simulated cells' normal-score correlations = the "
		   "fitted matrix (max error %.4f <= %.4f)", t, worst_sim, bound);
		OK(c->ridge[t] == 0, "type %zu: the fitted matrix needed no shrinkage", t);
	}
	free(xs);
}

/* The log mean of gene g in group grp (x' beta). */
static double log_group_mean(const sc_sim_nb *m, size_t g, size_t grp)
{
	double e = 0;
	for (size_t j = 0; j < m->p; j++)
		e += m->x[grp * m->p + j] * m->beta[g * m->p + j];
	return e;
}

/*
 * Refitting the simulator to its own cells (m2 on sim) against the model
 * that generated them (m1). Standard errors of the NB MLE from n_t cells
 * with mean count mbar: log mean sqrt((1/mbar + 1/theta) / n_t); dispersion
 * (relative) sqrt(2 / n) (1 + theta / mbar), the gamma-Poisson moment
 * result. A bound of 4.5 standard errors over 300 checks fails by chance
 * with probability below 300 x 6.8e-6. The offsets differ (the refit sees
 * the simulated library sizes, within ~3.5% of the real ones), which moves
 * 1/theta by ~0.0012, under 1% of theta: inside the bound.
 */
static void test_recovery(const sc_sim_nb *m1, const sc_sim_nb *m2, const sc_sim_data *sim)
{
	int bad_mean = 0, bad_theta = 0;
	double *x = dense(sim);
	for (size_t g = 0; g < NGENE; g++) {
		double th = m1->theta[g], tot = 0;
		for (size_t i = 0; i < sim->n; i++)
			tot += x[i * NGENE + g];
		double mbar_all = tot / (double)sim->n;
		double se_t = sqrt(2.0 / (double)sim->n) * (1 + th / mbar_all);
		if (fabs(m2->theta[g] / th - 1) > 4.5 * se_t) {
			bad_theta++;
			printf("#   gene %zu theta %g refit %g (se %.3f)\n", g, th, m2->theta[g], se_t);
		}
		for (size_t grp = 0; grp < m1->ngroups; grp++) {
			double s = 0, n = 0;
			for (size_t i = 0; i < sim->n; i++)
				if ((size_t)m1->group[i] == grp) {
					s += x[i * NGENE + g];
					n++;
				}
			double se = sqrt((n / s + 1 / th) / n);
			double e = fabs(log_group_mean(m2, g, grp) - log_group_mean(m1, g, grp));
			if (e > 4.5 * se) {
				bad_mean++;
				printf("#   gene %zu group %zu log mean off by %g (se %.3f)\n", g, grp, e,
				       se);
			}
		}
	}
	free(x);
	OK(!bad_mean, "refit on its own cells: every gene's group log means within 4.5 se");
	OK(!bad_theta, "refit on its own cells: every gene's dispersion within 4.5 se");
	OK(m1->ngroups == NTYPE && m2->ngroups == NTYPE, "one group per cell type");
	/* And the first fit against the truth: dispersions of the correlated genes. */
	int bad = 0;
	for (size_t g = 0; g < NGENE; g++)
		if (fabs(m1->theta[g] / gene_theta(g) - 1) > 4.5 * sqrt(2.0 / NCELL) * (1 + gene_theta(g) / 5))
			bad++;
	OK(!bad, "the first fit recovers the generator's dispersions within 4.5 se");
}

/* Per-gene mean, variance, zero fraction and per-cell library size and zero
 * fraction of x (n x NGENE). */
static void summaries(double *gm, double *gv, double *gz, double *cl, double *cz, const double *x,
		      size_t n)
{
	for (size_t g = 0; g < NGENE; g++) {
		double s = 0, s2 = 0, z = 0;
		for (size_t i = 0; i < n; i++) {
			double v = x[i * NGENE + g];
			s += v;
			s2 += v * v;
			z += v == 0;
		}
		gm[g] = s / (double)n;
		gv[g] = (s2 - s * s / (double)n) / (double)(n - 1);
		gz[g] = z / (double)n;
	}
	for (size_t i = 0; i < n; i++) {
		double s = 0, z = 0;
		for (size_t g = 0; g < NGENE; g++) {
			s += x[i * NGENE + g];
			z += x[i * NGENE + g] == 0;
		}
		cl[i] = s;
		cz[i] = z / NGENE;
	}
}

/*
 * Near the ideal: the KS statistic of two samples from one distribution
 * stays under 1.95 sqrt((na + nb) / (na nb)) with probability 0.999 (the
 * KS critical value at alpha = 0.001): 0.138 for 400 genes, 0.062 for
 * 2,000 cells.
 */
static void test_ks(const sc_sim_data *real, const sc_sim_data *sim)
{
	double *xr = dense(real), *xs = dense(sim);
	double a[5][NCELL], b[5][NCELL];
	summaries(a[0], a[1], a[2], a[3], a[4], xr, NCELL);
	summaries(b[0], b[1], b[2], b[3], b[4], xs, NCELL);
	static const char *what[] = { "gene mean", "gene variance", "gene zero fraction",
				      "cell library size", "cell zero fraction" };
	for (int k = 0; k < 5; k++) {
		size_t n = k < 3 ? NGENE : NCELL;
		double ks = sc_sim_ks(a[k], n, b[k], n), crit = 1.95 * sqrt(2.0 / (double)n);
		OK(ks <= crit, "KS of %s, real vs its own simulator: %.4f <= %.4f", what[k], ks,
		   crit);
	}
	free(xr);
	free(xs);
}

static void test_model(void)
{
	sc_sim_data d, sim;
	sc_sim_nb m1, m2;
	sc_sim_copula c;
	sc_err err = { 0 };
	make_data(&d);
	char dir[] = "/tmp/sceval-test-sim-XXXXXX";
	if (!mkdtemp(dir)) {
		OK(0, "temporary folder");
		return;
	}
	char *path = sc_xasprintf("%s/sim.h5ad", dir);
	int rc = sc_sim_nb_fit(&m1, &d, 0, 2, &err);
	OK(!rc, "NB marginals fit %s", rc ? err.msg : "");
	rc = rc ? rc : sc_sim_copula_fit(&c, &d, &m1, NGENE, 5, &err);
	OK(!rc, "copula fit %s", rc ? err.msg : "");
	rc = rc ? rc : sc_sim_generate(path, &d, &m1, &c, 9, 2, &err);
	OK(!rc, "generate %s", rc ? err.msg : "");
	rc = rc ? rc : sc_sim_data_read(&sim, path, "X", "cell_type", NULL, &err);
	OK(!rc, "read the simulated cells back %s", rc ? err.msg : "");
	if (rc)
		return;
	OK(sim.n == NCELL && sim.genes == NGENE, "as many cells and genes as the real data");
	test_copula(&d, &m1, &c, &sim);
	rc = sc_sim_nb_fit(&m2, &sim, 0, 2, &err);
	OK(!rc, "NB marginals refit on the simulated cells %s", rc ? err.msg : "");
	if (!rc) {
		test_recovery(&m1, &m2, &sim);
		sc_sim_nb_free(&m2);
	}
	test_ks(&d, &sim);
	unlink(path);
	rmdir(dir);
	free(path);
	sc_sim_copula_free(&c);
	sc_sim_nb_free(&m1);
	sc_sim_data_free(&sim);
	sc_sim_data_free(&d);
}

int main(void)
{
	test_nb_cdf();
	test_nb_quantile();
	test_norm_ppf();
	test_model();
	return unit_failures_ ? 1 : 0;
}
