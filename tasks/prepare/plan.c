/*
 * tasks/prepare/plan.c - planning the shared preprocessing steps (see
 * plan.h). Every method of a spec that asks for PCA or HVG input of one
 * dataset with one set of options gets the same step: the plan keeps one.
 */
#include "plan.h"
#include "util/json.h"

/* The parameters of the standard preprocessing, from the task's options. */
static json_t *prepare_params(const sc_spec_task *t)
{
	return json_pack("{s:s, s:f, s:I, s:I, s:s, s:f}", "counts", sc_plan_opt_str(t, "counts"),
			 "target_sum", 1e4, "n_top_genes",
			 (json_int_t)sc_plan_opt_num(t, "n_top_genes"), "n_comps",
			 (json_int_t)sc_plan_opt_num(t, "n_comps"), "flavor", "seurat", "max_value",
			 10.0);
}

int sc_plan_prepare(sc_plan_ctx *x, const sc_spec_task *t, size_t *out)
{
	size_t st = sc_plan_add(x->plan, "prepare", prepare_params(t), 0, 0);
	sc_plan_input_obj(x->plan, st, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
	sc_plan_label(x->plan, st, t->task, t->dataset, NULL);
	*out = sc_plan_dedupe_last(x->plan);
	return 0;
}

int sc_plan_prepare_pair(sc_plan_ctx *x, const sc_spec_task *t, const char *test, size_t *out)
{
	size_t st = sc_plan_add(x->plan, "prepare.pair", prepare_params(t), 0, 0);
	sc_plan_input_obj(x->plan, st, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
	sc_plan_input_obj(x->plan, st, "test", sc_plan_ctx_dataset(x, test), NULL);
	sc_plan_label(x->plan, st, t->task, t->dataset, NULL);
	*out = sc_plan_dedupe_last(x->plan);
	return 0;
}
