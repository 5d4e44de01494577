/*
 * tasks/imputation/plan.c - the imputation task's chains of steps:
 *
 *   spatial:  imputation.genes -> imputation.spatial (per method; an
 *             external model's output read by it) -> imputation.spatial_eval
 *   denoise:  imputation.thin -> imputation.denoise (per method; an external
 *             model's denoised matrix read by it) -> imputation.denoise_eval
 *
 * Options have passed the generic check of the descriptor (task.c); what is
 * checked here needs the datasets (shared genes, held-out genes present,
 * the spots' coordinates) or spans options.
 */
#include "imputation.h"
#include "runner/plan_tasks.h"
#include "util/json.h"

#include <math.h>
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

/* test_genes: a list of names or a fraction in (0, 1). */
static int check_test_genes(sc_plan_ctx *x, const sc_spec_task *t, const json_t *tg)
{
	if (!tg)
		return 0;
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
			    "'test_genes' must be a list of gene names or a fraction between 0 and 1");
	(void)t;
}

/* The spatial setting's datasets: the reference exists, genes are shared,
 * held-out genes are in both files, the spots have coordinates. */
static int check_spatial(sc_plan_ctx *x, const sc_spec_task *t, const char *reference)
{
	if (!reference)
		return sc_spec_errf(x->spec, t->node, x->err,
				    "the spatial setting needs 'reference': the dataset of the scRNA-seq "
				    "reference");
	if (!sc_spec_find_dataset(x->spec, reference))
		return sc_spec_errf(x->spec, sc_plan_opt(t, "reference"), x->err,
				    "'reference' must name a dataset: no dataset '%s'", reference);
	const json_t *tg = sc_plan_opt(t, "test_genes");
	int rc = check_test_genes(x, t, tg);
	if (rc)
		return rc;
	sc_imp_genes g;
	size_t by_case;
	sc_err e;
	if (sc_imp_genes_build(&g, &by_case, sc_plan_ctx_dataset_path(x, t->dataset),
			       sc_plan_ctx_dataset_path(x, reference), tg, 0, &e))
		return sc_spec_errf(x->spec, tg ? tg : t->node, x->err, "dataset '%s' with reference '%s': %s",
				    t->dataset, reference, e.msg);
	sc_imp_genes_free(&g);
	return 0;
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
		if (!json_is_array(sc_plan_opt(t, "test_genes"))) {
			json_decref(p);
			return sc_spec_errf(x->spec, m->spec->node, x->err,
					    "method '%s' is external: the spatial setting needs "
					    "'test_genes' as a list, so that the model can be told which "
					    "genes it must not use", m->spec->name);
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

static int plan_spatial(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_list *ml)
{
	const char *reference = sc_plan_opt_str(t, "reference");
	int rc = check_spatial(x, t, reference);
	if (rc)
		return rc;
	const json_t *tg = sc_plan_opt(t, "test_genes");
	int split_seeded = !json_is_array(tg);
	json_t *norm = json_boolean(strcmp(sc_plan_opt_str(t, "normalize"), "none"));
	for (size_t si = 0; si < t->n_seeds && !rc; si++) {
		int64_t seed = t->seeds[si];
		json_t *gp = json_object();
		if (tg)
			json_object_set(gp, "test_genes", (json_t *)tg);
		size_t genes = sc_plan_add(x->plan, "imputation.genes", gp, split_seeded,
					   split_seeded ? seed : 0);
		sc_plan_input_obj(x->plan, genes, "spatial", sc_plan_ctx_dataset(x, t->dataset), NULL);
		sc_plan_input_obj(x->plan, genes, "reference", sc_plan_ctx_dataset(x, reference), NULL);
		sc_plan_label(x->plan, genes, sc_plan_task_label(t), t->dataset, NULL);
		genes = sc_plan_dedupe_last(x->plan);
		for (size_t mi = 0; mi < ml->n && !rc; mi++) {
			size_t pred = 0;
			if ((rc = plan_spatial_method(x, t, &ml->v[mi], seed, genes, reference, &pred)))
				break;
			size_t ev = sc_plan_add(x->plan, "imputation.spatial_eval",
						json_pack("{s:O}", "normalize", norm), 1, seed);
			sc_plan_input_obj(x->plan, ev, "spatial", sc_plan_ctx_dataset(x, t->dataset), NULL);
			sc_plan_input_obj(x->plan, ev, "reference", sc_plan_ctx_dataset(x, reference), NULL);
			sc_plan_input_step(x->plan, ev, "genes", genes, SC_IMP_GENES_FILE, NULL);
			sc_plan_input_step(x->plan, ev, "predicted", pred, SC_IMP_PREDICTED_FILE, NULL);
			sc_plan_label(x->plan, ev, sc_plan_task_label(t), t->dataset, ml->v[mi].label);
			sc_plan_dedupe_last(x->plan);
		}
	}
	json_decref(norm);
	return rc;
}

static int plan_denoise(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_list *ml)
{
	sc_err e;
	if (sc_imp_check_counts(sc_plan_ctx_dataset_path(x, t->dataset), sc_plan_opt_str(t, "counts"), &e))
		return sc_spec_errf(x->spec, t->node, x->err, "dataset '%s': %s", t->dataset, e.msg);
	for (size_t si = 0; si < t->n_seeds; si++) {
		int64_t seed = t->seeds[si];
		json_t *tp = json_pack("{s:s, s:f}", "counts", sc_plan_opt_str(t, "counts"),
				       "train_fraction", sc_plan_opt_num(t, "train_fraction"));
		size_t thin = sc_plan_add(x->plan, "imputation.thin", tp, 1, seed);
		sc_plan_input_obj(x->plan, thin, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
		sc_plan_label(x->plan, thin, sc_plan_task_label(t), t->dataset, NULL);
		thin = sc_plan_dedupe_last(x->plan);
		for (size_t mi = 0; mi < ml->n; mi++) {
			const sc_method_inst *m = &ml->v[mi];
			if (!m->builtin)
				return sc_spec_errf(x->spec, m->spec->node, x->err,
						    "method '%s' is external: the denoise setting takes only "
						    "built-in methods so far (none, knn_smooth, magic, alra)",
						    m->spec->name);
			if (!in_list(denoise_builtins, m->builtin))
				return sc_spec_errf(x->spec, m->spec ? m->spec->node : t->node, x->err,
						    "method '%s' is a spatial method: the denoise setting "
						    "takes none, knn_smooth, magic or alra", m->builtin);
			json_t *p = json_deep_copy(m->params);
			json_object_set_new(p, "method", json_string(m->builtin));
			size_t dn = sc_plan_add(x->plan, "imputation.denoise", p, 0, 0);
			sc_plan_input_step(x->plan, dn, "split", thin, SC_IMP_SPLIT_FILE, NULL);
			sc_plan_label(x->plan, dn, sc_plan_task_label(t), t->dataset, m->label);
			dn = sc_plan_dedupe_last(x->plan);
			size_t ev = sc_plan_add(x->plan, "imputation.denoise_eval", json_object(), 1, seed);
			sc_plan_input_step(x->plan, ev, "split", thin, SC_IMP_SPLIT_FILE, NULL);
			sc_plan_input_step(x->plan, ev, "denoised", dn, SC_IMP_DENOISED_FILE, NULL);
			sc_plan_label(x->plan, ev, sc_plan_task_label(t), t->dataset, m->label);
			sc_plan_dedupe_last(x->plan);
		}
	}
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
