/*
 * test_core_cluster.c - k-means against naive checks (each point at its
 * nearest centre, centres the means of their points, inertia recomputed),
 * exact recovery of well-separated blobs, sklearn KMeans' inertia on real
 * data. (Leiden is tested against leidenalg in test_core_leiden.c.)
 */
#include "tasks/core/blas.h"
#include "tasks/core/cluster.h"
#include "tasks/core/rng.h"
#include "core_oracle.h"

static double naive_inertia(const sc_dmat *x, const int32_t *lab, const double *c)
{
	double s = 0;
	for (size_t i = 0; i < x->rows; i++)
		for (size_t j = 0; j < x->cols; j++) {
			double v = x->v[i * x->cols + j] - c[(size_t)lab[i] * x->cols + j];
			s += v * v;
		}
	return s;
}

/* With tol = 0 Lloyd stops only when the labels repeat, so the centres are
 * the means of the final labels; with tol > 0 sklearn (and this code)
 * reassign once after the last update and the check does not apply. */
static void check_kmeans(const sc_dmat *x, size_t k, const char *what, double *inertia_out,
			 double tol)
{
	size_t n = x->rows, d = x->cols;
	int32_t *lab = malloc(n * 4);
	double *c = malloc(k * d * 8), in = 0;
	sc_err err = { 0 };
	sc_kmeans_opts o = { k, 10, 300, tol, 42 };
	int rc = sc_kmeans(lab, c, &in, x, &o, &err);
	OK(rc == 0, "%s: k-means runs %s", what, rc ? err.msg : "");
	if (rc == 0) {
		NEAR(naive_inertia(x, lab, c), in, 1e-9, "%s: inertia = naive sum of squares", what);
		size_t far = 0, off = 0;
		double *mean = calloc(k * d, 8);
		size_t *cnt = calloc(k, sizeof(size_t));
		for (size_t i = 0; i < n; i++) {
			double own = 0, best = INFINITY;
			for (size_t t = 0; t < k; t++) {
				double s = 0;
				for (size_t j = 0; j < d; j++)
					s += (x->v[i * d + j] - c[t * d + j]) * (x->v[i * d + j] - c[t * d + j]);
				if ((int32_t)t == lab[i])
					own = s;
				best = fmin(best, s);
			}
			far += own > best * (1 + 1e-9) + 1e-12;
			cnt[lab[i]]++;
			for (size_t j = 0; j < d; j++)
				mean[(size_t)lab[i] * d + j] += x->v[i * d + j];
		}
		for (size_t t = 0; t < k; t++)
			for (size_t j = 0; j < d; j++)
				off += cnt[t] && fabs(mean[t * d + j] / (double)cnt[t] - c[t * d + j]) >
							 1e-6 * (1 + fabs(c[t * d + j]));
		OK(far == 0, "%s: every point is at its nearest centre (%zu not)", what, far);
		if (tol == 0)
			OK(off == 0, "%s: centres are the means of their points (%zu entries off)", what, off);
		free(mean);
		free(cnt);
	}
	if (inertia_out)
		*inertia_out = in;
	free(lab);
	free(c);
}

static void test_kmeans(void)
{
	/* five tight blobs far apart, unequal sizes */
	size_t n = 500, d = 6, k = 5;
	sc_dmat x = { 0 };
	sc_dmat_alloc(&x, n, d);
	int32_t *truth = malloc(n * 4), *lab = malloc(n * 4), *lab2 = malloc(n * 4);
	sc_rng r;
	sc_rng_seed(&r, 5);
	for (size_t i = 0; i < n; i++) {
		int32_t b = (int32_t)((i * i) % 23 % k);
		truth[i] = b;
		for (size_t j = 0; j < d; j++)
			x.v[i * d + j] = 100.0 * (double)((b * 7 + (int32_t)j * 3) % 11) + sc_rng_normal(&r);
	}
	sc_err err = { 0 };
	sc_kmeans_opts o = { k, 10, 300, 1e-4, 1 };
	int rc = sc_kmeans(lab, NULL, NULL, &x, &o, &err);
	OK(rc == 0 && same_partition(lab, truth, n), "k-means recovers separated blobs exactly");
	check_kmeans(&x, k, "blobs", NULL, 0);
	check_kmeans(&x, 17, "blobs, k=17", NULL, 0);

	/* determinism: same seed same labels; thread count irrelevant */
	o.k = 9;
	int nt = openblas_get_num_threads();
	openblas_set_num_threads(1);
	rc = sc_kmeans(lab, NULL, NULL, &x, &o, &err);
	openblas_set_num_threads(2);
	rc |= sc_kmeans(lab2, NULL, NULL, &x, &o, &err);
	openblas_set_num_threads(nt);
	OK(rc == 0 && memcmp(lab, lab2, n * 4) == 0, "k-means: same seed, same labels with 1 and 2 threads");
	o.k = 0;
	OK(sc_kmeans(lab, NULL, NULL, &x, &o, &err) == SC_EINVAL, "k-means: k = 0 refused: %s", err.msg);
	free(truth);
	free(lab);
	free(lab2);
	sc_dmat_free(&x);
}

static void test_oracle(void)
{
	char *dir = oracle_run("cluster", NULL);
	if (!dir) {
		if (unit_testdata())
			OK(0, "cluster oracle runs");
		else
			SKIP("no test data: sklearn comparison");
		return;
	}
	const char *names[] = { "pca", "hlca" };
	size_t ks[] = { 10, 8 };
	for (int f = 0; f < 2; f++) {
		char fn[64];
		sc_dmat x = { 0 };
		snprintf(fn, sizeof(fn), "%s.bin", names[f]);
		if (oracle_dmat(&x, dir, fn) != 0) {
			OK(0, "load %s", fn);
			continue;
		}
		snprintf(fn, sizeof(fn), "%s_inertia.bin", names[f]);
		double want = oracle_scalar(dir, fn), got = 0;
		check_kmeans(&x, ks[f], names[f], &got, 1e-4);
		OK(got <= want * 1.01, "%s: inertia %.6g <= sklearn's %.6g * 1.01", names[f], got, want);
		sc_dmat_free(&x);
	}
	oracle_done(dir);
}

int main(void)
{
	test_kmeans();
	test_oracle();
	return unit_done();
}
