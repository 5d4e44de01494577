/*
 * test_cls_lbfgs.c - the L-BFGS minimiser: the minimum of known functions,
 * and the same path as scipy's L-BFGS-B (tests/oracle/cls_lbfgs.py): equal
 * iteration and evaluation counts and end points, which is what lets the
 * logistic regression stop where sklearn stops.
 */
#include "tests/unit/unit.h"
#include "tests/unit/cls_oracle.h"

#include "tasks/classify/lbfgs.h"

static int nevals;

static double rosen(void *ctx, const double *x, double *g)
{
	size_t n = *(size_t *)ctx;
	double f = 0;
	nevals++;
	memset(g, 0, n * sizeof(double));
	for (size_t i = 0; i + 1 < n; i++) {
		double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
		f += 100 * a * a + b * b;
		g[i] += -400 * a * x[i] - 2 * b;
		g[i + 1] += 200 * a;
	}
	return f;
}

static double quad(void *ctx, const double *x, double *g)
{
	size_t n = *(size_t *)ctx;
	double f = 0, s = 0;
	nevals++;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	for (size_t i = 0; i < n; i++) {
		double w = (double)(i + 1);
		f += w * (x[i] - 1) * (x[i] - 1);
		g[i] = 2 * w * (x[i] - 1) + s / 5;
	}
	return f + s * s / 10;
}

typedef struct tcase {
	const char *fn, *id;
	size_t n;
	double gtol, ftol;
	double x0[12];
} tcase;

static const tcase cases[] = {
	{"rosen", "rosen2", 2, 1e-5, 2.220446049250313e-09, {-1.2, 1}},
	{"rosen", "rosen10", 10, 1e-8, 2.220446049250313e-09,
	 {-1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1}},
	{"rosen", "rosen10tight", 10, 1e-12, 0, {-1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1}},
	{"rosen", "rosen6far", 6, 1e-6, 1e-12, {3, -2, 0.5, 4, -1, 2}},
	{"quad", "quad12", 12, 1e-9, 2.220446049250313e-09, {0, 5, -3, 2, 0, 0, 1, 7, -1, 0, 3, 9}},
};

int main(void)
{
	sc_lbfgs_opts o;
	sc_lbfgs_result res;
	sc_err err = {0};
	size_t ncase = sizeof(cases) / sizeof(cases[0]);

	/* Known minima: Rosenbrock at all ones, the quadratic solves a linear system
	 * (2 diag(i) + 1/5 11') x = 2 i, checked through its gradient. */
	for (size_t t = 0; t < ncase; t++) {
		const tcase *c = &cases[t];
		size_t n = c->n;
		double x[12];
		memcpy(x, c->x0, n * sizeof(double));
		sc_lbfgs_opts_init(&o);
		o.gtol = 1e-10, o.ftol = 0;
		sc_lbfgs_fn fn = !strcmp(c->fn, "rosen") ? rosen : quad;
		OK(sc_lbfgs_minimize(x, n, fn, &n, &o, &res, &err) == 0, "%s minimises", c->id);
		double g[12], gm = 0, dx = 0;
		fn(&n, x, g);
		for (size_t i = 0; i < n; i++) {
			gm = fmax(gm, fabs(g[i]));
			dx = fmax(dx, fabs(x[i] - 1));
		}
		if (!strcmp(c->fn, "rosen"))
			OK(dx < 1e-7, "%s: minimum at ones (%.1e, %d iterations, status %d)", c->id, dx,
			   res.iters, res.status);
		/* ftol 0 stops when f no longer decreases in double precision:
		 * for the quadratic (f ~ 40) that is |g| ~ sqrt(curvature eps f) */
		OK(gm < 1e-6, "%s: gradient at the end %.1e", c->id, gm);
	}

	/* Bad options */
	sc_lbfgs_opts_init(&o);
	o.m = 0;
	double x1[2] = {0, 0};
	size_t two = 2;
	OK(sc_lbfgs_minimize(x1, 2, rosen, &two, &o, &res, &err) == SC_EINVAL,
	   "m = 0 rejected: %s", err.msg);

	if (!cls_have_sklearn()) {
		SKIP("L-BFGS oracle: %s lacks scipy", unit_python());
		return unit_done();
	}
	char *in = cls_tmpfile("lbfgs-in"), *outp = cls_tmpfile("lbfgs-out");
	FILE *f = fopen(in, "w");
	for (size_t t = 0; t < ncase; t++) {
		const tcase *c = &cases[t];
		fprintf(f, "%s %s %zu %.17g %.17g", c->fn, c->id, c->n, c->gtol, c->ftol);
		for (size_t i = 0; i < c->n; i++)
			fprintf(f, " %.17g", c->x0[i]);
		fprintf(f, "\n");
	}
	fclose(f);
	int rc = cls_run_oracle("cls_lbfgs.py", in, outp, NULL);
	OK(rc == 0, "scipy oracle ran");
	cls_expect e;
	if (rc == 0 && cls_expect_load(&e, outp) == 0) {
		for (size_t t = 0; t < ncase; t++) {
			const tcase *c = &cases[t];
			size_t n = c->n;
			double x[12];
			memcpy(x, c->x0, n * sizeof(double));
			sc_lbfgs_opts_init(&o);
			o.gtol = c->gtol, o.ftol = c->ftol;
			nevals = 0;
			sc_lbfgs_fn fn = !strcmp(c->fn, "rosen") ? rosen : quad;
			if (sc_lbfgs_minimize(x, n, fn, &n, &o, &res, &err)) {
				OK(0, "%s: %s", c->id, err.msg);
				continue;
			}
			double nit = cls_expect_get(&e, c->id, "nit");
			double nfev = cls_expect_get(&e, c->id, "nfev");
			/* with ftol 0 the run ends at the rounding limit, where the
			 * last step may come one iteration apart */
			int slack = c->ftol == 0 ? 1 : 0;
			OK(fabs(res.iters - nit) <= slack, "%s: %d iterations, scipy %g", c->id,
			   res.iters, nit);
			OK(res.nfev == nevals && fabs(res.nfev - nfev) <= slack,
			   "%s: %d evaluations, scipy %g", c->id, res.nfev, nfev);
			double dx = 0;
			char nm[32];
			for (size_t i = 0; i < n; i++) {
				snprintf(nm, sizeof(nm), "x.%zu", i);
				dx = fmax(dx, fabs(x[i] - cls_expect_get(&e, c->id, nm)));
			}
			OK(dx < 1e-8, "%s: end point equals scipy's to %.1e", c->id, dx);
			NEAR(res.f, cls_expect_get(&e, c->id, "fun"), 1e-9, "%s: final value", c->id);
		}
		cls_expect_free(&e);
	}
	unlink(in), unlink(outp), free(in), free(outp);
	return unit_done();
}
