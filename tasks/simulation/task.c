/*
 * tasks/simulation/task.c - the simulation task's descriptor: its options,
 * built-in simulators, step kinds and fidelity metrics (see tasks/task.h).
 */
#include "simulation.h"

static const sc_task_option options[] = {
	{ .name = "cell_type_key", .type = SC_OPT_STRING, .required = 1,
	  .doc = "the obs column of cell types (every simulated cell keeps its real cell's)" },
	{ .name = "batch_key", .type = SC_OPT_STRING,
	  .doc = "the obs column of batches, copied to the simulated cells (and a mean covariate "
		 "when mean_covariates lists batch)" },
	{ .name = "mean_covariates", .type = SC_OPT_ANY,
	  .doc = "the NB models' mean covariates: [cell_type] (default) or [cell_type, batch]" },
	{ .name = "counts", .type = SC_OPT_STRING, .dflt = "X",
	  .doc = "where the raw counts are (X or layers/NAME)" },
	{ .name = "n_corr_genes", .type = SC_OPT_INT, .dnum = SC_SIM_CORR_GENES, .lo = 2, .hi = 5000,
	  .doc = "the most variable genes over which the Spearman correlation matrices are compared" },
	{ .name = "max_cells", .type = SC_OPT_INT, .dnum = SC_SIM_MAX_CELLS, .lo = 20, .hi = 1e6,
	  .doc = "cells per source (a seeded sample) for the correlation, classifier and LISI metrics" },
	{ .name = "n_comps", .type = SC_OPT_INT, .dnum = SC_SIM_NCOMPS, .lo = 2, .hi = 200,
	  .doc = "principal components of the joint embedding of real and simulated cells" },
	{ .name = "folds", .type = SC_OPT_INT, .dnum = SC_SIM_FOLDS, .lo = 2, .hi = 20,
	  .doc = "folds of the real-vs-simulated classifiers' cross-validation" },
	{ NULL },
};

static const sc_method_param copula_params[] = {
	{ .name = "n_genes", .type = SC_PARAM_COUNT, .dflt = "1000",
	  .doc = "the most variable genes joined by the Gaussian copula (at most the genes; the "
		 "default is clipped to them)" },
	{ NULL },
};

static const sc_method_param no_params[] = { { NULL } };

static const sc_method_param splat_params[] = {
	{ .name = "dropout", .type = SC_PARAM_STRING, .dflt = "none",
	  .doc = "none (Splatter's default) or experiment: apply the estimated logistic dropout" },
	{ NULL },
};

static const sc_method_desc copula_nb = {
	.name = "copula_nb",
	.summary = "scDesign3's default: NB GLM per gene (cell type [+ batch], log library offset), "
		   "Gaussian copula per cell type",
	.seeded = 1,
	.provides = "simulated counts",
	.params = copula_params,
};

static const sc_method_desc independent_nb = {
	.name = "independent_nb",
	.summary = "the same NB marginals, genes independent (no copula)",
	.seeded = 1,
	.provides = "simulated counts",
	.params = no_params,
};

static const sc_method_desc splat_fit = {
	.name = "splat_fit",
	.summary = "the Splatter-style simulator with parameters estimated as splatEstimate",
	.seeded = 1,
	.provides = "simulated counts",
	.params = splat_params,
};

static const sc_method_desc *const methods[] = { &copula_nb, &independent_nb, &splat_fit, NULL };

static const sc_step_kind *const steps[] = { &sc_simulation_fit_kind, &sc_simulation_eval_kind,
					     NULL };

#define KS(n, d) { .name = n, .higher_is_better = 0, .group = "distribution", .doc = d }
static const sc_metric_desc metrics[] = {
	{ .name = "ks_mean", .higher_is_better = 0, .group = "distribution", .primary = 1,
	  .doc = "mean of the six KS statistics below (0: identical distributions)" },
	KS("ks_gene_mean", "KS statistic between real and simulated gene means"),
	KS("ks_gene_var", "KS statistic of gene variances (ddof 1)"),
	KS("ks_gene_cv", "KS statistic of gene coefficients of variation (genes with a non-zero mean)"),
	KS("ks_gene_zero", "KS statistic of gene zero fractions"),
	KS("ks_cell_libsize", "KS statistic of cell library sizes"),
	KS("ks_cell_zero", "KS statistic of cell zero fractions"),
	KS("ks_celltype_mean", "the six KS statistics within each cell type, averaged over types and statistics"),
	{ .name = "mean_var_mad", .higher_is_better = 0, .group = "relation",
	  .doc = "mean absolute difference of the binned log10 mean-log10 variance curves" },
	{ .name = "mean_zero_mad", .higher_is_better = 0, .group = "relation",
	  .doc = "mean absolute difference of the binned log10 mean-zero fraction curves" },
	{ .name = "corr_mad", .higher_is_better = 0, .group = "correlation",
	  .doc = "mean absolute difference of gene-gene Spearman correlations (top variable genes)" },
	{ .name = "corr_rel_frobenius", .higher_is_better = 0, .group = "correlation",
	  .doc = "||C_sim - C_real||_F / ||C_real||_F over off-diagonal Spearman correlations" },
	{ .name = "auroc_logreg", .higher_is_better = 0, .group = "indistinguishability",
	  .doc = "cross-validated AUROC of logistic regression telling simulated from real (0.5 ideal)" },
	{ .name = "auroc_knn", .higher_is_better = 0, .group = "indistinguishability",
	  .doc = "the same with a 15-nearest-neighbour classifier (0.5 ideal)" },
	{ .name = "ilisi", .higher_is_better = 1, .group = "indistinguishability",
	  .doc = "iLISI of real vs simulated on the joint PCA, scaled to [0, 1] (1: fully mixed)" },
	{ .name = "celltype_acc_real_to_sim", .higher_is_better = 1, .group = "biology",
	  .doc = "accuracy on simulated cells of a cell-type classifier trained on real cells" },
	{ .name = "celltype_f1_real_to_sim", .higher_is_better = 1, .group = "biology",
	  .doc = "its macro F1" },
	{ .name = "celltype_acc_sim_to_real", .higher_is_better = 1, .group = "biology",
	  .doc = "accuracy on real cells of a classifier trained on simulated cells" },
	{ .name = "celltype_f1_sim_to_real", .higher_is_better = 1, .group = "biology",
	  .doc = "its macro F1" },
	{ NULL },
};
#undef KS

const sc_task sc_simulation_task = {
	.name = "simulation",
	.summary = "simulators fitted to real data, scored on how real their cells look",
	.options = options,
	.methods = methods,
	.steps = steps,
	.metrics = metrics,
	.plan = sc_simulation_plan,
};
