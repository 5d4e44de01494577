/*
 * plan_tasks.c - the chain of steps of each task kind.
 *
 *   annotation:   [prepare] -> annotation.fit -> annotation.eval
 *                 external: external -> annotation.fit (on its embedding,
 *                 or its own predictions) -> annotation.eval
 *
 * Options are checked here, against the dataset itself where that is cheap
 * (does the label column exist?), so a typo is reported with the spec's line
 * and column before anything runs.
 */
#include "plan_tasks.h"
#include "tasks/classify/table.h"
#include "tasks/core/h5ad.h"
#include "tasks/rep.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- option helpers ------------------------------------------------------ */

static const json_t *opt(const sc_spec_task *t, const char *key)
{
	return json_object_get(t->node, key);
}

static int only_opts(sc_plan_ctx *x, const sc_spec_task *t, const char *const *allowed)
{
	static const char *const common[] = { "task", "name", "dataset", "methods", "seeds",
					      "description", NULL };
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)t->node, k, v)
	{
		int ok = 0;
		for (int i = 0; common[i] && !ok; i++)
			ok = !strcmp(common[i], k);
		for (int i = 0; allowed[i] && !ok; i++)
			ok = !strcmp(allowed[i], k);
		if (ok)
			continue;
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		for (int i = 0; allowed[i]; i++)
			sc_buf_printf(&b, "%s%s", i ? ", " : "", allowed[i]);
		int rc = sc_yaml_key_errf(x->spec->doc, t->node, k, x->err,
					  "unknown option '%s' for task '%s' (options: %s)", k, t->task,
					  b.s);
		sc_buf_free(&b);
		return rc;
	}
	return 0;
}

static int opt_str(sc_plan_ctx *x, const sc_spec_task *t, const char *key, int required,
		   const char *dflt, const char **out)
{
	const json_t *v = opt(t, key);
	if (!v) {
		if (required)
			return sc_spec_errf(x->spec, t->node, x->err, "task '%s' needs '%s'", t->task, key);
		*out = dflt;
		return 0;
	}
	if (!json_is_string(v) || !*json_string_value(v))
		return sc_spec_errf(x->spec, json_is_number(v) ? v : t->node, x->err,
				    "'%s' must be a string", key);
	*out = json_string_value(v);
	return 0;
}

static int opt_num(sc_plan_ctx *x, const json_t *obj, const char *key,
		   double lo, double hi, double dflt, double *out)
{
	const json_t *v = json_object_get(obj, key);
	if (!v) {
		*out = dflt;
		return 0;
	}
	if (!json_is_number(v) || !(json_number_value(v) >= lo && json_number_value(v) <= hi))
		return sc_spec_errf(x->spec, json_is_number(v) || json_is_string(v) ? v : obj, x->err,
				    "'%s' must be a number in [%g, %g]", key, lo, hi);
	*out = json_number_value(v);
	return 0;
}

/* An error of the .h5ad reader about a task's dataset, which names the file
 * by its base name ("d.h5ad: obs/x: no such column"): said with the
 * dataset's name instead where it names an element, else with the file's
 * name quoted: "dataset 'd': 'd.h5ad': not an HDF5 file". */
static int dataset_err(sc_plan_ctx *x, const json_t *node, const char *ds, const char *msg,
		       const char *elem)
{
	const char *m = elem ? strstr(msg, elem) : NULL;
	if (m)
		return sc_spec_errf(x->spec, node, x->err, "dataset '%s'%s", ds, m);
	const char *path = sc_plan_ctx_dataset_path(x, ds);
	const char *base = path ? sc_path_basename(path) : NULL;
	size_t n = base ? strlen(base) : 0;
	if (n && !strncmp(msg, base, n) && !strncmp(msg + n, ": ", 2))
		return sc_spec_errf(x->spec, node, x->err, "dataset '%s': '%s': %s", ds, base,
				    msg + n + 2);
	return sc_spec_errf(x->spec, node, x->err, "dataset '%s': %s", ds, msg);
}

/* The dataset's object path, opened to check a column: errors from the
 * reader ("file: obs/x: no such column; have: ...") get the option's place.
 * With names, each must be a category of the column that has cells. */
static int check_obs_values(sc_plan_ctx *x, const sc_spec_task *t, const json_t *node,
			    const char *col, const json_t *names)
{
	const char *path = sc_plan_ctx_dataset_path(x, t->dataset);
	sc_h5ad *h = NULL;
	sc_err e;
	int rc = sc_h5ad_open(&h, path, &e);
	if (!rc) {
		sc_labels l;
		rc = sc_h5ad_read_labels(&l, h, "obs", col, &e);
		if (!rc) {
			size_t *cnt = sc_xcalloc(l.ncat + 1, sizeof(size_t));
			sc_labels_counts(&l, cnt);
			size_t i;
			json_t *nm;
			json_array_foreach((json_t *)names, i, nm)
			{
				size_t k;
				for (k = 0; k < l.ncat; k++)
					if (cnt[k] && !strcmp(l.names[k], json_string_value(nm)))
						break;
				if (k < l.ncat)
					continue;
				sc_buf b = SC_BUF_INIT;
				sc_buf_init(&b);
				size_t shown = 0;
				for (k = 0; k < l.ncat && shown < 40; k++)
					if (cnt[k])
						sc_buf_printf(&b, "%s%s", shown++ ? ", " : "", l.names[k]);
				rc = sc_spec_errf(x->spec, node, x->err,
						  "dataset '%s': column '%s' has no cells in '%s'; have: %s",
						  t->dataset, col, json_string_value(nm), b.s);
				sc_buf_free(&b);
				break;
			}
			free(cnt);
			sc_labels_free(&l);
			if (rc) {
				sc_h5ad_close(h);
				return rc;
			}
		}
	}
	sc_h5ad_close(h);
	if (rc) {
		/* The reader names the file (an object's hash): say the dataset's name. */
		return dataset_err(x, node, t->dataset, e.msg, ": obs/");
	}
	return 0;
}

static int check_obs_column(sc_plan_ctx *x, const sc_spec_task *t, const json_t *node,
			    const char *col)
{
	return check_obs_values(x, t, node, col, NULL);
}

static int check_obs_columns(sc_plan_ctx *x, const sc_spec_task *t, const char *key)
{
	const json_t *v = opt(t, key);
	return v ? check_obs_column(x, t, v, json_string_value(v)) : 0;
}

/* ---- shared steps ---------------------------------------------------------- */

/* The parameters of the standard preprocessing, from the task's options. */
static int prepare_params(sc_plan_ctx *x, const sc_spec_task *t, json_t **out)
{
	const char *counts;
	double ntop, ncomp;
	int rc;
	if ((rc = opt_str(x, t, "counts", 0, "X", &counts)) ||
	    (rc = opt_num(x, t->node, "n_top_genes", 0, 1e6, 2000, &ntop)) ||
	    (rc = opt_num(x, t->node, "n_comps", 2, 1000, 50, &ncomp)))
		return rc;
	*out = json_pack("{s:s, s:f, s:I, s:I, s:s, s:f}", "counts", counts, "target_sum", 1e4,
			 "n_top_genes", (json_int_t)ntop, "n_comps", (json_int_t)ncomp, "flavor",
			 "seurat", "max_value", 10.0);
	return 0;
}

/* Standard preprocessing of a dataset's counts, shared by every method that
 * asks for it (deduplicated in the plan). */
static int plan_prepare(sc_plan_ctx *x, const sc_spec_task *t, size_t *out)
{
	json_t *p;
	int rc = prepare_params(x, t, &p);
	if (rc)
		return rc;
	size_t st = sc_plan_add(x->plan, "prepare", p, 0, 0);
	sc_plan_input_obj(x->plan, st, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
	sc_plan_label(x->plan, st, t->task, t->dataset, NULL);
	*out = sc_plan_dedupe_last(x->plan);
	return 0;
}

/* The same preprocessing learnt on the task's dataset and applied to a test
 * file (prepare.pair): outputs prepared.h5ad and prepared_test.h5ad. */
static int plan_prepare_pair(sc_plan_ctx *x, const sc_spec_task *t, const char *test, size_t *out)
{
	json_t *p;
	int rc = prepare_params(x, t, &p);
	if (rc)
		return rc;
	size_t st = sc_plan_add(x->plan, "prepare.pair", p, 0, 0);
	sc_plan_input_obj(x->plan, st, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
	sc_plan_input_obj(x->plan, st, "test", sc_plan_ctx_dataset(x, test), NULL);
	sc_plan_label(x->plan, st, t->task, t->dataset, NULL);
	*out = sc_plan_dedupe_last(x->plan);
	return 0;
}

/* ---- annotation ------------------------------------------------------------ */

static int annotation_split(sc_plan_ctx *x, const sc_spec_task *t, json_t **out)
{
	const json_t *s = opt(t, "split");
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
		const char *lk = json_string_value(opt(t, "label_key"));
		sc_spec_task tt = *t;
		tt.dataset = (char *)json_string_value(td);
		int rc = check_obs_column(x, &tt, td, lk ? lk : "");
		if (rc)
			return rc;
		*out = json_pack("{s:s, s:s}", "kind", "files", "test_dataset", json_string_value(td));
		return 0;
	}
	const json_t *by = json_object_get(s, "by");
	if (!by) {
		double ts;
		int rc = opt_num(x, s, "test_size", 1e-9, 1 - 1e-9, 0.2, &ts);
		if (rc)
			return rc;
		*out = json_pack("{s:s, s:f}", "kind", "stratified", "test_size", ts);
		return 0;
	}
	if (!json_is_string(by))
		return sc_spec_errf(x->spec, s, x->err, "split 'by' must name an obs column");
	int rc = check_obs_column(x, t, by, json_string_value(by));
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
		if ((rc = check_obs_values(x, t, g, json_string_value(by), arr))) {
			json_decref(arr);
			json_decref(sp);
			return rc;
		}
		json_object_set_new(sp, sides[i], arr);
	}
	*out = sp;
	return 0;
}

/* The label a task's steps carry: its 'name', else its kind. */
static const char *task_label(const sc_spec_task *t)
{
	const json_t *n = json_object_get(t->node, "name");
	return json_is_string(n) ? json_string_value(n) : t->task;
}

static int plan_annotation(sc_plan_ctx *x, const sc_spec_task *t)
{
	static const char *const allowed[] = { "label_key", "representation", "split", "counts",
					       "n_top_genes", "n_comps", "classifier", "unlabeled",
					       NULL };
	static const char *const builtins[] = { "logreg", "knn", "nn", "given", NULL };
	const char *label_key, *rep_opt, *classifier;
	json_t *split = NULL;
	sc_method_list ml = { 0 };
	int rc;
	if ((rc = only_opts(x, t, allowed)) || (rc = opt_str(x, t, "label_key", 1, NULL, &label_key)) ||
	    (rc = check_obs_columns(x, t, "label_key")) ||
	    (rc = opt_str(x, t, "representation", 0, NULL, &rep_opt)) ||
	    (rc = opt_str(x, t, "classifier", 0, "logreg", &classifier)))
		return rc;
	if (strcmp(classifier, "logreg") && strcmp(classifier, "knn"))
		return sc_spec_errf(x->spec, opt(t, "classifier"), x->err,
				    "'classifier' (for models' embeddings) must be logreg or knn");
	if ((rc = annotation_split(x, t, &split)) || (rc = sc_plan_methods(x, t, builtins, &ml)))
		goto out;
	const char *test_ds = sc_json_str(split, "test_dataset", NULL);
	for (size_t mi = 0; mi < ml.n; mi++) {
		sc_method_inst *m = &ml.v[mi];
		for (size_t si = 0; si < t->n_seeds; si++) {
			int64_t seed = t->seeds[si];
			json_t *fp = json_deep_copy(m->params);
			json_object_set_new(fp, "label_key", json_string(label_key));
			json_object_set(fp, "split", split);
			if (opt(t, "unlabeled"))
				json_object_set(fp, "unlabeled", (json_t *)opt(t, "unlabeled"));
			/* A model's own predictions are scored on every labelled cell
			 * unless the spec names a split. */
			int own_predictions =
				(m->builtin && !strcmp(m->builtin, "given")) ||
				(!m->builtin && json_object_get(m->spec->provides, "obs"));
			if (own_predictions && !opt(t, "split"))
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
			} else if (!strcmp(m->builtin, "given")) {
				if (test_ds) {
					json_decref(fp);
					rc = sc_spec_errf(x->spec, opt(t, "split"), x->err,
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
				if ((rc = check_obs_column(x, t, m->spec ? m->spec->node : t->node,
							   sc_json_str(fp, "predictions", "")))) {
					json_decref(fp);
					goto out;
				}
				json_object_set_new(fp, "method", json_string("given"));
			} else {
				const char *rep = rep_opt ? rep_opt
							  : (!strcmp(m->builtin, "nn") ? "hvg" : "pca");
				json_object_set_new(fp, "method", json_string(m->builtin));
				if (!strcmp(rep, "pca") || !strcmp(rep, "hvg")) {
					size_t prep;
					if ((rc = test_ds ? plan_prepare_pair(x, t, test_ds, &prep)
							  : plan_prepare(x, t, &prep))) {
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
			fit = sc_plan_add(x->plan, "annotation.fit", fp, 1, seed);
			sc_plan_input_obj(x->plan, fit, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
			if (rep_from >= 0)
				sc_plan_input_step(x->plan, fit, "rep", (size_t)rep_from, rep_output, NULL);
			if (test_ds)
				sc_plan_input_obj(x->plan, fit, "test", sc_plan_ctx_dataset(x, test_ds), NULL);
			if (rep_test_from >= 0)
				sc_plan_input_step(x->plan, fit, "rep_test", (size_t)rep_test_from,
						   rep_test_output, NULL);
			sc_plan_label(x->plan, fit, task_label(t), t->dataset, m->label);
			fit = sc_plan_dedupe_last(x->plan);
			size_t ev = sc_plan_add(x->plan, "annotation.eval", json_object(), 1, seed);
			sc_plan_input_step(x->plan, ev, "predictions", fit, "predictions.h5ad", NULL);
			sc_plan_label(x->plan, ev, task_label(t), t->dataset, m->label);
			sc_plan_dedupe_last(x->plan);
		}
	}
out:
	json_decref(split);
	sc_method_list_free(&ml);
	return rc;
}

/* ---- gene-function --------------------------------------------------------- */

/* The label table must read with the given columns, and (when the features
 * come from the dataset) share ids with the dataset's genes. */
static int check_gene_labels(sc_plan_ctx *x, const sc_spec_task *t, const char *labels,
			     const char *idc, const char *labc, const char *var_key, int ids_from_data)
{
	const json_t *node = opt(t, "gene_labels");
	sc_gene_labels g;
	sc_err e;
	int rc = sc_table_read_labels(&g, sc_plan_ctx_dataset_path(x, labels), idc, labc, &e);
	if (rc)
		return sc_spec_errf(x->spec, node, x->err, "gene_labels '%s': %s", labels, e.msg);
	if (ids_from_data) {
		sc_h5ad *h = NULL;
		char **ids = NULL;
		size_t n = 0;
		rc = sc_h5ad_open(&h, sc_plan_ctx_dataset_path(x, t->dataset), &e);
		if (!rc)
			rc = sc_rep_gene_ids(&ids, &n, h, var_key, &e);
		sc_h5ad_close(h);
		if (rc) {
			sc_gene_labels_free(&g);
			return dataset_err(x, var_key ? opt(t, "var_key") : t->node, t->dataset, e.msg,
					   NULL);
		}
		int32_t *codes = sc_xmalloc((n ? n : 1) * sizeof(int32_t));
		size_t matched = 0;
		sc_gene_labels_align(codes, &matched, &g, ids, n);
		free(codes);
		if (!matched)
			rc = sc_spec_errf(x->spec, node, x->err,
					  "gene_labels '%s': no id in column '%s' (e.g. '%s') names a gene of "
					  "dataset '%s' (e.g. '%s'); use id_column or var_key",
					  labels, idc, g.n ? g.ids[0] : "", t->dataset, n ? ids[0] : "");
		sc_h5ad_strings_free(ids, n);
	}
	sc_gene_labels_free(&g);
	return rc;
}

static int plan_genefunc(sc_plan_ctx *x, const sc_spec_task *t)
{
	static const char *const allowed[] = { "gene_labels", "id_column", "label_column",
					       "features", "var_key", "counts", "n_comps", "folds",
					       "unlabeled", NULL };
	static const char *const builtins[] = { "logreg", "knn", "nn", NULL };
	const char *labels, *idc, *labc, *features, *var_key, *counts;
	double folds, ncomp;
	sc_method_list ml = { 0 };
	int rc;
	if ((rc = only_opts(x, t, allowed)) || (rc = opt_str(x, t, "gene_labels", 1, NULL, &labels)) ||
	    (rc = opt_str(x, t, "id_column", 0, "gene_id", &idc)) ||
	    (rc = opt_str(x, t, "label_column", 0, "label", &labc)) ||
	    (rc = opt_str(x, t, "features", 0, "expression", &features)) ||
	    (rc = opt_str(x, t, "var_key", 0, NULL, &var_key)) ||
	    (rc = opt_str(x, t, "counts", 0, "X", &counts)) ||
	    (rc = opt_num(x, t->node, "folds", 2, 100, 5, &folds)) ||
	    (rc = opt_num(x, t->node, "n_comps", 2, 1000, 50, &ncomp)))
		return rc;
	/* Labels from a table (a dataset) or from a var column of the dataset. */
	const char *label_var = NULL;
	if (!strncmp(labels, "var:", 4) || !strncmp(labels, "var/", 4)) {
		label_var = labels + 4;
		sc_err e;
		sc_h5ad *h = NULL;
		sc_labels l;
		int r2 = sc_h5ad_open(&h, sc_plan_ctx_dataset_path(x, t->dataset), &e);
		if (!r2 && !(r2 = sc_h5ad_read_labels(&l, h, "var", label_var, &e)))
			sc_labels_free(&l);
		sc_h5ad_close(h);
		if (r2) {
			return dataset_err(x, opt(t, "gene_labels"), t->dataset, e.msg, ": var/");
		}
	} else if (!sc_spec_find_dataset(x->spec, labels)) {
		return sc_spec_errf(x->spec, opt(t, "gene_labels"), x->err,
				    "gene_labels must name a dataset (the label table) or var:COLUMN: "
				    "no dataset '%s'", labels);
	}
	/* Where the features come from, for built-in methods. */
	const sc_spec_dataset *fds = NULL;
	const char *fwhere = NULL;
	if (!strcmp(features, "expression"))
		fwhere = "obsm/X_expression_pca";
	else if (!strncmp(features, "varm:", 5) || !strncmp(features, "varm/", 5))
		fwhere = features;
	else if ((fds = sc_spec_find_dataset(x->spec, features)))
		fwhere = strstr(fds->path ? fds->path : "", ".h5ad") ? "X" : "table";
	else
		return sc_spec_errf(x->spec, opt(t, "features"), x->err,
				    "'features' must be expression, varm:KEY or a dataset name (a "
				    "CSV/TSV or .h5ad of genes x features)");
	if ((!label_var && (rc = check_gene_labels(x, t, labels, idc, labc, var_key, !fds))) ||
	    (rc = sc_plan_methods(x, t, builtins, &ml)))
		goto out;
	size_t feat_step = (size_t)-1;
	for (size_t mi = 0; mi < ml.n; mi++) {
		sc_method_inst *m = &ml.v[mi];
		for (size_t si = 0; si < t->n_seeds; si++) {
			int64_t seed = t->seeds[si];
			json_t *cp = json_deep_copy(m->params);
			json_object_set_new(cp, "id_column", json_string(idc));
			json_object_set_new(cp, "label_column", json_string(labc));
			json_object_set_new(cp, "folds", json_integer((json_int_t)folds));
			if (var_key)
				json_object_set_new(cp, "var_key", json_string(var_key));
			if (label_var)
				json_object_set_new(cp, "label_var", json_string(label_var));
			if (opt(t, "unlabeled"))
				json_object_set(cp, "unlabeled", (json_t *)opt(t, "unlabeled"));
			int from = -1;
			const char *from_out = NULL;
			const sc_oid *fobj = NULL;
			if (!m->builtin) {
				size_t ext;
				if ((rc = sc_plan_external(x, t, m, NULL, seed, &ext))) {
					json_decref(cp);
					goto out;
				}
				const json_t *prov = m->spec->provides;
				if (json_object_get(prov, "varm")) {
					char *w = sc_xasprintf("varm/%s", sc_json_str(prov, "varm", ""));
					json_object_set_new(cp, "where", json_string(w));
					free(w);
				} else if (json_object_get(prov, "file")) {
					json_object_set_new(cp, "where", json_string("table"));
				} else {
					json_decref(cp);
					rc = sc_spec_errf(x->spec, m->spec->node, x->err,
							  "method '%s' provides %s, which the gene-function "
							  "task cannot use (it needs {varm: KEY} or {file: "
							  "gene-features})",
							  m->spec->name, json_object_get(prov, "obs") ? "obs" : "obsm");
					goto out;
				}
				json_object_set_new(cp, "method", json_string("logreg"));
				from = (int)ext;
				from_out = m->spec->output;
			} else {
				json_object_set_new(cp, "method", json_string(m->builtin));
				json_object_set_new(cp, "where", json_string(fwhere));
				if (!strcmp(features, "expression")) {
					if (feat_step == (size_t)-1) {
						json_t *fp = json_pack("{s:s, s:I, s:f}", "counts", counts,
								       "n_comps", (json_int_t)ncomp,
								       "target_sum", 1e4);
						if (var_key)
							json_object_set_new(fp, "var_key", json_string(var_key));
						feat_step = sc_plan_add(x->plan, "genefunc.features", fp, 0, 0);
						sc_plan_input_obj(x->plan, feat_step, "data",
								  sc_plan_ctx_dataset(x, t->dataset), NULL);
						sc_plan_label(x->plan, feat_step, task_label(t), t->dataset, NULL);
						feat_step = sc_plan_dedupe_last(x->plan);
					}
					from = (int)feat_step;
					from_out = "gene_features.h5ad";
				} else {
					fobj = sc_plan_ctx_dataset(x, fds ? fds->name : t->dataset);
				}
			}
			size_t cv = sc_plan_add(x->plan, "genefunc.cv", cp, 1, seed);
			if (from >= 0)
				sc_plan_input_step(x->plan, cv, "features", (size_t)from, from_out, NULL);
			else
				sc_plan_input_obj(x->plan, cv, "features", fobj, NULL);
			sc_plan_input_obj(x->plan, cv, "labels",
					  sc_plan_ctx_dataset(x, label_var ? t->dataset : labels), NULL);
			sc_plan_label(x->plan, cv, task_label(t), t->dataset, m->label);
			sc_plan_dedupe_last(x->plan);
		}
	}
out:
	sc_method_list_free(&ml);
	return rc;
}

/* ---- batch integration and multi-omics ------------------------------------- */

/* An evaluation of an embedding (produced by step 'from' as 'file', or the
 * dataset itself when from < 0) against labels and batches. */
static void plan_integration_eval(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *m,
				  int64_t seed, int from, const char *file, const char *where,
				  int pre, json_t *extra)
{
	json_t *ep = json_pack("{s:s}", "where", where);
	json_object_update(ep, extra);
	size_t ev = sc_plan_add(x->plan, "integration.eval", ep, 1, seed);
	sc_plan_input_obj(x->plan, ev, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
	if (from >= 0)
		sc_plan_input_step(x->plan, ev, "embedding", (size_t)from, file, NULL);
	else
		sc_plan_input_obj(x->plan, ev, "embedding", sc_plan_ctx_dataset(x, t->dataset), NULL);
	if (pre >= 0)
		sc_plan_input_step(x->plan, ev, "pre", (size_t)pre, "embedding.h5ad", NULL);
	sc_plan_label(x->plan, ev, task_label(t), t->dataset, m->label);
	sc_plan_dedupe_last(x->plan);
}

/* External methods and 'given' embeddings are handled alike by both tasks:
 * returns 1 when m was one of them (step planned), 0 when it is a built-in
 * the caller plans, or an error. */
static int plan_given_or_external(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *m,
				  int64_t seed, int pre, json_t *extra)
{
	if (m->builtin && strcmp(m->builtin, "given"))
		return 0;
	if (m->builtin) {
		const char *key = sc_json_str(m->params, "obsm", NULL);
		if (!key)
			return sc_spec_errf(x->spec, m->spec ? m->spec->node : t->node, x->err,
					    "method 'given' needs params: {obsm: KEY}, the embedding "
					    "already in the dataset");
		char *w = sc_xasprintf("obsm/%s", key);
		plan_integration_eval(x, t, m, seed, -1, NULL, w, pre, extra);
		free(w);
		return 1;
	}
	const json_t *prov = m->spec->provides;
	if (!json_object_get(prov, "obsm"))
		return sc_spec_errf(x->spec, m->spec->node, x->err,
				    "method '%s' must provide {obsm: KEY} (an embedding) for task '%s'",
				    m->spec->name, t->task);
	size_t ext;
	int rc = sc_plan_external(x, t, m, NULL, seed, &ext);
	if (rc)
		return rc;
	char *w = sc_xasprintf("obsm/%s", sc_json_str(prov, "obsm", ""));
	plan_integration_eval(x, t, m, seed, (int)ext, m->spec->output, w, pre, extra);
	free(w);
	return 1;
}

static int plan_batch(sc_plan_ctx *x, const sc_spec_task *t)
{
	static const char *const allowed[] = { "batch_key", "label_key", "counts", "n_top_genes",
					       "n_comps", "unlabeled", NULL };
	static const char *const builtins[] = { "unintegrated", "pca", "combat", "harmony", "given",
						NULL };
	const char *batch_key, *label_key, *counts;
	double ntop, ncomp;
	sc_method_list ml = { 0 };
	int rc;
	if ((rc = only_opts(x, t, allowed)) || (rc = opt_str(x, t, "batch_key", 1, NULL, &batch_key)) ||
	    (rc = opt_str(x, t, "label_key", 1, NULL, &label_key)) ||
	    (rc = check_obs_columns(x, t, "batch_key")) || (rc = check_obs_columns(x, t, "label_key")) ||
	    (rc = opt_str(x, t, "counts", 0, "X", &counts)) ||
	    (rc = opt_num(x, t->node, "n_top_genes", 0, 1e6, 2000, &ntop)) ||
	    (rc = opt_num(x, t->node, "n_comps", 2, 1000, 50, &ncomp)) ||
	    (rc = sc_plan_methods(x, t, builtins, &ml)))
		goto out;
	json_t *base = json_pack("{s:s, s:s, s:I, s:I}", "counts", counts, "batch_key", batch_key,
				 "n_top_genes", (json_int_t)ntop, "n_comps", (json_int_t)ncomp);
	/* The unintegrated PCA: a method of its own and the PC regression's "before". */
	json_t *up = json_deep_copy(base);
	json_object_set_new(up, "method", json_string("unintegrated"));
	size_t pre = sc_plan_add(x->plan, "batch.embed", up, 0, 0);
	sc_plan_input_obj(x->plan, pre, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
	sc_plan_label(x->plan, pre, task_label(t), t->dataset, "unintegrated");
	pre = sc_plan_dedupe_last(x->plan);
	json_t *extra = json_pack("{s:s, s:s}", "label_key", label_key, "batch_key", batch_key);
	if (opt(t, "unlabeled"))
		json_object_set(extra, "unlabeled", (json_t *)opt(t, "unlabeled"));
	for (size_t mi = 0; mi < ml.n && !rc; mi++) {
		sc_method_inst *m = &ml.v[mi];
		for (size_t si = 0; si < t->n_seeds && !rc; si++) {
			int64_t seed = t->seeds[si];
			int r = plan_given_or_external(x, t, m, seed, (int)pre, extra);
			if (r < 0) {
				rc = r;
				break;
			}
			if (r)
				continue;
			const char *b = !strcmp(m->builtin, "pca") ? "unintegrated" : m->builtin;
			size_t emb = pre;
			if (strcmp(b, "unintegrated")) {
				json_t *p = json_deep_copy(base);
				json_object_update(p, m->params);
				json_object_set_new(p, "method", json_string(b));
				/* Only Harmony draws random numbers (k-means, block order). */
				int seeded = !strcmp(b, "harmony");
				emb = sc_plan_add(x->plan, "batch.embed", p, seeded, seeded ? seed : 0);
				sc_plan_input_obj(x->plan, emb, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
				sc_plan_label(x->plan, emb, task_label(t), t->dataset, m->label);
				emb = sc_plan_dedupe_last(x->plan);
			}
			plan_integration_eval(x, t, m, seed, (int)emb, "embedding.h5ad", "obsm/X_emb",
					      (int)pre, extra);
		}
	}
	json_decref(extra);
	json_decref(base);
out:
	sc_method_list_free(&ml);
	return rc;
}

static int plan_multiomics(sc_plan_ctx *x, const sc_spec_task *t)
{
	static const char *const allowed[] = { "label_key", "batch_key", "modality2", "where2",
					       "data2", "counts", "n_comps", "n_comps2", "unlabeled",
					       NULL };
	static const char *const builtins[] = { "concat", "wnn", "rna", "modality2", "given", NULL };
	const char *label_key, *batch_key, *mod2, *where2, *data2, *counts;
	double ncomp, ncomp2;
	sc_method_list ml = { 0 };
	int rc;
	if ((rc = only_opts(x, t, allowed)) || (rc = opt_str(x, t, "label_key", 1, NULL, &label_key)) ||
	    (rc = check_obs_columns(x, t, "label_key")) ||
	    (rc = opt_str(x, t, "batch_key", 0, NULL, &batch_key)) ||
	    (rc = check_obs_columns(x, t, "batch_key")) ||
	    (rc = opt_str(x, t, "modality2", 1, NULL, &mod2)) ||
	    (rc = opt_str(x, t, "where2", 0, "X", &where2)) ||
	    (rc = opt_str(x, t, "data2", 0, NULL, &data2)) ||
	    (rc = opt_str(x, t, "counts", 0, "X", &counts)) ||
	    (rc = opt_num(x, t->node, "n_comps", 2, 1000, 50, &ncomp)) ||
	    (rc = opt_num(x, t->node, "n_comps2", 2, 1000, 20, &ncomp2)))
		return rc;
	if (strcmp(mod2, "protein") && strcmp(mod2, "adt") && strcmp(mod2, "atac"))
		return sc_spec_errf(x->spec, opt(t, "modality2"), x->err,
				    "'modality2' must be protein or atac");
	if (data2 && !sc_spec_find_dataset(x->spec, data2))
		return sc_spec_errf(x->spec, opt(t, "data2"), x->err, "'data2': no dataset '%s'", data2);
	if ((rc = sc_plan_methods(x, t, builtins, &ml)))
		goto out;
	json_t *extra = json_pack("{s:s}", "label_key", label_key);
	if (opt(t, "unlabeled"))
		json_object_set(extra, "unlabeled", (json_t *)opt(t, "unlabeled"));
	if (batch_key)
		json_object_set_new(extra, "batch_key", json_string(batch_key));
	for (size_t mi = 0; mi < ml.n && !rc; mi++) {
		sc_method_inst *m = &ml.v[mi];
		for (size_t si = 0; si < t->n_seeds && !rc; si++) {
			int64_t seed = t->seeds[si];
			int r = plan_given_or_external(x, t, m, seed, -1, extra);
			if (r < 0) {
				rc = r;
				break;
			}
			if (r)
				continue;
			json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "method", m->builtin,
					      "counts", counts, "modality2", mod2, "where2", where2,
					      "n_comps", (json_int_t)ncomp, "n_comps2", (json_int_t)ncomp2);
			json_object_update(p, m->params);
			size_t emb = sc_plan_add(x->plan, "multiomics.embed", p, 0, 0);
			sc_plan_input_obj(x->plan, emb, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
			if (data2)
				sc_plan_input_obj(x->plan, emb, "data2", sc_plan_ctx_dataset(x, data2), NULL);
			sc_plan_label(x->plan, emb, task_label(t), t->dataset, m->label);
			emb = sc_plan_dedupe_last(x->plan);
			json_t *ex = json_deep_copy(extra);
			if (!strcmp(m->builtin, "wnn")) {
				json_object_set_new(ex, "graph", json_string("obsp/connectivities"));
				json_object_set_new(ex, "graph_only", json_true());
			}
			plan_integration_eval(x, t, m, seed, (int)emb, "embedding.h5ad", "obsm/X_emb", -1,
					      ex);
			json_decref(ex);
		}
	}
	json_decref(extra);
out:
	sc_method_list_free(&ml);
	return rc;
}

/* ---- the table -------------------------------------------------------------- */

static const sc_task_planner planners[] = {
	{ "annotation", plan_annotation, "cell-type annotation (classification of held-out cells)" },
	{ "gene-function", plan_genefunc, "gene-function prediction (k-fold on gene features)" },
	{ "batch", plan_batch, "batch integration (scIB metrics)" },
	{ "multiomics", plan_multiomics, "multi-omics integration (scIB bio metrics on a joint embedding)" },
	{ NULL, NULL, NULL },
};

const sc_task_planner *sc_task_planner_find(const char *name)
{
	for (const sc_task_planner *p = planners; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

const char *sc_planner_tasks(void)
{
	static char buf[512];
	if (!buf[0]) {
		size_t off = 0;
		for (const sc_task_planner *p = planners; p->name; p++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
						p == planners ? "" : ", ", p->name);
	}
	return buf;
}
