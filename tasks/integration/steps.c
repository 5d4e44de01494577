/*
 * tasks/integration/steps.c - the batch-integration and multi-omics tasks as built-in
 * steps.
 *
 *   batch.embed        a built-in integration of a dataset's counts:
 *                      unintegrated PCA, ComBat or Harmony (embedding.h5ad,
 *                      obsm/X_emb).
 *   multiomics.embed   a joint representation of two modalities of the same
 *                      cells: each modality embedded by its standard pipeline
 *                      (RNA: PCA; protein: CLR + PCA; ATAC: TF-IDF + LSI),
 *                      then a concatenation of blocks scaled to equal total
 *                      variance, or a weighted-nearest-neighbour graph.
 *   integration.eval   the scIB suite on an embedding (or a graph): every
 *                      metric with its direction, NaN with a reason where it
 *                      is undefined, and per-cell and per-label values
 *                      (cells.csv, labels.csv) so a report can show where
 *                      integration fails.
 *
 * Cells without a label (or batch) cannot be scored and are left out, with
 * a note, as scib's callers filter them.
 */
#include "util/progress.h"
#include "integration.h"
#include "io/h5ad.h"
#include "tasks/integrate/baseline.h"
#include "tasks/integrate/multiomics.h"
#include "tasks/integrate/wnn.h"
#include "io/npy.h"
#include "tasks/rep.h"
#include "tasks/scib/suite.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int write_embedding(sc_step_ctx *c, sc_h5ad *h, const sc_dmat *emb, const sc_csr *graph,
			   const char *what)
{
	char **obs = NULL;
	size_t nobs = 0;
	int rc = sc_h5ad_read_index(&obs, &nobs, h, "obs", c->err);
	if (rc)
		return rc;
	char *path = sc_step_out(c, "embedding.h5ad");
	sc_h5ad_writer *w = NULL;
	if ((rc = sc_h5ad_create(&w, path, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "obs", obs, nobs, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "var", NULL, 0, c->err)) ||
	    (rc = sc_h5ad_write_dense(w, "obsm/X_emb", emb, SC_H5AD_F64, c->err)) ||
	    (graph && (rc = sc_h5ad_write_csr(w, "obsp/connectivities", graph, SC_H5AD_F64, c->err))) ||
	    (rc = sc_h5ad_write_uns_string(w, "method", what, c->err)))
		goto out;
	rc = sc_h5ad_writer_close(w, c->err);
	w = NULL;
out:
	sc_h5ad_writer_free(w);
	free(path);
	sc_h5ad_strings_free(obs, nobs);
	return rc;
}

static void standard_opts(sc_step_ctx *c, sc_standard_opts *o)
{
	sc_standard_opts_default(o);
	o->n_top_genes = (size_t)sc_step_int(c, "n_top_genes", (long long)o->n_top_genes);
	o->n_comps = (size_t)sc_step_int(c, "n_comps", (long long)o->n_comps);
	o->target_sum = sc_step_num(c, "target_sum", o->target_sum);
}

static int batch_embed(sc_step_ctx *c)
{
	const char *pd = sc_step_need(c, "data");
	if (!pd)
		return c->err->code;
	sc_batch_baseline which;
	int rc = sc_batch_baseline_parse(&which, sc_step_str(c, "method", "unintegrated"), c->err);
	if (rc)
		return rc;
	sc_standard_opts so;
	standard_opts(c, &so);
	sc_h5ad *h = NULL;
	sc_csr m = { 0 };
	sc_labels b = { 0 };
	sc_dmat emb = { 0 };
	if ((rc = sc_h5ad_open(&h, pd, c->err)) ||
	    (rc = sc_rep_read_counts(&m, h, sc_step_str(c, "counts", "X"), c->err)))
		goto out;
	if (which != SC_BASELINE_UNINTEGRATED &&
	    (rc = sc_h5ad_read_labels(&b, h, "obs", sc_step_str(c, "batch_key", ""), c->err)))
		goto out;
	if ((rc = sc_batch_baseline_embed(&emb, &m, which == SC_BASELINE_UNINTEGRATED ? NULL : &b,
					  which, &so, (uint64_t)c->seed, c->err)))
		goto out;
	rc = write_embedding(c, h, &emb, NULL, sc_batch_baseline_name(which));
out:
	sc_dmat_free(&emb);
	sc_labels_free(&b);
	sc_csr_free(&m);
	sc_h5ad_close(h);
	return rc;
}

static int parse_modality(sc_modality *out, const char *kind, sc_err *err)
{
	if (!strcmp(kind, "rna"))
		*out = SC_MODALITY_RNA;
	else if (!strcmp(kind, "protein") || !strcmp(kind, "adt"))
		*out = SC_MODALITY_PROTEIN;
	else if (!strcmp(kind, "atac"))
		*out = SC_MODALITY_ATAC;
	else
		return sc_errf(err, SC_EINVAL, "unknown modality '%s' (rna, protein, atac)", kind);
	return 0;
}

static int multiomics_embed(sc_step_ctx *c)
{
	const char *pd = sc_step_need(c, "data");
	if (!pd)
		return c->err->code;
	const char *pd2 = sc_step_input(c, "data2");
	const char *method = sc_step_str(c, "method", "concat");
	size_t ncomp = (size_t)sc_step_int(c, "n_comps", 50);
	size_t ncomp2 = (size_t)sc_step_int(c, "n_comps2", 20);
	sc_modality k2 = SC_MODALITY_PROTEIN;
	int rc = parse_modality(&k2, sc_step_str(c, "modality2", "protein"), c->err);
	if (rc)
		return rc;
	sc_h5ad *h = NULL, *h2 = NULL;
	sc_csr m1 = { 0 }, m2 = { 0 };
	sc_dmat e[2] = { { 0 } }, joint = { 0 };
	sc_wnn_graph wg;
	memset(&wg, 0, sizeof(wg));
	if ((rc = sc_h5ad_open(&h, pd, c->err)) ||
	    (pd2 && (rc = sc_h5ad_open(&h2, pd2, c->err))) ||
	    (rc = sc_rep_read_counts(&m1, h, sc_step_str(c, "counts", "X"), c->err)) ||
	    (rc = sc_rep_read_counts(&m2, h2 ? h2 : h, sc_step_str(c, "where2", "X"), c->err)))
		goto out;
	if (m1.rows != m2.rows) {
		rc = sc_errf(c->err, SC_EINVAL, "the two modalities have %zu and %zu cells", m1.rows,
			     m2.rows);
		goto out;
	}
	if ((rc = sc_modality_embedding(&e[0], &m1, SC_MODALITY_RNA, ncomp, c->err)) ||
	    (rc = sc_modality_embedding(&e[1], &m2, k2, ncomp2, c->err)))
		goto out;
	if (!strcmp(method, "rna") || !strcmp(method, "modality2")) {
		int which = !strcmp(method, "rna") ? 0 : 1;
		rc = write_embedding(c, h, &e[which], NULL, method);
	} else if (!strcmp(method, "concat")) {
		if (!(rc = sc_concat_embeddings(&joint, e, NULL, 2, c->err)))
			rc = write_embedding(c, h, &joint, NULL, "concat (blocks of equal total variance)");
	} else if (!strcmp(method, "wnn")) {
		sc_wnn_opts o;
		sc_wnn_opts_default(&o);
		if (!(rc = sc_wnn_build(&wg, &e[0], &e[1], &o, c->err)) &&
		    !(rc = sc_concat_embeddings(&joint, e, NULL, 2, c->err)))
			rc = write_embedding(c, h, &joint, &wg.connectivities,
					     "wnn (graph in obsp/connectivities)");
	} else {
		rc = sc_errf(c->err, SC_EINVAL, "unknown multiomics method '%s'", method);
	}
out:
	sc_wnn_graph_free(&wg);
	sc_dmat_free(&joint);
	sc_dmat_free(&e[0]);
	sc_dmat_free(&e[1]);
	sc_csr_free(&m1);
	sc_csr_free(&m2);
	sc_h5ad_close(h2);
	sc_h5ad_close(h);
	return rc;
}

/* ---- evaluation -------------------------------------------------------------- */

/* Restrict a labels vector to rows (keeping categories). */
static void keep_rows(sc_labels *l, const size_t *rows, size_t n)
{
	sc_labels t;
	sc_labels_subset(&t, l, rows, n);
	sc_labels_free(l);
	*l = t;
}

static void keep_dense_rows(sc_dmat *m, const size_t *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memmove(m->v + i * m->cols, m->v + rows[i] * m->cols, m->cols * sizeof(double));
	m->rows = n;
}

/* A graph restricted to the listed rows and columns (ascending rows). */
static void keep_graph(sc_csr *g, const size_t *rows, size_t n)
{
	int32_t *map = sc_xmalloc((g->rows ? g->rows : 1) * sizeof(int32_t));
	for (size_t i = 0; i < g->rows; i++)
		map[i] = -1;
	for (size_t i = 0; i < n; i++)
		map[rows[i]] = (int32_t)i;
	sc_csr t;
	sc_csr_alloc(&t, n, n, sc_csr_nnz(g));
	size_t p = 0;
	for (size_t i = 0; i < n; i++) {
		for (int64_t q = g->indptr[rows[i]]; q < g->indptr[rows[i] + 1]; q++)
			if (map[g->indices[q]] >= 0) {
				t.indices[p] = map[g->indices[q]];
				t.data[p++] = g->data[q];
			}
		t.indptr[i + 1] = (int64_t)p;
	}
	free(map);
	sc_csr_free(g);
	*g = t;
}

static int load_emb(sc_step_ctx *c, const char *path, const char *where, sc_dmat *out)
{
	if (sc_npy_is(path))
		return sc_npy_read(out, path, c->err) ||
		       sc_rep_check_finite(out, path, "embedding", c->err);
	sc_h5ad *h = NULL;
	int rc = sc_h5ad_open(&h, path, c->err);
	if (!rc)
		rc = sc_rep_load(out, h, where, c->err);
	sc_h5ad_close(h);
	return rc;
}

static int integration_eval(sc_step_ctx *c)
{
	const char *pd = sc_step_need(c, "data"), *pe = sc_step_need(c, "embedding");
	if (!pd || !pe)
		return c->err->code;
	const char *pp = sc_step_input(c, "pre");
	const char *label_key = sc_step_str(c, "label_key", NULL);
	const char *batch_key = sc_step_str(c, "batch_key", NULL);
	const char *where = sc_step_str(c, "where", "obsm/X_emb");
	const char *graph = sc_step_str(c, "graph", NULL);
	sc_h5ad *h = NULL;
	sc_labels lab = { 0 }, bat = { 0 };
	sc_dmat emb = { 0 }, pre = { 0 };
	sc_csr g = { 0 };
	sc_scib_result r;
	memset(&r, 0, sizeof(r));
	double *prevar = NULL;
	size_t *rows = NULL;
	char **names = NULL;
	size_t nnames = 0;
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	int rc = sc_h5ad_open(&h, pd, c->err);
	if (rc || (rc = sc_h5ad_read_labels(&lab, h, "obs", label_key ? label_key : "", c->err)) ||
	    (rc = sc_h5ad_read_index(&names, &nnames, h, "obs", c->err)))
		goto out;
	sc_labels_unlabel(&lab, json_object_get(c->params, "unlabeled"));
	if (batch_key) {
		if ((rc = sc_h5ad_read_labels(&bat, h, "obs", batch_key, c->err)))
			goto out;
	} else {
		/* No batches (multi-omics on one sample): one category; the batch
		 * metrics come out NaN with their reason. */
		bat.n = lab.n;
		bat.codes = sc_xcalloc(lab.n ? lab.n : 1, sizeof(int32_t));
		bat.ncat = 1;
		bat.names = sc_xcalloc(1, sizeof(char *));
		bat.names[0] = sc_xstrdup("all");
	}
	if ((rc = load_emb(c, pe, where, &emb)))
		goto out;
	if (emb.rows != lab.n) {
		rc = sc_errf(c->err, SC_EINVAL, "the embedding has %zu rows but the dataset has %zu cells",
			     emb.rows, lab.n);
		goto out;
	}
	if (graph) {
		sc_h5ad *he = NULL;
		if ((rc = sc_h5ad_open(&he, pe, c->err)))
			goto out;
		rc = sc_h5ad_read_csr(&g, he, graph, 0, c->err);
		sc_h5ad_close(he);
		if (rc)
			goto out;
	}
	if (pp && (rc = load_emb(c, pp, "obsm/X_emb", &pre)))
		goto out;
	/* Cells with a label and a batch. */
	rows = sc_xmalloc((lab.n ? lab.n : 1) * sizeof(size_t));
	size_t n = 0;
	for (size_t i = 0; i < lab.n; i++)
		if (lab.codes[i] >= 0 && bat.codes[i] >= 0)
			rows[n++] = i;
	if (n < lab.n) {
		sc_step_note(c, "%zu cell%s without a label or batch left out", lab.n - n,
			     lab.n - n == 1 ? "" : "s");
		keep_rows(&lab, rows, n);
		keep_rows(&bat, rows, n);
		keep_dense_rows(&emb, rows, n);
		if (pre.v)
			keep_dense_rows(&pre, rows, n);
		if (g.indptr)
			keep_graph(&g, rows, n);
	}
	sc_scib_opts o;
	sc_scib_opts_default(&o);
	o.seed = (uint64_t)c->seed;
	if (pre.v) {
		/* PC variances of the unintegrated scores (their column variances). */
		prevar = sc_xcalloc(pre.cols ? pre.cols : 1, sizeof(double));
		for (size_t j = 0; j < pre.cols; j++) {
			double m = 0, q = 0;
			for (size_t i = 0; i < pre.rows; i++)
				m += SC_AT(&pre, i, j);
			m /= (double)pre.rows;
			for (size_t i = 0; i < pre.rows; i++)
				q += (SC_AT(&pre, i, j) - m) * (SC_AT(&pre, i, j) - m);
			prevar[j] = q / (double)(pre.rows > 1 ? pre.rows - 1 : 1);
		}
		o.pre_scores = &pre;
		o.pre_variance = prevar;
	}
	if (g.indptr)
		o.conn15 = &g;
	sc_progress_stages("scIB metrics", "stages", SC_SCIB_SUITE_STAGES);
	if ((rc = sc_scib_suite_run(&r, &emb, &lab, &bat, &o, c->err)))
		goto out;
	int graph_only = sc_step_bool(c, "graph_only", 0);
	for (size_t i = 0; i < r.n_metrics; i++) {
		const sc_scib_metric *m = &r.metric[i];
		/* Without batches (one multi-omics sample) there is no batch effect
		 * to measure: the batch-correction metrics are not reported. */
		if (!batch_key && (m->cls == SC_SCIB_BATCH || !strncmp(m->name, "ilisi", 5) ||
				   !strncmp(m->name, "pcr", 3) || !strncmp(m->name, "isolated", 8)))
			continue;
		double v = m->value;
		char detail[512];
		snprintf(detail, sizeof(detail), "%s%s%s", m->detail, m->why[0] && m->detail[0] ? "; " : "",
			 m->why);
		/* A graph method (WNN) has no embedding of its own: metrics of the
		 * embedding would describe the concatenation instead. */
		if (graph_only && (!strcmp(m->name, "asw_label") || !strcmp(m->name, "asw_batch") ||
				   !strcmp(m->name, "isolated_label_asw") ||
				   !strncmp(m->name, "pcr", 3) || strstr(m->name, "knn_scibmetrics"))) {
			v = NAN;
			snprintf(detail, sizeof(detail), "undefined: the method gives a graph, not an embedding");
		}
		sc_step_metric(c, m->name, v, m->higher_is_better, detail);
	}
	if (!graph_only && !batch_key) {
		sc_step_metric(c, "bio", r.bio, 1, "mean of the bio-conservation metrics");
	} else if (!graph_only) {
		sc_step_metric(c, "bio", r.bio, 1, "mean of the bio-conservation metrics");
		sc_step_metric(c, "batch", r.batch, 1, "mean of the batch-correction metrics");
		sc_step_metric(c, "overall", r.overall, 1, "0.6 bio + 0.4 batch");
	}
	/* Per-cell values. */
	sc_buf_puts(&b, "cell,label,batch,cluster,asw_label,asw_batch,ilisi,clisi,kbet_pvalue\n");
	for (size_t i = 0; i < n; i++) {
		sc_buf_csv(&b, names[rows[i]]);
		sc_buf_putc(&b, ',');
		sc_buf_csv(&b, lab.names[lab.codes[i]]);
		sc_buf_putc(&b, ',');
		sc_buf_csv(&b, bat.names[bat.codes[i]]);
		sc_buf_printf(&b, ",%d", r.cluster ? r.cluster[i] : -1);
		const double *cols[] = { r.asw_label_cell, r.asw_batch_cell, r.ilisi_cell, r.clisi_cell,
					 r.kbet_pvalue_cell };
		for (int k = 0; k < 5; k++) {
			if (cols[k] && !isnan(cols[k][i]))
				sc_buf_printf(&b, ",%.17g", cols[k][i]);
			else
				sc_buf_puts(&b, ",");
		}
		sc_buf_putc(&b, '\n');
	}
	char *cp = sc_step_out(c, "cells.csv");
	rc = sc_write_file_atomic(cp, b.s, b.len, 0644, c->err);
	free(cp);
	if (rc)
		goto out;
	/* Per-label summaries: where does integration fail? */
	sc_buf_reset(&b);
	sc_buf_puts(&b, "label,cells,asw_label,asw_batch,ilisi,clisi\n");
	for (size_t k = 0; k < lab.ncat; k++) {
		double s[4] = { 0 };
		size_t cnt[4] = { 0 }, cells = 0;
		const double *cols[] = { r.asw_label_cell, r.asw_batch_cell, r.ilisi_cell, r.clisi_cell };
		for (size_t i = 0; i < n; i++) {
			if (lab.codes[i] != (int32_t)k)
				continue;
			cells++;
			for (int q = 0; q < 4; q++)
				if (cols[q] && !isnan(cols[q][i])) {
					s[q] += cols[q][i];
					cnt[q]++;
				}
		}
		if (!cells)
			continue;
		sc_buf_csv(&b, lab.names[k]);
		sc_buf_printf(&b, ",%zu", cells);
		for (int q = 0; q < 4; q++) {
			if (cnt[q])
				sc_buf_printf(&b, ",%.17g", s[q] / (double)cnt[q]);
			else
				sc_buf_puts(&b, ",");
		}
		sc_buf_putc(&b, '\n');
	}
	char *lp = sc_step_out(c, "labels.csv");
	rc = sc_write_file_atomic(lp, b.s, b.len, 0644, c->err);
	free(lp);
out:
	sc_buf_free(&b);
	sc_scib_result_free(&r);
	free(prevar);
	free(rows);
	sc_h5ad_strings_free(names, nnames);
	sc_csr_free(&g);
	sc_dmat_free(&emb);
	sc_dmat_free(&pre);
	sc_labels_free(&lab);
	sc_labels_free(&bat);
	sc_h5ad_close(h);
	return rc;
}

const sc_step_kind sc_batch_embed_kind = { "batch.embed", "2", batch_embed,
					   "built-in batch integration (PCA, ComBat, Harmony)" };
const sc_step_kind sc_multiomics_embed_kind = { "multiomics.embed", "2", multiomics_embed,
						"joint embedding of two modalities" };
const sc_step_kind sc_integration_eval_kind = { "integration.eval", "5", integration_eval,
						"the scIB metric suite on an embedding" };
