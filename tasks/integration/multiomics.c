/*
 * tasks/integration/multiomics.c - the multi-omics integration task's
 * descriptor: its options, built-in methods, step kinds and metrics (see
 * tasks/task.h).
 */
#include "integration.h"

static const char *const modalities[] = { "protein", "adt", "atac", NULL };

static const sc_task_option options[] = {
	{ .name = "label_key", .type = SC_OPT_STRING, .required = 1,
	  .doc = "the obs column of cell types" },
	{ .name = "batch_key", .type = SC_OPT_STRING,
	  .doc = "the obs column of batches (without it, no batch metrics)" },
	{ .name = "modality2", .type = SC_OPT_STRING, .required = 1, .allowed = modalities,
	  .doc = "the second modality: protein (adt) or atac" },
	{ .name = "where2", .type = SC_OPT_STRING, .dflt = "X",
	  .doc = "where its counts are, e.g. obsm/protein_expression" },
	{ .name = "data2", .type = SC_OPT_STRING,
	  .doc = "a dataset holding the second modality (default: the task's dataset)" },
	{ .name = "counts", .type = SC_OPT_STRING, .dflt = "X",
	  .doc = "where the RNA counts are (X or a layer)" },
	{ .name = "n_comps", .type = SC_OPT_INT, .dnum = 50, .lo = 2, .hi = 1000,
	  .doc = "components of the RNA embedding" },
	{ .name = "n_comps2", .type = SC_OPT_INT, .dnum = 20, .lo = 2, .hi = 1000,
	  .doc = "components of the second modality's embedding" },
	{ .name = "unlabeled", .type = SC_OPT_ANY,
	  .doc = "label values that mean missing besides 'nan' (a name or a list)" },
	{ NULL },
};

static const sc_method_param both_params[] = {
	{ .name = "n_comps", .type = SC_PARAM_COUNT, .dflt = "the task's",
	  .doc = "components of the RNA embedding" },
	{ .name = "n_comps2", .type = SC_PARAM_COUNT, .dflt = "the task's",
	  .doc = "components of the second modality's embedding" },
	{ NULL },
};

static const sc_method_param rna_params[] = {
	{ .name = "n_comps", .type = SC_PARAM_COUNT, .dflt = "the task's",
	  .doc = "components of the RNA embedding" },
	{ NULL },
};

static const sc_method_param mod2_params[] = {
	{ .name = "n_comps2", .type = SC_PARAM_COUNT, .dflt = "the task's",
	  .doc = "components of the second modality's embedding" },
	{ NULL },
};

static const sc_method_desc concat = {
	.name = "concat",
	.summary = "both modalities' embeddings side by side, scaled to equal total variance",
	.provides = "embedding (obsm/X_emb)",
	.params = both_params,
};

static const sc_method_desc wnn = {
	.name = "wnn",
	.summary = "weighted nearest neighbours (Seurat's WNN graph)",
	.provides = "graph (obsp/connectivities)",
	.params = both_params,
	.graph = 1,
};

static const sc_method_desc rna = {
	.name = "rna",
	.summary = "the RNA embedding alone",
	.provides = "embedding (obsm/X_emb)",
	.params = rna_params,
};

static const sc_method_desc modality2 = {
	.name = "modality2",
	.summary = "the second modality's embedding alone",
	.provides = "embedding (obsm/X_emb)",
	.params = mod2_params,
};

static const sc_method_param given_params[] = {
	{ .name = "obsm", .type = SC_PARAM_STRING,
	  .doc = "the obsm key of the joint embedding already in the dataset (required)" },
	{ NULL },
};

static const sc_method_desc given = {
	.name = "given",
	.summary = "a joint embedding already in the dataset",
	.provides = "embedding (obsm/KEY)",
	.params = given_params,
	.given = 1,
};

static const sc_method_desc *const methods[] = {
	&concat, &wnn, &rna, &modality2, &given, NULL,
};

static const sc_step_kind *const steps[] = {
	&sc_multiomics_embed_kind, &sc_integration_eval_kind, NULL,
};

static const sc_metric_desc metrics[] = { SC_SCIB_METRICS(1, 0), { NULL } };

const sc_task sc_multiomics_task = {
	.name = "multiomics",
	.summary = "multi-omics integration (scIB bio metrics on a joint embedding)",
	.options = options,
	.methods = methods,
	.steps = steps,
	.metrics = metrics,
	.plan = sc_multiomics_plan,
};
