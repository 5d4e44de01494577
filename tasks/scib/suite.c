/*
 * suite.c - one call that runs every scIB metric on an integrated
 * embedding, sharing the expensive pieces (one kNN for both graphs and the
 * scib-metrics LISI, one Leiden sweep for NMI, ARI and the isolated-label
 * F1, one silhouette pass for the label ASW and the isolated-label ASW),
 * timing each metric, and turning every "undefined" into NaN plus a reason
 * rather than an error.
 *
 * Built for 10^4 to 10^5 cells on a few cores: the dominant costs are the
 * kNN and the silhouette (each ~n^2 d), the diffusion of kBET and the
 * Leiden runs.
 */
#include "suite.h"
#include "tasks/scib/names.h"
#include "tasks/core/graph.h"
#include "tasks/core/knn.h"
#include "tasks/scib/clusters.h"
#include "tasks/scib/connectivity.h"
#include "tasks/scib/isolated.h"
#include "tasks/scib/kbet.h"
#include "tasks/scib/lisi.h"
#include "tasks/scib/pcr.h"
#include "tasks/scib/silhouette.h"
#include "tasks/scib/trajectory.h"
#include "util/progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	M_NMI,
	M_ARI,
	M_ASW_LABEL,
	M_ISO_F1,
	M_ISO_ASW,
	M_CLISI,
	M_TRAJECTORY,
	M_ASW_BATCH,
	M_PCR_CMP,
	M_GRAPH_CONN,
	M_KBET,
	M_ILISI,
	M_PCR_BEFORE,
	M_PCR_AFTER,
	M_ILISI_KNN,
	M_CLISI_KNN,
	M_COUNT
};

static const struct {
	const char *name;
	sc_scib_class cls;
	int higher_is_better;
} defs[M_COUNT] = {
	[M_NMI] = { SC_M_NMI, SC_SCIB_BIO, 1 },
	[M_ARI] = { SC_M_ARI, SC_SCIB_BIO, 1 },
	[M_ASW_LABEL] = { SC_M_ASW_LABEL, SC_SCIB_BIO, 1 },
	[M_ISO_F1] = { SC_M_ISO_F1, SC_SCIB_BIO, 1 },
	[M_ISO_ASW] = { SC_M_ISO_ASW, SC_SCIB_BIO, 1 },
	[M_CLISI] = { SC_M_CLISI, SC_SCIB_BIO, 1 },
	[M_TRAJECTORY] = { SC_M_TRAJECTORY, SC_SCIB_BIO, 1 },
	[M_ASW_BATCH] = { SC_M_ASW_BATCH, SC_SCIB_BATCH, 1 },
	[M_PCR_CMP] = { SC_M_PCR, SC_SCIB_BATCH, 1 },
	[M_GRAPH_CONN] = { SC_M_GRAPH_CONN, SC_SCIB_BATCH, 1 },
	[M_KBET] = { SC_M_KBET, SC_SCIB_BATCH, 1 },
	[M_ILISI] = { SC_M_ILISI, SC_SCIB_BATCH, 1 },
	[M_PCR_BEFORE] = { SC_M_PCR_BEFORE, SC_SCIB_NONE, 0 },
	[M_PCR_AFTER] = { SC_M_PCR_AFTER, SC_SCIB_NONE, 0 },
	[M_ILISI_KNN] = { SC_M_ILISI_KNN, SC_SCIB_NONE, 1 },
	[M_CLISI_KNN] = { SC_M_CLISI_KNN, SC_SCIB_NONE, 1 },
};

void sc_scib_opts_default(sc_scib_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->lisi_k0 = 90;
	o->kbet_alpha = 0.05;
	o->pcr_comps = 50;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void sc_scib_result_free(sc_scib_result *r)
{
	if (!r)
		return;
	free(r->metric);
	free(r->asw_label_cell);
	free(r->asw_batch_cell);
	free(r->ilisi_cell);
	free(r->clisi_cell);
	free(r->ilisi_knn_cell);
	free(r->clisi_knn_cell);
	free(r->kbet_pvalue_cell);
	free(r->dpt_cell);
	free(r->cluster);
	free(r->asw_batch_label);
	free(r->graph_conn_label);
	free(r->kbet_rejection_label);
	free(r->iso_f1_label);
	free(r->iso_asw_label);
	free(r->kbet_k0_label);
	free(r->res);
	free(r->res_nmi);
	free(r->res_clusters);
	memset(r, 0, sizeof(*r));
}

const sc_scib_metric *sc_scib_result_get(const sc_scib_result *r, const char *name)
{
	name = sc_scib_canonical_name(name);
	for (size_t i = 0; i < r->n_metrics; i++)
		if (!strcmp(r->metric[i].name, name))
			return &r->metric[i];
	return NULL;
}

int sc_scib_metric_class(const char *name, sc_scib_class *out)
{
	name = sc_scib_canonical_name(name);
	if (!strcmp(name, SC_M_CELL_CYCLE) || !strcmp(name, SC_M_HVG)) {
		/* integration.eval's, beside the suite */
		*out = SC_SCIB_BIO;
		return 0;
	}
	for (size_t i = 0; i < M_COUNT; i++)
		if (!strcmp(defs[i].name, name)) {
			*out = defs[i].cls;
			return 0;
		}
	return SC_ENOTFOUND;
}

static void set_why(sc_scib_metric *m, const sc_scib_why *w)
{
	if (isnan(m->value) && w && w->msg[0])
		snprintf(m->why, sizeof(m->why), "%s", w->msg);
}

static void step(sc_scib_result *r, const char *name, double t0)
{
	if (r->n_steps < sizeof(r->step) / sizeof(r->step[0])) {
		r->step[r->n_steps].name = name;
		r->step[r->n_steps].seconds = now() - t0;
		r->n_steps++;
	}
}

static double *nans(size_t n)
{
	double *v = sc_xmalloc(sizeof(double) * (n + 1));
	for (size_t i = 0; i < n; i++)
		v[i] = NAN;
	return v;
}

/* the first c columns of an n x k neighbour table */
static void knn_cols(int32_t *oi, double *od, const int32_t *idx, const double *dist, size_t n,
		     size_t k, size_t c)
{
	for (size_t i = 0; i < n; i++) {
		memcpy(oi + i * c, idx + i * k, sizeof(int32_t) * c);
		memcpy(od + i * c, dist + i * k, sizeof(double) * c);
	}
}

static int make_graph(sc_csr *g, const int32_t *idx, const double *dist, size_t n, size_t k,
		      size_t c, sc_err *err)
{
	int32_t *ci = sc_xmalloc(sizeof(int32_t) * sc_mulsz(n, c) + 1);
	double *cd = sc_xmalloc(sizeof(double) * sc_mulsz(n, c) + 1);
	knn_cols(ci, cd, idx, dist, n, k, c);
	int rc = sc_umap_connectivities(g, ci, cd, n, c, err);
	free(ci);
	free(cd);
	return rc;
}

/* One run of the suite: its inputs, the shared pieces (neighbours,
 * graphs, the Leiden sweep) and the result being filled. */
typedef struct suite {
	const sc_dmat *emb;
	const sc_labels *labels, *batches;
	const sc_scib_opts *opts;
	size_t n;
	int T;
	sc_scib_cats lab, bat;
	int32_t *kidx; /* our own kNN, when none was given */
	double *kdist;
	const int32_t *idx; /* the kNN used: n x kk */
	const double *dist;
	size_t kk;
	sc_csr g15, g50; /* our own graphs, when none were given */
	const sc_csr *c15, *c50;
	sc_scib_sweep sw;
	sc_scib_result *out;
} suite;

static int check_inputs(suite *S, sc_err *err)
{
	const sc_scib_opts *opts = S->opts;
	size_t n = S->n;
	int rc;
	if (n < 3)
		return sc_errf(err, SC_EINVAL, "the scIB metrics need at least 3 cells, got %zu", n);
	if ((rc = sc_scib_check_finite(S->emb, "embedding", err)) ||
	    (rc = sc_scib_cats_init(&S->lab, S->labels, n, "labels", err)) ||
	    (rc = sc_scib_cats_init(&S->bat, S->batches, n, "batches", err)))
		return rc;
	if (opts->pre_scores && opts->pre_scores->rows != n)
		return sc_errf(err, SC_EINVAL, "unintegrated PC scores have %zu rows for %zu cells",
			       opts->pre_scores->rows, n);
	if (opts->pre_x && opts->pre_x->rows != n)
		return sc_errf(err, SC_EINVAL, "unintegrated data has %zu rows for %zu cells",
			       opts->pre_x->rows, n);
	return 0;
}

/* Every metric NaN, every per-cell and per-label value NaN (-1, 0). */
static void result_init(sc_scib_result *out, size_t n, const sc_labels *labels,
			const sc_labels *batches)
{
	out->n = n;
	out->n_labels = labels->ncat;
	out->n_batches = batches->ncat;
	out->n_metrics = M_COUNT;
	out->metric = sc_xcalloc(M_COUNT, sizeof(sc_scib_metric));
	for (int i = 0; i < M_COUNT; i++) {
		out->metric[i].name = defs[i].name;
		out->metric[i].cls = defs[i].cls;
		out->metric[i].higher_is_better = defs[i].higher_is_better;
		out->metric[i].value = NAN;
	}
	size_t L = labels->ncat;
	out->asw_label_cell = nans(n);
	out->asw_batch_cell = nans(n);
	out->kbet_pvalue_cell = nans(n);
	out->dpt_cell = nans(n);
	out->cluster = sc_xmalloc(sizeof(int32_t) * (n + 1));
	for (size_t i = 0; i < n; i++)
		out->cluster[i] = -1;
	out->asw_batch_label = nans(L);
	out->graph_conn_label = nans(L);
	out->kbet_rejection_label = nans(L);
	out->iso_f1_label = nans(L);
	out->iso_asw_label = nans(L);
	out->kbet_k0_label = sc_xcalloc(L + 1, sizeof(int));
}

/* The kNN (given or computed) and the 15- and 50-neighbour graphs. */
static int neighbours_and_graphs(suite *S, sc_err *err)
{
	const sc_scib_opts *opts = S->opts;
	size_t n = S->n;
	int rc;
	double t0;
	S->kk = opts->lisi_k0 > 50 ? opts->lisi_k0 : 50;
	if (S->kk > n)
		S->kk = n;
	if (opts->knn_idx && opts->knn_dist) {
		if (opts->knn_k < 2)
			return sc_errf(err, SC_EINVAL, "precomputed kNN has %zu columns", opts->knn_k);
		S->idx = opts->knn_idx;
		S->dist = opts->knn_dist;
		S->kk = opts->knn_k;
	} else {
		sc_progress_line("scib: %zu nearest neighbours of %zu cells", S->kk, n);
		t0 = now();
		S->kidx = sc_xmalloc(sizeof(int32_t) * sc_mulsz(n, S->kk));
		S->kdist = sc_xmalloc(sizeof(double) * sc_mulsz(n, S->kk));
		if ((rc = sc_knn_self(S->kidx, S->kdist, S->emb, S->kk, SC_METRIC_EUCLIDEAN, 1, err)))
			return rc;
		S->idx = S->kidx;
		S->dist = S->kdist;
		step(S->out, "knn", t0);
	}
	size_t kk = S->kk;
	S->c15 = opts->conn15;
	S->c50 = opts->conn50;
	if (!S->c15) {
		t0 = now();
		if ((rc = make_graph(&S->g15, S->idx, S->dist, n, kk, kk < 15 ? kk : 15, err)))
			return rc;
		S->c15 = &S->g15;
		step(S->out, "graph15", t0);
	}
	if (!S->c50) {
		t0 = now();
		if ((rc = make_graph(&S->g50, S->idx, S->dist, n, kk, kk < 50 ? kk : 50, err)))
			return rc;
		S->c50 = &S->g50;
		step(S->out, "graph50", t0);
	}
	return 0;
}

/* The Leiden sweep, and NMI and ARI on its NMI-optimal clustering. */
static int clustering(suite *S, sc_err *err)
{
	const sc_scib_opts *opts = S->opts;
	sc_scib_result *out = S->out;
	sc_scib_metric *M = out->metric;
	size_t n = S->n;
	double def[10];
	const double *res = opts->resolutions;
	size_t nres = opts->n_resolutions;
	if (!res || !nres) {
		nres = sc_scib_default_resolutions(def);
		res = def;
	}
	sc_progress_line("scib: Leiden at %zu resolutions", nres);
	double t0 = now();
	int rc = sc_scib_sweep_run(&S->sw, S->c15, S->labels, res, nres, opts->seed, opts->n_threads,
				   err);
	if (rc)
		return rc;
	step(out, "leiden_sweep", t0);
	t0 = now();
	double r = NAN, nmi, ari;
	size_t nc = 0;
	sc_scib_why why = { { 0 } };
	if ((rc = sc_scib_nmi_ari_optimal(&nmi, &ari, &r, &nc, &S->sw, S->labels, &why, err)))
		return rc;
	M[M_NMI].value = nmi;
	M[M_ARI].value = ari;
	set_why(&M[M_NMI], &why);
	set_why(&M[M_ARI], &why);
	if (!isnan(r)) {
		snprintf(M[M_NMI].detail, sizeof(M[M_NMI].detail),
			 "Leiden resolution %g, %zu clusters (NMI-optimal of %zu)", r, nc, nres);
		snprintf(M[M_ARI].detail, sizeof(M[M_ARI].detail),
			 "on the NMI-optimal clustering (resolution %g)", r);
		memcpy(out->cluster, S->sw.membership + S->sw.best * n, sizeof(int32_t) * n);
	}
	M[M_NMI].seconds = M[M_ARI].seconds = now() - t0;
	out->n_res = nres;
	out->res = sc_xmalloc(sizeof(double) * nres);
	out->res_nmi = sc_xmalloc(sizeof(double) * nres);
	out->res_clusters = sc_xmalloc(sizeof(size_t) * nres);
	memcpy(out->res, S->sw.res, sizeof(double) * nres);
	memcpy(out->res_nmi, S->sw.nmi, sizeof(double) * nres);
	memcpy(out->res_clusters, S->sw.n_clusters, sizeof(size_t) * nres);
	return 0;
}

/* Label ASW, isolated-label ASW (on the label silhouettes) and batch ASW. */
static int silhouettes(suite *S, sc_err *err)
{
	sc_scib_result *out = S->out;
	sc_scib_metric *M = out->metric;
	sc_scib_why why = { { 0 } };
	sc_progress_line("scib: silhouette of %zu cells", S->n);
	double t0 = now();
	int rc = sc_scib_asw_label(&M[M_ASW_LABEL].value, out->asw_label_cell, S->emb, S->labels,
				   S->T, &why, err);
	if (rc)
		return rc;
	set_why(&M[M_ASW_LABEL], &why);
	M[M_ASW_LABEL].seconds = now() - t0;

	t0 = now();
	if ((rc = sc_scib_isolated_asw(&M[M_ISO_ASW].value, out->iso_asw_label, out->asw_label_cell,
				       S->labels, S->batches, S->opts->iso_threshold, &why, err)))
		return rc;
	set_why(&M[M_ISO_ASW], &why);
	M[M_ISO_ASW].seconds = now() - t0;

	sc_progress_line("scib: batch silhouette per label");
	t0 = now();
	if ((rc = sc_scib_asw_batch(&M[M_ASW_BATCH].value, out->asw_batch_label, out->asw_batch_cell,
				    S->emb, S->labels, S->batches, S->T, &why, err)))
		return rc;
	set_why(&M[M_ASW_BATCH], &why);
	size_t used = 0;
	for (size_t j = 0; j < out->n_labels; j++)
		used += !isnan(out->asw_batch_label[j]);
	snprintf(M[M_ASW_BATCH].detail, sizeof(M[M_ASW_BATCH].detail),
		 "%zu of %zu labels with more than one batch", used, S->lab.k);
	M[M_ASW_BATCH].seconds = now() - t0;
	return 0;
}

/* Isolated-label F1 on the sweep's clusterings. */
static int isolated_f1(suite *S, sc_err *err)
{
	sc_scib_result *out = S->out;
	sc_scib_metric *M = out->metric;
	sc_scib_why why = { { 0 } };
	double t0 = now();
	int rc = sc_scib_isolated_f1(&M[M_ISO_F1].value, out->iso_f1_label, S->sw.membership,
				     S->sw.nres, S->labels, S->batches, S->opts->iso_threshold, &why,
				     err);
	if (rc)
		return rc;
	set_why(&M[M_ISO_F1], &why);
	size_t ni = 0;
	for (size_t j = 0; j < out->n_labels; j++)
		ni += !isnan(out->iso_f1_label[j]);
	if (ni) {
		snprintf(M[M_ISO_F1].detail, sizeof(M[M_ISO_F1].detail),
			 "%zu isolated label(s), best over %zu resolutions", ni, S->sw.nres);
		snprintf(M[M_ISO_ASW].detail, sizeof(M[M_ISO_ASW].detail), "%zu isolated label(s)", ni);
	}
	M[M_ISO_F1].seconds = now() - t0;
	return 0;
}

/* Graph connectivity, and graph iLISI and cLISI, on the 15-neighbour graph. */
static int graph_metrics(suite *S, sc_err *err)
{
	sc_scib_result *out = S->out;
	sc_scib_metric *M = out->metric;
	double t0 = now();
	int rc = sc_scib_graph_connectivity(&M[M_GRAPH_CONN].value, out->graph_conn_label, S->c15,
					    S->labels, err);
	if (rc)
		return rc;
	M[M_GRAPH_CONN].seconds = now() - t0;

	sc_progress_line("scib: graph LISI (%zu neighbours by shortest path)", S->opts->lisi_k0);
	t0 = now();
	sc_scib_lisi lg = { 0 };
	if ((rc = sc_scib_lisi_graph(&lg, S->c15, S->batches, S->labels, S->opts->lisi_k0, S->T, err)))
		goto out;
	M[M_ILISI].value = lg.ilisi;
	M[M_CLISI].value = lg.clisi;
	set_why(&M[M_ILISI], &lg.ilisi_why);
	set_why(&M[M_CLISI], &lg.clisi_why);
	snprintf(M[M_ILISI].detail, sizeof(M[M_ILISI].detail), "median LISI %.6g of %zu batches",
		 lg.ilisi_median, S->bat.k);
	snprintf(M[M_CLISI].detail, sizeof(M[M_CLISI].detail), "median LISI %.6g of %zu labels",
		 lg.clisi_median, S->lab.k);
	M[M_ILISI].seconds = M[M_CLISI].seconds = now() - t0;
	out->ilisi_cell = lg.ilisi_cell;
	out->clisi_cell = lg.clisi_cell;
	lg.ilisi_cell = lg.clisi_cell = NULL;
out:
	sc_scib_lisi_free(&lg);
	return rc;
}

/* Trajectory conservation on the 15-neighbour graph, when a pseudotime is
 * given. */
static int trajectory(suite *S, sc_err *err)
{
	sc_scib_metric *M = S->out->metric;
	sc_progress_line("scib: trajectory conservation");
	if (!S->opts->pseudotime) {
		snprintf(M[M_TRAJECTORY].why, sizeof(M[M_TRAJECTORY].why), "no pseudotime given");
		return 0;
	}
	double t0 = now();
	sc_scib_traj tr;
	sc_scib_why why = { { 0 } };
	int rc = sc_scib_trajectory(&tr, S->out->dpt_cell, S->c15, S->opts->pseudotime, S->labels,
				    S->opts->trajectory_by_batch ? S->batches : NULL, &why, err);
	if (rc)
		return rc;
	M[M_TRAJECTORY].value = tr.score;
	if (why.msg[0] && isnan(tr.score))
		snprintf(M[M_TRAJECTORY].why, sizeof(M[M_TRAJECTORY].why), "%s", why.msg);
	else if (why.msg[0]) /* scib's 0 without a root cell */
		snprintf(M[M_TRAJECTORY].detail, sizeof(M[M_TRAJECTORY].detail), "%.*s",
			 (int)sizeof(M[M_TRAJECTORY].detail) - 1, why.msg);
	if (tr.root != SIZE_MAX)
		snprintf(M[M_TRAJECTORY].detail, sizeof(M[M_TRAJECTORY].detail),
			 "%zu of %zu cells with a pseudotime in the largest component, root cell "
			 "%zu ('%s'), rho %.6g%s", tr.n_component, tr.n_subset, tr.root,
			 S->labels->names[tr.start_label], tr.rho,
			 S->opts->trajectory_by_batch ? " (mean over batches)" : "");
	M[M_TRAJECTORY].seconds = now() - t0;
	return 0;
}

/* kBET on the 50-neighbour graph, per label and per cell. */
static int kbet(suite *S, sc_err *err)
{
	sc_scib_result *out = S->out;
	sc_scib_metric *M = out->metric;
	sc_progress_line("scib: kBET per label");
	double t0 = now();
	sc_scib_kbet kb = { 0 };
	int rc = sc_scib_kbet_all_cells(&kb, S->c50, S->labels, S->batches, S->opts->kbet_alpha, S->T,
					err);
	if (rc)
		goto out;
	M[M_KBET].value = kb.score;
	set_why(&M[M_KBET], &kb.why);
	size_t tested = 0, all1 = 0;
	for (size_t j = 0; j < out->n_labels; j++) {
		out->kbet_rejection_label[j] = kb.rejection[j];
		out->kbet_k0_label[j] = kb.k0[j];
		tested += !isnan(kb.rejection[j]);
		all1 += kb.note[j][0] && !isnan(kb.rejection[j]);
	}
	snprintf(M[M_KBET].detail, sizeof(M[M_KBET].detail),
		 "%zu labels tested (%zu scored 1 by scib's rules), alpha %g, every cell "
		 "tested", tested, all1, S->opts->kbet_alpha);
	memcpy(out->kbet_pvalue_cell, kb.pvalue, sizeof(double) * S->n);
	M[M_KBET].seconds = now() - t0;
out:
	sc_scib_kbet_free(&kb);
	return rc;
}

/* PCR of the unintegrated representation (when given), whose variances
 * are the scores' column variances unless given. */
static int pcr_before(double *out, const sc_scib_opts *opts, const sc_labels *batches, sc_err *err)
{
	if (opts->pre_scores && opts->pre_variance)
		return sc_scib_pcr_scores(out, NULL, opts->pre_scores, opts->pre_variance, batches,
					  err);
	if (opts->pre_scores) {
		double *var = sc_xmalloc(sizeof(double) * (opts->pre_scores->cols + 1));
		sc_scib_column_variances(var, opts->pre_scores);
		int rc = sc_scib_pcr_scores(out, NULL, opts->pre_scores, var, batches, err);
		free(var);
		return rc;
	}
	if (opts->pre_x)
		return sc_scib_pcr_embedding(out, opts->pre_x, batches, opts->pcr_comps, err);
	return 0;
}

/* PC regression after integration, before (if given) and their comparison. */
static int pc_regression(suite *S, sc_err *err)
{
	const sc_scib_opts *opts = S->opts;
	sc_scib_metric *M = S->out->metric;
	sc_scib_why why = { { 0 } };
	double t0 = now();
	double before = NAN, after = NAN;
	int rc = sc_scib_pcr_embedding(&after, S->emb, S->batches, opts->pcr_comps, err);
	if (rc)
		return rc;
	M[M_PCR_AFTER].value = after;
	M[M_PCR_AFTER].seconds = now() - t0;
	t0 = now();
	if ((rc = pcr_before(&before, opts, S->batches, err)))
		return rc;
	M[M_PCR_BEFORE].value = before;
	if (!opts->pre_scores && !opts->pre_x) {
		snprintf(M[M_PCR_BEFORE].why, sizeof(M[M_PCR_BEFORE].why),
			 "no unintegrated representation given");
		M[M_PCR_CMP].value = NAN;
		snprintf(M[M_PCR_CMP].why, sizeof(M[M_PCR_CMP].why),
			 "no unintegrated representation given");
	} else {
		M[M_PCR_CMP].value = sc_scib_pcr_comparison(before, after, &why);
		set_why(&M[M_PCR_CMP], &why);
		snprintf(M[M_PCR_CMP].detail, sizeof(M[M_PCR_CMP].detail),
			 "PCR before %.6g, after %.6g", before, after);
	}
	M[M_PCR_BEFORE].seconds = M[M_PCR_CMP].seconds = now() - t0;
	return 0;
}

/* scib-metrics' iLISI and cLISI on the Euclidean kNN. */
static int knn_lisi(suite *S, sc_err *err)
{
	sc_scib_result *out = S->out;
	sc_scib_metric *M = out->metric;
	double t0 = now();
	sc_scib_lisi lk = { 0 };
	int rc = sc_scib_lisi_knn(&lk, S->idx, S->dist, S->n, S->kk, S->batches, S->labels, S->T, err);
	if (rc)
		goto out;
	M[M_ILISI_KNN].value = lk.ilisi;
	M[M_CLISI_KNN].value = lk.clisi;
	set_why(&M[M_ILISI_KNN], &lk.ilisi_why);
	set_why(&M[M_CLISI_KNN], &lk.clisi_why);
	snprintf(M[M_ILISI_KNN].detail, sizeof(M[M_ILISI_KNN].detail),
		 "Euclidean %zu-NN (self masked), median %.6g", S->kk, lk.ilisi_median);
	snprintf(M[M_CLISI_KNN].detail, sizeof(M[M_CLISI_KNN].detail),
		 "Euclidean %zu-NN (self masked), median %.6g", S->kk, lk.clisi_median);
	M[M_ILISI_KNN].seconds = M[M_CLISI_KNN].seconds = now() - t0;
	out->ilisi_knn_cell = lk.ilisi_cell;
	out->clisi_knn_cell = lk.clisi_cell;
	lk.ilisi_cell = lk.clisi_cell = NULL;
out:
	sc_scib_lisi_free(&lk);
	return rc;
}

/* The bio, batch and overall scores of this one method. */
static int aggregates(sc_scib_result *out, sc_err *err)
{
	double v[M_COUNT];
	sc_scib_class cls[M_COUNT];
	for (int i = 0; i < M_COUNT; i++) {
		v[i] = out->metric[i].value;
		cls[i] = out->metric[i].cls;
	}
	return sc_scib_aggregate(&out->bio, &out->batch, &out->overall, NULL, v, 1, M_COUNT, cls, 0,
				 err);
}

/* The suite's stages in order; each fills its metrics' values and times. */
static int (*const stages[])(suite *, sc_err *) = {
	neighbours_and_graphs, clustering, silhouettes, isolated_f1,
	graph_metrics, trajectory, kbet, pc_regression, knn_lisi,
};

static void rss_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

/* VmHWM of /proc/self/status in kB (0 where there is none). */
static long rss_peak_kb(void)
{
	char line[256];
	long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* A stage's peak to the steps it added and the metrics it timed. */
static void rss_assign(sc_scib_result *out, size_t first_step, long kb)
{
	for (size_t i = first_step; i < out->n_steps; i++)
		out->step[i].peak_rss_kb = kb;
	for (size_t i = 0; i < out->n_metrics; i++)
		if (out->metric[i].seconds > 0 && out->metric[i].peak_rss_kb == 0)
			out->metric[i].peak_rss_kb = kb;
}

int sc_scib_suite_run(sc_scib_result *out, const sc_dmat *emb, const sc_labels *labels,
		      const sc_labels *batches, const sc_scib_opts *opts, sc_err *err)
{
	sc_scib_opts defo;
	if (!opts) {
		sc_scib_opts_default(&defo);
		opts = &defo;
	}
	memset(out, 0, sizeof(*out));
	suite S = { .emb = emb, .labels = labels, .batches = batches, .opts = opts,
		    .n = emb ? emb->rows : 0, .T = opts->n_threads, .out = out };
	double t_all = now();
	int rc;
	if (!emb || !emb->v || !emb->cols)
		return sc_errf(err, SC_EINVAL, "no embedding given");
	if ((rc = check_inputs(&S, err)))
		goto out;
	result_init(out, S.n, labels, batches);
	for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		size_t ns = out->n_steps;
		if (opts->measure_rss)
			rss_reset();
		if ((rc = stages[i](&S, err)))
			goto out;
		if (opts->measure_rss)
			rss_assign(out, ns, rss_peak_kb());
	}
	if ((rc = aggregates(out, err)))
		goto out;
	out->total_seconds = now() - t_all;
	sc_progress_line(NULL);
out:
	sc_scib_sweep_free(&S.sw);
	sc_csr_free(&S.g15);
	sc_csr_free(&S.g50);
	free(S.kidx);
	free(S.kdist);
	sc_scib_cats_free(&S.lab);
	sc_scib_cats_free(&S.bat);
	if (rc)
		sc_scib_result_free(out);
	return rc;
}
