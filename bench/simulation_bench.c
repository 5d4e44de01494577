/*
 * bench/simulation_bench.c - times copula_nb on one .h5ad: reading the
 * counts, the NB marginals (one GLM per gene), the Gaussian copula over
 * the K most variable genes, and the generation of as many cells (written
 * to OUT). Writes the fitted theta (genes doubles) to THETA for the peer
 * comparison. Usage: simulation_bench IN TYPE_KEY K THREADS OUT THETA
 */
#include "tasks/simulation/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: simulation_bench IN TYPE_KEY K THREADS OUT THETA\n");
		return 2;
	}
	size_t k = (size_t)atol(argv[3]);
	int threads = atoi(argv[4]);
	sc_err err = { 0 };
	sc_sim_data d;
	sc_sim_nb m;
	sc_sim_copula c;
	double t0 = now();
	if (sc_sim_data_read(&d, argv[1], "X", argv[2], NULL, &err)) {
		fprintf(stderr, "simulation_bench: %s\n", err.msg);
		return 1;
	}
	double t1 = now();
	if (sc_sim_nb_fit(&m, &d, 0, threads, &err)) {
		fprintf(stderr, "simulation_bench: %s\n", err.msg);
		return 1;
	}
	double t2 = now();
	if (sc_sim_copula_fit(&c, &d, &m, k, 1, &err)) {
		fprintf(stderr, "simulation_bench: %s\n", err.msg);
		return 1;
	}
	double t3 = now();
	if (sc_sim_generate(argv[5], &d, &m, &c, 2, threads, &err)) {
		fprintf(stderr, "simulation_bench: %s\n", err.msg);
		return 1;
	}
	double t4 = now();
	size_t conv = 0;
	for (size_t g = 0; g < m.genes; g++)
		conv += m.converged[g];
	FILE *f = fopen(argv[6], "wb");
	if (!f || fwrite(m.theta, sizeof(double), m.genes, f) != m.genes || fclose(f)) {
		fprintf(stderr, "simulation_bench: cannot write %s\n", argv[6]);
		return 1;
	}
	printf("sceval read %zu cells x %zu genes: %.3f s\n", d.n, d.genes, t1 - t0);
	printf("sceval marginals %zu genes (%zu converged): %.3f s\n", m.genes, conv, t2 - t1);
	printf("sceval copula k %zu: %.3f s\n", k, t3 - t2);
	printf("sceval generate: %.3f s\n", t4 - t3);
	printf("sceval fit+generate: %.3f s\n", t4 - t0);
	sc_sim_copula_free(&c);
	sc_sim_nb_free(&m);
	sc_sim_data_free(&d);
	return 0;
}
