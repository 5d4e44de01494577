/*
 * tasks/perturbation/eval.c - perturbation.eval: any method's predicted
 * mean profiles of the test perturbations (a built-in's, or an external
 * model's .h5ad: obs = perturbations, or per-cell rows with a condition
 * column, averaged here) scored with GEARS's metrics (metrics.c) against
 * the test cells, overall and per subgroup; the rank metric; the Pearson
 * delta against the train_mean baseline; a table per perturbation; and the
 * figures (predicted vs true change on each perturbation's top-20 DE genes,
 * Pearson delta per subgroup against train_mean).
 */
#include "perturbation.h"
#include "io/h5ad.h"
#include "io/svg.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SC_PERT_FIG_SCATTER "de_scatter.svg"
#define SC_PERT_FIG_BARS "pearson_delta.svg"
#define SC_PERT_FIG_MAX_PANELS 48

/* The metrics recorded per subgroup as NAME@SUBGROUP (task.c declares them). */
static const int subgroup_metrics[] = { SC_PM_PEARSON_DELTA, SC_PM_PEARSON_DELTA_DE, SC_PM_MSE,
					SC_PM_MSE_DE, SC_PM_RANK, SC_PM_DELTA_VS_TRAIN_MEAN };
static const int lower_is_better[SC_PM_N] = {
	[SC_PM_MSE] = 1, [SC_PM_MSE_DE] = 1, [SC_PM_MSE_ND] = 1, [SC_PM_FRAC_OPPOSITE_ND] = 1,
	[SC_PM_RANK] = 1,
};

/* Predicted profiles read and matched to the test conditions and genes:
 * out is nt x n_genes in the order of test[]. */
static int read_predictions(sc_step_ctx *c, sc_dmat *out, const char *path,
			    const sc_pert_cells *cl, const size_t *test, size_t nt)
{
	sc_h5ad *h = NULL;
	sc_dmat x = { 0 };
	char **rows = NULL, **genes = NULL;
	size_t nr = 0, ng = 0;
	sc_labels lab = { 0 };
	int32_t *gmap = NULL;
	size_t *nrow = NULL;
	const char *key = sc_step_str(c, "prediction_key", SC_PERT_OBS_CONDITION);
	int rc = sc_h5ad_open(&h, path, c->err);
	if (rc || (rc = sc_h5ad_read_dense(&x, h, "X", 0, c->err)) ||
	    (rc = sc_h5ad_read_index(&genes, &ng, h, "var", c->err)))
		goto out;
	if (sc_h5ad_read_labels(&lab, h, "obs", key, c->err) == 0) {
		/* Per-cell predictions: the condition column names each row. */
		rows = lab.names;
		nr = lab.ncat;
		lab.names = NULL;
		lab.ncat = 0;
	} else if ((rc = sc_h5ad_read_index(&rows, &nr, h, "obs", c->err))) {
		goto out;
	}
	/* Genes: every gene of the data must be predicted. */
	gmap = sc_xmalloc((cl->n_genes ? cl->n_genes : 1) * sizeof(int32_t));
	sc_buf miss = SC_BUF_INIT;
	sc_buf_init(&miss);
	size_t nmiss = 0;
	for (size_t j = 0; j < cl->n_genes; j++) {
		gmap[j] = -1;
		for (size_t q = 0; q < ng && gmap[j] < 0; q++)
			if (!strcmp(genes[q], cl->genes[j]))
				gmap[j] = (int32_t)q;
		if (gmap[j] < 0 && nmiss++ < 5)
			sc_buf_printf(&miss, "%s'%s'", nmiss > 1 ? ", " : "", cl->genes[j]);
	}
	if (nmiss) {
		rc = sc_errf(c->err, SC_EINVAL,
			     "%s: the predictions' genes do not match the data's: %zu of %zu genes "
			     "missing (%s%s)",
			     sc_path_basename(path), nmiss, cl->n_genes, miss.s, nmiss > 5 ? ", ..." : "");
		sc_buf_free(&miss);
		goto out;
	}
	sc_buf_free(&miss);
	if (ng > cl->n_genes)
		sc_step_note(c, "%zu predicted genes not in the data ignored", ng - cl->n_genes);
	/* Rows named in any convention: normalised as the data's labels were. */
	sc_pert_label_opts o;
	sc_pert_label_opts_of(&o, c->params);
	int32_t *rmap = sc_xmalloc((nr ? nr : 1) * sizeof(int32_t));
	for (size_t r = 0; r < nr; r++) {
		size_t nm;
		char *name = sc_pert_normalize(rows[r], &o, &nm);
		rmap[r] = -1;
		for (size_t i = 0; name && i < nt; i++)
			if (!strcmp(cl->cond[test[i]], name))
				rmap[r] = (int32_t)i;
		free(name);
	}
	sc_dmat_alloc(out, nt, cl->n_genes);
	nrow = sc_xcalloc(nt ? nt : 1, sizeof(size_t));
	for (size_t i = 0; i < x.rows; i++) {
		int32_t r = lab.codes ? (lab.codes[i] >= 0 ? rmap[lab.codes[i]] : -1) : rmap[i];
		if (r < 0)
			continue;
		nrow[r]++;
		for (size_t j = 0; j < cl->n_genes; j++)
			SC_AT(out, r, j) += SC_AT(&x, i, gmap[j]);
	}
	free(rmap);
	sc_buf_init(&miss);
	nmiss = 0;
	for (size_t i = 0; i < nt; i++) {
		if (!nrow[i]) {
			if (nmiss++ < 5)
				sc_buf_printf(&miss, "%s'%s'", nmiss > 1 ? ", " : "", cl->cond[test[i]]);
			continue;
		}
		for (size_t j = 0; j < cl->n_genes; j++)
			SC_AT(out, i, j) /= (double)nrow[i];
	}
	if (nmiss)
		rc = sc_errf(c->err, SC_EINVAL, "%s: no prediction for %zu of %zu test perturbations (%s%s)",
			     sc_path_basename(path), nmiss, nt, miss.s, nmiss > 5 ? ", ..." : "");
	sc_buf_free(&miss);
	for (size_t i = 0; !rc && i < out->rows * out->cols; i++)
		if (!isfinite(out->v[i]))
			rc = sc_errf(c->err, SC_EINVAL, "%s: a predicted value is not finite (%s, gene '%s')",
				     sc_path_basename(path), cl->cond[test[i / out->cols]],
				     cl->genes[i % out->cols]);
out:
	free(nrow);
	free(gmap);
	sc_labels_free(&lab);
	sc_h5ad_strings_free(rows, nr);
	sc_h5ad_strings_free(genes, ng);
	sc_dmat_free(&x);
	sc_h5ad_close(h);
	if (rc)
		sc_dmat_free(out);
	return rc;
}

/* The values of condition k's cells at genes idx (n_cells x n). */
static double *cells_at(const sc_pert_cells *cl, size_t k, const size_t *idx, size_t n,
			size_t *ncells)
{
	size_t cnt = 0;
	for (size_t i = 0; i < cl->x.rows; i++)
		cnt += cl->cell_cond[i] == (int32_t)k;
	double *v = sc_xcalloc((cnt ? cnt : 1) * (n ? n : 1), sizeof(double));
	size_t r = 0;
	for (size_t i = 0; i < cl->x.rows; i++) {
		if (cl->cell_cond[i] != (int32_t)k)
			continue;
		for (int64_t p = cl->x.indptr[i]; p < cl->x.indptr[i + 1]; p++)
			for (size_t g = 0; g < n; g++)
				if ((size_t)cl->x.indices[p] == idx[g])
					v[r * n + g] = cl->x.data[p];
		r++;
	}
	*ncells = cnt;
	return v;
}

typedef struct eval_ctx {
	sc_pert_cells cl;
	sc_pert_split sp;
	sc_pert_de de;
	sc_dmat mean, var, pred, truth, trainmean;
	size_t *ncells, *test, nt;
	double *m; /* nt x SC_PM_N */
} eval_ctx;

static void eval_free(eval_ctx *e)
{
	sc_pert_cells_free(&e->cl);
	sc_pert_split_free(&e->sp);
	sc_pert_de_free(&e->de);
	sc_dmat_free(&e->mean);
	sc_dmat_free(&e->var);
	sc_dmat_free(&e->pred);
	sc_dmat_free(&e->truth);
	sc_dmat_free(&e->trainmean);
	free(e->ncells);
	free(e->test);
	free(e->m);
}

/* Every metric of every test perturbation into e->m. */
static void compute_all(eval_ctx *e)
{
	size_t ng = e->cl.n_genes, nt = e->nt;
	const double *ctrl = e->mean.v;
	sc_dmat dp, dt;
	sc_dmat_alloc(&dp, nt, ng);
	sc_dmat_alloc(&dt, nt, ng);
	e->m = sc_xmalloc((nt ? nt : 1) * SC_PM_N * sizeof(double));
	double *tm = sc_xmalloc(SC_PM_N * sizeof(double));
	for (size_t i = 0; i < nt; i++) {
		size_t k = e->test[i];
		const size_t *de = e->de.de + k * SC_PERT_N_DE, *nd = e->de.nd + k * SC_PERT_N_DE;
		size_t nc;
		double *cv = cells_at(&e->cl, k, nd, e->de.n_nd[k], &nc);
		sc_pert_truth tr = { nc, cv };
		double *out = e->m + i * SC_PM_N;
		const double *pred = e->pred.v + i * ng, *truth = e->mean.v + k * ng;
		sc_pert_metrics_one(out, pred, truth, ctrl, ng, de, e->de.n_de[k], nd, e->de.n_nd[k], &tr);
		sc_pert_metrics_one(tm, e->trainmean.v, truth, ctrl, ng, de, e->de.n_de[k], nd,
				    e->de.n_nd[k], NULL);
		out[SC_PM_DELTA_VS_TRAIN_MEAN] = out[SC_PM_PEARSON_DELTA] - tm[SC_PM_PEARSON_DELTA];
		free(cv);
		for (size_t j = 0; j < ng; j++) {
			SC_AT(&dp, i, j) = pred[j] - ctrl[j];
			SC_AT(&dt, i, j) = truth[j] - ctrl[j];
		}
	}
	double *rank = sc_xmalloc((nt ? nt : 1) * sizeof(double));
	sc_pert_rank_metric(rank, &dp, &dt);
	for (size_t i = 0; i < nt; i++)
		e->m[i * SC_PM_N + SC_PM_RANK] = rank[i];
	free(rank);
	free(tm);
	sc_dmat_free(&dp);
	sc_dmat_free(&dt);
}

/* Mean of metric m over the test perturbations of subgroup sg (-1: all),
 * NaNs left out as GEARS leaves out undefined values; *n the count. */
static double mean_of(const eval_ctx *e, int m, int sg, size_t *n)
{
	double s = 0;
	*n = 0;
	for (size_t i = 0; i < e->nt; i++) {
		double v = e->m[i * SC_PM_N + m];
		if ((sg >= 0 && e->sp.subgroup[e->test[i]] != sg) || isnan(v))
			continue;
		s += v;
		(*n)++;
	}
	return *n ? s / (double)*n : NAN;
}

static void record_metrics(sc_step_ctx *c, const eval_ctx *e)
{
	size_t n;
	for (int m = 0; m < SC_PM_N; m++) {
		double v = mean_of(e, m, -1, &n);
		sc_step_metric(c, sc_pert_metric_names[m], v, !lower_is_better[m],
			       n ? NULL : "undefined for every test perturbation");
	}
	for (size_t q = 0; q < sizeof(subgroup_metrics) / sizeof(*subgroup_metrics); q++) {
		int m = subgroup_metrics[q];
		for (int sg = 1; sg < SC_PERT_N_SG; sg++) {
			char name[96];
			snprintf(name, sizeof(name), "%s@%s", sc_pert_metric_names[m], sc_pert_subgroup_names[sg]);
			double v = mean_of(e, m, sg, &n);
			sc_step_metric(c, name, v, !lower_is_better[m],
				       n ? NULL : "no test perturbation in this subgroup");
		}
	}
}

static int write_table(sc_step_ctx *c, const eval_ctx *e)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_puts(&b, "condition\tsubgroup\tn_cells");
	for (int m = 0; m < SC_PM_N; m++)
		sc_buf_printf(&b, "\t%s", sc_pert_metric_names[m]);
	sc_buf_putc(&b, '\n');
	for (size_t i = 0; i < e->nt; i++) {
		size_t k = e->test[i];
		sc_buf_printf(&b, "%s\t%s\t%zu", e->cl.cond[k], sc_pert_subgroup_names[e->sp.subgroup[k]],
			      e->ncells[k]);
		for (int m = 0; m < SC_PM_N; m++)
			sc_buf_printf(&b, "\t%.17g", e->m[i * SC_PM_N + m]);
		sc_buf_putc(&b, '\n');
	}
	char *path = sc_step_out(c, SC_PERT_PER);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	sc_buf_free(&b);
	return rc;
}

/* Predicted vs true change on each test perturbation's top-20 DE genes. */
static int figure_scatter(sc_step_ctx *c, const eval_ctx *e, const char *method)
{
	size_t n = e->nt < SC_PERT_FIG_MAX_PANELS ? e->nt : SC_PERT_FIG_MAX_PANELS;
	size_t cols = n < 4 ? n : 4, rows = (n + cols - 1) / cols, ng = e->cl.n_genes;
	char *title = sc_xasprintf("%s: predicted vs true change, top-20 DE genes%s", method,
				   n < e->nt ? " (first 48 perturbations)" : "");
	sc_svg *s = sc_svg_new(260.0 * (double)cols, 240.0 * (double)rows + 30, title);
	free(title);
	for (size_t i = 0; i < n; i++) {
		size_t k = e->test[i];
		const size_t *de = e->de.de + k * SC_PERT_N_DE;
		double lo = 0, hi = 0;
		for (size_t g = 0; g < e->de.n_de[k]; g++) {
			double a = SC_AT(&e->pred, i, de[g]) - SC_AT(&e->mean, 0, de[g]);
			double b = SC_AT(&e->mean, k, de[g]) - SC_AT(&e->mean, 0, de[g]);
			lo = fmin(lo, fmin(a, b));
			hi = fmax(hi, fmax(a, b));
		}
		sc_svg_panel p = sc_svg_panel_at(s, 260.0 * (double)(i % cols),
						 30 + 240.0 * (double)(i / cols), 260, 240);
		sc_svg_axes(s, &p, lo, hi, lo, hi, "true change", "predicted change");
		sc_svg_line(s, &p, lo, lo, hi, hi, 0xbbbbbb, 1);
		for (size_t g = 0; g < e->de.n_de[k]; g++)
			sc_svg_point(s, &p, SC_AT(&e->mean, k, de[g]) - SC_AT(&e->mean, 0, de[g]),
				     SC_AT(&e->pred, i, de[g]) - SC_AT(&e->mean, 0, de[g]), 3,
				     sc_svg_category((size_t)e->sp.subgroup[k]));
		sc_svg_text(s, &p, lo, hi, e->cl.cond[k], 's', 11);
	}
	(void)ng;
	return sc_step_write_svg(c, s, SC_PERT_FIG_SCATTER);
}

/* Pearson delta per subgroup: the method against train_mean. */
static int figure_bars(sc_step_ctx *c, const eval_ctx *e, const char *method)
{
	char *labels[SC_PERT_N_SG];
	double v[SC_PERT_N_SG], base[SC_PERT_N_SG];
	size_t n;
	for (int sg = 0; sg < SC_PERT_N_SG; sg++) {
		labels[sg] = (char *)(sg ? sc_pert_subgroup_names[sg] : "all");
		v[sg] = mean_of(e, SC_PM_PEARSON_DELTA, sg ? sg : -1, &n);
		double d = mean_of(e, SC_PM_DELTA_VS_TRAIN_MEAN, sg ? sg : -1, &n);
		base[sg] = v[sg] - d;
	}
	char *title = sc_xasprintf("Pearson delta: %s vs train_mean", method);
	sc_svg *s = sc_svg_new(640, 400, title);
	free(title);
	sc_svg_panel p = sc_svg_panel_at(s, 0, 30, 640, 370);
	sc_svg_axes(s, &p, -0.5, SC_PERT_N_SG - 0.5, -1, 1, "subgroup", "pearson_delta");
	sc_svg_xcategories(s, &p, labels, SC_PERT_N_SG);
	for (int sg = 0; sg < SC_PERT_N_SG; sg++) {
		if (!isnan(v[sg]))
			sc_svg_rect(s, &p, sg - 0.35, 0, sg - 0.02, v[sg], sc_svg_category(0));
		if (!isnan(base[sg]))
			sc_svg_rect(s, &p, sg + 0.02, 0, sg + 0.35, base[sg], sc_svg_category(1));
	}
	sc_svg_legend(s, &p, 0, method, sc_svg_category(0));
	sc_svg_legend(s, &p, 1, "train_mean", sc_svg_category(1));
	return sc_step_write_svg(c, s, SC_PERT_FIG_BARS);
}

static int pert_eval(sc_step_ctx *c)
{
	const char *pc = sc_step_need(c, "cells"), *pd = sc_step_need(c, "de"),
		   *ps = sc_step_need(c, "split"), *pp = sc_step_need(c, "predictions");
	if (!pc || !pd || !ps || !pp)
		return c->err->code;
	const char *method = sc_step_str(c, "method_label", "method");
	eval_ctx e = { 0 };
	int rc = sc_pert_cells_read(&e.cl, pc, c->err);
	if (rc || (rc = sc_pert_split_read(&e.sp, ps, e.cl.cond, e.cl.n_cond, c->err)) ||
	    (rc = sc_pert_de_read(&e.de, pd, &e.cl, c->err)))
		goto out;
	e.ncells = sc_xcalloc(e.cl.n_cond, sizeof(size_t));
	sc_pert_condition_stats(&e.mean, &e.var, e.ncells, &e.cl.x, e.cl.cell_cond, e.cl.n_cond);
	e.test = sc_xcalloc(e.cl.n_cond, sizeof(size_t));
	for (size_t k = 1; k < e.cl.n_cond; k++)
		if (e.sp.set[k] == SC_PERT_TEST)
			e.test[e.nt++] = k;
	if (!e.nt) {
		rc = sc_errf(c->err, SC_EINVAL, "the split has no test perturbation");
		goto out;
	}
	sc_pert_linear_opts lo = { 10, 0.1 };
	if ((rc = read_predictions(c, &e.pred, pp, &e.cl, e.test, e.nt)) ||
	    (rc = sc_pert_predict(&e.trainmean, "train_mean", &e.mean, e.cl.cond, &e.sp, e.test, 1,
				  e.cl.genes, &lo, NULL, c->err)))
		goto out;
	compute_all(&e);
	record_metrics(c, &e);
	if ((rc = write_table(c, &e)) || (rc = figure_scatter(c, &e, method)))
		goto out;
	rc = figure_bars(c, &e, method);
out:
	eval_free(&e);
	return rc;
}

const sc_step_kind sc_pert_eval_kind = { "perturbation.eval", "1", pert_eval,
					 "GEARS's metrics of predicted mean profiles" };
