/*
 * core_bench.c - timing driver for bench/core.sh: runs sceval's PCA, kNN
 * and the dgemm reference on raw binaries written by the script (layout in
 * tests/unit/core_oracle.h) and prints one "key value" line per figure.
 *
 *   core_bench pca FILE.csr NCOMP [iterative]   sc_pca_csr (or forced
 *                                       subspace iteration)
 *   core_bench knn FILE.dense K...      sc_knn_self (include_self, as
 *                                       sklearn's kneighbors(X))
 *   core_bench gemm                     OpenBLAS dgemm: square peak, and
 *                                       the distance kernel's block shape
 */
#include "tasks/core/blas.h"
#include "tasks/core/knn.h"
#include "tasks/core/pca.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static FILE *open_bin(const char *path, const char *magic, int64_t *h, int nh)
{
	FILE *f = fopen(path, "rb");
	char m[4];
	if (!f || fread(m, 1, 4, f) != 4 || memcmp(m, magic, 4) || fread(h, 8, (size_t)nh, f) != (size_t)nh) {
		fprintf(stderr, "core_bench: cannot read '%s'\n", path);
		exit(1);
	}
	return f;
}

static void must(size_t got, size_t want)
{
	if (got != want) {
		fprintf(stderr, "core_bench: short read\n");
		exit(1);
	}
}

static int bench_pca(const char *path, size_t k, int iterative)
{
	int64_t h[3];
	FILE *f = open_bin(path, "SCC1", h, 3);
	sc_csr x;
	sc_csr_alloc(&x, (size_t)h[0], (size_t)h[1], (size_t)h[2]);
	must(fread(x.indptr, 8, x.rows + 1, f), x.rows + 1);
	must(fread(x.indices, 4, (size_t)h[2], f), (size_t)h[2]);
	must(fread(x.data, 8, (size_t)h[2], f), (size_t)h[2]);
	fclose(f);
	sc_dmat s = { 0 };
	sc_pca m = { 0 };
	sc_err err = { 0 };
	double t0 = now();
	if (sc_pca_csr_with(&s, &m, &x, k, iterative ? SC_PCA_ITERATIVE : SC_PCA_AUTO, &err)) {
		fprintf(stderr, "core_bench: %s\n", err.msg);
		return 1;
	}
	double t = now() - t0;
	const char *pre = iterative ? "pca_iter" : "pca";
	printf("%s_seconds %.3f\n", pre, t);
	printf("%s_ev", pre);
	for (size_t c = 0; c < 5 && c < m.n_comps; c++)
		printf(" %.10g", m.explained_variance[c]);
	printf("\n%s_ev_last %.10g\n", pre, m.explained_variance[m.n_comps - 1]);
	sc_pca_free(&m);
	sc_dmat_free(&s);
	sc_csr_free(&x);
	return 0;
}

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double gemm_rate(int m, int n, int k, int reps)
{
	double *a = malloc((size_t)m * k * 8), *b = malloc((size_t)n * k * 8), *c = malloc((size_t)m * n * 8);
	for (size_t i = 0; i < (size_t)m * k; i++)
		a[i] = (double)(i % 7) * 0.1;
	for (size_t i = 0; i < (size_t)n * k; i++)
		b[i] = (double)(i % 5) * 0.2;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0, a, k, b, k, 0.0, c, n);
	double t0 = now();
	for (int r = 0; r < reps; r++)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0, a, k, b, k, 0.0, c, n);
	double t = now() - t0;
	free(a);
	free(b);
	free(c);
	return 2.0 * m * n * (double)k * reps / t * 1e-9;
}

static int bench_knn(const char *path, int argc, char **argv)
{
	int64_t h[2];
	FILE *f = open_bin(path, "SCD1", h, 2);
	sc_dmat x;
	sc_dmat_alloc(&x, (size_t)h[0], (size_t)h[1]);
	must(fread(x.v, 8, x.rows * x.cols, f), x.rows * x.cols);
	fclose(f);
	for (int a = 0; a < argc; a++) {
		size_t k = (size_t)atol(argv[a]), n = x.rows;
		int32_t *idx = malloc(n * k * 4);
		double *d = malloc(n * k * 8);
		sc_err err = { 0 };
		/* the dgemm peak under the same conditions, just before */
		printf("knn_k%zu_peak_gflops %.2f\n", k, gemm_rate(3000, 3000, 3000, 2));
		/* and in CPU time on one thread: the ratio a shared machine's load
		 * does not move (the kNN's workers each run serial dgemm) */
		int bt = openblas_get_num_threads();
		openblas_set_num_threads(1);
		double c0 = cpu_now();
		gemm_rate(2000, 2000, 2000, 2); /* a warm-up and two timed products */
		printf("knn_k%zu_peak_cpu_gflops %.2f\n", k,
		       2.0 * 2000 * 2000 * 2000 * 3 / (cpu_now() - c0) * 1e-9);
		openblas_set_num_threads(bt);
		double t0 = now();
		c0 = cpu_now();
		if (sc_knn_self(idx, d, &x, k, SC_METRIC_EUCLIDEAN, 1, &err)) {
			fprintf(stderr, "core_bench: %s\n", err.msg);
			return 1;
		}
		double t = now() - t0, tc = cpu_now() - c0;
		double flops = 2.0 * (double)n * (double)n * (double)x.cols;
		printf("knn_k%zu_cpu_gflops %.2f\n", k, flops / tc * 1e-9);
		printf("knn_k%zu_seconds %.3f\n", k, t);
		printf("knn_k%zu_gflops %.2f\n", k, flops / t * 1e-9);
		double cs = 0;
		for (size_t i = 0; i < n * k; i++)
			cs += d[i];
		printf("knn_k%zu_distsum %.10g\n", k, cs);
		free(idx);
		free(d);
	}
	sc_dmat_free(&x);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "pca") == 0)
		return bench_pca(argv[2], (size_t)atol(argv[3]), argc >= 5 && strcmp(argv[4], "iterative") == 0);
	if (argc >= 4 && strcmp(argv[1], "knn") == 0)
		return bench_knn(argv[2], argc - 3, argv + 3);
	if (argc >= 2 && strcmp(argv[1], "gemm") == 0) {
		int nt = openblas_get_num_threads();
		printf("blas_threads %d\n", nt);
		printf("dgemm_peak_gflops %.2f\n", gemm_rate(4000, 4000, 4000, 3));
		openblas_set_num_threads(1);
		printf("dgemm_peak_1thread_gflops %.2f\n", gemm_rate(4000, 4000, 4000, 2));
		/* the distance kernel's block: 64 queries x 2048 references x (50 + 1) */
		printf("dgemm_block_1thread_gflops %.2f\n", gemm_rate(64, 2048, 51, 400));
		openblas_set_num_threads(nt);
		return 0;
	}
	fprintf(stderr, "usage: core_bench pca FILE NCOMP | knn FILE K... | gemm\n");
	return 2;
}
