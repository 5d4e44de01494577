/*
 * test_core_par.c - the core's thread pool and tiled products: every task
 * run exactly once, products equal to a naive triple loop for every
 * transpose combination and ragged shapes, the same bytes for pools of
 * 1, 2, 3 and 8 threads, and the default thread count's sources.
 */
#include "tests/unit/unit.h"

#include "util/par.h"
#include "tasks/core/tiles.h"
#include "tasks/core/blas.h"
#include "tasks/core/rng.h"

#include <stdlib.h>
#include <unistd.h>

#include <stdatomic.h>

static atomic_int hits[5000];

static void count_task(void *ctx, size_t t)
{
	(void)ctx;
	atomic_fetch_add(&hits[t], 1);
}

static void naive(int ta, int tb, size_t m, size_t n, size_t k, double alpha, const double *A,
		  size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t l = 0; l < k; l++) {
				double a = ta ? A[l * lda + i] : A[i * lda + l];
				double b = tb ? B[j * ldb + l] : B[l * ldb + j];
				s += a * b;
			}
			C[i * ldc + j] = alpha * s + beta * C[i * ldc + j];
		}
}

/* Upper triangle of op(B) op(B)^T by a naive loop vs sc_par_syrk with pools
 * of 1, 2, 3, 8 threads; shapes straddle the 256-wide tiles. The naive sum
 * and the blocked one differ by rounding only: |error| <= k eps sum |b b|,
 * bounded here by 1e-13 (k + 1) for standard normal entries. */
static void test_syrk(sc_rng *r)
{
	static const size_t shapes[][2] = { { 600, 300 }, { 256, 17 }, { 257, 1000 }, { 5, 3 } };
	int match = 1, same = 1, lower = 1;
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
		for (int trans = 0; trans < 2; trans++) {
			size_t m = shapes[s][0], k = shapes[s][1];
			size_t ldb = (trans ? m : k) + 1, ldc = m + 3, rows = trans ? k : m;
			double *B = malloc(rows * ldb * sizeof(double)), *C[4];
			for (size_t i = 0; i < rows * ldb; i++)
				B[i] = sc_rng_normal(r);
			static const int pools[4] = { 1, 2, 3, 8 };
			for (int t = 0; t < 4; t++) {
				C[t] = calloc(m * ldc, sizeof(double));
				sc_par *p = sc_par_new(pools[t]);
				sc_par_syrk(p, trans, m, k, B, ldb, C[t], ldc);
				sc_par_free(p);
			}
			for (size_t i = 0; i < m; i++)
				for (size_t j = 0; j < m; j++) {
					if (j < i) {
						lower &= C[0][i * ldc + j] == 0;
						continue;
					}
					double v = 0;
					for (size_t l = 0; l < k; l++)
						v += trans ? B[l * ldb + i] * B[l * ldb + j]
							   : B[i * ldb + l] * B[j * ldb + l];
					match &= fabs(v - C[0][i * ldc + j]) <= 1e-13 * (double)(k + 1);
				}
			for (int t = 1; t < 4; t++)
				same &= !memcmp(C[0], C[t], m * ldc * sizeof(double));
			free(B);
			for (int t = 0; t < 4; t++)
				free(C[t]);
		}
	OK(match && lower, "tiled syrk: upper triangle equals a naive loop, lower untouched");
	OK(same, "tiled syrk: identical bytes with 1, 2, 3 and 8 threads");
}

static void test_default_threads(void)
{
	setenv("SCEVAL_THREADS", "3", 1);
	int env = sc_par_default_threads();
	sc_par_set_default_threads(5);
	int over = sc_par_default_threads();
	sc_par *p = sc_par_new(0);
	int pool = sc_par_threads(p);
	sc_par_free(p);
	sc_par_set_default_threads(0);
	setenv("SCEVAL_THREADS", "bogus", 1);
	int bad = sc_par_default_threads();
	unsetenv("SCEVAL_THREADS");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	OK(env == 3 && over == 5 && pool == 5 && bad == (int)cpus,
	   "default threads: SCEVAL_THREADS %d, override %d, pool %d, else the CPUs (%d)", env, over,
	   pool, bad);
}

int main(void)
{
	test_default_threads();
	/* pool: each task once, for several sizes */
	int once = 1;
	for (int nt = 1; nt <= 4; nt++) {
		sc_par *p = sc_par_new(nt);
		for (size_t ntask = 0; ntask < 5000; ntask += 997) {
			for (size_t t = 0; t < 5000; t++)
				atomic_store(&hits[t], 0);
			sc_par_run(p, ntask, count_task, NULL);
			for (size_t t = 0; t < 5000; t++)
				once &= atomic_load(&hits[t]) == (t < ntask ? 1 : 0);
		}
		once &= sc_par_threads(p) == nt;
		sc_par_free(p);
	}
	OK(once, "pool of 1..4 threads runs every task exactly once");
	sc_par_free(NULL);

	int prev = sc_blas_serial_begin();
	OK(openblas_get_num_threads() == 1, "OpenBLAS single-threaded inside begin/end");
	sc_rng r;
	sc_rng_seed(&r, 1);
	size_t shapes[][3] = {{128, 512, 300}, {20, 256, 128}, {7, 30, 5000},  {300, 130, 1},
			      {129, 257, 65},  {300, 1500, 8}, {1, 1, 1}};
	int match = 1, same = 1;
	double worst = 0;
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
		for (int ta = 0; ta < 2; ta++)
			for (int tb = 0; tb < 2; tb++) {
				size_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
				size_t arows = ta ? k : m, brows = tb ? n : k;
				double *A = malloc(arows * lda * sizeof(double));
				double *B = malloc(brows * ldb * sizeof(double));
				double *C0 = malloc(m * ldc * sizeof(double));
				double *C[3];
				for (size_t i = 0; i < arows * lda; i++)
					A[i] = sc_rng_normal(&r);
				for (size_t i = 0; i < brows * ldb; i++)
					B[i] = sc_rng_normal(&r);
				for (size_t i = 0; i < m * ldc; i++)
					C0[i] = sc_rng_normal(&r);
				for (int t = 0; t < 3; t++) {
					C[t] = malloc(m * ldc * sizeof(double));
					memcpy(C[t], C0, m * ldc * sizeof(double));
					sc_par *p = sc_par_new(t + 1);
					sc_par_gemm(p, ta, tb, m, n, k, 0.7, A, lda, B, ldb, -0.5, C[t], ldc);
					sc_par_free(p);
				}
				naive(ta, tb, m, n, k, 0.7, A, lda, B, ldb, -0.5, C0, ldc);
				for (size_t i = 0; i < m; i++)
					for (size_t j = 0; j < n; j++) {
						double d = fabs(C[0][i * ldc + j] - C0[i * ldc + j]);
						double tol = 1e-13 * (double)(k + 1) * 4;
						worst = fmax(worst, d);
						match &= d <= tol;
					}
				same &= !memcmp(C[0], C[1], m * ldc * sizeof(double)) &&
					!memcmp(C[0], C[2], m * ldc * sizeof(double));
				free(A), free(B), free(C0);
				for (int t = 0; t < 3; t++)
					free(C[t]);
			}
	}
	OK(match, "tiled dgemm equals a naive loop, all transposes, ragged shapes (worst %.1e)",
	   worst);
	OK(same, "tiled dgemm: identical bytes with 1, 2 and 3 threads");
	test_syrk(&r);
	sc_blas_serial_end(prev);
	OK(openblas_get_num_threads() == prev, "OpenBLAS thread count restored (%d)", prev);
	return unit_done();
}
