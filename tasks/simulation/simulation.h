/*
 * tasks/simulation/simulation.h - the simulation task: fit a simulator to
 * a real data set, generate as many cells with the same covariates, and
 * score how real they look. Its descriptor (task.c), step kinds (steps.c)
 * and planner (plan.c); the models are in model.h, the metrics in
 * fidelity.h and indist.h, Splatter's estimation in splat_fit.h.
 */
#ifndef SC_SIMULATION_H
#define SC_SIMULATION_H

#include "tasks/step.h"
#include "tasks/task.h"

extern const sc_task sc_simulation_task;
extern const sc_step_kind sc_simulation_fit_kind;
extern const sc_step_kind sc_simulation_eval_kind;

/* The files the steps write (the planner wires them by these names). */
#define SC_SIM_OUT_DATA "simulated.h5ad"
#define SC_SIM_OUT_MODEL "model.tsv"
#define SC_SIM_OUT_KS "ks.csv"
#define SC_SIM_OUT_JOINT "joint.csv"
#define SC_SIM_OUT_CORR "correlation.csv"
#define SC_SIM_FIG_KS "ks_heatmap.svg"
#define SC_SIM_FIG_DENSITY "densities.svg"
#define SC_SIM_FIG_PCA "joint_pca.svg"

/* Defaults shared by the descriptor and the steps. */
#define SC_SIM_COPULA_GENES 1000
#define SC_SIM_CORR_GENES 100
#define SC_SIM_MAX_CELLS 3000
#define SC_SIM_FOLDS 5
#define SC_SIM_LISI_K 90
#define SC_SIM_NCOMPS 30
#define SC_SIM_CURVE_BINS 20

struct sc_plan_ctx;
struct sc_spec_task;
int sc_simulation_plan(struct sc_plan_ctx *x, const struct sc_spec_task *t);

#endif
