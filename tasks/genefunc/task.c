/*
 * tasks/genefunc/task.c - the gene-function task's descriptor: its options,
 * built-in methods, step kinds and metrics (see tasks/task.h).
 */
#include "genefunc.h"
#include "tasks/classifier.h"

static const sc_task_option options[] = {
	{ .name = "gene_labels", .type = SC_OPT_STRING, .required = 1,
	  .doc = "the gene labels: a dataset (a TSV/CSV table) or var:COLUMN" },
	{ .name = "id_column", .type = SC_OPT_STRING, .dflt = "gene_id",
	  .doc = "the label table's column of gene ids" },
	{ .name = "label_column", .type = SC_OPT_STRING, .dflt = "label",
	  .doc = "the label table's column of labels" },
	{ .name = "features", .type = SC_OPT_STRING, .dflt = "expression",
	  .doc = "what built-in methods learn from: expression (the genes' PCA over cells), "
		 "varm:KEY, or a dataset of gene features (CSV/TSV or .h5ad)" },
	{ .name = "var_key", .type = SC_OPT_STRING,
	  .doc = "the var column of gene ids matched with the table (default: var's index)" },
	{ .name = "counts", .type = SC_OPT_STRING, .dflt = "X",
	  .doc = "where the raw counts are, for the expression features (X or a layer)" },
	{ .name = "n_comps", .type = SC_OPT_INT, .dnum = 50, .lo = 2, .hi = 1000,
	  .doc = "components of the expression features" },
	{ .name = "folds", .type = SC_OPT_INT, .dnum = 5, .lo = 2, .hi = 100,
	  .doc = "stratified folds of the cross-validation" },
	{ .name = "unlabeled", .type = SC_OPT_ANY,
	  .doc = "label values that mean missing besides 'nan' (a name or a list)" },
	{ NULL },
};

static const sc_method_desc *const methods[] = {
	&sc_method_logreg, &sc_method_knn, &sc_method_nn, NULL,
};

static const sc_step_kind *const steps[] = {
	&sc_genefunc_features_kind, &sc_genefunc_cv_kind, NULL,
};

/* Each fold metric as its mean and its spread over the folds. */
#define FOLD(n, p, d)                                                                          \
	{ .name = n "_mean", .higher_is_better = 1, .group = "classification", .primary = p,   \
	  .doc = d ", mean over folds" },                                                      \
	{ .name = n "_sd", .higher_is_better = 0, .group = "spread",                           \
	  .doc = d ", standard deviation over folds (ddof 0)" }
static const sc_metric_desc metrics[] = {
	FOLD("accuracy", 1, "fraction of genes predicted right"),
	FOLD("precision_macro", 0, "unweighted mean of per-class precision"),
	FOLD("recall_macro", 0, "unweighted mean of per-class recall"),
	FOLD("f1_macro", 0, "unweighted mean of per-class F1"),
	FOLD("auroc", 0, "area under the ROC curve (two classes only)"),
	FOLD("average_precision", 0, "average precision (two classes only)"),
	{ NULL },
};
#undef FOLD

const sc_task sc_genefunc_task = {
	.name = "gene-function",
	.summary = "gene-function prediction (k-fold on gene features)",
	.options = options,
	.methods = methods,
	.steps = steps,
	.metrics = metrics,
	.plan = sc_genefunc_plan,
};
