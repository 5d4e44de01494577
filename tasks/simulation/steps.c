/*
 * tasks/simulation/steps.c - the simulation task as two built-in steps.
 *
 *   simulation.fit   fit a built-in simulator (copula_nb, independent_nb,
 *                    splat_fit) to the real counts and write as many
 *                    simulated cells with the real cells' covariates
 *                    (simulated.h5ad), and the fitted per-gene parameters
 *                    (model.tsv) so that the fit can be checked outside.
 *   simulation.eval  compare a simulated file (built-in or external) with
 *                    the real one: KS statistics overall and per cell type
 *                    (ks.csv), mean-variance and mean-zero curves, Spearman
 *                    correlation structure, real-vs-simulated classifiers,
 *                    iLISI and cell-type transfer on the joint PCA
 *                    (joint.csv), and the figures.
 *
 * Fitting never scores and scoring never fits: an external simulator's
 * file is scored by the same code as the built-ins'.
 */
#include "simulation.h"
#include "tasks/simulation/eval.h"
#include "tasks/simulation/model.h"
#include "tasks/simulation/splat_fit.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int write_model_table(sc_step_ctx *c, const sc_sim_data *d, const sc_sim_nb *m,
			     const sc_sim_copula *cop)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	uint8_t *in_cop = sc_xcalloc(d->genes, 1);
	for (size_t k = 0; cop && k < cop->k; k++)
		in_cop[cop->genes[k]] = 1;
	sc_buf_printf(&b, "gene\ttheta\tloglik\tconverged\tcopula");
	for (size_t j = 0; j < m->p; j++)
		sc_buf_printf(&b, "\t%s", m->coef_names[j]);
	sc_buf_printf(&b, "\n");
	for (size_t g = 0; g < d->genes; g++) {
		sc_buf_printf(&b, "%s\t%.17g\t%.17g\t%d\t%d", d->gene_names[g], m->theta[g],
			      m->loglik[g], m->converged[g], in_cop[g]);
		for (size_t j = 0; j < m->p; j++)
			sc_buf_printf(&b, "\t%.17g", m->beta[g * m->p + j]);
		sc_buf_printf(&b, "\n");
	}
	char *path = sc_step_out(c, SC_SIM_OUT_MODEL);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	free(in_cop);
	sc_buf_free(&b);
	return rc;
}

static int fit_nb(sc_step_ctx *c, const sc_sim_data *d, int copula)
{
	sc_sim_nb m = { 0 };
	sc_sim_copula cop = { 0 };
	int with_batch = sc_step_bool(c, "batch_covariate", 0);
	int rc = sc_sim_nb_fit(&m, d, with_batch, 0, c->err);
	if (rc)
		return rc;
	size_t unconv = 0;
	for (size_t g = 0; g < d->genes; g++)
		unconv += !m.converged[g];
	if (unconv)
		sc_step_note(c, "%zu gene%s NB fit did not converge (a covariate group without counts "
			     "drives its mean to 0)", unconv, unconv == 1 ? "'s" : "s'");
	if (copula) {
		long long k = sc_step_int(c, "n_genes", -1);
		if (k < 0)
			k = d->genes < SC_SIM_COPULA_GENES ? (long long)d->genes : SC_SIM_COPULA_GENES;
		rc = sc_sim_copula_fit(&cop, d, &m, (size_t)k, (uint64_t)c->seed, c->err);
	}
	char *path = sc_step_out(c, SC_SIM_OUT_DATA);
	if (!rc)
		rc = sc_sim_generate(path, d, &m, copula ? &cop : NULL, (uint64_t)c->seed, 0, c->err);
	free(path);
	if (!rc)
		rc = write_model_table(c, d, &m, copula ? &cop : NULL);
	sc_sim_nb_free(&m);
	sc_sim_copula_free(&cop);
	return rc;
}

static int fit_step(sc_step_ctx *c)
{
	const char *in = sc_step_need(c, "data");
	if (!in)
		return SC_EINVAL;
	const char *method = sc_step_str(c, "method", "");
	const char *type_key = sc_step_str(c, "cell_type_key", NULL);
	const char *batch_key = sc_step_str(c, "batch_key", NULL);
	const char *counts = sc_step_str(c, "counts", "X");
	if (!type_key)
		return sc_errf(c->err, SC_EINVAL, "simulation.fit needs 'cell_type_key'");
	sc_sim_data d;
	int rc = sc_sim_data_read(&d, in, counts, type_key, batch_key, c->err);
	if (rc)
		return rc;
	if (!strcmp(method, "copula_nb") || !strcmp(method, "independent_nb"))
		rc = fit_nb(c, &d, !strcmp(method, "copula_nb"));
	else if (!strcmp(method, "splat_fit"))
		rc = sc_sim_splat_fit_step(c, &d, SC_SIM_OUT_DATA, SC_SIM_OUT_MODEL);
	else
		rc = sc_errf(c->err, SC_EINVAL, "unknown simulator '%s'", method);
	sc_sim_data_free(&d);
	return rc;
}

static int eval_step(sc_step_ctx *c)
{
	const char *real = sc_step_need(c, "data"), *sim = sc_step_need(c, "sim");
	if (!real || !sim)
		return SC_EINVAL;
	sc_sim_eval_opts o = {
		.type_key = sc_step_str(c, "cell_type_key", NULL),
		.counts = sc_step_str(c, "counts", "X"),
		.sim_counts = sc_step_str(c, "sim_counts", "X"),
		.corr_genes = (size_t)sc_step_int(c, "n_corr_genes", SC_SIM_CORR_GENES),
		.max_cells = (size_t)sc_step_int(c, "max_cells", SC_SIM_MAX_CELLS),
		.n_comps = (size_t)sc_step_int(c, "n_comps", SC_SIM_NCOMPS),
		.folds = (size_t)sc_step_int(c, "folds", SC_SIM_FOLDS),
		.seed = (uint64_t)c->seed,
	};
	if (!o.type_key)
		return sc_errf(c->err, SC_EINVAL, "simulation.eval needs 'cell_type_key'");
	return sc_sim_eval_run(c, real, sim, &o);
}

const sc_step_kind sc_simulation_fit_kind = {
	.name = "simulation.fit",
	.version = "1",
	.run = fit_step,
	.summary = "fit a built-in simulator and write simulated cells with the real covariates",
};

const sc_step_kind sc_simulation_eval_kind = {
	.name = "simulation.eval",
	.version = "1",
	.run = eval_step,
	.summary = "score simulated cells against the real ones (KS, curves, correlations, "
		   "classifiers, iLISI, cell-type transfer)",
};
