/*
 * tasks/imputation/plan.c - the imputation task's chains of steps:
 *
 *   spatial:  imputation.genes -> imputation.spatial (per method; an
 *             external model's output read by it) -> imputation.spatial_eval
 *   denoise:  imputation.thin -> imputation.denoise (per method; an external
 *             model, given thin's train.h5ad as {input}, writes a denoised
 *             matrix read by it) -> imputation.denoise_eval
 *   both:     with two methods or more, imputation.compare per seed: every
 *             method's per-gene scores side by side (figures)
 *
 * Options have passed the generic check of the descriptor (task.c); what is
 * checked here needs the datasets (shared genes, held-out genes present,
 * the spots' coordinates) or spans options.
 */
#include "imputation.h"
#include "runner/plan_tasks.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const spatial_builtins[] = { "mean", "knn", "tangram", NULL };
static const char *const denoise_builtins[] = { "none", "knn_smooth", "magic", "alra", NULL };

static int in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return 1;
	return 0;
}

static int is_loo(const json_t *tg)
{
	return json_is_string(tg) && !strcmp(json_string_value(tg), SC_IMP_LOO);
}

/* test_genes given as a dataset: a file of gene names (NULL otherwise). */
static const char *gene_file(const json_t *tg)
{
	return json_is_string(tg) && !is_loo(tg) ? json_string_value(tg) : NULL;
}

/* test_genes: a list of names, a fraction in (0, 1), loo, or a dataset
 * naming a file of genes; *resolved: the list the genes step will see (a
 * file's genes, or tg itself; a new reference). */
static int check_test_genes(sc_plan_ctx *x, const json_t *tg, json_t **resolved)
{
	*resolved = tg ? json_incref((json_t *)tg) : NULL;
	if (!tg || is_loo(tg))
		return 0;
	if (gene_file(tg)) {
		const char *ds = gene_file(tg);
		if (!sc_spec_find_dataset(x->spec, ds))
			return sc_spec_errf(x->spec, tg, x->err,
					    "'test_genes' must be a list, a fraction, loo, or a dataset (a "
					    "file of genes): no dataset '%s'", ds);
		sc_err e;
		json_decref(*resolved);
		*resolved = NULL;
		if (sc_imp_gene_list_read(resolved, sc_plan_ctx_dataset_path(x, ds), &e))
			return sc_spec_errf(x->spec, tg, x->err, "test_genes '%s': %s", ds, e.msg);
		return 0;
	}
	if (json_is_number(tg)) {
		double f = json_number_value(tg);
		if (f > 0 && f < 1)
			return 0;
	} else if (json_is_array(tg) && json_array_size(tg)) {
		size_t i;
		json_t *v;
		json_array_foreach(tg, i, v) if (!json_is_string(v)) goto bad;
		return 0;
	}
bad:
	return sc_spec_errf(x->spec, tg, x->err,
			    "'test_genes' must be a list of gene names, a fraction between 0 and 1, "
			    "loo, or a dataset naming a file of genes");
}

/* The spatial setting's datasets: the reference exists, genes are shared,
 * held-out genes are in both files, the spots have coordinates. *shared:
 * how many genes the two files share. */
static int check_spatial(sc_plan_ctx *x, const sc_spec_task *t, const char *reference,
			 size_t *shared)
{
	if (!reference)
		return sc_spec_errf(x->spec, t->node, x->err,
				    "the spatial setting needs 'reference': the dataset of the scRNA-seq "
				    "reference");
	if (!sc_spec_find_dataset(x->spec, reference))
		return sc_spec_errf(x->spec, sc_plan_opt(t, "reference"), x->err,
				    "'reference' must name a dataset: no dataset '%s'", reference);
	const json_t *tg = sc_plan_opt(t, "test_genes");
	json_t *list = NULL;
	int rc = check_test_genes(x, tg, &list);
	if (rc) {
		json_decref(list);
		return rc;
	}
	sc_imp_genes g;
	size_t by_case;
	sc_err e;
	json_t *fold0 = json_pack("{s:i, s:i}", "fold", 0, "chunk", 1);
	rc = sc_imp_genes_build(&g, &by_case, sc_plan_ctx_dataset_path(x, t->dataset),
				sc_plan_ctx_dataset_path(x, reference), list, fold0, 0, &e);
	json_decref(fold0);
	json_decref(list);
	if (rc)
		return sc_spec_errf(x->spec, tg ? tg : t->node, x->err, "dataset '%s' with reference '%s': %s",
				    t->dataset, reference, e.msg);
	*shared = g.n;
	sc_imp_genes_free(&g);
	return 0;
}

/* With two methods or more: every method's per-gene scores (evals[i], one
 * evaluation step per method) side by side in one step. */
static void plan_compare(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_list *ml,
			 const size_t *evals, int64_t seed)
{
	if (ml->n < 2)
		return;
	json_t *methods = json_array();
	for (size_t mi = 0; mi < ml->n; mi++)
		json_array_append_new(methods, json_string(ml->v[mi].label));
	size_t cs = sc_plan_add(x->plan, "imputation.compare", json_pack("{s:o}", "methods", methods),
				1, seed);
	for (size_t mi = 0; mi < ml->n; mi++) {
		char role[32];
		snprintf(role, sizeof(role), SC_IMP_COMPARE_ROLE "%zu", mi);
		sc_plan_input_step(x->plan, cs, role, evals[mi], SC_IMP_GENE_SCORES_FILE, NULL);
	}
	sc_plan_label(x->plan, cs, sc_plan_task_label(t), t->dataset, "all methods");
	sc_plan_dedupe_last(x->plan);
}

/* The prediction step of one method instance for one seed. */
static int plan_spatial_method(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *m,
			       int64_t seed, size_t genes, const char *reference, size_t *out)
{
	json_t *p = json_deep_copy(m->params);
	const char *label_key = sc_plan_opt_str(t, "label_key");
	json_object_set_new(p, "normalize", json_boolean(strcmp(sc_plan_opt_str(t, "normalize"), "none")));
	if (label_key)
		json_object_set_new(p, "label_key", json_string(label_key));
	int rep = -1, rep_ref = -1, predicted = -1;
	const char *out_name = NULL;
	int seeded = m->desc ? m->desc->seeded : 1;
	if (!m->builtin) {
		const json_t *prov = m->spec->provides;
		const json_t *tg = sc_plan_opt(t, "test_genes");
		if (!json_is_array(tg) && !gene_file(tg)) {
			json_decref(p);
			return sc_spec_errf(x->spec, m->spec->node, x->err,
					    "method '%s' is external: the spatial setting needs "
					    "'test_genes' as a list or a file, so that the model can be "
					    "told which genes it must not use", m->spec->name);
		}
		size_t ext, ext2;
		int rc = sc_plan_external(x, t, m, NULL, seed, &ext);
		if (rc) {
			json_decref(p);
			return rc;
		}
		out_name = m->spec->output;
		if (json_object_get(prov, "obsm")) {
			if ((rc = sc_plan_external(x, t, m, reference, seed, &ext2))) {
				json_decref(p);
				return rc;
			}
			char *w = sc_xasprintf("obsm/%s", sc_json_str(prov, "obsm", ""));
			json_object_set_new(p, "method", json_string("embedding"));
			json_object_set_new(p, "representation", json_string(w));
			json_object_set_new(p, "k", json_integer((json_int_t)sc_plan_opt_num(t, "k")));
			free(w);
			rep = (int)ext;
			rep_ref = (int)ext2;
		} else if (json_object_get(prov, "file")) {
			json_object_set_new(p, "method", json_string("file"));
			predicted = (int)ext;
		} else {
			json_decref(p);
			return sc_spec_errf(x->spec, m->spec->node, x->err,
					    "method '%s' provides %s, which the spatial setting cannot use "
					    "(it needs {obsm: KEY} or {file: spatial-prediction})",
					    m->spec->name, json_object_get(prov, "obs") ? "obs" : "varm");
		}
	} else {
		if (!in_list(spatial_builtins, m->builtin)) {
			json_decref(p);
			return sc_spec_errf(x->spec, m->spec ? m->spec->node : t->node, x->err,
					    "method '%s' is a denoising method: the spatial setting takes "
					    "mean, knn, tangram or an external model", m->builtin);
		}
		json_object_set_new(p, "method", json_string(m->builtin));
	}
	size_t st = sc_plan_add(x->plan, "imputation.spatial", p, seeded, seeded ? seed : 0);
	sc_plan_input_obj(x->plan, st, "spatial", sc_plan_ctx_dataset(x, t->dataset), NULL);
	sc_plan_input_obj(x->plan, st, "reference", sc_plan_ctx_dataset(x, reference), NULL);
	sc_plan_input_step(x->plan, st, "genes", genes, SC_IMP_GENES_FILE, NULL);
	if (rep >= 0) {
		sc_plan_input_step(x->plan, st, "rep", (size_t)rep, out_name, NULL);
		sc_plan_input_step(x->plan, st, "rep_ref", (size_t)rep_ref, out_name, NULL);
	}
	if (predicted >= 0)
		sc_plan_input_step(x->plan, st, "predicted", (size_t)predicted, out_name, NULL);
	sc_plan_label(x->plan, st, sc_plan_task_label(t), t->dataset, m->label);
	*out = sc_plan_dedupe_last(x->plan);
	return 0;
}

/* The genes step of one seed and fold (fold < 0: no leave-one-out). */
static size_t plan_genes(sc_plan_ctx *x, const sc_spec_task *t, const char *reference,
			 int64_t seed, long fold)
{
	const json_t *tg = sc_plan_opt(t, "test_genes");
	int seeded = !tg || json_is_number(tg);
	json_t *gp = json_object();
	if (fold >= 0) {
		json_object_set_new(gp, "test_genes", json_string(SC_IMP_LOO));
		json_object_set_new(gp, "loo", json_pack("{s:i, s:i}", "fold", (json_int_t)fold, "chunk",
							 (json_int_t)sc_plan_opt_num(t, "loo_chunk")));
	} else if (tg && !gene_file(tg)) {
		json_object_set(gp, "test_genes", (json_t *)tg);
	}
	size_t genes = sc_plan_add(x->plan, "imputation.genes", gp, seeded, seeded ? seed : 0);
	sc_plan_input_obj(x->plan, genes, "spatial", sc_plan_ctx_dataset(x, t->dataset), NULL);
	sc_plan_input_obj(x->plan, genes, "reference", sc_plan_ctx_dataset(x, reference), NULL);
	if (gene_file(tg))
		sc_plan_input_obj(x->plan, genes, "test_genes", sc_plan_ctx_dataset(x, gene_file(tg)), NULL);
	sc_plan_label(x->plan, genes, sc_plan_task_label(t), t->dataset, NULL);
	return sc_plan_dedupe_last(x->plan);
}

/* One method for one seed: its prediction per fold, and one evaluation of
 * every fold's held-out genes together. */
static int plan_spatial_eval(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *m,
			     int64_t seed, const size_t *genes, size_t n_folds, int loo,
			     const char *reference, size_t *out)
{
	json_t *norm = json_boolean(strcmp(sc_plan_opt_str(t, "normalize"), "none"));
	json_t *ep = json_pack("{s:o}", "normalize", norm);
	if (loo)
		json_object_set_new(ep, "folds", json_integer((json_int_t)n_folds));
	size_t *pred = sc_xmalloc(n_folds * sizeof(size_t));
	for (size_t f = 0; f < n_folds; f++) {
		int rc = plan_spatial_method(x, t, m, seed, genes[f], reference, &pred[f]);
		if (rc) {
			free(pred);
			json_decref(ep);
			return rc;
		}
	}
	size_t ev = sc_plan_add(x->plan, "imputation.spatial_eval", ep, 1, seed);
	sc_plan_input_obj(x->plan, ev, "spatial", sc_plan_ctx_dataset(x, t->dataset), NULL);
	sc_plan_input_obj(x->plan, ev, "reference", sc_plan_ctx_dataset(x, reference), NULL);
	for (size_t f = 0; f < n_folds; f++) {
		char *rg = loo ? sc_xasprintf("genes.%zu", f) : sc_xstrdup("genes");
		char *rp = loo ? sc_xasprintf("predicted.%zu", f) : sc_xstrdup("predicted");
		sc_plan_input_step(x->plan, ev, rg, genes[f], SC_IMP_GENES_FILE, NULL);
		sc_plan_input_step(x->plan, ev, rp, pred[f], SC_IMP_PREDICTED_FILE, NULL);
		free(rg);
		free(rp);
	}
	sc_plan_label(x->plan, ev, sc_plan_task_label(t), t->dataset, m->label);
	*out = sc_plan_dedupe_last(x->plan);
	free(pred);
	return 0;
}

/* test_genes loo: folds of loo_chunk consecutive genes, each held out by a
 * mapping of its own (Tangram's cross_val(mode='loo') when loo_chunk is 1). */
static int plan_spatial(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_list *ml)
{
	const char *reference = sc_plan_opt_str(t, "reference");
	size_t shared = 0;
	int rc = check_spatial(x, t, reference, &shared);
	if (rc)
		return rc;
	int loo = is_loo(sc_plan_opt(t, "test_genes"));
	size_t chunk = (size_t)sc_plan_opt_num(t, "loo_chunk");
	size_t n_folds = loo ? (shared + chunk - 1) / chunk : 1;
	if (loo && n_folds < 2)
		return sc_spec_errf(x->spec, sc_plan_opt(t, "loo_chunk") ? sc_plan_opt(t, "loo_chunk") : t->node, x->err,
				    "loo_chunk %zu holds out all %zu shared genes at once: none is left to "
				    "train on", chunk, shared);
	size_t *genes = sc_xmalloc(n_folds * sizeof(size_t));
	size_t *evals = sc_xcalloc(ml->n + 1, sizeof(size_t));
	for (size_t si = 0; si < t->n_seeds && !rc; si++) {
		int64_t seed = t->seeds[si];
		for (size_t f = 0; f < n_folds; f++)
			genes[f] = plan_genes(x, t, reference, seed, loo ? (long)f : -1);
		for (size_t mi = 0; mi < ml->n && !rc; mi++)
			rc = plan_spatial_eval(x, t, &ml->v[mi], seed, genes, n_folds, loo, reference,
					       &evals[mi]);
		if (!rc)
			plan_compare(x, t, ml, evals, seed);
	}
	free(evals);
	free(genes);
	return rc;
}

/* The denoising step of one method: a built-in on the split, or an
 * external model given the training counts alone (train.h5ad as {input};
 * never the test molecules, nor the dataset they were drawn from). */
static int plan_denoise_method(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *m,
			       int64_t seed, size_t thin, size_t *out)
{
	json_t *p = json_deep_copy(m->params);
	size_t ext = 0;
	if (!m->builtin) {
		if (!json_object_get(m->spec->provides, "file")) {
			json_decref(p);
			return sc_spec_errf(x->spec, m->spec->node, x->err,
					    "method '%s' is external: the denoise setting needs "
					    "provides: {file: denoised} (a .h5ad or .npy of cells x genes)",
					    m->spec->name);
		}
		char *own = sc_xasprintf("{input:%s}", t->dataset);
		size_t i;
		json_t *a;
		json_array_foreach(m->spec->command, i, a)
		{
			if (strstr(json_string_value(a), own)) {
				free(own);
				json_decref(p);
				return sc_spec_errf(x->spec, m->spec->node, x->err,
						    "method '%s' names the dataset '%s' itself: a denoiser "
						    "gets only the training counts, as {input}",
						    m->spec->name, t->dataset);
			}
		}
		free(own);
		sc_plan_step_input train = { "data", thin, SC_IMP_TRAIN_FILE };
		int rc = sc_plan_external_with(x, t, m, NULL, seed, &train, 1, &ext);
		if (rc) {
			json_decref(p);
			return rc;
		}
		json_object_set_new(p, "method", json_string("file"));
		json_object_set_new(p, "file", json_string(m->spec->output));
	} else {
		if (!in_list(denoise_builtins, m->builtin)) {
			json_decref(p);
			return sc_spec_errf(x->spec, m->spec ? m->spec->node : t->node, x->err,
					    "method '%s' is a spatial method: the denoise setting "
					    "takes none, knn_smooth, magic, alra or an external model",
					    m->builtin);
		}
		json_object_set_new(p, "method", json_string(m->builtin));
	}
	size_t dn = sc_plan_add(x->plan, "imputation.denoise", p, 0, 0);
	sc_plan_input_step(x->plan, dn, "split", thin, SC_IMP_SPLIT_FILE, NULL);
	if (!m->builtin)
		sc_plan_input_step(x->plan, dn, "denoised", ext, m->spec->output, NULL);
	sc_plan_label(x->plan, dn, sc_plan_task_label(t), t->dataset, m->label);
	*out = sc_plan_dedupe_last(x->plan);
	return 0;
}

static int plan_denoise(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_list *ml)
{
	sc_err e;
	if (sc_imp_check_counts(sc_plan_ctx_dataset_path(x, t->dataset), sc_plan_opt_str(t, "counts"), &e))
		return sc_spec_errf(x->spec, t->node, x->err, "dataset '%s': %s", t->dataset, e.msg);
	size_t *evals = sc_xcalloc(ml->n + 1, sizeof(size_t));
	for (size_t si = 0; si < t->n_seeds; si++) {
		int64_t seed = t->seeds[si];
		json_t *tp = json_pack("{s:s, s:f}", "counts", sc_plan_opt_str(t, "counts"),
				       "train_fraction", sc_plan_opt_num(t, "train_fraction"));
		size_t thin = sc_plan_add(x->plan, "imputation.thin", tp, 1, seed);
		sc_plan_input_obj(x->plan, thin, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
		sc_plan_label(x->plan, thin, sc_plan_task_label(t), t->dataset, NULL);
		thin = sc_plan_dedupe_last(x->plan);
		for (size_t mi = 0; mi < ml->n; mi++) {
			size_t dn = 0;
			int rc = plan_denoise_method(x, t, &ml->v[mi], seed, thin, &dn);
			if (rc) {
				free(evals);
				return rc;
			}
			const sc_method_inst *m = &ml->v[mi];
			/* The method's label is a parameter: two methods whose denoised
			 * matrices are the same bytes (an external model returning the
			 * training counts, and none) are still two rows of the table. */
			json_t *ep = json_pack("{s:s}", "method", m->label);
			size_t ev = sc_plan_add(x->plan, "imputation.denoise_eval", ep, 1, seed);
			sc_plan_input_step(x->plan, ev, "split", thin, SC_IMP_SPLIT_FILE, NULL);
			sc_plan_input_step(x->plan, ev, "denoised", dn, SC_IMP_DENOISED_FILE, NULL);
			sc_plan_label(x->plan, ev, sc_plan_task_label(t), t->dataset, m->label);
			evals[mi] = sc_plan_dedupe_last(x->plan);
		}
		plan_compare(x, t, ml, evals, seed);
	}
	free(evals);
	return 0;
}

int sc_imputation_plan(sc_plan_ctx *x, const sc_spec_task *t)
{
	sc_method_list ml = { 0 };
	int rc = sc_plan_methods(x, t, &sc_imputation_task, &ml);
	if (rc)
		return rc;
	if (!strcmp(sc_plan_opt_str(t, "setting"), "spatial"))
		rc = plan_spatial(x, t, &ml);
	else
		rc = plan_denoise(x, t, &ml);
	sc_method_list_free(&ml);
	return rc;
}
