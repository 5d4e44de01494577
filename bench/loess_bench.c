/*
 * loess_bench.c - times the two loess surfaces on seurat_v3-like input:
 * n genes with log-normal means and negative-binomial variances (log10
 * variance against log10 mean, span 0.3, degree 2), the interpolated
 * surface (what scanpy and R fit) and the direct one.
 *
 * usage: loess_bench N OUT    writes the x, y pairs to OUT and the
 *                             interpolated fit to OUT.fit (SCD1, for R)
 */
#include "tasks/core/loess.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t st = 0x9e3779b97f4a7c15u;
static double unif(void)
{
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return ((double)(st >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
	return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif());
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: loess_bench N OUT\n");
		return 2;
	}
	size_t n = (size_t)atol(argv[1]);
	double *x = malloc(n * 8), *y = malloc(n * 8), *fi = malloc(n * 8), *fd = malloc(n * 8);
	for (size_t i = 0; i < n; i++) {
		double mu = exp(-3 + 2.5 * gauss()), cells = 2000;
		mu = round(mu * cells) / cells + 1.0 / cells; /* a mean is a count total over the cells */
		x[i] = log10(mu);
		y[i] = log10(mu + 0.2 * mu * mu) + 0.15 * gauss();
	}
	FILE *f = fopen(argv[2], "wb");
	int64_t h[2] = { (int64_t)n, 2 };
	fwrite("SCD1", 1, 4, f);
	fwrite(h, 8, 2, f);
	for (size_t i = 0; i < n; i++) {
		fwrite(x + i, 8, 1, f);
		fwrite(y + i, 8, 1, f);
	}
	fclose(f);
	sc_err err = { 0 };
	sc_loess_info info;
	double best = INFINITY;
	for (int r = 0; r < 5; r++) {
		double t0 = now();
		if (sc_loess_fit_interpolate(fi, &info, x, y, n, 0.3, 2, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		best = fmin(best, now() - t0);
	}
	printf("interpolate n=%zu: %.4f s (best of 5), %zu vertices\n", n, best, info.nvert);
	char path[4096];
	snprintf(path, sizeof(path), "%s.fit", argv[2]);
	f = fopen(path, "wb");
	h[1] = 1;
	fwrite("SCD1", 1, 4, f);
	fwrite(h, 8, 2, f);
	fwrite(fi, 8, n, f);
	fclose(f);
	double t0 = now();
	if (sc_loess_fit(fd, x, y, n, 0.3, 2, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	double td = now() - t0, md = 0;
	for (size_t i = 0; i < n; i++)
		md = fmax(md, fabs(fi[i] - fd[i]));
	printf("direct      n=%zu: %.4f s (once); max |interpolate - direct| = %.2g\n", n, td, md);
	return 0;
}
