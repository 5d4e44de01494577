/*
 * tasks/perturbation/plan.c - the perturbation task's chain of steps:
 *
 *   perturbation.prepare -> perturbation.de
 *                        -> perturbation.split (per seed)
 *   built-in:  perturbation.predict (cells, split) -> perturbation.eval
 *   external:  external (the dataset, and the split as {input:split})
 *              -> perturbation.eval
 *
 * The split is a step of its own, so every method of a seed sees the same
 * one; the DE ranking is computed once for all seeds and methods.
 */
#include "perturbation.h"
#include "runner/plan_tasks.h"
#include "util/json.h"

#include <string.h>

/* The 'split' option as the split step's params. */
static int parse_split(sc_plan_ctx *x, const sc_spec_task *t, json_t **out)
{
	const json_t *s = sc_plan_opt(t, "split");
	if (!s) {
		*out = json_pack("{s:s, s:f, s:f}", "kind", "simulation", "train_gene_set_size", 0.75,
				 "combo_seen2_train_frac", 0.75);
		return 0;
	}
	static const char *const keys[] = { "kind", "train_gene_set_size", "combo_seen2_train_frac",
					    "test_size", "test", NULL };
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)s, k, v)
	{
		int ok = 0;
		for (int i = 0; keys[i]; i++)
			ok |= !strcmp(keys[i], k);
		if (!ok)
			return sc_yaml_key_errf(x->spec->doc, s, k, x->err,
						"unknown split option '%s' (kind, train_gene_set_size, "
						"combo_seen2_train_frac, test_size, test)", k);
	}
	const json_t *test = json_object_get(s, "test");
	const char *kind = sc_json_str(s, "kind", test ? "list" : "simulation");
	if (test) {
		if (strcmp(kind, "list") || !json_is_array(test) || !json_array_size(test))
			return sc_spec_errf(x->spec, test, x->err,
					    "split 'test' must list perturbations (and goes without 'kind')");
		size_t i;
		json_array_foreach(test, i, v) if (!json_is_string(v)) return sc_spec_errf(
			x->spec, test, x->err, "split 'test' must list perturbation names");
		*out = json_pack("{s:s, s:O}", "kind", "list", "test", test);
		return 0;
	}
	double a, b;
	int rc;
	if (!strcmp(kind, "simulation")) {
		if ((rc = sc_plan_num_in(x, s, "train_gene_set_size", 1e-9, 1 - 1e-9, 0.75, &a)) ||
		    (rc = sc_plan_num_in(x, s, "combo_seen2_train_frac", 0, 1, 0.75, &b)))
			return rc;
		*out = json_pack("{s:s, s:f, s:f}", "kind", "simulation", "train_gene_set_size", a,
				 "combo_seen2_train_frac", b);
		return 0;
	}
	if (!strcmp(kind, "single")) {
		if ((rc = sc_plan_num_in(x, s, "test_size", 1e-9, 1 - 1e-9, 0.1, &a)))
			return rc;
		*out = json_pack("{s:s, s:f}", "kind", "single", "test_size", a);
		return 0;
	}
	return sc_spec_errf(x->spec, json_object_get(s, "kind"), x->err,
			    "split 'kind' must be simulation or single, not '%s'", kind);
}

/* The label options every step that reads names needs. */
static void label_params(json_t *p, const sc_spec_task *t)
{
	const json_t *c = sc_plan_opt(t, "control");
	json_t *ctl = json_array();
	if (json_is_string(c))
		json_array_append(ctl, (json_t *)c);
	else if (json_is_array(c))
		json_array_extend(ctl, (json_t *)c);
	json_object_set_new(p, "control", ctl);
	json_object_set_new(p, "separator", json_string(sc_plan_opt_str(t, "separator")));
	if (sc_plan_opt_str(t, "guide_separator"))
		json_object_set_new(p, "guide_separator",
				    json_string(sc_plan_opt_str(t, "guide_separator")));
}

static int check_options(sc_plan_ctx *x, const sc_spec_task *t)
{
	const json_t *c = sc_plan_opt(t, "control");
	if (c && !json_is_string(c)) {
		size_t i;
		json_t *v;
		if (!json_is_array(c) || json_array_size(c) > SC_PERT_MAX_CONTROLS)
			return sc_spec_errf(x->spec, c, x->err,
					    "'control' must be a label or a list of up to %d labels",
					    SC_PERT_MAX_CONTROLS);
		json_array_foreach(c, i, v) if (!json_is_string(v)) return sc_spec_errf(
			x->spec, c, x->err, "'control' must list labels");
	}
	const json_t *sel = sc_plan_opt(t, "select");
	const char *col;
	json_t *want;
	json_object_foreach((json_t *)sel, col, want)
	{
		json_t *arr = json_is_array(want) ? json_incref(want) : json_pack("[O]", want);
		int rc = 0;
		size_t i;
		json_t *v;
		json_array_foreach(arr, i, v) if (!json_is_string(v)) rc = 1;
		rc = rc ? sc_spec_errf(x->spec, want, x->err, "select '%s' must name values", col)
			: sc_plan_check_obs_values(x, t, want, col, arr);
		json_decref(arr);
		if (rc)
			return rc;
	}
	return sc_plan_check_obs_column(x, t, t->node, sc_plan_opt_str(t, "perturbation_key"));
}

/* The prepare, DE and per-seed split steps; *split has n_seeds entries. */
static void plan_common(sc_plan_ctx *x, const sc_spec_task *t, const json_t *split, size_t *prep,
			size_t *de, size_t *splits)
{
	json_t *pp = json_pack("{s:s, s:s, s:I}", "perturbation_key",
			       sc_plan_opt_str(t, "perturbation_key"), "normalize",
			       sc_plan_opt_str(t, "normalize"), "min_cells",
			       (json_int_t)sc_plan_opt_num(t, "min_cells"));
	label_params(pp, t);
	if (sc_plan_opt(t, "select"))
		json_object_set(pp, "select", (json_t *)sc_plan_opt(t, "select"));
	*prep = sc_plan_add(x->plan, "perturbation.prepare", pp, 0, 0);
	sc_plan_input_obj(x->plan, *prep, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
	sc_plan_label(x->plan, *prep, sc_plan_task_label(t), t->dataset, NULL);
	*prep = sc_plan_dedupe_last(x->plan);
	*de = sc_plan_add(x->plan, "perturbation.de", json_object(), 0, 0);
	sc_plan_input_step(x->plan, *de, "cells", *prep, SC_PERT_CELLS, NULL);
	sc_plan_label(x->plan, *de, sc_plan_task_label(t), t->dataset, NULL);
	*de = sc_plan_dedupe_last(x->plan);
	int seeded = strcmp(sc_json_str(split, "kind", ""), "list") != 0;
	for (size_t si = 0; si < t->n_seeds; si++) {
		json_t *sp = json_pack("{s:O}", "split", split);
		label_params(sp, t);
		size_t s = sc_plan_add(x->plan, "perturbation.split", sp, seeded, seeded ? t->seeds[si] : 0);
		sc_plan_input_step(x->plan, s, "cells", *prep, SC_PERT_CELLS, NULL);
		sc_plan_label(x->plan, s, sc_plan_task_label(t), t->dataset, NULL);
		splits[si] = sc_plan_dedupe_last(x->plan);
	}
}

/* The step that gives method m's predictions for one seed's split. */
static int plan_prediction(sc_plan_ctx *x, const sc_spec_task *t, sc_method_inst *m, size_t prep,
			   size_t split, int64_t seed, size_t *from, const char **output)
{
	if (!m->builtin) {
		sc_plan_step_input in = { "split", split, SC_PERT_SPLIT };
		*output = m->spec->output;
		return sc_plan_external_with(x, t, m, NULL, seed, &in, 1, from);
	}
	json_t *fp = json_deep_copy(m->params);
	json_object_set_new(fp, "method", json_string(m->builtin));
	size_t st = sc_plan_add(x->plan, "perturbation.predict", fp, 0, 0);
	sc_plan_input_step(x->plan, st, "cells", prep, SC_PERT_CELLS, NULL);
	sc_plan_input_step(x->plan, st, "split", split, SC_PERT_SPLIT, NULL);
	sc_plan_label(x->plan, st, sc_plan_task_label(t), t->dataset, m->label);
	*from = sc_plan_dedupe_last(x->plan);
	*output = SC_PERT_PRED;
	return 0;
}

int sc_perturbation_plan(sc_plan_ctx *x, const sc_spec_task *t)
{
	json_t *split = NULL;
	sc_method_list ml = { 0 };
	size_t *splits = NULL;
	int rc;
	if ((rc = check_options(x, t)) || (rc = parse_split(x, t, &split)) ||
	    (rc = sc_plan_methods(x, t, &sc_perturbation_task, &ml)))
		goto out;
	size_t prep, de;
	splits = sc_xcalloc(t->n_seeds + 1, sizeof(size_t));
	plan_common(x, t, split, &prep, &de, splits);
	for (size_t mi = 0; mi < ml.n; mi++) {
		sc_method_inst *m = &ml.v[mi];
		for (size_t si = 0; si < t->n_seeds; si++) {
			size_t from;
			const char *output;
			if ((rc = plan_prediction(x, t, m, prep, splits[si], t->seeds[si], &from, &output)))
				goto out;
			json_t *ep = json_pack("{s:s}", "method_label", m->label);
			label_params(ep, t);
			size_t ev = sc_plan_add(x->plan, "perturbation.eval", ep, 1, t->seeds[si]);
			sc_plan_input_step(x->plan, ev, "cells", prep, SC_PERT_CELLS, NULL);
			sc_plan_input_step(x->plan, ev, "de", de, SC_PERT_DE, NULL);
			sc_plan_input_step(x->plan, ev, "split", splits[si], SC_PERT_SPLIT, NULL);
			sc_plan_input_step(x->plan, ev, "predictions", from, output, NULL);
			sc_plan_label(x->plan, ev, sc_plan_task_label(t), t->dataset, m->label);
			sc_plan_dedupe_last(x->plan);
		}
	}
out:
	free(splits);
	json_decref(split);
	sc_method_list_free(&ml);
	return rc;
}
