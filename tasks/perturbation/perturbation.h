/*
 * tasks/perturbation/perturbation.h - the perturbation-prediction task: its
 * descriptor (task.c), its step kinds (steps.c, eval.c), its planner
 * (plan.c) and the files its steps pass to each other (files.c).
 *
 *   perturbation.prepare  the cells, GEARS-named conditions, log-normalised
 *   perturbation.de       the DE ranking of every condition against ctrl
 *   perturbation.split    train/test/subgroup of every condition (seeded)
 *   perturbation.predict  a built-in method's mean profiles of the test set
 *   perturbation.eval     GEARS's metrics, the rank metric, the figures
 */
#ifndef SC_PERTURBATION_H
#define SC_PERTURBATION_H

#include "pert.h"
#include "tasks/step.h"
#include "tasks/task.h"

/* The files the steps write (each is one output object). */
#define SC_PERT_CELLS "cells.h5ad"       /* kept cells, obs/condition, log-normalised X */
#define SC_PERT_SUMMARY "summary.tsv"    /* per condition: kind, cells, members, absent */
#define SC_PERT_DE "de.tsv"              /* per condition and rank: gene, t, non-dropout rank */
#define SC_PERT_SPLIT "split.tsv"        /* per condition: set, subgroup */
#define SC_PERT_DRAWS "draws.tsv"        /* the split's gene and combination orders */
#define SC_PERT_PRED "predictions.h5ad"  /* obs = test conditions, X = mean profiles */
#define SC_PERT_PER "per_perturbation.tsv"
#define SC_PERT_OBS_CONDITION "condition" /* obs column of cells.h5ad */
#define SC_PERT_N_DE 20                  /* GEARS's top DE genes */

extern const sc_task sc_perturbation_task;
extern const sc_step_kind sc_pert_prepare_kind;
extern const sc_step_kind sc_pert_de_kind;
extern const sc_step_kind sc_pert_split_kind;
extern const sc_step_kind sc_pert_predict_kind;
extern const sc_step_kind sc_pert_eval_kind;

struct sc_plan_ctx;
struct sc_spec_task;
int sc_perturbation_plan(struct sc_plan_ctx *x, const struct sc_spec_task *t);

/* ---- files.c: the steps' files ---- */

/* cells.h5ad read back. */
typedef struct sc_pert_cells {
	sc_csr x;
	char **genes;
	size_t n_genes;
	char **cond; /* cond[0] = "ctrl" */
	size_t n_cond;
	int32_t *cell_cond;
} sc_pert_cells;

int sc_pert_cells_read(sc_pert_cells *out, const char *path, sc_err *err) SC_WUR;
void sc_pert_cells_free(sc_pert_cells *c);

/* split.tsv: the split of the conditions of cells (by name). */
int sc_pert_split_write(const sc_pert_split *s, char *const *cond, const char *path,
			const char *draws_path, sc_err *err) SC_WUR;
int sc_pert_split_read(sc_pert_split *out, const char *path, char *const *cond, size_t n_cond,
		       sc_err *err) SC_WUR;

/* de.tsv: per condition (k >= 1) the first SC_PERT_N_DE genes (de) and the
 * non-dropout top genes (nd, n_nd[k] of them), as gene indices. */
typedef struct sc_pert_de {
	size_t n_cond;
	size_t *de;   /* n_cond x SC_PERT_N_DE */
	size_t *n_de;
	size_t *nd;   /* n_cond x SC_PERT_N_DE */
	size_t *n_nd;
} sc_pert_de;
int sc_pert_de_read(sc_pert_de *out, const char *path, const sc_pert_cells *c,
		    sc_err *err) SC_WUR;
void sc_pert_de_free(sc_pert_de *d);

/* The label options of a step's params (controls, separators). */
void sc_pert_label_opts_of(sc_pert_label_opts *o, const json_t *params);

/* ---- simulate.c: `sceval simulate --perturb` ---- */

typedef struct sc_pert_sim_params {
	size_t genes, targets, combos, cells; /* cells per condition */
	uint64_t seed;
	double knockdown;   /* a target's mean is multiplied by this */
	double interaction; /* share of combinations with a non-additive change */
	int expected;       /* X = log expected means, no sampling */
} sc_pert_sim_params;
void sc_pert_sim_defaults(sc_pert_sim_params *p);
int sc_pert_sim_write(const sc_pert_sim_params *p, const char *path, sc_err *err) SC_WUR;

#endif
