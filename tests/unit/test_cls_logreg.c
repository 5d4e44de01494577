/*
 * test_cls_logreg.c - the standardisation and the multinomial logistic
 * regression against sklearn 1.2.1 (tests/oracle/cls_logreg.py) on
 * synthetic blobs and on a real data set (pbmc68k PCA, 10 cell types):
 * sklearn's coefficients and probabilities when walking sklearn's path, the
 * exact optimum (scipy without the early stop) with ftol = 0 and with
 * Newton, the loss and gradient against a naive loop, thread-count
 * determinism, and bad input.
 */
#include "tests/unit/unit.h"
#include "tests/unit/cls_oracle.h"

#include "tasks/classify/lbfgs.h"
#include "tasks/classify/logreg.h"
#include "tasks/core/blas.h"
#include "util/par.h"
#include "tasks/core/rng.h"

typedef struct lcase {
	char id[32];
	size_t n, d;
	double C;
	int fi;
	sc_dmat x;
	int32_t *y;
} lcase;

static lcase cases[8];
static size_t ncases;

static void blobs(lcase *c, const char *id, size_t n, size_t d, size_t K, double sep, double C,
		  int fi, uint64_t seed)
{
	sc_rng r;
	sc_rng_seed(&r, seed);
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->n = n, c->d = d, c->C = C, c->fi = fi;
	sc_dmat_alloc(&c->x, n, d);
	c->y = malloc(n * sizeof(int32_t));
	double *mu = malloc(K * d * sizeof(double)), *scale = malloc(d * sizeof(double));
	for (size_t i = 0; i < K * d; i++)
		mu[i] = sep * sc_rng_normal(&r);
	for (size_t j = 0; j < d; j++)
		scale[j] = 0.2 + 5 * sc_rng_uniform(&r); /* unequal scales: standardising matters */
	for (size_t i = 0; i < n; i++) {
		size_t k = i < K ? i : (size_t)sc_rng_below(&r, K);
		c->y[i] = (int32_t)(2 * k + 1); /* sparse codes */
		for (size_t j = 0; j < d; j++)
			SC_AT(&c->x, i, j) = scale[j] * (mu[k * d + j] + sc_rng_normal(&r)) + 3.0;
	}
	free(mu);
	free(scale);
}

/* Naive loss and gradient (plain loops) of sklearn's objective at a model. */
static double naive_loss(const lcase *c, const sc_dmat *xs, const sc_logreg *m, double *gmax)
{
	size_t K = m->nclass, d = c->d;
	double loss = 0, *g = calloc(K * (d + 1), sizeof(double)), *z = calloc(K, sizeof(double));
	for (size_t i = 0; i < c->n; i++) {
		double mx = -HUGE_VAL, s = 0;
		size_t yk = 0;
		for (size_t k = 0; k < K; k++) {
			z[k] = m->intercept[k];
			for (size_t j = 0; j < d; j++)
				z[k] += m->coef[k * d + j] * SC_AT(xs, i, j);
			mx = fmax(mx, z[k]);
			if (m->classes[k] == c->y[i])
				yk = k;
		}
		for (size_t k = 0; k < K; k++)
			s += exp(z[k] - mx);
		loss += mx + log(s) - z[yk];
		for (size_t k = 0; k < K; k++) {
			double gk = exp(z[k] - mx) / s - (k == yk);
			for (size_t j = 0; j < d; j++)
				g[k * (d + 1) + j] += gk * SC_AT(xs, i, j);
			g[k * (d + 1) + d] += gk;
		}
	}
	double pen = 0;
	*gmax = 0;
	for (size_t k = 0; k < K; k++) {
		for (size_t j = 0; j < d; j++) {
			double w = m->coef[k * d + j];
			pen += w * w;
			g[k * (d + 1) + j] += w / c->C;
		}
		for (size_t j = 0; j < d + (size_t)c->fi; j++)
			*gmax = fmax(*gmax, fabs(g[k * (d + 1) + j]));
	}
	free(g);
	free(z);
	return loss + pen / (2 * c->C);
}

static void write_case(FILE *f, const lcase *c)
{
	fprintf(f, "case %s %zu %zu %.17g %d 1e-10\n", c->id, c->n, c->d, c->C, c->fi);
	for (size_t i = 0; i < c->n; i++) {
		fprintf(f, "%d", c->y[i]);
		for (size_t j = 0; j < c->d; j++)
			fprintf(f, " %.17g", SC_AT(&c->x, i, j));
		fprintf(f, "\n");
	}
}

/* Real data: the oracle dumps pbmc68k's X_pca and bulk_labels for us. */
static int load_real(lcase *c)
{
	const char *h5 = unit_datafile("scanpy_pbmc68k_reduced_with_counts.h5ad");
	if (!h5)
		return -1;
	char *dump = cls_tmpfile("logreg-real");
	char args[1200];
	snprintf(args, sizeof(args), "'X_pca' 'bulk_labels' '%s'", dump);
	/* --dump H5AD OBSM LABEL OUT: the "IN" slot carries the h5ad path */
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "'%s' tests/oracle/cls_logreg.py --dump '%s' %s", unit_python(),
		 h5, args);
	int rc = system(cmd) == 0 ? 0 : -1;
	FILE *f = rc ? NULL : fopen(dump, "r");
	if (f && fscanf(f, "%zu %zu", &c->n, &c->d) == 2) {
		snprintf(c->id, sizeof(c->id), "pbmc68k");
		c->C = 1.0, c->fi = 1;
		sc_dmat_alloc(&c->x, c->n, c->d);
		c->y = malloc(c->n * sizeof(int32_t));
		for (size_t i = 0; i < c->n && rc == 0; i++) {
			rc = fscanf(f, "%d", &c->y[i]) == 1 ? 0 : -1;
			for (size_t j = 0; j < c->d && rc == 0; j++)
				rc = fscanf(f, "%lf", &SC_AT(&c->x, i, j)) == 1 ? 0 : -1;
		}
	} else {
		rc = -1;
	}
	if (f)
		fclose(f);
	unlink(dump);
	free(dump);
	return rc;
}

static double rel_coef_diff(const sc_logreg *m, cls_expect *e, const char *id, const char *pre,
			    int binary_row)
{
	char nm[64];
	double maxd = 0, maxc = 0;
	size_t rows = binary_row ? 1 : m->nclass;
	for (size_t r = 0; r < rows; r++) {
		size_t k = binary_row ? 1 : r;
		for (size_t j = 0; j < m->nfeat; j++) {
			snprintf(nm, sizeof(nm), "%scoef.%zu.%zu", pre, r, j);
			double want = cls_expect_get(e, id, nm);
			maxd = fmax(maxd, fabs(m->coef[k * m->nfeat + j] - want));
			maxc = fmax(maxc, fabs(want));
		}
		snprintf(nm, sizeof(nm), "%sicpt.%zu", pre, r);
		double want = cls_expect_get(e, id, nm);
		maxd = fmax(maxd, fabs(m->intercept[k] - want));
		maxc = fmax(maxc, fabs(want));
	}
	return maxd / fmax(maxc, 1e-300);
}

static void test_against_sklearn(void)
{
	if (!cls_have_sklearn()) {
		SKIP("logreg oracle: %s lacks sklearn", unit_python());
		return;
	}
	blobs(&cases[ncases++], "b4", 400, 10, 4, 0.6, 1.0, 1, 1);
	blobs(&cases[ncases++], "b6c01", 600, 30, 6, 0.3, 0.1, 1, 2);
	blobs(&cases[ncases++], "binary", 300, 8, 2, 0.5, 1.0, 1, 3);
	blobs(&cases[ncases++], "nofi", 250, 20, 3, 0.5, 10.0, 0, 4);
	blobs(&cases[ncases++], "b10", 1000, 40, 10, 0.3, 1.0, 1, 5);
	int have_real = load_real(&cases[ncases]) == 0;
	if (have_real)
		ncases++;
	else
		SKIP("real data (pbmc68k X_pca) not available");

	char *in = cls_tmpfile("logreg-in"), *outp = cls_tmpfile("logreg-out");
	FILE *f = fopen(in, "w");
	for (size_t t = 0; t < ncases; t++)
		write_case(f, &cases[t]);
	fclose(f);
	int rc = cls_run_oracle("cls_logreg.py", in, outp, NULL);
	OK(rc == 0, "logreg oracle ran");
	cls_expect e;
	if (rc || cls_expect_load(&e, outp))
		goto out;

	sc_err err = {0};
	for (size_t t = 0; t < ncases; t++) {
		lcase *c = &cases[t];
		char nm[64];
		sc_scaler s;
		OK(sc_scaler_fit(&s, &c->x, &err) == 0, "%s: scaler fits", c->id);
		double dm = 0;
		for (size_t j = 0; j < c->d; j++) {
			snprintf(nm, sizeof(nm), "mean.%zu", j);
			double wm = cls_expect_get(&e, c->id, nm);
			snprintf(nm, sizeof(nm), "scale.%zu", j);
			double ws = cls_expect_get(&e, c->id, nm);
			dm = fmax(dm, fabs(s.mean[j] - wm) / fmax(1, fabs(wm)));
			dm = fmax(dm, fabs(s.scale[j] - ws) / fmax(1, fabs(ws)));
		}
		OK(dm < 1e-12, "%s: StandardScaler mean and scale to 1e-12 (%.1e)", c->id, dm);
		sc_dmat xs;
		sc_dmat_alloc(&xs, c->n, c->d);
		memcpy(xs.v, c->x.v, c->n * c->d * sizeof(double));
		sc_scaler_transform(&s, &xs);
		sc_scaler_free(&s);

		/* 1. sklearn's path and stopping rule */
		sc_logreg_opts o;
		sc_logreg_opts_init(&o);
		o.C = c->C, o.fit_intercept = c->fi, o.tol = 1e-10, o.max_iter = 10000;
		sc_logreg m;
		if (sc_logreg_fit(&m, &xs, c->y, &o, &err)) {
			OK(0, "%s: fit: %s", c->id, err.msg);
			sc_dmat_free(&xs);
			continue;
		}
		int binary = m.nclass == 2;
		double rd = rel_coef_diff(&m, &e, c->id, "", binary);
		OK(rd < 1e-5, "%s: coefficients equal sklearn's to %.1e relative (< 1e-5)", c->id, rd);
		double want_it = cls_expect_get(&e, c->id, "n_iter");
		OK(fabs(m.n_iter - want_it) <= 1, "%s: %d iterations, sklearn %g", c->id, m.n_iter,
		   want_it);
		sc_dmat p;
		OK(sc_logreg_predict_proba(&p, &m, &xs, &err) == 0, "%s: predict_proba", c->id);
		double pd = 0;
		for (size_t i = 0; i < 40 && i < c->n; i++)
			for (size_t k = 0; k < m.nclass; k++) {
				snprintf(nm, sizeof(nm), "proba.%zu.%zu", i, k);
				pd = fmax(pd, fabs(SC_AT(&p, i, k) - cls_expect_get(&e, c->id, nm)));
			}
		OK(pd < 1e-6, "%s: probabilities equal sklearn's to %.1e (< 1e-6)", c->id, pd);
		int32_t *pred = malloc(c->n * sizeof(int32_t));
		OK(sc_logreg_predict(pred, &m, &xs, &err) == 0, "%s: predict", c->id);
		int argmax_ok = 1;
		for (size_t i = 0; i < c->n; i++) {
			size_t b = 0;
			for (size_t k = 1; k < m.nclass; k++)
				if (SC_AT(&p, i, k) > SC_AT(&p, i, b))
					b = k;
			argmax_ok &= pred[i] == m.classes[b];
		}
		OK(argmax_ok, "%s: predicted codes are the most probable classes", c->id);
		double gmax;
		double nl = naive_loss(c, &xs, &m, &gmax);
		NEAR(m.loss, nl, 1e-10, "%s: objective equals a naive loop", c->id);
		free(pred);
		sc_dmat_free(&p);
		sc_logreg_free(&m);

		/* 2. to the optimum: L-BFGS without the early stop, and Newton */
		o.ftol = 0, o.tol = 1e-9;
		if (sc_logreg_fit(&m, &xs, c->y, &o, &err) == 0) {
			rd = rel_coef_diff(&m, &e, c->id, "opt.", 0);
			OK(rd < 1e-6, "%s: L-BFGS with ftol 0 reaches the optimum (%.1e relative, %d it)",
			   c->id, rd, m.n_iter);
			NEAR(m.loss, cls_expect_get(&e, c->id, "opt.loss"), 1e-12,
			     "%s: optimal objective value", c->id);
			nl = naive_loss(c, &xs, &m, &gmax);
			OK(gmax < 1e-8 * (double)c->n, "%s: naive gradient at the optimum %.1e (n %zu)",
			   c->id, gmax, c->n);
			sc_logreg_free(&m);
		} else {
			OK(0, "%s: fit ftol 0: %s", c->id, err.msg);
		}
		o.solver = SC_LOGREG_NEWTON, o.tol = 1e-9;
		if (sc_logreg_fit(&m, &xs, c->y, &o, &err) == 0) {
			rd = rel_coef_diff(&m, &e, c->id, "opt.", 0);
			OK(rd < 1e-6, "%s: Newton reaches the optimum (%.1e relative, %d it)", c->id, rd,
			   m.n_iter);
			sc_logreg_free(&m);
		} else {
			OK(0, "%s: Newton: %s", c->id, err.msg);
		}
		sc_dmat_free(&xs);
	}
	cls_expect_free(&e);
out:
	unlink(in), unlink(outp), free(in), free(outp);
}

static void test_determinism(void)
{
	lcase c;
	blobs(&c, "det", 5000, 30, 7, 0.3, 1.0, 1, 9);
	sc_err err = {0};
	sc_logreg_opts o;
	sc_logreg_opts_init(&o);
	sc_logreg a, b, d;
	int saved = openblas_get_num_threads();
	openblas_set_num_threads(1);
	o.threads = 1;
	int rc = sc_logreg_fit(&a, &c.x, c.y, &o, &err);
	openblas_set_num_threads(2);
	o.threads = 3;
	rc |= sc_logreg_fit(&b, &c.x, c.y, &o, &err);
	o.threads = 0;
	sc_par_set_default_threads(5);
	rc |= sc_logreg_fit(&d, &c.x, c.y, &o, &err);
	sc_par_set_default_threads(0);
	openblas_set_num_threads(saved);
	OK(rc == 0, "determinism fits");
	if (rc == 0) {
		OK(a.n_iter == b.n_iter && !memcmp(a.coef, b.coef, 30 * 7 * sizeof(double)) &&
			   !memcmp(a.intercept, b.intercept, 7 * sizeof(double)) &&
			   !memcmp(a.coef, d.coef, 30 * 7 * sizeof(double)),
		   "same coefficients bit for bit with 1 and 2 BLAS threads, 1, 3 and 5 softmax threads");
		sc_logreg_free(&a);
		sc_logreg_free(&b);
		sc_logreg_free(&d);
	}
	sc_dmat_free(&c.x);
	free(c.y);
}

static void test_errors(void)
{
	sc_err err = {0};
	sc_dmat x;
	sc_dmat_alloc(&x, 4, 2);
	int32_t one[] = {1, 1, 1, 1}, miss[] = {0, 1, -1, 0}, ok[] = {0, 1, 0, 1};
	sc_logreg_opts o;
	sc_logreg_opts_init(&o);
	sc_logreg m;
	OK(sc_logreg_fit(&m, &x, one, &o, &err) == SC_EINVAL && strstr(err.msg, "2 classes"),
	   "one class rejected: %s", err.msg);
	OK(sc_logreg_fit(&m, &x, miss, &o, &err) == SC_EINVAL, "missing label rejected: %s",
	   err.msg);
	x.v[3] = NAN;
	OK(sc_logreg_fit(&m, &x, ok, &o, &err) == SC_EINVAL, "NaN input rejected: %s", err.msg);
	x.v[3] = 0;
	o.C = 0;
	OK(sc_logreg_fit(&m, &x, ok, &o, &err) == SC_EINVAL, "C = 0 rejected");
	o.C = 1;
	OK(sc_logreg_fit(&m, &x, ok, &o, &err) == 0, "constant data fits");
	sc_dmat y, py;
	sc_dmat_alloc(&y, 2, 3);
	OK(sc_logreg_predict_proba(&py, &m, &y, &err) == SC_EINVAL, "wrong feature count rejected");
	sc_logreg_free(&m);
	sc_dmat_free(&y);
	/* the scaler keeps constant columns at scale 1, as StandardScaler */
	for (size_t i = 0; i < 4; i++)
		SC_AT(&x, i, 0) = 0.1, SC_AT(&x, i, 1) = (double)i;
	sc_scaler s;
	OK(sc_scaler_fit(&s, &x, &err) == 0 && s.scale[0] == 1.0 && fabs(s.mean[0] - 0.1) < 1e-15,
	   "constant column: scale 1");
	NEAR(s.scale[1], sqrt(1.25), 1e-15, "population sd of 0..3");
	sc_scaler_free(&s);
	sc_dmat_free(&x);
}

int main(void)
{
	test_errors();
	test_determinism();
	test_against_sklearn();
	for (size_t t = 0; t < ncases; t++) {
		sc_dmat_free(&cases[t].x);
		free(cases[t].y);
	}
	return unit_done();
}
