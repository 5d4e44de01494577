/*
 * tasks/imputation/task.c - the imputation task's descriptor: its options,
 * built-in methods (per setting), step kinds and metrics (tasks/task.h).
 */
#include "imputation.h"

static const char *const settings[] = { "spatial", "denoise", NULL };
static const char *const normalizations[] = { "log1p", "none", NULL };

static const sc_task_option options[] = {
	{ .name = "setting", .type = SC_OPT_STRING, .dflt = "spatial", .allowed = settings,
	  .doc = "spatial: predict held-out genes of the dataset (spots, obsm/spatial) from "
		 "'reference'; denoise: molecular cross-validation of the dataset's counts" },
	{ .name = "reference", .type = SC_OPT_STRING,
	  .doc = "spatial: the dataset of the scRNA-seq reference (raw counts in X)" },
	{ .name = "test_genes", .type = SC_OPT_ANY,
	  .doc = "spatial: the held-out genes, a list of names or a fraction drawn with the seed "
		 "(default 0.2), a dataset naming a file of genes (one a line), or loo: each gene "
		 "held out in turn, as Tangram's cross_val(mode='loo')" },
	{ .name = "loo_chunk", .type = SC_OPT_INT, .dnum = 1, .lo = 1, .hi = 1000000,
	  .doc = "spatial, test_genes loo: genes held out together per fold, consecutive in the "
		 "spatial file's order (1: exact leave-one-out, one mapping per gene)" },
	{ .name = "label_key", .type = SC_OPT_STRING,
	  .doc = "spatial: the reference's obs column of cell types (tangram mode clusters)" },
	{ .name = "normalize", .type = SC_OPT_STRING, .dflt = "log1p", .allowed = normalizations,
	  .doc = "spatial: log1p of counts scaled to 1e4 over the training genes (both files), "
		 "or none (values as stored)" },
	{ .name = "k", .type = SC_OPT_INT, .dnum = 10, .lo = 1, .hi = 10000,
	  .doc = "spatial: neighbours in an external model's embedding" },
	{ .name = "train_fraction", .type = SC_OPT_NUMBER, .dnum = 0.9, .lo = 0.01, .hi = 0.99,
	  .doc = "denoise: the share of each molecule count drawn into the training counts" },
	{ .name = "counts", .type = SC_OPT_STRING, .dflt = "X",
	  .doc = "denoise: where the integer counts are (X or layers/NAME)" },
	{ NULL },
};

static const sc_method_param no_params[] = { { NULL } };

static const sc_method_param knn_params[] = {
	{ .name = "k", .type = SC_PARAM_COUNT, .dflt = "10",
	  .doc = "reference cells averaged per spot (cosine over the training genes)" },
	{ NULL },
};

static const sc_method_param tangram_params[] = {
	{ .name = "epochs", .type = SC_PARAM_COUNT, .dflt = "1000", .doc = "Adam steps" },
	{ .name = "learning_rate", .type = SC_PARAM_POSITIVE, .dflt = "0.1", .doc = "Adam's step size" },
	{ .name = "lambda_g1", .type = SC_PARAM_POSITIVE, .dflt = "1",
	  .doc = "weight of the genes' cosine term" },
	{ .name = "lambda_g2", .type = SC_PARAM_NONNEG, .dflt = "0",
	  .doc = "weight of the spots' cosine term (0: off)" },
	{ .name = "lambda_d", .type = SC_PARAM_NONNEG, .dflt = "0",
	  .doc = "weight of the density KL term (0: off)" },
	{ .name = "lambda_r", .type = SC_PARAM_NONNEG, .dflt = "0",
	  .doc = "weight of the entropy term (0: off)" },
	{ .name = "mode", .type = SC_PARAM_STRING, .dflt = "cells",
	  .doc = "cells, or clusters (the reference summed per label_key category)" },
	{ .name = "density_prior", .type = SC_PARAM_STRING, .dflt = "rna_count_based",
	  .doc = "rna_count_based (spot totals over the training genes) or uniform" },
	{ .name = "save_init", .type = SC_PARAM_STRING, .dflt = "no",
	  .doc = "yes: also write the initial score matrix (mapping_init.h5ad)" },
	{ NULL },
};

static const sc_method_desc mean_method = {
	.name = "mean",
	.summary = "spatial: each held-out gene's reference mean on every spot (the floor)",
	.provides = "predicted held-out genes",
	.params = no_params,
};

static const sc_method_desc knn_method = {
	.name = "knn",
	.summary = "spatial: the mean of a spot's k nearest reference cells (training genes, cosine)",
	.provides = "predicted held-out genes",
	.params = knn_params,
};

const sc_method_desc sc_imp_tangram_method = {
	.name = "tangram",
	.summary = "spatial: Tangram's mapping of cells to spots (map_cells_to_space defaults), "
		   "held-out genes projected through it",
	.seeded = 1, /* the initial scores are drawn from the seed */
	.provides = "predicted held-out genes",
	.params = tangram_params,
};

static const sc_method_param knn_smooth_params[] = {
	{ .name = "k", .type = SC_PARAM_COUNT, .dflt = "10", .doc = "cells averaged, the cell included" },
	{ .name = "n_comps", .type = SC_PARAM_COUNT, .dflt = "50", .doc = "principal components" },
	{ NULL },
};

static const sc_method_param magic_params[] = {
	{ .name = "knn", .type = SC_PARAM_COUNT, .dflt = "5",
	  .doc = "the neighbour whose distance is a cell's bandwidth (3 knn searched)" },
	{ .name = "t", .type = SC_PARAM_COUNT, .dflt = "3", .doc = "diffusion steps" },
	{ .name = "decay", .type = SC_PARAM_POSITIVE, .dflt = "1", .doc = "the kernel's exponent" },
	{ .name = "n_pca", .type = SC_PARAM_COUNT, .dflt = "100", .doc = "principal components" },
	{ NULL },
};

static const sc_method_param alra_params[] = {
	{ .name = "max_rank", .type = SC_PARAM_COUNT, .dflt = "100",
	  .doc = "singular values computed to find the spectral gap" },
	{ NULL },
};

static const sc_method_desc none_method = {
	.name = "none",
	.summary = "denoise: the training counts as they are",
	.provides = "denoised counts",
	.params = no_params,
};

static const sc_method_desc knn_smooth_method = {
	.name = "knn_smooth",
	.summary = "denoise: the mean of a cell's k nearest cells in PCA of the training counts",
	.provides = "denoised counts",
	.params = knn_smooth_params,
};

static const sc_method_desc magic_method = {
	.name = "magic",
	.summary = "denoise: MAGIC's diffusion with an adaptive Gaussian kernel",
	.provides = "denoised counts",
	.params = magic_params,
};

static const sc_method_desc alra_method = {
	.name = "alra",
	.summary = "denoise: ALRA's low-rank approximation (rank by spectral gap, thresholded)",
	.provides = "denoised counts",
	.params = alra_params,
};

static const sc_method_desc *const methods[] = {
	&mean_method, &knn_method, &sc_imp_tangram_method,
	&none_method, &knn_smooth_method, &magic_method, &alra_method, NULL,
};

static const sc_step_kind *const steps[] = {
	&sc_imputation_genes_kind, &sc_imputation_spatial_kind, &sc_imputation_spatial_eval_kind,
	&sc_imputation_thin_kind, &sc_imputation_denoise_kind, &sc_imputation_denoise_eval_kind,
	&sc_imputation_compare_kind, NULL,
};

#define SP(n, p, d) { .name = n, .higher_is_better = 1, .group = "spatial", .primary = p, .doc = d }
static const sc_metric_desc metrics[] = {
	SP("cosine_median", 1, "median over held-out genes of the cosine between predicted and "
			       "measured profiles across spots (Tangram's score)"),
	SP("cosine_mean", 0, "mean over held-out genes of that cosine"),
	SP("pearson_median", 0, "median over held-out genes of the Pearson r across spots"),
	SP("pearson_mean", 0, "mean over held-out genes of the Pearson r across spots"),
	SP("spearman_median", 0, "median over held-out genes of the Spearman rho across spots"),
	SP("spearman_mean", 0, "mean over held-out genes of the Spearman rho across spots"),
	SP("pearson_significant", 0, "share of held-out genes whose Pearson p-value is below 0.005"),
	{ .name = "mse", .higher_is_better = 0, .group = "denoise",
	  .doc = "denoise: MSE of log1p(test) and log1p(denoised), both scaled per cell to the "
		 "median test library size" },
	{ .name = "poisson", .higher_is_better = 0, .group = "denoise",
	  .doc = "denoise: Poisson loss of the test counts given the denoised values scaled to "
		 "the test's total" },
	{ NULL },
};
#undef SP

const sc_task sc_imputation_task = {
	.name = "imputation",
	.summary = "imputation of held-out spatial genes from a scRNA-seq reference (Tangram), "
		   "and denoising scored by molecular cross-validation",
	.options = options,
	.methods = methods,
	.steps = steps,
	.metrics = metrics,
	.plan = sc_imputation_plan,
};
