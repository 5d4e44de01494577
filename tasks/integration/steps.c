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
 *                      integration fails, and a picture of the cells by
 *                      batch and by label (embedding.svg, picture.c).
 *
 * Cells without a label (or batch) cannot be scored and are left out, with
 * a note, as scib's callers filter them.
 */
#include "integration.h"
#include "io/h5ad.h"
#include "tasks/integrate/baseline.h"
#include "tasks/integrate/multiomics.h"
#include "tasks/integrate/wnn.h"
#include "io/npy.h"
#include "tasks/rep.h"
#include "tasks/scib/suite.h"
#include "tasks/scib/tables.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/progress.h"

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

/* The preprocessing of a built-in embedding: the task's n_top_genes and
 * n_comps (passed by the planner), the method's target_sum where the
 * method declares one (its default is the descriptor's). */
static void standard_opts(sc_step_ctx *c, const char *method, sc_standard_opts *o)
{
	sc_standard_opts_default(o);
	o->n_top_genes = (size_t)sc_step_int(c, "n_top_genes", (long long)o->n_top_genes);
	o->n_comps = (size_t)sc_step_int(c, "n_comps", (long long)o->n_comps);
	const sc_method_desc *m = sc_task_method_find(&sc_batch_task, method);
	if (m && sc_method_param_find(m, "target_sum"))
		o->target_sum = sc_step_param(c, m, "target_sum");
}

static int batch_embed(sc_step_ctx *c)
{
	const char *pd = sc_step_need(c, "data");
	if (!pd)
		return c->err->code;
	sc_batch_baseline which;
	const char *method = sc_step_str(c, "method", "unintegrated");
	int rc = sc_batch_baseline_parse(&which, method, c->err);
	if (rc)
		return rc;
	sc_standard_opts so;
	standard_opts(c, method, &so);
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
	if ((rc = sc_batch_baseline_embed_take(&emb, &m, which == SC_BASELINE_UNINTEGRATED ? NULL : &b,
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

/* What integration.eval scores, read from its inputs. */
typedef struct eval_input {
	sc_labels lab, bat;
	char **names; /* obs names of the dataset */
	size_t nnames;
	sc_dmat emb, pre; /* pre: the unintegrated representation, if given */
	sc_csr graph;     /* the method's own graph, if it gives one */
	double *pseudotime; /* the dataset's pseudotime column, if one is named */
	size_t *rows, n;  /* the cells scored: those with a label and a batch */
} eval_input;

static void eval_input_free(eval_input *in)
{
	free(in->rows);
	free(in->pseudotime);
	sc_h5ad_strings_free(in->names, in->nnames);
	sc_csr_free(&in->graph);
	sc_dmat_free(&in->emb);
	sc_dmat_free(&in->pre);
	sc_labels_free(&in->lab);
	sc_labels_free(&in->bat);
}

/* Labels, obs names and batches from the dataset. */
static int eval_read_dataset(sc_step_ctx *c, eval_input *in, const char *pd, const char *batch_key)
{
	const char *label_key = sc_step_str(c, "label_key", NULL);
	sc_h5ad *h = NULL;
	int rc = sc_h5ad_open(&h, pd, c->err);
	if (rc || (rc = sc_h5ad_read_labels(&in->lab, h, "obs", label_key ? label_key : "", c->err)) ||
	    (rc = sc_h5ad_read_index(&in->names, &in->nnames, h, "obs", c->err)))
		goto out;
	sc_labels_unlabel(&in->lab, json_object_get(c->params, "unlabeled"));
	const char *pt_key = sc_step_str(c, "pseudotime_key", NULL);
	size_t npt = 0;
	if (pt_key && (rc = sc_h5ad_read_numeric(&in->pseudotime, &npt, h, "obs", pt_key, c->err)))
		goto out;
	if (pt_key && npt != in->lab.n) {
		rc = sc_errf(c->err, SC_EINVAL, "obs column '%s' has %zu values for %zu cells", pt_key,
			     npt, in->lab.n);
		goto out;
	}
	if (batch_key) {
		rc = sc_h5ad_read_labels(&in->bat, h, "obs", batch_key, c->err);
	} else {
		/* No batches (multi-omics on one sample): one category; the batch
		 * metrics come out NaN with their reason. */
		sc_labels *b = &in->bat;
		b->n = in->lab.n;
		b->codes = sc_xcalloc(b->n ? b->n : 1, sizeof(int32_t));
		b->ncat = 1;
		b->names = sc_xcalloc(1, sizeof(char *));
		b->names[0] = sc_xstrdup("all");
	}
out:
	sc_h5ad_close(h);
	return rc;
}

/* The embedding (and the method's graph, and the unintegrated
 * representation when given) with one row per cell of the dataset. */
static int eval_read_embedding(sc_step_ctx *c, eval_input *in, const char *pe, const char *pp)
{
	const char *where = sc_step_str(c, "where", "obsm/X_emb");
	const char *graph = sc_step_str(c, "graph", NULL);
	int rc = load_emb(c, pe, where, &in->emb);
	if (rc)
		return rc;
	if (in->emb.rows != in->lab.n)
		return sc_errf(c->err, SC_EINVAL,
			       "the embedding has %zu rows but the dataset has %zu cells", in->emb.rows,
			       in->lab.n);
	if (graph) {
		sc_h5ad *he = NULL;
		if ((rc = sc_h5ad_open(&he, pe, c->err)))
			return rc;
		rc = sc_h5ad_read_csr(&in->graph, he, graph, 0, c->err);
		sc_h5ad_close(he);
		if (rc)
			return rc;
	}
	return pp ? load_emb(c, pp, "obsm/X_emb", &in->pre) : 0;
}

/* Leave out the cells without a label or a batch, with a note. */
static void eval_keep_scored(sc_step_ctx *c, eval_input *in)
{
	size_t N = in->lab.n, n = 0;
	in->rows = sc_xmalloc((N ? N : 1) * sizeof(size_t));
	for (size_t i = 0; i < N; i++)
		if (in->lab.codes[i] >= 0 && in->bat.codes[i] >= 0)
			in->rows[n++] = i;
	in->n = n;
	if (n == N)
		return;
	sc_step_note(c, "%zu cell%s without a label or batch left out", N - n, N - n == 1 ? "" : "s");
	keep_rows(&in->lab, in->rows, n);
	keep_rows(&in->bat, in->rows, n);
	keep_dense_rows(&in->emb, in->rows, n);
	if (in->pre.v)
		keep_dense_rows(&in->pre, in->rows, n);
	if (in->graph.indptr)
		keep_graph(&in->graph, in->rows, n);
	for (size_t i = 0; in->pseudotime && i < n; i++)
		in->pseudotime[i] = in->pseudotime[in->rows[i]];
}

/* What a metric needs (the descriptors' SC_METRIC_NEEDS_*): both
 * integration tasks declare the suite's metrics alike. */
static unsigned metric_needs(const char *name)
{
	const sc_metric_desc *d = sc_task_metric_find(&sc_batch_task, name);
	return d ? d->needs : 0;
}

/* Record the suite's metrics and the extra ones (eval_extra.c), then the
 * aggregates of what was recorded: without batches (one multi-omics sample)
 * there is no batch effect to measure and the metrics needing batches are
 * not reported; a graph method (WNN) has no embedding of its own, so the
 * metrics of an embedding would describe the concatenation instead: they
 * are undefined, and its bio score is the mean of those a graph defines
 * (as scib's metrics() for a kNN output). */
static int eval_record_metrics(sc_step_ctx *c, const sc_scib_result *r, const eval_input *in,
			       int have_batches, int graph_only)
{
	double *agg_v = sc_xmalloc(sizeof(double) * (r->n_metrics + 8));
	sc_scib_class *agg_c = sc_xmalloc(sizeof(sc_scib_class) * (r->n_metrics + 8));
	size_t nagg = 0;
	for (size_t i = 0; i < r->n_metrics; i++) {
		const sc_scib_metric *m = &r->metric[i];
		unsigned needs = metric_needs(m->name);
		if (!have_batches && (needs & SC_METRIC_NEEDS_BATCHES))
			continue;
		double v = m->value;
		char detail[512];
		snprintf(detail, sizeof(detail), "%s%s%s", m->detail, m->why[0] && m->detail[0] ? "; " : "",
			 m->why);
		if (graph_only && (needs & SC_METRIC_NEEDS_EMBEDDING)) {
			v = NAN;
			snprintf(detail, sizeof(detail), "undefined: the method gives a graph, not an embedding");
		}
		sc_step_metric(c, m->name, v, m->higher_is_better, detail);
		agg_v[nagg] = v;
		agg_c[nagg++] = m->cls;
	}
	double scores[3];
	int rc = sc_integration_eval_extra(c, in->rows, in->n, &in->emb, &in->lab, &in->bat, agg_v,
					   agg_c, &nagg);
	if (!rc)
		rc = sc_scib_aggregate(&scores[0], &scores[1], &scores[2], NULL, agg_v, 1, nagg, agg_c,
				       0, c->err);
	const char *names[] = { SC_M_BIO, SC_M_BATCH, SC_M_OVERALL };
	for (size_t i = 0; i < 3 && !rc; i++) {
		const sc_metric_desc *d = sc_task_metric_find(&sc_batch_task, names[i]);
		if ((have_batches && !graph_only) || !(d->needs & SC_METRIC_NEEDS_BATCHES))
			sc_step_metric(c, d->name, scores[i], d->higher_is_better, d->doc);
	}
	free(agg_v);
	free(agg_c);
	return rc;
}

/* Per-cell values and per-label summaries: where does integration fail? */
static int eval_write_tables(sc_step_ctx *c, const sc_scib_result *r, const eval_input *in)
{
	char **cells = sc_xmalloc((in->n ? in->n : 1) * sizeof(char *));
	for (size_t i = 0; i < in->n; i++)
		cells[i] = in->names[in->rows[i]];
	char *cp = sc_step_out(c, "cells.csv"), *lp = sc_step_out(c, "labels.csv");
	int rc = sc_scib_tables_write(cp, lp, r, cells, &in->lab, &in->bat, c->err);
	free(cp);
	free(lp);
	free(cells);
	return rc;
}

static int integration_eval(sc_step_ctx *c)
{
	const char *pd = sc_step_need(c, "data"), *pe = sc_step_need(c, "embedding");
	if (!pd || !pe)
		return c->err->code;
	const char *batch_key = sc_step_str(c, "batch_key", NULL);
	eval_input in;
	memset(&in, 0, sizeof(in));
	sc_scib_result r;
	memset(&r, 0, sizeof(r));
	int rc;
	if ((rc = eval_read_dataset(c, &in, pd, batch_key)) ||
	    (rc = eval_read_embedding(c, &in, pe, sc_step_input(c, "pre"))))
		goto out;
	eval_keep_scored(c, &in);
	sc_scib_opts o;
	sc_scib_opts_default(&o);
	o.seed = (uint64_t)c->seed;
	if (in.pre.v)
		o.pre_scores = &in.pre; /* variances: its column variances */
	if (in.graph.indptr)
		o.conn15 = &in.graph;
	o.pseudotime = in.pseudotime;
	o.trajectory_by_batch = sc_step_bool(c, "trajectory_by_batch", 0);
	sc_progress_stages("scIB metrics", "stages", SC_SCIB_SUITE_STAGES);
	if ((rc = sc_scib_suite_run(&r, &in.emb, &in.lab, &in.bat, &o, c->err)))
		goto out;
	int graph_only = sc_step_bool(c, "graph_only", 0);
	if ((rc = eval_record_metrics(c, &r, &in, batch_key != NULL, graph_only)))
		goto out;
	if (graph_only) {
		/* The silhouettes were of the concatenation, not of the method's
		 * graph: per cell and label they are as undefined as in total. */
		free(r.asw_label_cell);
		free(r.asw_batch_cell);
		r.asw_label_cell = r.asw_batch_cell = NULL;
	}
	if ((rc = eval_write_tables(c, &r, &in)))
		goto out;
	rc = sc_integration_picture(c, &in.emb, graph_only && in.graph.indptr ? &in.graph : NULL,
				    &in.lab, &in.bat);
out:
	sc_scib_result_free(&r);
	eval_input_free(&in);
	return rc;
}

const sc_step_kind sc_batch_embed_kind = { "batch.embed", "2", batch_embed,
					   "built-in batch integration (PCA, ComBat, Harmony)" };
const sc_step_kind sc_multiomics_embed_kind = { "multiomics.embed", "2", multiomics_embed,
						"joint embedding of two modalities" };
const sc_step_kind sc_integration_eval_kind = { "integration.eval", "8", integration_eval,
						"the scIB metric suite on an embedding" };
