/*
 * tasks/simulation/plan.c - the simulation task's chain of steps:
 *
 *   built-in:  simulation.fit (simulated.h5ad) -> simulation.eval
 *   external:  external (a command writing a simulated .h5ad) -> simulation.eval
 *
 * Options have passed the generic check of the descriptor (task.c); here
 * the covariate columns are checked in the dataset, the mean covariates
 * read, and a copula larger than the data refused before anything runs.
 */
#include "simulation.h"
#include "tasks/simulation/model.h"
#include "io/h5ad.h"
#include "runner/plan_tasks.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

/* mean_covariates: [cell_type] or [cell_type, batch]; *with_batch says which. */
static int mean_covariates(sc_plan_ctx *x, const sc_spec_task *t, int *with_batch)
{
	const json_t *mc = sc_plan_opt(t, "mean_covariates");
	*with_batch = 0;
	if (!mc)
		return 0;
	if (!json_is_array(mc) || !json_array_size(mc))
		return sc_spec_errf(x->spec, mc, x->err,
				    "'mean_covariates' must be a list: [cell_type] or [cell_type, batch]");
	size_t i;
	json_t *e;
	int have_type = 0;
	json_array_foreach(mc, i, e)
	{
		const char *s = json_string_value(e);
		if (s && !strcmp(s, "cell_type"))
			have_type = 1;
		else if (s && !strcmp(s, "batch"))
			*with_batch = 1;
		else
			return sc_spec_errf(x->spec, e, x->err,
					    "unknown mean covariate '%s' (cell_type, batch)", s ? s : "?");
	}
	if (!have_type)
		return sc_spec_errf(x->spec, mc, x->err,
				    "'mean_covariates' must include cell_type (the copula is per cell type)");
	if (*with_batch && !sc_plan_opt_str(t, "batch_key"))
		return sc_spec_errf(x->spec, mc, x->err,
				    "mean covariate 'batch' needs the option batch_key");
	return 0;
}

/* A copula over more genes than the data set has is refused here. */
static int check_copula_genes(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *m)
{
	const json_t *ng = json_object_get(m->params, "n_genes");
	if (!ng)
		return 0;
	sc_h5ad *h = NULL;
	sc_err e;
	if (sc_h5ad_open(&h, sc_plan_ctx_dataset_path(x, t->dataset), &e))
		return sc_plan_dataset_err(x, t->node, t->dataset, e.msg, NULL);
	size_t cells, genes;
	sc_h5ad_shape(h, &cells, &genes);
	sc_h5ad_close(h);
	if ((double)json_integer_value(ng) > (double)genes)
		return sc_spec_errf(x->spec, m->spec ? m->spec->node : t->node, x->err,
				    "method '%s': n_genes = %lld copula genes, but dataset '%s' has only "
				    "%zu genes",
				    m->label, (long long)json_integer_value(ng), t->dataset, genes);
	return 0;
}

/* What the models need of the data, checked before anything runs: the
 * covariates have two values or more and none missing, and the counts are
 * integers (the first CHECK_ROWS cells here; the fit checks them all). */
#define CHECK_ROWS 2000
static int check_dataset(sc_plan_ctx *x, const sc_spec_task *t)
{
	const char *path = sc_plan_ctx_dataset_path(x, t->dataset);
	const char *file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	static const char *const keys[] = { "cell_type_key", "batch_key" };
	sc_h5ad *h = NULL;
	sc_err e;
	if (sc_h5ad_open(&h, path, &e))
		return sc_plan_dataset_err(x, t->node, t->dataset, e.msg, NULL);
	int rc = 0;
	for (int i = 0; i < 2 && !rc; i++) {
		const char *key = sc_plan_opt_str(t, keys[i]);
		sc_labels l = { 0 };
		if (key && (sc_h5ad_read_labels(&l, h, "obs", key, &e) ||
			    sc_sim_covariate_check(&l, file, key, &e)))
			rc = sc_spec_errf(x->spec, sc_plan_opt(t, keys[i]), x->err, "%s", e.msg);
		sc_labels_free(&l);
	}
	size_t n, G;
	sc_h5ad_shape(h, &n, &G);
	const char *counts = sc_plan_opt_str(t, "counts");
	sc_csr b = { 0 };
	char **genes = NULL;
	size_t ng = 0;
	if (!rc && (sc_h5ad_read_index(&genes, &ng, h, "var", &e) ||
		    sc_h5ad_read_rows(&b, h, counts, 0, n < CHECK_ROWS ? n : CHECK_ROWS,
				      SC_H5AD_COUNTS, &e) ||
		    sc_sim_counts_check(&b, 0, file, counts, genes, &e)))
		rc = sc_spec_errf(x->spec, sc_plan_opt(t, "counts") ? sc_plan_opt(t, "counts") : t->node,
				  x->err, "%s", e.msg);
	sc_csr_free(&b);
	sc_h5ad_strings_free(genes, ng);
	sc_h5ad_close(h);
	return rc;
}

/* The simulated file of one method and seed: (step, output name). */
static int plan_simulator(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *m,
			  int64_t seed, int with_batch, size_t *from, const char **output)
{
	if (!m->builtin) {
		const char *out = m->spec->output;
		size_t ln = strlen(out);
		if (ln < 5 || strcmp(out + ln - 5, ".h5ad"))
			return sc_spec_errf(x->spec, m->spec->node, x->err,
					    "method '%s' writes '%s'; the simulation task needs a simulated "
					    ".h5ad (output: NAME.h5ad)",
					    m->spec->name, out);
		*output = out;
		return sc_plan_external(x, t, m, NULL, seed, from);
	}
	int rc = check_copula_genes(x, t, m);
	if (rc)
		return rc;
	json_t *fp = json_deep_copy(m->params);
	json_object_set_new(fp, "method", json_string(m->builtin));
	json_object_set_new(fp, "cell_type_key", json_string(sc_plan_opt_str(t, "cell_type_key")));
	if (sc_plan_opt_str(t, "batch_key"))
		json_object_set_new(fp, "batch_key", json_string(sc_plan_opt_str(t, "batch_key")));
	json_object_set_new(fp, "counts", json_string(sc_plan_opt_str(t, "counts")));
	if (with_batch)
		json_object_set_new(fp, "batch_covariate", json_true());
	size_t fit = sc_plan_add(x->plan, "simulation.fit", fp, m->desc->seeded,
				 m->desc->seeded ? seed : 0);
	sc_plan_input_obj(x->plan, fit, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
	sc_plan_label(x->plan, fit, sc_plan_task_label(t), t->dataset, m->label);
	*from = sc_plan_dedupe_last(x->plan);
	*output = SC_SIM_OUT_DATA;
	return 0;
}

int sc_simulation_plan(sc_plan_ctx *x, const sc_spec_task *t)
{
	sc_method_list ml = { 0 };
	int with_batch = 0, rc;
	if ((rc = sc_plan_check_obs_option(x, t, "cell_type_key")) ||
	    (rc = sc_plan_check_obs_option(x, t, "batch_key")) ||
	    (rc = mean_covariates(x, t, &with_batch)) || (rc = check_dataset(x, t)) ||
	    (rc = sc_plan_methods(x, t, &sc_simulation_task, &ml)))
		goto out;
	for (size_t mi = 0; mi < ml.n; mi++) {
		const sc_method_inst *m = &ml.v[mi];
		for (size_t si = 0; si < t->n_seeds; si++) {
			int64_t seed = t->seeds[si];
			size_t from = 0;
			const char *output = NULL;
			if ((rc = plan_simulator(x, t, m, seed, with_batch, &from, &output)))
				goto out;
			json_t *ep = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "cell_type_key",
					       sc_plan_opt_str(t, "cell_type_key"), "counts",
					       sc_plan_opt_str(t, "counts"), "n_corr_genes",
					       (json_int_t)sc_plan_opt_num(t, "n_corr_genes"), "max_cells",
					       (json_int_t)sc_plan_opt_num(t, "max_cells"), "n_comps",
					       (json_int_t)sc_plan_opt_num(t, "n_comps"), "folds",
					       (json_int_t)sc_plan_opt_num(t, "folds"));
			size_t ev = sc_plan_add(x->plan, "simulation.eval", ep, 1, seed);
			sc_plan_input_obj(x->plan, ev, "data", sc_plan_ctx_dataset(x, t->dataset), NULL);
			sc_plan_input_step(x->plan, ev, "sim", from, output, NULL);
			sc_plan_label(x->plan, ev, sc_plan_task_label(t), t->dataset, m->label);
			sc_plan_dedupe_last(x->plan);
		}
	}
out:
	sc_method_list_free(&ml);
	return rc;
}
