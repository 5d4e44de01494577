/*
 * eval.h - the simulation.eval step's work: every fidelity metric of a
 * simulated file against the real one, its tables and its figures.
 */
#ifndef SC_SIM_EVAL_H
#define SC_SIM_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include "tasks/step.h"

typedef struct sc_sim_eval_opts {
	const char *type_key;
	const char *counts, *sim_counts; /* where the counts are in each file */
	size_t corr_genes, max_cells, n_comps, folds;
	uint64_t seed;
} sc_sim_eval_opts;

int sc_sim_eval_run(sc_step_ctx *c, const char *real, const char *sim,
		    const sc_sim_eval_opts *o) SC_WUR;

/* The figures (figures.c): KS heat map, densities, joint PCA. */
struct sc_sim_summary;
int sc_sim_figures(sc_step_ctx *c, const struct sc_sim_summary *real,
		   const struct sc_sim_summary *sim, const double *ks, char *const *types,
		   size_t ntypes, const double *pcs, size_t n, size_t d, const int32_t *source)
	SC_WUR;

#endif
