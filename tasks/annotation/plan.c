/*
 * tasks/annotation/plan.c - the annotation task's chain of steps:
 *
 *   built-in:  [prepare] -> annotation.fit -> annotation.eval
 *   external:  external -> annotation.fit (on its embedding, or its own
 *              predictions) -> annotation.eval
 *
 * Options have passed the generic check of the descriptor (task.c); what
 * is checked here needs the dataset (does the label column exist?) or
 * spans options (the split).
 */
#include "annotation.h"
#include "runner/plan_tasks.h"
#include "tasks/prepare/plan.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

static int annotation_split(sc_plan_ctx *x, const sc_spec_task *t, json_t **out)
{
	const json_t *s = sc_plan_opt(t, "split");
	if (!s) {
		*out = json_pack("{s:s, s:f}", "kind", "stratified", "test_size", 0.2);
		return 0;
	}
	if (!json_is_object(s))
		return sc_spec_errf(x->spec, s, x->err,
				    "'split' must be {test_size: F} or {by: COLUMN, test: [...]}");
	static const char *const keys[] = { "test_size", "by", "test", "train", "test_dataset", NULL };
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)s, k, v)
	{
		int ok = 0;
		for (int i = 0; keys[i]; i++)
			ok |= !strcmp(keys[i], k);
		if (!ok)
			return sc_yaml_key_errf(x->spec->doc, s, k, x->err,
						"unknown split option '%s' (test_size, by, test, train, "
						"test_dataset)", k);
	}
	const json_t *td = json_object_get(s, "test_dataset");
	if (td) {
		/* Separate files: train on the task's dataset, test on this one. */
		if (!json_is_string(td) || !sc_spec_find_dataset(x->spec, json_string_value(td)))
			return sc_spec_errf(x->spec, json_is_string(td) ? td : s, x->err,
					    "split 'test_dataset' must name a dataset");
		if (json_object_size(s) != 1)
			return sc_spec_errf(x->spec, s, x->err,
					    "split 'test_dataset' goes alone (the whole file is the test set)");
		const char *lk = json_string_value(sc_plan_opt(t, "label_key"));
		sc_spec_task tt = *t;
		tt.dataset = (char *)json_string_value(td);
		int rc = sc_plan_check_obs_column(x, &tt, td, lk ? lk : "");
		if (rc)
			return rc;
		*out = json_pack("{s:s, s:s}", "kind", "files", "test_dataset", json_string_value(td));
		return 0;
	}
	const json_t *by = json_object_get(s, "by");
	if (!by) {
		double ts;
		int rc = sc_plan_num_in(x, s, "test_size", 1e-9, 1 - 1e-9, 0.2, &ts);
		if (rc)
			return rc;
		*out = json_pack("{s:s, s:f}", "kind", "stratified", "test_size", ts);
		return 0;
	}
	if (!json_is_string(by))
		return sc_spec_errf(x->spec, s, x->err, "split 'by' must name an obs column");
	int rc = sc_plan_check_obs_column(x, t, by, json_string_value(by));
	if (rc)
		return rc;
	json_t *sp = json_pack("{s:s, s:s}", "kind", "column", "column", json_string_value(by));
	static const char *const sides[] = { "test", "train" };
	for (int i = 0; i < 2; i++) {
		const json_t *g = json_object_get(s, sides[i]);
		if (!g) {
			if (i == 0) {
				json_decref(sp);
				return sc_spec_errf(x->spec, s, x->err,
						    "split by '%s' needs 'test': the categories to test on",
						    json_string_value(by));
			}
			continue;
		}
		json_t *arr = json_array();
		if (json_is_string(g))
			json_array_append(arr, (json_t *)g);
		else if (json_is_array(g)) {
			size_t j;
			json_t *e;
			json_array_foreach(g, j, e)
			{
				if (!json_is_string(e)) {
					json_decref(arr);
					json_decref(sp);
					return sc_spec_errf(x->spec, g, x->err, "split '%s' must list names",
							    sides[i]);
				}
				json_array_append(arr, e);
			}
		}
		if (!json_array_size(arr)) {
			json_decref(arr);
			json_decref(sp);
			return sc_spec_errf(x->spec, s, x->err, "split '%s' must list category names",
					    sides[i]);
		}
		if ((rc = sc_plan_check_obs_values(x, t, g, json_string_value(by), arr))) {
			json_decref(arr);
			json_decref(sp);
			return rc;
		}
		json_object_set_new(sp, sides[i], arr);
	}
	*out = sp;
	return 0;
}

int sc_annotation_plan(sc_plan_ctx *x, const sc_spec_task *t)
{
	const char *label_key = sc_plan_opt_str(t, "label_key");
	const char *rep_opt = sc_plan_opt_str(t, "representation");
	const char *classifier = sc_plan_opt_str(t, "classifier");
	json_t *split = NULL;
	sc_method_list ml = { 0 };
	int rc;
	if ((rc = sc_plan_check_obs_option(x, t, "label_key")))
		return rc;
	if ((rc = annotation_split(x, t, &split)) ||
	    (rc = sc_plan_methods(x, t, &sc_annotation_task, &ml)))
		goto out;
	const char *test_ds = sc_json_str(split, "test_dataset", NULL);
	for (size_t mi = 0; mi < ml.n; mi++) {
		sc_method_inst *m = &ml.v[mi];
		for (size_t si = 0; si < t->n_seeds; si++) {
			int64_t seed = t->seeds[si];
			json_t *fp = json_deep_copy(m->params);
			json_object_set_new(fp, "label_key", json_string(label_key));
			json_object_set(fp, "split", split);
			if (sc_plan_opt(t, "unlabeled"))
				json_object_set(fp, "unlabeled", (json_t *)sc_plan_opt(t, "unlabeled"));
			/* A model's own predictions are scored on every labelled cell
			 * unless the spec names a split. */
			int own_predictions =
				(m->desc && m->desc->given) ||
				(!m->builtin && json_object_get(m->spec->provides, "obs"));
			if (own_predictions && !sc_plan_opt(t, "split"))
				json_object_del(fp, "split");
			size_t fit;
			int rep_from = -1, rep_test_from = -1;
			const char *rep_output = NULL, *rep_test_output = NULL;
			if (!m->builtin) {
				size_t ext;
				if ((rc = sc_plan_external(x, t, m, NULL, seed, &ext))) {
					json_decref(fp);
					goto out;
				}
				if (test_ds) {
					/* The model embeds the test file too. */
					size_t ext2;
					if ((rc = sc_plan_external(x, t, m, test_ds, seed, &ext2))) {
						json_decref(fp);
						goto out;
					}
					rep_test_from = (int)ext2;
					rep_test_output = m->spec->output;
				}
				const json_t *prov = m->spec->provides;
				if (json_object_get(prov, "obsm")) {
					char *w = sc_xasprintf("obsm/%s",
							       sc_json_str(prov, "obsm", ""));
					json_object_set_new(fp, "method", json_string(classifier));
					json_object_set_new(fp, "representation", json_string(w));
					free(w);
				} else if (json_object_get(prov, "obs")) {
					json_object_set_new(fp, "method", json_string("given"));
					json_object_set_new(fp, "predictions",
							    json_string(sc_json_str(prov, "obs", "")));
				} else {
					json_decref(fp);
					rc = sc_spec_errf(x->spec, m->spec->node, x->err,
							  "method '%s' provides %s, which the annotation "
							  "task cannot use (it needs {obsm: KEY} or {obs: "
							  "COLUMN})",
							  m->spec->name,
							  json_object_get(prov, "varm") ? "varm" : "a file");
					goto out;
				}
				rep_from = (int)ext;
				rep_output = m->spec->output;
			} else if (m->desc->given) {
				if (test_ds) {
					json_decref(fp);
					rc = sc_spec_errf(x->spec, sc_plan_opt(t, "split"), x->err,
							  "method 'given' scores a column of one file: it does "
							  "not take a split by test_dataset");
					goto out;
				}
				if (!json_object_get(fp, "predictions")) {
					json_decref(fp);
					rc = sc_spec_errf(x->spec, m->spec ? m->spec->node : t->node, x->err,
							  "method 'given' needs params: {predictions: "
							  "COLUMN}");
					goto out;
				}
				if ((rc = sc_plan_check_obs_column(x, t, m->spec ? m->spec->node : t->node,
							   sc_json_str(fp, "predictions", "")))) {
					json_decref(fp);
					goto out;
				}
				json_object_set_new(fp, "method", json_string("given"));
			} else {
				const char *rep = rep_opt ? rep_opt
							  : (m->desc->representation ? m->desc->representation
										 : "pca");
				json_object_set_new(fp, "method", json_string(m->builtin));
				if (!strcmp(rep, "pca") || !strcmp(rep, "hvg")) {
					size_t prep;
					if ((rc = test_ds ? sc_plan_prepare_pair(x, t, test_ds, &prep)
							  : sc_plan_prepare(x, t, &prep))) {
						json_decref(fp);
						goto out;
					}
					rep_from = (int)prep;
					rep_output = "prepared.h5ad";
					if (test_ds) {
						rep_test_from = (int)prep;
						rep_test_output = "prepared_test.h5ad";
					}
					json_object_set_new(fp, "representation",
							    json_string(!strcmp(rep, "pca") ? "obsm/X_pca"
											    : "X"));
				} else {
					json_object_set_new(fp, "representation", json_string(rep));
				}
			}
			/* The split draws from the seed: a method's descriptor says
			 * so (external methods always take the seed). */
			int seeded = m->desc ? m->desc->seeded : 1;
			fit = sc_plan_add(x->plan, "annotation.fit", fp, seeded, seeded ? seed : 0);
			sc_plan_input_obj(x->plan, fit, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
			if (rep_from >= 0)
				sc_plan_input_step(x->plan, fit, "rep", (size_t)rep_from, rep_output, NULL);
			if (test_ds)
				sc_plan_input_obj(x->plan, fit, "test", sc_plan_ctx_dataset(x, test_ds), NULL);
			if (rep_test_from >= 0)
				sc_plan_input_step(x->plan, fit, "rep_test", (size_t)rep_test_from,
						   rep_test_output, NULL);
			sc_plan_label(x->plan, fit, sc_plan_task_label(t), t->dataset, m->label);
			fit = sc_plan_dedupe_last(x->plan);
			size_t ev = sc_plan_add(x->plan, "annotation.eval", json_object(), 1, seed);
			sc_plan_input_step(x->plan, ev, "predictions", fit, "predictions.h5ad", NULL);
			sc_plan_label(x->plan, ev, sc_plan_task_label(t), t->dataset, m->label);
			sc_plan_dedupe_last(x->plan);
		}
	}
out:
	json_decref(split);
	sc_method_list_free(&ml);
	return rc;
}
