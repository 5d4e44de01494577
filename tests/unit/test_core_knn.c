/*
 * test_core_knn.c - exact kNN against a naive O(n^2) scan (identical
 * results: the kernel certifies its output as the exact (distance, index)
 * order), against sklearn NearestNeighbors(algorithm='brute') on real data
 * (identical neighbour sets apart from ties), and byte-identical output for
 * one and two BLAS threads.
 */
#include "tasks/core/blas.h"
#include "tasks/core/knn.h"
#include "util/par.h"
#include "tasks/core/rng.h"
#include "core_oracle.h"

typedef struct nb {
	double d;
	int32_t i;
} nb;

static int nb_cmp(const void *a, const void *b)
{
	const nb *x = a, *y = b;
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* Plain loops: every distance, a full sort, the first k. */
static void naive_knn(int32_t *idx, double *dist, const sc_dmat *q, const sc_dmat *r, size_t k,
		      int cosine, int self, int include_self)
{
	size_t d = q->cols;
	nb *a = malloc(r->rows * sizeof(nb));
	for (size_t i = 0; i < q->rows; i++) {
		size_t n = 0;
		for (size_t j = 0; j < r->rows; j++) {
			if (self && j == i)
				continue;
			const double *x = q->v + i * d, *y = r->v + j * d;
			double s = 0;
			if (cosine) {
				double nx = 0, ny = 0;
				for (size_t t = 0; t < d; t++) {
					nx += x[t] * x[t];
					ny += y[t] * y[t];
				}
				nx = sqrt(nx);
				ny = sqrt(ny);
				if (nx == 0 || ny == 0) {
					s = 1.0;
				} else {
					for (size_t t = 0; t < d; t++) {
						double u = x[t] / nx - y[t] / ny;
						s += u * u;
					}
					s *= 0.5;
				}
			} else {
				for (size_t t = 0; t < d; t++)
					s += (x[t] - y[t]) * (x[t] - y[t]);
				s = sqrt(s);
			}
			a[n].d = s;
			a[n].i = (int32_t)j;
			n++;
		}
		qsort(a, n, sizeof(nb), nb_cmp);
		size_t o = 0;
		if (self && include_self) {
			idx[i * k] = (int32_t)i;
			dist[i * k] = 0;
			o = 1;
		}
		for (size_t t = 0; o < k; t++, o++) {
			idx[i * k + o] = a[t].i;
			dist[i * k + o] = a[t].d;
		}
	}
	free(a);
}

static void rand_mat(sc_dmat *m, size_t n, size_t d, uint64_t seed, int dups)
{
	sc_rng r;
	sc_rng_seed(&r, seed);
	sc_dmat_alloc(m, n, d);
	for (size_t i = 0; i < n * d; i++)
		m->v[i] = sc_rng_normal(&r) * (1 + (double)(i % d));
	/* exact duplicates and a zero row make ties and the cosine corner case */
	for (size_t i = 0; i < (size_t)dups && 2 * i + 1 < n; i++)
		memcpy(m->v + (2 * i + 1) * d, m->v + 2 * i * d, d * sizeof(double));
	if (dups)
		memset(m->v + (n - 1) * d, 0, d * sizeof(double));
}

static void test_naive(void)
{
	sc_dmat x = { 0 }, q = { 0 };
	sc_err err = { 0 };
	rand_mat(&x, 900, 17, 1, 40);
	rand_mat(&q, 130, 17, 2, 0);
	size_t ks[] = { 1, 5, 30, 100 };
	for (int cos = 0; cos < 2; cos++)
		for (size_t a = 0; a < 4; a++)
			for (int inc = 0; inc < 2; inc++) {
				size_t k = ks[a], n = x.rows;
				int32_t *i1 = malloc(n * k * 4), *i2 = malloc(n * k * 4);
				double *d1 = malloc(n * k * 8), *d2 = malloc(n * k * 8);
				int rc = sc_knn_self(i1, d1, &x, k, cos ? SC_METRIC_COSINE : SC_METRIC_EUCLIDEAN,
						     inc, &err);
				naive_knn(i2, d2, &x, &x, k, cos, 1, inc);
				OK(rc == 0 && memcmp(i1, i2, n * k * 4) == 0,
				   "self kNN = naive scan (%s, k=%zu, include_self=%d)", cos ? "cosine" : "euclidean", k, inc);
				double md = 0;
				for (size_t t = 0; t < n * k; t++)
					md = fmax(md, fabs(d1[t] - d2[t]));
				OK(md <= 1e-12, "self kNN distances = naive within 1e-12 (max %.3g)", md);
				free(i1);
				free(i2);
				free(d1);
				free(d2);
			}
	for (int cos = 0; cos < 2; cos++) {
		size_t k = 40, n = q.rows;
		int32_t *i1 = malloc(n * k * 4), *i2 = malloc(n * k * 4);
		double *d1 = malloc(n * k * 8), *d2 = malloc(n * k * 8);
		int rc = sc_knn_query(i1, d1, &q, &x, k, cos ? SC_METRIC_COSINE : SC_METRIC_EUCLIDEAN, &err);
		naive_knn(i2, d2, &q, &x, k, cos, 0, 0);
		double md = 0;
		for (size_t t = 0; t < n * k; t++)
			md = fmax(md, fabs(d1[t] - d2[t]));
		OK(rc == 0 && memcmp(i1, i2, n * k * 4) == 0 && md <= 1e-12,
		   "query kNN = naive scan (%s)", cos ? "cosine" : "euclidean");
		free(i1);
		free(i2);
		free(d1);
		free(d2);
	}
	/* bad input is an error, not a crash */
	int32_t i0[4];
	double d0[4];
	OK(sc_knn_self(i0, d0, &x, 900, SC_METRIC_EUCLIDEAN, 0, &err) == SC_EINVAL,
	   "k = n without self is refused: %s", err.msg);
	OK(sc_knn_query(i0, d0, &q, &(sc_dmat){ 3, 5, x.v }, 1, SC_METRIC_EUCLIDEAN, &err) == SC_EINVAL,
	   "mismatched dimensions are refused: %s", err.msg);
	x.v[5] = NAN;
	OK(sc_knn_self(i0, d0, &(sc_dmat){ 4, 17, x.v }, 1, SC_METRIC_EUCLIDEAN, 0, &err) == SC_EINVAL,
	   "NaN input is refused: %s", err.msg);
	sc_dmat_free(&x);
	sc_dmat_free(&q);
}

static void test_threads(void)
{
	sc_dmat x = { 0 };
	sc_err err = { 0 };
	rand_mat(&x, 3000, 30, 7, 100);
	size_t k = 30, n = x.rows;
	int32_t *i1 = malloc(n * k * 4), *i2 = malloc(n * k * 4);
	double *d1 = malloc(n * k * 8), *d2 = malloc(n * k * 8);
	int nt = openblas_get_num_threads();
	openblas_set_num_threads(1);
	sc_par_set_default_threads(1);
	int rc1 = sc_knn_self(i1, d1, &x, k, SC_METRIC_EUCLIDEAN, 1, &err);
	openblas_set_num_threads(2);
	sc_par_set_default_threads(3);
	int rc2 = sc_knn_self(i2, d2, &x, k, SC_METRIC_EUCLIDEAN, 1, &err);
	openblas_set_num_threads(nt);
	sc_par_set_default_threads(0);
	OK(rc1 == 0 && rc2 == 0 && memcmp(i1, i2, n * k * 4) == 0 && memcmp(d1, d2, n * k * 8) == 0,
	   "1 and 2 BLAS threads, 1 and 3 workers give the same bytes");
	free(i1);
	free(i2);
	free(d1);
	free(d2);
	sc_dmat_free(&x);
}

/* Same neighbour sets apart from ties: every neighbour of one result whose
 * distance is clearly below the k-th (by more than tol) is in the other. */
static void compare_sklearn(const char *dir, const char *tag, const sc_dmat *q, const sc_dmat *ref,
			    size_t k, sc_metric metric, int self)
{
	char ni[256], nd[256];
	snprintf(ni, sizeof(ni), "%s_i.bin", tag);
	snprintf(nd, sizeof(nd), "%s_d.bin", tag);
	size_t r, c;
	int32_t *wi = oracle_imat(&r, &c, dir, ni);
	sc_dmat wd = { 0 };
	if (!wi || oracle_dmat(&wd, dir, nd) != 0 || c != k || r != q->rows) {
		OK(0, "oracle output %s loads", tag);
		free(wi);
		sc_dmat_free(&wd);
		return;
	}
	int32_t *gi = malloc(r * k * 4);
	double *gd = malloc(r * k * 8);
	sc_err err = { 0 };
	int rc = self ? sc_knn_self(gi, gd, q, k, metric, 0, &err)
		      : sc_knn_query(gi, gd, q, ref, k, metric, &err);
	double tol = 1e-6, md = 0;
	size_t bad = 0;
	for (size_t i = 0; i < r && rc == 0; i++) {
		double kth = fmin(gd[i * k + k - 1], wd.v[i * k + k - 1]);
		for (int side = 0; side < 2; side++) {
			const int32_t *a = side ? wi : gi, *b = side ? gi : wi;
			const double *ad = side ? wd.v : gd;
			for (size_t t = 0; t < k; t++) {
				if (ad[i * k + t] >= kth - tol)
					continue;
				int found = 0;
				for (size_t u = 0; u < k; u++)
					found |= b[i * k + u] == a[i * k + t];
				bad += !found;
			}
		}
		for (size_t t = 0; t < k; t++)
			md = fmax(md, fabs(gd[i * k + t] - wd.v[i * k + t]));
	}
	OK(rc == 0 && bad == 0, "%s: same neighbour sets as sklearn apart from ties (%zu differ)", tag, bad);
	OK(rc == 0 && md <= tol, "%s: sorted distances = sklearn within %g (max %.3g)", tag, tol, md);
	free(wi);
	free(gi);
	free(gd);
	sc_dmat_free(&wd);
}

static void test_sklearn(void)
{
	char *dir = oracle_run("knn", NULL);
	if (!dir) {
		if (unit_testdata())
			OK(0, "knn oracle runs");
		else
			SKIP("no test data: sklearn comparison");
		return;
	}
	const char *names[] = { "pca", "hlca" };
	for (int f = 0; f < 2; f++) {
		sc_dmat x = { 0 };
		char fn[64];
		snprintf(fn, sizeof(fn), "%s.bin", names[f]);
		if (oracle_dmat(&x, dir, fn) != 0) {
			OK(0, "load %s", fn);
			continue;
		}
		for (int cos = 0; cos < 2; cos++) {
			const char *mn = cos ? "cosine" : "euclidean";
			sc_metric m = cos ? SC_METRIC_COSINE : SC_METRIC_EUCLIDEAN;
			size_t ks[] = { 15, 50, 90 };
			for (int a = 0; a < 3; a++) {
				char tag[128];
				snprintf(tag, sizeof(tag), "%s_%s_%zu", names[f], mn, ks[a]);
				compare_sklearn(dir, tag, &x, &x, ks[a], m, 1);
			}
			size_t nq = 200;
			sc_dmat ref = { x.rows - nq, x.cols, x.v };
			sc_dmat q = { nq, x.cols, x.v + (x.rows - nq) * x.cols };
			char tag[128];
			snprintf(tag, sizeof(tag), "%s_%s_q", names[f], mn);
			compare_sklearn(dir, tag, &q, &ref, 30, m, 0);
		}
		sc_dmat_free(&x);
	}
	oracle_done(dir);
}

int main(void)
{
	test_naive();
	test_threads();
	test_sklearn();
	return unit_done();
}
