/*
 * tasks/genefunc/plan.c - the gene-function task's chain of steps:
 *
 *   built-in:  [genefunc.features] -> genefunc.cv
 *   external:  external (gene embeddings: varm or a file) -> genefunc.cv
 *
 * Options have passed the generic check of the descriptor (task.c); here
 * the label table is read and matched against the dataset's genes.
 */
#include "genefunc.h"
#include "runner/plan_tasks.h"
#include "io/table.h"
#include "io/h5ad.h"
#include "tasks/rep.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

/* The label table must read with the given columns, and (when the features
 * come from the dataset) share ids with the dataset's genes. */
static int check_gene_labels(sc_plan_ctx *x, const sc_spec_task *t, const char *labels,
			     const char *idc, const char *labc, const char *var_key, int ids_from_data)
{
	const json_t *node = sc_plan_opt(t, "gene_labels");
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
			return sc_plan_dataset_err(x, var_key ? sc_plan_opt(t, "var_key") : t->node,
						   t->dataset, e.msg, NULL);
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

int sc_genefunc_plan(sc_plan_ctx *x, const sc_spec_task *t)
{
	const char *labels = sc_plan_opt_str(t, "gene_labels");
	const char *idc = sc_plan_opt_str(t, "id_column");
	const char *labc = sc_plan_opt_str(t, "label_column");
	const char *features = sc_plan_opt_str(t, "features");
	const char *var_key = sc_plan_opt_str(t, "var_key");
	const char *counts = sc_plan_opt_str(t, "counts");
	double folds = sc_plan_opt_num(t, "folds"), ncomp = sc_plan_opt_num(t, "n_comps");
	sc_method_list ml = { 0 };
	int rc;
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
			return sc_plan_dataset_err(x, sc_plan_opt(t, "gene_labels"), t->dataset, e.msg, ": var/");
		}
	} else if (!sc_spec_find_dataset(x->spec, labels)) {
		return sc_spec_errf(x->spec, sc_plan_opt(t, "gene_labels"), x->err,
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
		return sc_spec_errf(x->spec, sc_plan_opt(t, "features"), x->err,
				    "'features' must be expression, varm:KEY or a dataset name (a "
				    "CSV/TSV or .h5ad of genes x features)");
	if ((!label_var && (rc = check_gene_labels(x, t, labels, idc, labc, var_key, !fds))) ||
	    (rc = sc_plan_methods(x, t, &sc_genefunc_task, &ml)))
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
			if (sc_plan_opt(t, "unlabeled"))
				json_object_set(cp, "unlabeled", (json_t *)sc_plan_opt(t, "unlabeled"));
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
						sc_plan_label(x->plan, feat_step, sc_plan_task_label(t), t->dataset, NULL);
						feat_step = sc_plan_dedupe_last(x->plan);
					}
					from = (int)feat_step;
					from_out = "gene_features.h5ad";
				} else {
					fobj = sc_plan_ctx_dataset(x, fds ? fds->name : t->dataset);
				}
			}
			/* The folds draw from the seed (external methods: always). */
			int seeded = m->desc ? m->desc->seeded : 1;
			size_t cv = sc_plan_add(x->plan, "genefunc.cv", cp, seeded, seeded ? seed : 0);
			if (from >= 0)
				sc_plan_input_step(x->plan, cv, "features", (size_t)from, from_out, NULL);
			else
				sc_plan_input_obj(x->plan, cv, "features", fobj, NULL);
			sc_plan_input_obj(x->plan, cv, "labels",
					  sc_plan_ctx_dataset(x, label_var ? t->dataset : labels), NULL);
			sc_plan_label(x->plan, cv, sc_plan_task_label(t), t->dataset, m->label);
			sc_plan_dedupe_last(x->plan);
		}
	}
out:
	sc_method_list_free(&ml);
	return rc;
}
