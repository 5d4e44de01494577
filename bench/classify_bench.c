/*
 * classify_bench.c - the C side of bench/classify.sh: writes a synthetic
 * classification problem both sides read, and times sceval's logistic
 * regression, neural-network epoch and (when linked) kNN classifier on it.
 *
 *   classify_bench gen OUT N D K SEED [SEP]  Gaussian classes, N x D, K classes,
 *                                         class means SEP (0.35) apart in scale:
 *                                         int64 n, d, k; int32 y[n]; double x[n*d]
 *   classify_bench logreg FILE C TOL      standardise, fit on the first 80%,
 *                                         predict the rest; prints key=value lines
 *   classify_bench nn FILE EPOCHS         times NN epochs: the first 90% of
 *                                         cells train, the rest validate
 *   classify_bench knn FILE K             (bench/classify_knn_bench.c)
 */
#include "tasks/classify/logreg.h"
#include "tasks/classify/metrics.h"
#include "tasks/classify/nn.h"
#include "tasks/core/rng.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU seconds of the whole process (all threads): with other jobs on the
 * machine, wall times stretch but this stays close to the work done. */
static double cpu_sec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Class means on a sphere-ish shell plus unit noise; overlap set by sep. */
static void synth(sc_dmat *x, int32_t *y, size_t n, size_t d, size_t k, uint64_t seed, double sep)
{
	sc_rng r;
	sc_rng_seed(&r, seed);
	double *mu = malloc(k * d * sizeof(double));
	for (size_t i = 0; i < k * d; i++)
		mu[i] = sep * sc_rng_normal(&r);
	sc_dmat_alloc(x, n, d);
	for (size_t i = 0; i < n; i++) {
		y[i] = (int32_t)sc_rng_below(&r, k);
		for (size_t j = 0; j < d; j++)
			x->v[i * d + j] = mu[(size_t)y[i] * d + j] + sc_rng_normal(&r);
	}
	free(mu);
}

static int load(const char *path, sc_dmat *x, int32_t **y)
{
	FILE *f = fopen(path, "rb");
	int64_t h[3];
	if (!f || fread(h, sizeof(h), 1, f) != 1)
		return -1;
	*y = malloc((size_t)h[0] * sizeof(int32_t));
	sc_dmat_alloc(x, (size_t)h[0], (size_t)h[1]);
	int ok = fread(*y, sizeof(int32_t), (size_t)h[0], f) == (size_t)h[0] &&
		 fread(x->v, sizeof(double), x->rows * x->cols, f) == x->rows * x->cols;
	fclose(f);
	return ok ? 0 : -1;
}

static int cmd_gen(char **a)
{
	size_t n = strtoull(a[1], 0, 10), d = strtoull(a[2], 0, 10), k = strtoull(a[3], 0, 10);
	sc_dmat x;
	int32_t *y = malloc(n * sizeof(int32_t));
	synth(&x, y, n, d, k, strtoull(a[4], 0, 10), a[5] ? strtod(a[5], 0) : 0.35);
	FILE *f = fopen(a[0], "wb");
	int64_t h[3] = {(int64_t)n, (int64_t)d, (int64_t)k};
	int ok = f && fwrite(h, sizeof(h), 1, f) == 1 && fwrite(y, sizeof(int32_t), n, f) == n &&
		 fwrite(x.v, sizeof(double), n * d, f) == n * d;
	if (f && fclose(f))
		ok = 0;
	free(y);
	sc_dmat_free(&x);
	return ok ? 0 : 1;
}

static int cmd_logreg(char **a)
{
	sc_dmat x;
	int32_t *y;
	sc_err err = {0};
	if (load(a[0], &x, &y)) {
		fprintf(stderr, "cannot read %s\n", a[0]);
		return 1;
	}
	size_t n = x.rows, d = x.cols, ntr = n * 8 / 10;
	double t0 = sc_mono_sec(), c0 = cpu_sec();
	sc_dmat tr = {ntr, d, x.v}, te = {n - ntr, d, x.v + ntr * d};
	sc_scaler s;
	if (sc_scaler_fit(&s, &tr, &err))
		goto fail;
	sc_scaler_transform(&s, &tr);
	sc_scaler_transform(&s, &te);
	sc_logreg_opts o;
	sc_logreg_opts_init(&o);
	o.C = strtod(a[1], 0);
	o.tol = strtod(a[2], 0);
	o.max_iter = 10000;
	sc_logreg m;
	if (sc_logreg_fit(&m, &tr, y, &o, &err))
		goto fail;
	double t1 = sc_mono_sec();
	int32_t *pred = malloc((n - ntr) * sizeof(int32_t));
	if (sc_logreg_predict(pred, &m, &te, &err))
		goto fail;
	double t2 = sc_mono_sec(), c2 = cpu_sec();
	sc_cls_report r;
	if (sc_cls_report_compute(&r, y + ntr, pred, n - ntr, &err))
		goto fail;
	printf("fit_s=%.3f\npredict_s=%.3f\ntotal_s=%.3f\ncpu_s=%.3f\nn_iter=%d\naccuracy=%.6f\n"
	       "f1_macro=%.6f\n",
	       t1 - t0, t2 - t1, t2 - t0, c2 - c0, m.n_iter, r.accuracy, r.f1_macro);
	sc_cls_report_free(&r);
	sc_logreg_free(&m);
	sc_scaler_free(&s);
	free(pred);
	free(y);
	sc_dmat_free(&x);
	return 0;
fail:
	fprintf(stderr, "logreg: %s\n", err.msg);
	return 1;
}

static int cmd_nn(char **a)
{
	sc_dmat x;
	int32_t *y;
	if (load(a[0], &x, &y)) {
		fprintf(stderr, "cannot read %s\n", a[0]);
		return 1;
	}
	size_t n = x.rows, d = x.cols;
	sc_err err = {0};
	sc_nn_opts o;
	sc_nn_opts_init(&o);
	o.max_epochs = atoi(a[1]);
	o.patience = o.max_epochs + 1;
	o.seed = 1;
	size_t nval = n / 10, ntr = n - nval;
	sc_dmat tr = {ntr, d, x.v}, va = {nval, d, x.v + ntr * d};
	sc_nn *net = NULL;
	sc_nn_stats st;
	double t0 = sc_mono_sec(), c0 = cpu_sec();
	if (sc_nn_fit(&net, &st, &tr, y, &va, y + ntr, &o, &err)) {
		fprintf(stderr, "nn: %s\n", err.msg);
		return 1;
	}
	double t1 = sc_mono_sec(), c1 = cpu_sec();
	printf("epochs=%d\ntrain_cells=%zu\nepoch_s=%.3f\nepoch_cpu_s=%.3f\nval_accuracy=%.6f\n",
	       st.epochs, ntr, (t1 - t0) / st.epochs, (c1 - c0) / st.epochs, st.best_val_accuracy);
	sc_nn_stats_free(&st);
	sc_nn_free(net);
	free(y);
	sc_dmat_free(&x);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 7 && !strcmp(argv[1], "gen"))
		return cmd_gen(argv + 2);
	if (argc >= 5 && !strcmp(argv[1], "logreg"))
		return cmd_logreg(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "nn"))
		return cmd_nn(argv + 2);
	fprintf(stderr, "usage: classify_bench gen|logreg|nn ... (see the source)\n");
	return 2;
}
