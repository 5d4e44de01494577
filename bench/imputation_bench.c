/*
 * bench/imputation_bench.c - times the imputation task's numerics on
 * simulated data:
 *   tangram  Tangram's mapping of NC cells to NS spots on NG genes for E
 *            epochs (map_cells_to_space's defaults otherwise); the inputs
 *            and the initial scores are written as raw float64 files so
 *            bench/imputation.sh hands the same start to PyTorch
 *   magic    MAGIC-style denoising (sceval's defaults) of NM cells x NMG genes
 * usage: imputation_bench NC NS NG E NM NMG DIR
 */
#include "tasks/core/rng.h"
#include "tasks/imputation/imputation.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void dump(const char *dir, const char *name, const double *v, size_t n)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(v, sizeof(double), n, f) != n) {
		fprintf(stderr, "imputation_bench: cannot write %s\n", p);
		exit(1);
	}
	fclose(f);
}

/* log1p of Poisson-like counts with a few cell types: rows x genes. */
static void simulate(sc_dmat *m, size_t rows, size_t genes, size_t types, sc_rng *r)
{
	sc_dmat_alloc(m, rows, genes);
	double *prof = malloc(types * genes * sizeof(double));
	for (size_t k = 0; k < types * genes; k++)
		prof[k] = exp(1.5 * sc_rng_normal(r));
	for (size_t i = 0; i < rows; i++) {
		const double *p = prof + (size_t)(sc_rng_uniform(r) * (double)types) % types * genes;
		for (size_t j = 0; j < genes; j++)
			m->v[i * genes + j] = log1p(p[j] * sc_rng_uniform(r) * 2);
	}
	free(prof);
}

static void bench_tangram(size_t nc, size_t ns, size_t ng, size_t epochs, const char *dir)
{
	sc_rng r;
	sc_rng_seed(&r, 1);
	sc_dmat S, G, M;
	simulate(&S, nc, ng, 20, &r);
	simulate(&G, ns, ng, 20, &r);
	sc_dmat_alloc(&M, nc, ns);
	for (size_t k = 0; k < nc * ns; k++)
		M.v[k] = sc_rng_normal(&r);
	dump(dir, "S", S.v, nc * ng);
	dump(dir, "G", G.v, ns * ng);
	dump(dir, "M", M.v, nc * ns);
	sc_tangram_opts o;
	sc_tangram_opts_default(&o);
	o.epochs = epochs;
	double *hist = malloc((epochs + 1) * sizeof(double));
	double t0 = now();
	sc_tangram_fit(&M, hist, &S, &G, &o);
	double t1 = now();
	printf("sceval tangram %zu cells x %zu spots x %zu genes, %zu epochs: %.3f s (loss %.9f -> %.9f)\n",
	       nc, ns, ng, epochs, t1 - t0, hist[0], hist[epochs]);
	free(hist);
	sc_dmat_free(&S);
	sc_dmat_free(&G);
	sc_dmat_free(&M);
}

static void bench_magic(size_t nm, size_t nmg)
{
	sc_rng r;
	sc_rng_seed(&r, 2);
	sc_dmat C, out = { 0 };
	sc_dmat_alloc(&C, nm, nmg);
	double *prof = malloc(10 * nmg * sizeof(double));
	for (size_t k = 0; k < 10 * nmg; k++)
		prof[k] = exp(sc_rng_normal(&r)) * 0.5;
	for (size_t i = 0; i < nm; i++) {
		const double *p = prof + (i % 10) * nmg;
		for (size_t j = 0; j < nmg; j++) { /* Poisson by inversion (small means) */
			double u = sc_rng_uniform(&r), pk = exp(-p[j]), cdf = pk;
			size_t x = 0;
			while (u > cdf && x < 1000) {
				pk *= p[j] / (double)++x;
				cdf += pk;
			}
			C.v[i * nmg + j] = (double)x;
		}
	}
	free(prof);
	sc_err e;
	double t0 = now();
	if (sc_imp_magic(&out, &C, 5, 3, 1.0, 100, &e)) {
		fprintf(stderr, "imputation_bench: magic: %s\n", e.msg);
		exit(1);
	}
	double t1 = now();
	double s = 0;
	for (size_t k = 0; k < nm * nmg; k++)
		s += out.v[k];
	printf("sceval magic %zu cells x %zu genes (knn 5, t 3, 100 PCs): %.3f s (sum %.6g)\n", nm, nmg,
	       t1 - t0, s);
	sc_dmat_free(&C);
	sc_dmat_free(&out);
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: imputation_bench NC NS NG EPOCHS NM NMG DIR\n");
		return 2;
	}
	size_t v[6];
	for (int i = 0; i < 6; i++)
		v[i] = strtoul(argv[i + 1], 0, 10);
	bench_tangram(v[0], v[1], v[2], v[3], argv[7]);
	if (v[4])
		bench_magic(v[4], v[5]);
	return 0;
}
