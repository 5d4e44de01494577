/*
 * bench/simulation_bench.c - times copula_nb on one .h5ad: reading the
 * counts, the NB marginals (one GLM per gene), the Gaussian copula over
 * the K most variable genes, and the generation of as many cells (written
 * to OUT). Writes the fitted theta (genes doubles) to THETA for the peer
 * comparison. Usage: simulation_bench IN TYPE_KEY K THREADS OUT THETA
 * With `eval` first: the fidelity metrics of SIM against REAL, as the
 * simulation.eval step computes them (defaults of the task), timed, one
 * "metric value" line each. Usage: simulation_bench eval REAL SIM TYPE_KEY OUTDIR
 */
#include "tasks/simulation/eval.h"
#include "tasks/simulation/model.h"
#include "tasks/simulation/simulation.h"

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

static int eval_main(char **argv)
{
	sc_err err = { 0 };
	json_t *metrics = json_object(), *notes = json_array(), *params = json_object();
	sc_step_ctx c = { .params = params, .seed = 0, .outdir = argv[5], .metrics = metrics,
			  .notes = notes, .err = &err };
	sc_sim_eval_opts o = { .type_key = argv[4], .counts = "X", .sim_counts = "X",
			       .corr_genes = SC_SIM_CORR_GENES, .max_cells = SC_SIM_MAX_CELLS,
			       .n_comps = SC_SIM_NCOMPS, .folds = SC_SIM_FOLDS, .seed = 0 };
	double t0 = now();
	int rc = sc_sim_eval_run(&c, argv[2], argv[3], &o);
	double t1 = now();
	if (rc) {
		fprintf(stderr, "simulation_bench: %s\n", err.msg);
	} else {
		const char *k;
		json_t *v;
		json_object_foreach(metrics, k, v)
			printf("metric %s %.6g\n", k, json_number_value(json_object_get(v, "value")));
		printf("sceval fidelity metrics: %.3f s\n", t1 - t0);
	}
	json_decref(metrics);
	json_decref(notes);
	json_decref(params);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "eval"))
		return eval_main(argv);
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
