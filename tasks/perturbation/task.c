/*
 * tasks/perturbation/task.c - the perturbation task's descriptor: its
 * options, built-in methods, step kinds and metrics (see tasks/task.h).
 */
#include "perturbation.h"

static const char *const normalize_values[] = { "auto", "log1p", "none", NULL };

static const sc_task_option options[] = {
	{ .name = "perturbation_key", .type = SC_OPT_STRING, .dflt = "condition",
	  .doc = "the obs column of perturbation labels (GEARS: condition)" },
	{ .name = "control", .type = SC_OPT_ANY,
	  .doc = "labels of control cells besides 'ctrl' (a name or a list, e.g. [control, "
		 "non-targeting])" },
	{ .name = "separator", .type = SC_OPT_STRING, .dflt = "+",
	  .doc = "the separator of combined genes in a label (A+B, A_B)" },
	{ .name = "guide_separator", .type = SC_OPT_STRING,
	  .doc = "guide-level labels: each gene is cut at this string (STAT1_g2 -> STAT1)" },
	{ .name = "select", .type = SC_OPT_MAP,
	  .doc = "keep the cells with these obs values, {COLUMN: VALUE or [VALUES]}" },
	{ .name = "normalize", .type = SC_OPT_STRING, .dflt = "auto", .allowed = normalize_values,
	  .doc = "auto: raw counts are normalised to 10,000 and log1p-transformed, other values "
		 "kept; log1p: always; none: never" },
	{ .name = "min_cells", .type = SC_OPT_INT, .dnum = 10, .lo = 2, .hi = 1e9,
	  .doc = "perturbations with fewer cells are skipped (with a note)" },
	{ .name = "split", .type = SC_OPT_MAP,
	  .doc = "{kind: simulation, train_gene_set_size: 0.75, combo_seen2_train_frac: 0.75} "
		 "(default, GEARS), {kind: single, test_size: 0.1}, or {test: [PERTURBATIONS]}" },
	{ NULL },
};

static const sc_method_param no_params[] = { { NULL } };

static const sc_method_param linear_params[] = {
	{ .name = "pca_dim", .type = SC_PARAM_COUNT, .dflt = "10",
	  .doc = "principal components of the gene embedding" },
	{ .name = "ridge", .type = SC_PARAM_POSITIVE, .dflt = "0.1",
	  .doc = "ridge penalty of both sides of W" },
	{ NULL },
};

#define BASELINE(id, n, s)                                                                      \
	static const sc_method_desc id = { .name = n, .summary = s, .provides = "mean profiles", \
					   .params = no_params }
BASELINE(control_mean, "control_mean", "no change: the control cells' mean profile");
BASELINE(train_mean, "train_mean", "the mean of the training perturbations' profiles");
BASELINE(additive, "additive",
	 "control plus the sum of the members' changes in their training singles");
#undef BASELINE
static const sc_method_desc linear = {
	.name = "linear",
	.summary = "Ahlmann-Eltze et al.'s linear model Y ~ G W P' + b (ridge, closed form)",
	.provides = "mean profiles",
	.params = linear_params,
};

static const sc_method_desc *const methods[] = { &control_mean, &train_mean, &additive, &linear,
						 NULL };

static const sc_step_kind *const steps[] = {
	&sc_pert_prepare_kind, &sc_pert_de_kind, &sc_pert_split_kind, &sc_pert_predict_kind,
	&sc_pert_eval_kind, NULL,
};

#define M(n, hib, p, d) { .name = n, .higher_is_better = hib, .group = "gears", .primary = p, .doc = d }
#define SG(n, hib, d)                                                                       \
	{ .name = n "@combo_seen0", .higher_is_better = hib, .group = "subgroup", .doc = d }, \
	{ .name = n "@combo_seen1", .higher_is_better = hib, .group = "subgroup", .doc = d }, \
	{ .name = n "@combo_seen2", .higher_is_better = hib, .group = "subgroup", .doc = d }, \
	{ .name = n "@unseen_single", .higher_is_better = hib, .group = "subgroup", .doc = d }
static const sc_metric_desc metrics[] = {
	M("mse", 0, 0, "mean squared error of the mean profile, all genes"),
	M("pearson", 1, 0, "Pearson's r of predicted and true mean profiles, all genes"),
	M("mse_de", 0, 0, "mean squared error on the top-20 DE genes"),
	M("pearson_de", 1, 0, "Pearson's r on the top-20 DE genes"),
	M("pearson_delta", 1, 1, "Pearson's r of predicted and true changes from the control mean"),
	M("pearson_delta_de", 1, 0, "Pearson's r of the changes on the top-20 DE genes"),
	M("pearson_delta_top20_de_non_dropout", 1, 0,
	  "Pearson's r of the changes on the top-20 non-dropout DE genes"),
	M("pearson_top20_de_non_dropout", 1, 0, "Pearson's r on the top-20 non-dropout DE genes"),
	M("mse_top20_de_non_dropout", 0, 0,
	  "mean squared error of the changes on the top-20 non-dropout DE genes"),
	M("frac_opposite_direction_top20_non_dropout", 0, 0,
	  "share of top-20 non-dropout DE genes changed in the opposite direction"),
	M("frac_sigma_below_1_non_dropout", 1, 0,
	  "share of non-dropout DE genes predicted within one standard deviation of the cells"),
	{ .name = "rank", .higher_is_better = 0, .group = "perturbench",
	  .doc = "PerturBench's rank of the true perturbation by cosine of the changes (0 best)" },
	{ .name = "pearson_delta_vs_train_mean", .higher_is_better = 1, .group = "baseline",
	  .doc = "pearson_delta minus the train_mean baseline's" },
	SG("pearson_delta", 1, "pearson_delta over the subgroup's test perturbations"),
	SG("pearson_delta_de", 1, "pearson_delta_de over the subgroup's test perturbations"),
	SG("mse", 0, "mse over the subgroup's test perturbations"),
	SG("mse_de", 0, "mse_de over the subgroup's test perturbations"),
	SG("rank", 0, "rank over the subgroup's test perturbations"),
	SG("pearson_delta_vs_train_mean", 1,
	   "pearson_delta_vs_train_mean over the subgroup's test perturbations"),
	{ NULL },
};
#undef M
#undef SG

const sc_task sc_perturbation_task = {
	.name = "perturbation",
	.summary = "perturbation effect prediction scored with GEARS's metrics",
	.options = options,
	.methods = methods,
	.steps = steps,
	.metrics = metrics,
	.plan = sc_perturbation_plan,
};
