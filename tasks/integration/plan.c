/*
 * tasks/integration/plan.c - the chains of steps of the two integration
 * tasks, which share their evaluation (integration.eval):
 *
 *   batch:       batch.embed (the unintegrated PCA, also the PC regression's
 *                "before") ; batch.embed (a method) -> integration.eval
 *   multiomics:  multiomics.embed -> integration.eval
 *   both:        external or given embedding -> integration.eval
 *
 * Options have passed the generic check of the descriptors (batch.c,
 * multiomics.c); the label and batch columns are checked in the dataset.
 */
#include "integration.h"
#include "io/h5ad.h"
#include "runner/plan_tasks.h"
#include "tasks/scib/cellcycle.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

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
	const char *cc = json_string_value(sc_plan_opt(t, "cell_cycle_genes"));
	if (cc)
		sc_plan_input_obj(x->plan, ev, "cc_genes", sc_plan_ctx_dataset(x, cc), NULL);
	sc_plan_label(x->plan, ev, sc_plan_task_label(t), t->dataset, m->label);
	sc_plan_dedupe_last(x->plan);
}

/* External methods and 'given' embeddings are handled alike by both tasks:
 * returns 1 when m was one of them (step planned), 0 when it is a built-in
 * the caller plans, or an error. */
static int plan_given_or_external(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *m,
				  int64_t seed, int pre, json_t *extra)
{
	if (m->desc && !m->desc->given)
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

/* The cell-cycle table must name genes of the dataset (a failure here
 * leaves the store untouched; in the step it would cost a run). */
static int check_cell_cycle_genes(sc_plan_ctx *x, const sc_spec_task *t, const char *cc)
{
	sc_h5ad *h = NULL;
	char **var = NULL;
	size_t nvar = 0;
	sc_scib_cc_genes g = { 0 };
	sc_err e;
	int rc = sc_h5ad_open(&h, sc_plan_ctx_dataset_path(x, t->dataset), &e);
	if (!rc)
		rc = sc_h5ad_read_index(&var, &nvar, h, "var", &e);
	if (rc) {
		rc = sc_plan_dataset_err(x, t->node, t->dataset, e.msg, NULL);
	} else if (sc_scib_cc_genes_read(&g, sc_plan_ctx_dataset_path(x, cc), var, nvar, &e)) {
		const char *m = strstr(e.msg, "': ");
		rc = sc_spec_errf(x->spec, sc_plan_opt(t, "cell_cycle_genes"), x->err,
				  "'cell_cycle_genes': dataset '%s': %s (dataset '%s')", cc,
				  m ? m + 3 : e.msg, t->dataset);
	}
	sc_scib_cc_genes_free(&g);
	sc_h5ad_strings_free(var, nvar);
	sc_h5ad_close(h);
	return rc;
}

/* The pseudotime column must be numeric (the step reads it as numbers). */
static int check_pseudotime_column(sc_plan_ctx *x, const sc_spec_task *t)
{
	const char *key = json_string_value(sc_plan_opt(t, "pseudotime_key"));
	if (!key)
		return 0;
	sc_h5ad *h = NULL;
	double *v = NULL;
	size_t n = 0;
	sc_err e;
	int rc = sc_h5ad_open(&h, sc_plan_ctx_dataset_path(x, t->dataset), &e);
	if (!rc && sc_h5ad_read_numeric(&v, &n, h, "obs", key, &e))
		rc = sc_spec_errf(x->spec, sc_plan_opt(t, "pseudotime_key"), x->err,
				  "'pseudotime_key': obs column '%s' of dataset '%s' is not numeric",
				  key, t->dataset);
	else if (rc)
		rc = sc_plan_dataset_err(x, t->node, t->dataset, e.msg, NULL);
	free(v);
	sc_h5ad_close(h);
	return rc;
}

int sc_batch_plan(sc_plan_ctx *x, const sc_spec_task *t)
{
	const char *batch_key = sc_plan_opt_str(t, "batch_key");
	const char *label_key = sc_plan_opt_str(t, "label_key");
	const char *counts = sc_plan_opt_str(t, "counts");
	double ntop = sc_plan_opt_num(t, "n_top_genes"), ncomp = sc_plan_opt_num(t, "n_comps");
	sc_method_list ml = { 0 };
	int rc;
	if ((rc = sc_plan_check_obs_option(x, t, "batch_key")) ||
	    (rc = sc_plan_check_obs_option(x, t, "label_key")) ||
	    (rc = sc_plan_check_obs_option(x, t, "pseudotime_key")) ||
	    (rc = check_pseudotime_column(x, t)) ||
	    (rc = sc_plan_methods(x, t, &sc_batch_task, &ml)))
		goto out;
	json_t *base = json_pack("{s:s, s:s, s:I, s:I}", "counts", counts, "batch_key", batch_key,
				 "n_top_genes", (json_int_t)ntop, "n_comps", (json_int_t)ncomp);
	/* The unintegrated PCA: a method of its own and the PC regression's "before". */
	json_t *up = json_deep_copy(base);
	json_object_set_new(up, "method", json_string("unintegrated"));
	size_t pre = sc_plan_add(x->plan, "batch.embed", up, 0, 0);
	sc_plan_input_obj(x->plan, pre, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
	sc_plan_label(x->plan, pre, sc_plan_task_label(t), t->dataset, "unintegrated");
	pre = sc_plan_dedupe_last(x->plan);
	json_t *extra = json_pack("{s:s, s:s}", "label_key", label_key, "batch_key", batch_key);
	const char *cc = sc_plan_opt_str(t, "cell_cycle_genes");
	if (cc && !sc_spec_find_dataset(x->spec, cc)) {
		rc = sc_spec_errf(x->spec, sc_plan_opt(t, "cell_cycle_genes"), x->err,
				  "'cell_cycle_genes': no dataset '%s'", cc);
		json_decref(extra);
		json_decref(base);
		goto out;
	}
	if (cc && (rc = check_cell_cycle_genes(x, t, cc))) {
		json_decref(extra);
		json_decref(base);
		goto out;
	}
	if (cc) /* scib's adata_pre: the log-normalised counts */
		json_object_set_new(extra, "counts", json_string(counts));
	if (sc_plan_opt(t, "unlabeled"))
		json_object_set(extra, "unlabeled", (json_t *)sc_plan_opt(t, "unlabeled"));
	/* only when given, so the steps of specs without them keep their keys */
	if (sc_plan_opt(t, "pseudotime_key"))
		json_object_set(extra, "pseudotime_key", (json_t *)sc_plan_opt(t, "pseudotime_key"));
	if (sc_plan_opt_num(t, "trajectory_by_batch") != 0)
		json_object_set_new(extra, "trajectory_by_batch", json_true());
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
			const char *b = m->desc->alias_of ? m->desc->alias_of : m->builtin;
			size_t emb = pre;
			/* The unintegrated PCA is the task's own step, planned above. */
			if (strcmp(b, "unintegrated")) {
				json_t *p = json_deep_copy(base);
				json_object_update(p, m->params);
				json_object_set_new(p, "method", json_string(b));
				/* Whether the method draws random numbers (Harmony's
				 * k-means and block order) is its descriptor's to say. */
				int seeded = m->desc->seeded;
				emb = sc_plan_add(x->plan, "batch.embed", p, seeded, seeded ? seed : 0);
				sc_plan_input_obj(x->plan, emb, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
				sc_plan_label(x->plan, emb, sc_plan_task_label(t), t->dataset, m->label);
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

int sc_multiomics_plan(sc_plan_ctx *x, const sc_spec_task *t)
{
	const char *label_key = sc_plan_opt_str(t, "label_key");
	const char *batch_key = sc_plan_opt_str(t, "batch_key");
	const char *mod2 = sc_plan_opt_str(t, "modality2");
	const char *where2 = sc_plan_opt_str(t, "where2");
	const char *data2 = sc_plan_opt_str(t, "data2");
	const char *counts = sc_plan_opt_str(t, "counts");
	double ncomp = sc_plan_opt_num(t, "n_comps"), ncomp2 = sc_plan_opt_num(t, "n_comps2");
	sc_method_list ml = { 0 };
	int rc;
	if ((rc = sc_plan_check_obs_option(x, t, "label_key")) ||
	    (rc = sc_plan_check_obs_option(x, t, "batch_key")))
		return rc;
	if (data2 && !sc_spec_find_dataset(x->spec, data2))
		return sc_spec_errf(x->spec, sc_plan_opt(t, "data2"), x->err, "'data2': no dataset '%s'",
				    data2);
	if ((rc = sc_plan_methods(x, t, &sc_multiomics_task, &ml)))
		goto out;
	json_t *extra = json_pack("{s:s}", "label_key", label_key);
	if (sc_plan_opt(t, "unlabeled"))
		json_object_set(extra, "unlabeled", (json_t *)sc_plan_opt(t, "unlabeled"));
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
			int seeded = m->desc->seeded;
			size_t emb = sc_plan_add(x->plan, "multiomics.embed", p, seeded, seeded ? seed : 0);
			sc_plan_input_obj(x->plan, emb, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
			if (data2)
				sc_plan_input_obj(x->plan, emb, "data2", sc_plan_ctx_dataset(x, data2), NULL);
			sc_plan_label(x->plan, emb, sc_plan_task_label(t), t->dataset, m->label);
			emb = sc_plan_dedupe_last(x->plan);
			json_t *ex = json_deep_copy(extra);
			if (m->desc->graph) {
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
