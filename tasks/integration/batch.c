/*
 * tasks/integration/batch.c - the batch-integration task's descriptor: its
 * options, built-in methods, step kinds and metrics (see tasks/task.h).
 */
#include "integration.h"

static const sc_task_option options[] = {
	{ .name = "batch_key", .type = SC_OPT_STRING, .required = 1,
	  .doc = "the obs column of batches" },
	{ .name = "label_key", .type = SC_OPT_STRING, .required = 1,
	  .doc = "the obs column of cell types" },
	{ .name = "counts", .type = SC_OPT_STRING, .dflt = "X",
	  .doc = "where the raw counts are, for the built-in embeddings (X or a layer)" },
	{ .name = "n_top_genes", .type = SC_OPT_INT, .dnum = 2000, .lo = 0, .hi = 1e6,
	  .doc = "highly variable genes of the built-in embeddings" },
	{ .name = "n_comps", .type = SC_OPT_INT, .dnum = 50, .lo = 2, .hi = 1000,
	  .doc = "principal components of the built-in embeddings" },
	{ .name = "unlabeled", .type = SC_OPT_ANY,
	  .doc = "label values that mean missing besides 'nan' (a name or a list)" },
	{ .name = "cell_cycle_genes", .type = SC_OPT_STRING,
	  .doc = "a dataset: table of gene_name, gene_id, phase (S, G2/M), for cell_cycle_conservation" },
	{ .name = "pseudotime_key", .type = SC_OPT_STRING,
	  .doc = "the obs column of a pseudotime (empty where none), for trajectory conservation" },
	{ .name = "trajectory_by_batch", .type = SC_OPT_INT, .dnum = 0, .lo = 0, .hi = 1,
	  .doc = "1: average the trajectory's rank correlation per batch (scib's batch_key)" },
	{ NULL },
};

/* What combat and harmony may override of the task's preprocessing. */
static const sc_method_param embed_params[] = {
	{ .name = "n_top_genes", .type = SC_PARAM_COUNT, .dflt = "the task's",
	  .doc = "highly variable genes" },
	{ .name = "n_comps", .type = SC_PARAM_COUNT, .dflt = "the task's",
	  .doc = "principal components" },
	{ .name = "target_sum", .type = SC_PARAM_POSITIVE, .dflt = "1e4",
	  .doc = "counts per cell after normalize_total" },
	{ NULL },
};

static const sc_method_param no_params[] = { { NULL } };

static const sc_method_desc unintegrated = {
	.name = "unintegrated",
	.summary = "the standard PCA, no correction (also the PC regression's before)",
	.provides = "embedding (obsm/X_emb)",
	.params = no_params,
};

static const sc_method_desc pca = {
	.name = "pca",
	.summary = "another name of unintegrated",
	.provides = "embedding (obsm/X_emb)",
	.params = no_params,
	.alias_of = "unintegrated",
};

static const sc_method_desc combat = {
	.name = "combat",
	.summary = "scanpy's ComBat on the HVGs, then scale and PCA",
	.provides = "embedding (obsm/X_emb)",
	.params = embed_params,
};

static const sc_method_desc harmony = {
	.name = "harmony",
	.summary = "harmonypy's Harmony on the standard PCA",
	.seeded = 1, /* k-means initialisation and block order */
	.provides = "embedding (obsm/X_emb)",
	.params = embed_params,
};

static const sc_method_param given_params[] = {
	{ .name = "obsm", .type = SC_PARAM_STRING,
	  .doc = "the obsm key of the embedding already in the dataset (required)" },
	{ NULL },
};

static const sc_method_desc given = {
	.name = "given",
	.summary = "an embedding already in the dataset",
	.provides = "embedding (obsm/KEY)",
	.params = given_params,
	.given = 1,
};

static const sc_method_desc *const methods[] = {
	&unintegrated, &pca, &combat, &harmony, &given, NULL,
};

static const sc_step_kind *const steps[] = {
	&sc_batch_embed_kind, &sc_integration_eval_kind, NULL,
};

static const sc_metric_desc metrics[] = { SC_SCIB_METRICS(0, 1), { NULL } };

const sc_task sc_batch_task = {
	.name = "batch",
	.summary = "batch integration (scIB metrics)",
	.options = options,
	.methods = methods,
	.steps = steps,
	.metrics = metrics,
	.plan = sc_batch_plan,
};
