/*
 * tasks/annotation/task.c - the annotation task's descriptor: its options,
 * built-in methods, step kinds and metrics (see tasks/task.h).
 */
#include "annotation.h"
#include "tasks/classifier.h"
#include "tasks/prepare/prepare.h"

static const char *const classifiers[] = { "logreg", "knn", NULL };

static const sc_task_option options[] = {
	{ .name = "label_key", .type = SC_OPT_STRING, .required = 1,
	  .doc = "the obs column of cell types" },
	{ .name = "representation", .type = SC_OPT_STRING,
	  .doc = "what built-in methods train on: pca (default; hvg for nn), hvg, obsm:KEY, "
		 "layer:NAME or X" },
	{ .name = "split", .type = SC_OPT_MAP,
	  .doc = "{test_size: F} stratified (default 0.2), {by: COLUMN, test: [...], train: "
		 "[...]}, or {test_dataset: NAME} (train here, test on that file)" },
	{ .name = "counts", .type = SC_OPT_STRING, .dflt = "X",
	  .doc = "where the raw counts are, for the preprocessing (X or a layer)" },
	{ .name = "n_top_genes", .type = SC_OPT_INT, .dnum = 2000, .lo = 0, .hi = 1e6,
	  .doc = "highly variable genes the preprocessing keeps (seurat flavour)" },
	{ .name = "n_comps", .type = SC_OPT_INT, .dnum = 50, .lo = 2, .hi = 1000,
	  .doc = "principal components of the preprocessing" },
	{ .name = "classifier", .type = SC_OPT_STRING, .dflt = "logreg", .allowed = classifiers,
	  .doc = "the classifier trained on an external model's embedding" },
	{ .name = "unlabeled", .type = SC_OPT_ANY,
	  .doc = "label values that mean missing besides 'nan' (a name or a list)" },
	{ NULL },
};

static const sc_method_param given_params[] = {
	{ .name = "predictions", .type = SC_PARAM_STRING,
	  .doc = "the obs column of predicted labels (required)" },
	{ NULL },
};

static const sc_method_desc given = {
	.name = "given",
	.summary = "a model's predictions already in an obs column of the dataset",
	.seeded = 1, /* with a split, the test cells depend on the seed */
	.provides = "predictions",
	.params = given_params,
	.given = 1,
};

static const sc_method_desc *const methods[] = {
	&sc_method_logreg, &sc_method_knn, &sc_method_nn, &given, NULL,
};

static const sc_step_kind *const steps[] = {
	&sc_prepare_kind, &sc_prepare_pair_kind, &sc_annotation_fit_kind, &sc_annotation_eval_kind,
	NULL,
};

#define CLS(n, p, d) { .name = n, .higher_is_better = 1, .group = "classification", .primary = p, .doc = d }
static const sc_metric_desc metrics[] = {
	CLS("accuracy", 1, "fraction of test cells predicted right"),
	CLS("balanced_accuracy", 0, "mean recall over classes"),
	CLS("precision_macro", 0, "unweighted mean of per-class precision"),
	CLS("recall_macro", 0, "unweighted mean of per-class recall"),
	CLS("f1_macro", 0, "unweighted mean of per-class F1"),
	CLS("f1_weighted", 0, "per-class F1 weighted by support"),
	CLS("kappa", 0, "Cohen's kappa"),
	{ NULL },
};
#undef CLS

const sc_task sc_annotation_task = {
	.name = "annotation",
	.summary = "cell-type annotation (classification of held-out cells)",
	.options = options,
	.methods = methods,
	.steps = steps,
	.metrics = metrics,
	.plan = sc_annotation_plan,
};
