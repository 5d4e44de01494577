/*
 * tasks/imputation/spatial_methods.c - the step imputation.spatial: one
 * method predicts the held-out genes on every spot.
 *
 *   mean     the reference mean of each held-out gene (the floor)
 *   knn      each spot takes the mean of its k nearest reference cells,
 *            cosine distance over the training genes
 *   tangram  Tangram's mapping (tangram.c) of cells (or clusters) to spots
 *            on the training genes; the held-out genes are projected
 *            through it, P^T x reference, as tangram.project_genes
 *   embedding  an external model's embeddings of the reference and of the
 *            spots: kNN in that space, as knn
 *   file     an external model's own predictions (.h5ad with the held-out
 *            genes as var, or .npy spots x held-out genes in table order)
 */
#include "imputation.h"
#include "io/h5ad.h"
#include "io/npy.h"
#include "tasks/core/knn.h"
#include "tasks/core/rng.h"
#include "tasks/rep.h"
#include "util/buf.h"
#include "util/fs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void predict_mean(sc_dmat *pred, const sc_imp_pair *p)
{
	size_t nt = p->n_test;
	double *mu = sc_xcalloc(nt ? nt : 1, sizeof(double));
	for (size_t i = 0; i < p->n_cells; i++)
		for (size_t j = 0; j < nt; j++)
			mu[j] += p->ref_test.v[i * nt + j];
	for (size_t j = 0; j < nt; j++)
		mu[j] /= (double)(p->n_cells ? p->n_cells : 1);
	for (size_t k = 0; k < p->n_spots; k++)
		memcpy(pred->v + k * nt, mu, nt * sizeof(double));
	free(mu);
}

/* Each query row: the mean of its k nearest reference rows' held-out values. */
static int predict_neighbours(sc_step_ctx *c, sc_dmat *pred, const sc_dmat *q, const sc_dmat *ref,
			      const sc_dmat *ref_test, size_t k)
{
	if (k > ref->rows)
		k = ref->rows;
	size_t nt = ref_test->cols;
	int32_t *idx = sc_xmalloc(q->rows * k * sizeof(int32_t));
	double *dist = sc_xmalloc(q->rows * k * sizeof(double));
	int rc = sc_knn_query(idx, dist, q, ref, k, SC_METRIC_COSINE, c->err);
	if (!rc)
		for (size_t s = 0; s < q->rows; s++) {
			double *o = pred->v + s * nt;
			for (size_t a = 0; a < k; a++) {
				const double *r = ref_test->v + (size_t)idx[s * k + a] * nt;
				for (size_t j = 0; j < nt; j++)
					o[j] += r[j];
			}
			for (size_t j = 0; j < nt; j++)
				o[j] /= (double)k;
		}
	free(idx);
	free(dist);
	return rc;
}

/* Columns of the training genes measured in both data sets (Tangram's
 * pp_adatas drops genes without counts in either). */
static size_t expressed_genes(size_t *keep, const sc_imp_pair *p)
{
	size_t n = 0, g = p->n_train;
	for (size_t j = 0; j < g; j++) {
		int in_sp = 0, in_ref = 0;
		for (size_t k = 0; k < p->n_spots && !in_sp; k++)
			in_sp = p->sp_train.v[k * g + j] != 0;
		for (size_t i = 0; i < p->n_cells && !in_ref; i++)
			in_ref = p->ref_train.v[i * g + j] != 0;
		if (in_sp && in_ref)
			keep[n++] = j;
	}
	return n;
}

static void take_cols(sc_dmat *out, const sc_dmat *m, const size_t *cols, size_t n)
{
	sc_dmat_alloc(out, m->rows, n);
	for (size_t i = 0; i < m->rows; i++)
		for (size_t j = 0; j < n; j++)
			out->v[i * n + j] = m->v[i * m->cols + cols[j]];
}

/* Clusters mode: per label, the sum of its cells' rows (Tangram's
 * adata_to_cluster_expression with scale=True) and its share of cells. */
static int cluster_sums(sc_step_ctx *c, sc_dmat *S, sc_dmat *S_test, double **share,
			const sc_dmat *tr, const sc_dmat *te, const char *reference)
{
	const char *key = sc_step_str(c, "label_key", NULL);
	if (!key)
		return sc_errf(c->err, SC_EINVAL, "tangram mode 'clusters' needs the task's label_key");
	sc_h5ad *h = NULL;
	sc_labels l = { 0 };
	int rc = sc_h5ad_open(&h, reference, c->err);
	if (!rc)
		rc = sc_h5ad_read_labels(&l, h, "obs", key, c->err);
	sc_h5ad_close(h);
	if (rc)
		return rc;
	size_t nc = l.ncat, g = tr->cols, nt = te->cols, used = 0;
	size_t *count = sc_xcalloc(nc + 1, sizeof(size_t));
	sc_labels_counts(&l, count);
	int32_t *row_of = sc_xmalloc((nc + 1) * sizeof(int32_t));
	for (size_t k = 0; k < nc; k++)
		row_of[k] = count[k] ? (int32_t)used++ : -1;
	sc_dmat_alloc(S, used, g);
	sc_dmat_alloc(S_test, used, nt);
	*share = sc_xcalloc(used ? used : 1, sizeof(double));
	size_t labelled = 0;
	for (size_t i = 0; i < l.n; i++)
		labelled += l.codes[i] >= 0;
	for (size_t i = 0; i < l.n; i++) {
		if (l.codes[i] < 0)
			continue;
		size_t r = (size_t)row_of[l.codes[i]];
		for (size_t j = 0; j < g; j++)
			S->v[r * g + j] += tr->v[i * g + j];
		for (size_t j = 0; j < nt; j++)
			S_test->v[r * nt + j] += te->v[i * nt + j];
	}
	for (size_t k = 0; k < nc; k++)
		if (row_of[k] >= 0)
			(*share)[row_of[k]] = (double)count[k] / (double)labelled;
	free(count);
	free(row_of);
	sc_labels_free(&l);
	return 0;
}

static char **numbered(size_t n)
{
	char **v = sc_xmalloc((n ? n : 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		v[i] = sc_xasprintf("%zu", i);
	return v;
}

static int write_init(sc_step_ctx *c, const sc_dmat *m)
{
	char *path = sc_step_out(c, SC_IMP_INIT_FILE);
	sc_h5ad_writer *w = NULL;
	char **rows = numbered(m->rows), **cols = numbered(m->cols);
	int rc = sc_h5ad_create(&w, path, c->err);
	if (!rc && !(rc = sc_h5ad_write_index(w, "obs", rows, m->rows, c->err)) &&
	    !(rc = sc_h5ad_write_index(w, "var", cols, m->cols, c->err)) &&
	    !(rc = sc_h5ad_write_dense(w, "X", m, SC_H5AD_F64, c->err))) {
		rc = sc_h5ad_writer_close(w, c->err);
		w = NULL;
	}
	sc_h5ad_writer_free(w);
	sc_h5ad_strings_free(rows, m->rows);
	sc_h5ad_strings_free(cols, m->cols);
	free(path);
	return rc;
}

static int write_history(sc_step_ctx *c, const double *h, size_t n)
{
	sc_buf b;
	sc_buf_init(&b);
	sc_buf_puts(&b, "epoch\tloss\n");
	for (size_t t = 0; t < n; t++)
		sc_buf_printf(&b, "%zu\t%.17g\n", t, h[t]);
	char *path = sc_step_out(c, SC_IMP_LOSS_FILE);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	sc_buf_free(&b);
	return rc;
}

static int tangram_options(sc_step_ctx *c, sc_tangram_opts *o, double **density,
			   const sc_imp_pair *p)
{
	sc_tangram_opts_default(o);
	const sc_method_desc *m = &sc_imp_tangram_method;
	o->epochs = (size_t)sc_step_param(c, m, "epochs");
	o->learning_rate = sc_step_param(c, m, "learning_rate");
	o->lambda_g1 = sc_step_param(c, m, "lambda_g1");
	o->lambda_g2 = sc_step_param(c, m, "lambda_g2");
	o->lambda_d = sc_step_param(c, m, "lambda_d");
	o->lambda_r = sc_step_param(c, m, "lambda_r");
	const char *prior = sc_step_str(c, "density_prior", "rna_count_based");
	size_t s = p->n_spots;
	*density = sc_xmalloc((s ? s : 1) * sizeof(double));
	double tot = 0;
	for (size_t k = 0; k < s; k++)
		tot += p->sp_counts[k];
	if (!strcmp(prior, "uniform") || tot <= 0)
		for (size_t k = 0; k < s; k++)
			(*density)[k] = 1.0 / (double)s;
	else if (!strcmp(prior, "rna_count_based"))
		for (size_t k = 0; k < s; k++)
			(*density)[k] = p->sp_counts[k] / tot;
	else
		return sc_errf(c->err, SC_EINVAL,
			       "tangram density_prior '%s' is not rna_count_based or uniform", prior);
	o->density = *density;
	return 0;
}

static int predict_tangram(sc_step_ctx *c, sc_dmat *pred, const sc_imp_pair *p,
			   const char *reference)
{
	size_t *keep = sc_xmalloc((p->n_train + 1) * sizeof(size_t));
	size_t g = expressed_genes(keep, p);
	sc_dmat S = { 0 }, G = { 0 }, St = { 0 }, S_test = { 0 }, M = { 0 };
	double *density = NULL, *share = NULL, *hist = NULL;
	sc_tangram_opts o;
	int rc = 0;
	if (g < p->n_train)
		sc_step_note(c, "tangram: %zu training gene%s without counts in one data set left out",
			     p->n_train - g, p->n_train - g == 1 ? "" : "s");
	if (!g) {
		rc = sc_errf(c->err, SC_EINVAL, "tangram: no training gene has counts in both data sets");
		goto out;
	}
	take_cols(&St, &p->ref_train, keep, g);
	take_cols(&G, &p->sp_train, keep, g);
	const char *mode = sc_step_str(c, "mode", "cells");
	if (!strcmp(mode, "clusters")) {
		if ((rc = cluster_sums(c, &S, &S_test, &share, &St, &p->ref_test, reference)))
			goto out;
	} else if (!strcmp(mode, "cells")) {
		S = St;
		St = (sc_dmat){ 0 };
	} else {
		rc = sc_errf(c->err, SC_EINVAL, "tangram mode '%s' is not cells or clusters", mode);
		goto out;
	}
	if ((rc = tangram_options(c, &o, &density, p)))
		goto out;
	o.source_density = share;
	/* Tangram's start: scores drawn from N(0, 1). */
	sc_dmat_alloc(&M, S.rows, p->n_spots);
	sc_rng r;
	sc_rng_seed(&r, (uint64_t)c->seed);
	for (size_t i = 0; i < M.rows * M.cols; i++)
		M.v[i] = sc_rng_normal(&r);
	if (!strcmp(sc_step_str(c, "save_init", "no"), "yes") && (rc = write_init(c, &M)))
		goto out;
	hist = sc_xmalloc((o.epochs + 1) * sizeof(double));
	sc_tangram_fit(&M, hist, &S, &G, &o);
	if ((rc = write_history(c, hist, o.epochs + 1)))
		goto out;
	/* Held-out genes: P^T x the rows' values. */
	const sc_dmat *src = share ? &S_test : &p->ref_test;
	size_t nt = p->n_test;
	for (size_t i = 0; i < M.rows; i++)
		for (size_t k = 0; k < M.cols; k++) {
			double w = M.v[i * M.cols + k];
			for (size_t j = 0; j < nt; j++)
				pred->v[k * nt + j] += w * src->v[i * nt + j];
		}
out:
	free(keep);
	free(density);
	free(share);
	free(hist);
	sc_dmat_free(&S);
	sc_dmat_free(&St);
	sc_dmat_free(&S_test);
	sc_dmat_free(&G);
	sc_dmat_free(&M);
	return rc;
}

/* An external model's embeddings of the spots (rep) and the reference
 * (rep_ref): kNN between them. */
static int predict_embedding(sc_step_ctx *c, sc_dmat *pred, const sc_imp_pair *p)
{
	const char *prs = sc_step_need(c, "rep"), *prr = sc_step_need(c, "rep_ref");
	const char *where = sc_step_str(c, "representation", "X");
	if (!prs || !prr)
		return c->err->code;
	sc_dmat es = { 0 }, er = { 0 };
	int rc = 0;
	const char *paths[2] = { prs, prr };
	sc_dmat *outs[2] = { &es, &er };
	size_t want[2] = { p->n_spots, p->n_cells };
	for (int s = 0; s < 2 && !rc; s++) {
		if (sc_npy_is(paths[s])) {
			rc = sc_npy_read(outs[s], paths[s], c->err);
		} else {
			sc_h5ad *h = NULL;
			if (!(rc = sc_h5ad_open(&h, paths[s], c->err)))
				rc = sc_rep_load(outs[s], h, where, c->err);
			sc_h5ad_close(h);
		}
		if (!rc && outs[s]->rows != want[s])
			rc = sc_errf(c->err, SC_EINVAL, "%s: embedding has %zu rows for %zu %s",
				     sc_path_basename(paths[s]), outs[s]->rows, want[s],
				     s ? "reference cells" : "spots");
		if (!rc)
			rc = sc_rep_check_finite(outs[s], paths[s], "embedding", c->err);
	}
	if (!rc && es.cols != er.cols)
		rc = sc_errf(c->err, SC_EINVAL, "the spots' embedding has %zu dimensions, the reference's %zu",
			     es.cols, er.cols);
	if (!rc)
		rc = predict_neighbours(c, pred, &es, &er, &p->ref_test, (size_t)sc_step_int(c, "k", 10));
	sc_dmat_free(&es);
	sc_dmat_free(&er);
	return rc;
}

/* An external model's predicted matrix. */
static int predict_file(sc_step_ctx *c, sc_dmat *pred, const sc_imp_pair *p)
{
	const char *pp = sc_step_need(c, "predicted");
	if (!pp)
		return c->err->code;
	sc_dmat m = { 0 };
	int rc;
	if (sc_npy_is(pp)) {
		if ((rc = sc_npy_read(&m, pp, c->err)))
			return rc;
		if (m.rows != p->n_spots || m.cols != p->n_test)
			rc = sc_errf(c->err, SC_EINVAL,
				     "%s: %zu x %zu values, want spots x held-out genes = %zu x %zu",
				     sc_path_basename(pp), m.rows, m.cols, p->n_spots, p->n_test);
		else
			memcpy(pred->v, m.v, m.rows * m.cols * sizeof(double));
	} else {
		sc_h5ad *h = NULL;
		char **var = NULL;
		size_t nv = 0;
		int32_t *col = sc_xmalloc((p->n_test + 1) * sizeof(int32_t));
		if (!(rc = sc_h5ad_open(&h, pp, c->err)) &&
		    !(rc = sc_h5ad_read_index(&var, &nv, h, "var", c->err)) &&
		    !(rc = sc_h5ad_read_dense(&m, h, "X", 0, c->err))) {
			sc_rep_match_names(col, p->test_names, p->n_test, var, nv);
			if (m.rows != p->n_spots)
				rc = sc_errf(c->err, SC_EINVAL, "%s: %zu rows for %zu spots",
					     sc_path_basename(pp), m.rows, p->n_spots);
			for (size_t j = 0; j < p->n_test && !rc; j++)
				if (col[j] < 0)
					rc = sc_errf(c->err, SC_EINVAL, "%s: held-out gene '%s' is not predicted",
						     sc_path_basename(pp), p->test_names[j]);
			for (size_t k = 0; k < p->n_spots && !rc; k++)
				for (size_t j = 0; j < p->n_test; j++)
					pred->v[k * p->n_test + j] = m.v[k * m.cols + (size_t)col[j]];
		}
		free(col);
		sc_h5ad_strings_free(var, nv);
		sc_h5ad_close(h);
	}
	if (!rc)
		rc = sc_rep_check_finite(pred, pp, "the predictions", c->err);
	sc_dmat_free(&m);
	return rc;
}

static int write_predicted(sc_step_ctx *c, const sc_dmat *pred, const sc_imp_pair *p)
{
	char *path = sc_step_out(c, SC_IMP_PREDICTED_FILE);
	sc_h5ad_writer *w = NULL;
	int rc = sc_h5ad_create(&w, path, c->err);
	if (!rc && !(rc = sc_h5ad_write_index(w, "obs", p->spots, p->n_spots, c->err)) &&
	    !(rc = sc_h5ad_write_index(w, "var", p->test_names, p->n_test, c->err)) &&
	    !(rc = sc_h5ad_write_dense(w, "X", pred, SC_H5AD_F64, c->err))) {
		rc = sc_h5ad_writer_close(w, c->err);
		w = NULL;
	}
	sc_h5ad_writer_free(w);
	free(path);
	return rc;
}

static int imputation_spatial(sc_step_ctx *c)
{
	const char *psp = sc_step_need(c, "spatial"), *pref = sc_step_need(c, "reference"),
		   *pg = sc_step_need(c, "genes");
	if (!psp || !pref || !pg)
		return c->err->code;
	const char *method = sc_step_str(c, "method", "mean");
	sc_imp_pair p;
	int rc = sc_imp_pair_load(&p, psp, pref, pg, sc_step_bool(c, "normalize", 1), c->err);
	if (rc)
		return rc;
	sc_dmat pred = { 0 };
	sc_dmat_alloc(&pred, p.n_spots, p.n_test);
	if (!strcmp(method, "mean"))
		predict_mean(&pred, &p);
	else if (!strcmp(method, "knn"))
		rc = predict_neighbours(c, &pred, &p.sp_train, &p.ref_train, &p.ref_test,
					(size_t)sc_step_int(c, "k", 10));
	else if (!strcmp(method, "tangram"))
		rc = predict_tangram(c, &pred, &p, pref);
	else if (!strcmp(method, "embedding"))
		rc = predict_embedding(c, &pred, &p);
	else if (!strcmp(method, "file"))
		rc = predict_file(c, &pred, &p);
	else
		rc = sc_errf(c->err, SC_EINVAL, "unknown spatial imputation method '%s'", method);
	if (!rc)
		rc = write_predicted(c, &pred, &p);
	sc_dmat_free(&pred);
	sc_imp_pair_free(&p);
	return rc;
}

const sc_step_kind sc_imputation_spatial_kind = {
	.name = "imputation.spatial",
	.version = "1",
	.run = imputation_spatial,
	.summary = "predict the held-out genes on every spot (mean, knn, tangram, or a model's output)",
};
