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
	if (!strcmp(name, SC_M_CELL_CYCLE) || !strcmp(name, SC_M_HVG) ||
	    !strcmp(name, SC_M_TRAJECTORY)) { /* integration.eval's, beside the suite */
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

int sc_scib_suite_run(sc_scib_result *out, const sc_dmat *emb, const sc_labels *labels,
		      const sc_labels *batches, const sc_scib_opts *opts, sc_err *err)
{
	sc_scib_opts defo;
	if (!opts) {
		sc_scib_opts_default(&defo);
		opts = &defo;
	}
	memset(out, 0, sizeof(*out));
	size_t n = emb ? emb->rows : 0;
	int rc = 0, T = opts->n_threads;
	sc_scib_cats lab = { 0 }, bat = { 0 };
	int32_t *kidx = NULL;
	double *kdist = NULL;
	sc_csr g15 = { 0 }, g50 = { 0 };
	sc_scib_sweep sw = { 0 };
	sc_scib_lisi lg = { 0 }, lk = { 0 };
	sc_scib_kbet kb = { 0 };
	double t_all = now(), t0;

	if (!emb || !emb->v || !emb->cols)
		return sc_errf(err, SC_EINVAL, "no embedding given");
	if (n < 3)
		return sc_errf(err, SC_EINVAL, "the scIB metrics need at least 3 cells, got %zu", n);
	if ((rc = sc_scib_check_finite(emb, "embedding", err)) ||
	    (rc = sc_scib_cats_init(&lab, labels, n, "labels", err)) ||
	    (rc = sc_scib_cats_init(&bat, batches, n, "batches", err)))
		goto out;
	if (opts->pre_scores && (!opts->pre_variance || opts->pre_scores->rows != n)) {
		rc = sc_errf(err, SC_EINVAL, "unintegrated PC scores need %zu rows and variances", n);
		goto out;
	}
	if (opts->pre_x && opts->pre_x->rows != n) {
		rc = sc_errf(err, SC_EINVAL, "unintegrated data has %zu rows for %zu cells",
			     opts->pre_x->rows, n);
		goto out;
	}

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
	sc_scib_metric *M = out->metric;
	size_t L = labels->ncat;
	out->asw_label_cell = nans(n);
	out->asw_batch_cell = nans(n);
	out->kbet_pvalue_cell = nans(n);
	out->cluster = sc_xmalloc(sizeof(int32_t) * (n + 1));
	for (size_t i = 0; i < n; i++)
		out->cluster[i] = -1;
	out->asw_batch_label = nans(L);
	out->graph_conn_label = nans(L);
	out->kbet_rejection_label = nans(L);
	out->iso_f1_label = nans(L);
	out->iso_asw_label = nans(L);
	out->kbet_k0_label = sc_xcalloc(L + 1, sizeof(int));

	/* ---- neighbours and graphs ---- */
	size_t kk = opts->lisi_k0 > 50 ? opts->lisi_k0 : 50;
	if (kk > n)
		kk = n;
	const int32_t *idx;
	const double *dist;
	if (opts->knn_idx && opts->knn_dist) {
		if (opts->knn_k < 2) {
			rc = sc_errf(err, SC_EINVAL, "precomputed kNN has %zu columns", opts->knn_k);
			goto out;
		}
		idx = opts->knn_idx;
		dist = opts->knn_dist;
		kk = opts->knn_k;
	} else {
		sc_progress_line("scib: %zu nearest neighbours of %zu cells", kk, n);
		t0 = now();
		kidx = sc_xmalloc(sizeof(int32_t) * sc_mulsz(n, kk));
		kdist = sc_xmalloc(sizeof(double) * sc_mulsz(n, kk));
		if ((rc = sc_knn_self(kidx, kdist, emb, kk, SC_METRIC_EUCLIDEAN, 1, err)))
			goto out;
		idx = kidx;
		dist = kdist;
		step(out, "knn", t0);
	}
	const sc_csr *c15 = opts->conn15, *c50 = opts->conn50;
	if (!c15) {
		t0 = now();
		if ((rc = make_graph(&g15, idx, dist, n, kk, kk < 15 ? kk : 15, err)))
			goto out;
		c15 = &g15;
		step(out, "graph15", t0);
	}
	if (!c50) {
		t0 = now();
		if ((rc = make_graph(&g50, idx, dist, n, kk, kk < 50 ? kk : 50, err)))
			goto out;
		c50 = &g50;
		step(out, "graph50", t0);
	}

	/* ---- clustering: NMI, ARI (and the sweep for isolated F1) ---- */
	{
		double def[10];
		const double *res = opts->resolutions;
		size_t nres = opts->n_resolutions;
		if (!res || !nres) {
			nres = sc_scib_default_resolutions(def);
			res = def;
		}
		sc_progress_line("scib: Leiden at %zu resolutions", nres);
		t0 = now();
		if ((rc = sc_scib_sweep_run(&sw, c15, labels, res, nres, opts->seed, opts->n_threads,
					    err)))
			goto out;
		step(out, "leiden_sweep", t0);
		t0 = now();
		double r = NAN, nmi, ari;
		size_t nc = 0;
		sc_scib_why why = { { 0 } };
		if ((rc = sc_scib_nmi_ari_optimal(&nmi, &ari, &r, &nc, &sw, labels, &why, err)))
			goto out;
		M[M_NMI].value = nmi;
		M[M_ARI].value = ari;
		set_why(&M[M_NMI], &why);
		set_why(&M[M_ARI], &why);
		if (!isnan(r)) {
			snprintf(M[M_NMI].detail, sizeof(M[M_NMI].detail),
				 "Leiden resolution %g, %zu clusters (NMI-optimal of %zu)", r, nc, nres);
			snprintf(M[M_ARI].detail, sizeof(M[M_ARI].detail),
				 "on the NMI-optimal clustering (resolution %g)", r);
			memcpy(out->cluster, sw.membership + sw.best * n, sizeof(int32_t) * n);
		}
		M[M_NMI].seconds = M[M_ARI].seconds = now() - t0;
		out->n_res = nres;
		out->res = sc_xmalloc(sizeof(double) * nres);
		out->res_nmi = sc_xmalloc(sizeof(double) * nres);
		out->res_clusters = sc_xmalloc(sizeof(size_t) * nres);
		memcpy(out->res, sw.res, sizeof(double) * nres);
		memcpy(out->res_nmi, sw.nmi, sizeof(double) * nres);
		memcpy(out->res_clusters, sw.n_clusters, sizeof(size_t) * nres);
	}

	/* ---- silhouettes ---- */
	{
		sc_scib_why why = { { 0 } };
		sc_progress_line("scib: silhouette of %zu cells", n);
		t0 = now();
		if ((rc = sc_scib_asw_label(&M[M_ASW_LABEL].value, out->asw_label_cell, emb, labels, T,
					    &why, err)))
			goto out;
		set_why(&M[M_ASW_LABEL], &why);
		M[M_ASW_LABEL].seconds = now() - t0;

		t0 = now();
		if ((rc = sc_scib_isolated_asw(&M[M_ISO_ASW].value, out->iso_asw_label,
					       out->asw_label_cell, labels, batches,
					       opts->iso_threshold, &why, err)))
			goto out;
		set_why(&M[M_ISO_ASW], &why);
		M[M_ISO_ASW].seconds = now() - t0;

		sc_progress_line("scib: batch silhouette per label");
		t0 = now();
		if ((rc = sc_scib_asw_batch(&M[M_ASW_BATCH].value, out->asw_batch_label,
					    out->asw_batch_cell, emb, labels, batches, T, &why, err)))
			goto out;
		set_why(&M[M_ASW_BATCH], &why);
		size_t used = 0;
		for (size_t j = 0; j < L; j++)
			used += !isnan(out->asw_batch_label[j]);
		snprintf(M[M_ASW_BATCH].detail, sizeof(M[M_ASW_BATCH].detail),
			 "%zu of %zu labels with more than one batch", used, lab.k);
		M[M_ASW_BATCH].seconds = now() - t0;
	}

	/* ---- isolated-label F1 on the sweep ---- */
	{
		sc_scib_why why = { { 0 } };
		t0 = now();
		if ((rc = sc_scib_isolated_f1(&M[M_ISO_F1].value, out->iso_f1_label, sw.membership,
					      sw.nres, labels, batches, opts->iso_threshold, &why,
					      err)))
			goto out;
		set_why(&M[M_ISO_F1], &why);
		size_t ni = 0;
		for (size_t j = 0; j < L; j++)
			ni += !isnan(out->iso_f1_label[j]);
		if (ni) {
			snprintf(M[M_ISO_F1].detail, sizeof(M[M_ISO_F1].detail),
				 "%zu isolated label(s), best over %zu resolutions", ni, sw.nres);
			snprintf(M[M_ISO_ASW].detail, sizeof(M[M_ISO_ASW].detail),
				 "%zu isolated label(s)", ni);
		}
		M[M_ISO_F1].seconds = now() - t0;
	}

	/* ---- graph connectivity ---- */
	t0 = now();
	if ((rc = sc_scib_graph_connectivity(&M[M_GRAPH_CONN].value, out->graph_conn_label, c15,
					     labels, err)))
		goto out;
	M[M_GRAPH_CONN].seconds = now() - t0;

	/* ---- graph LISI ---- */
	sc_progress_line("scib: graph LISI (%zu neighbours by shortest path)", opts->lisi_k0);
	t0 = now();
	if ((rc = sc_scib_lisi_graph(&lg, c15, batches, labels, opts->lisi_k0, T, err)))
		goto out;
	M[M_ILISI].value = lg.ilisi;
	M[M_CLISI].value = lg.clisi;
	set_why(&M[M_ILISI], &lg.ilisi_why);
	set_why(&M[M_CLISI], &lg.clisi_why);
	snprintf(M[M_ILISI].detail, sizeof(M[M_ILISI].detail), "median LISI %.6g of %zu batches",
		 lg.ilisi_median, bat.k);
	snprintf(M[M_CLISI].detail, sizeof(M[M_CLISI].detail), "median LISI %.6g of %zu labels",
		 lg.clisi_median, lab.k);
	M[M_ILISI].seconds = M[M_CLISI].seconds = now() - t0;
	out->ilisi_cell = lg.ilisi_cell;
	out->clisi_cell = lg.clisi_cell;
	lg.ilisi_cell = lg.clisi_cell = NULL;

	/* ---- kBET ---- */
	sc_progress_line("scib: kBET per label");
	t0 = now();
	if ((rc = sc_scib_kbet_all_cells(&kb, c50, labels, batches, opts->kbet_alpha, T, err)))
		goto out;
	M[M_KBET].value = kb.score;
	set_why(&M[M_KBET], &kb.why);
	{
		size_t tested = 0, all1 = 0;
		for (size_t j = 0; j < L; j++) {
			out->kbet_rejection_label[j] = kb.rejection[j];
			out->kbet_k0_label[j] = kb.k0[j];
			tested += !isnan(kb.rejection[j]);
			all1 += kb.note[j][0] && !isnan(kb.rejection[j]);
		}
		snprintf(M[M_KBET].detail, sizeof(M[M_KBET].detail),
			 "%zu labels tested (%zu scored 1 by scib's rules), alpha %g, every cell "
			 "tested", tested, all1, opts->kbet_alpha);
		memcpy(out->kbet_pvalue_cell, kb.pvalue, sizeof(double) * n);
	}
	M[M_KBET].seconds = now() - t0;

	/* ---- PC regression ---- */
	{
		sc_scib_why why = { { 0 } };
		t0 = now();
		double before = NAN, after = NAN;
		if ((rc = sc_scib_pcr_embedding(&after, emb, batches, opts->pcr_comps, err)))
			goto out;
		M[M_PCR_AFTER].value = after;
		M[M_PCR_AFTER].seconds = now() - t0;
		t0 = now();
		if (opts->pre_scores)
			rc = sc_scib_pcr_scores(&before, NULL, opts->pre_scores, opts->pre_variance,
						batches, err);
		else if (opts->pre_x)
			rc = sc_scib_pcr_embedding(&before, opts->pre_x, batches, opts->pcr_comps, err);
		if (rc)
			goto out;
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
	}

	/* ---- scib-metrics' kNN LISI ---- */
	t0 = now();
	if ((rc = sc_scib_lisi_knn(&lk, idx, dist, n, kk, batches, labels, T, err)))
		goto out;
	M[M_ILISI_KNN].value = lk.ilisi;
	M[M_CLISI_KNN].value = lk.clisi;
	set_why(&M[M_ILISI_KNN], &lk.ilisi_why);
	set_why(&M[M_CLISI_KNN], &lk.clisi_why);
	snprintf(M[M_ILISI_KNN].detail, sizeof(M[M_ILISI_KNN].detail),
		 "Euclidean %zu-NN (self masked), median %.6g", kk, lk.ilisi_median);
	snprintf(M[M_CLISI_KNN].detail, sizeof(M[M_CLISI_KNN].detail),
		 "Euclidean %zu-NN (self masked), median %.6g", kk, lk.clisi_median);
	M[M_ILISI_KNN].seconds = M[M_CLISI_KNN].seconds = now() - t0;
	out->ilisi_knn_cell = lk.ilisi_cell;
	out->clisi_knn_cell = lk.clisi_cell;
	lk.ilisi_cell = lk.clisi_cell = NULL;

	/* ---- aggregates of this one method ---- */
	{
		double v[M_COUNT];
		sc_scib_class cls[M_COUNT];
		for (int i = 0; i < M_COUNT; i++) {
			v[i] = M[i].value;
			cls[i] = M[i].cls;
		}
		if ((rc = sc_scib_aggregate(&out->bio, &out->batch, &out->overall, NULL, v, 1,
					    M_COUNT, cls, 0, err)))
			goto out;
	}
	out->total_seconds = now() - t_all;
	sc_progress_line(NULL);
out:
	sc_scib_kbet_free(&kb);
	sc_scib_lisi_free(&lg);
	sc_scib_lisi_free(&lk);
	sc_scib_sweep_free(&sw);
	sc_csr_free(&g15);
	sc_csr_free(&g50);
	free(kidx);
	free(kdist);
	sc_scib_cats_free(&lab);
	sc_scib_cats_free(&bat);
	if (rc)
		sc_scib_result_free(out);
	return rc;
}
