/*
 * test_cls_par.c - the classifiers' thread pool and tiled dgemm: every task
 * run exactly once, products equal to a naive triple loop for every
 * transpose combination and ragged shapes, and the same bytes for pools of
 * 1, 2 and 3 threads.
 */
#include "tests/unit/unit.h"

#include "tasks/classify/par.h"
#include "tasks/core/blas.h"
#include "tasks/core/rng.h"

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

int main(void)
{
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

	int prev = sc_par_blas_begin();
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
	sc_par_blas_end(prev);
	OK(openblas_get_num_threads() == prev, "OpenBLAS thread count restored (%d)", prev);
	return unit_done();
}
