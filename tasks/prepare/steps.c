/*
 * tasks/prepare/steps.c - dataset preparation as one cached step:
 *   counts -> normalize_total -> log1p -> highly variable genes (X of the
 *   output, float32 CSR, the selected genes only) -> scale -> PCA (obsm/X_pca,
 *   float64).
 * Every method that uses "pca" or "hvg" on a dataset reads this one output,
 * so the work is done once per dataset and parameter set.
 */
#include "prepare.h"
#include "io/h5ad.h"
#include "tasks/core/pca.h"
#include "tasks/core/preprocess.h"
#include "tasks/integrate/standard.h"
#include "tasks/rep.h"
#include "util/fs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The preprocessing options of both prepare steps, from their parameters. */
static void standard_opts(sc_step_ctx *c, sc_standard_opts *o)
{
	sc_standard_opts_default(o);
	o->target_sum = sc_step_num(c, "target_sum", o->target_sum);
	o->n_top_genes = (size_t)sc_step_int(c, "n_top_genes", (long long)o->n_top_genes);
	o->n_comps = (size_t)sc_step_int(c, "n_comps", (long long)o->n_comps);
	o->max_value = sc_step_num(c, "max_value", o->max_value);
}

/* Memory: the counts once (normalised in place into the log-normalised HVG
 * CSR), the PCA by blocks of rows; never cells x genes dense. */
static int prepare(sc_step_ctx *c)
{
	const char *pd = sc_step_need(c, "data");
	if (!pd)
		return c->err->code;
	const char *counts = sc_step_str(c, "counts", "X");
	sc_standard_opts o;
	standard_opts(c, &o);
	sc_h5ad *h = NULL;
	sc_csr m = { 0 }, x = { 0 };
	sc_dmat pcs = { 0 };
	uint8_t *sel = NULL;
	char **obs = NULL, **var = NULL, **hv = NULL;
	size_t nobs = 0, nvar = 0;
	sc_h5ad_writer *w = NULL;
	char *path = NULL;
	int rc = sc_h5ad_open(&h, pd, c->err);
	if (rc || (rc = sc_rep_read_counts(&m, h, counts, c->err)) ||
	    (rc = sc_h5ad_read_index(&obs, &nobs, h, "obs", c->err)) ||
	    (rc = sc_h5ad_read_index(&var, &nvar, h, "var", c->err)))
		goto out;
	size_t genes = m.cols;
	sel = sc_xcalloc(genes ? genes : 1, 1);
	if ((rc = sc_standard_lognorm_hvg_sparse(&x, sel, &m, &o, c->err)))
		goto out;
	hv = sc_xcalloc(x.cols ? x.cols : 1, sizeof(char *));
	size_t k = 0;
	for (size_t j = 0; j < genes && k < x.cols; j++)
		if (sel[j])
			hv[k++] = var[j];
	if ((rc = sc_standard_pca_sparse(&pcs, &x, &o, c->err)))
		goto out;
	path = sc_step_out(c, "prepared.h5ad");
	if ((rc = sc_h5ad_create(&w, path, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "obs", obs, nobs, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "var", hv, x.cols, c->err)) ||
	    (rc = sc_h5ad_write_csr(w, "X", &x, SC_H5AD_F32, c->err)) ||
	    (rc = sc_h5ad_write_dense(w, "obsm/X_pca", &pcs, SC_H5AD_F64, c->err)) ||
	    (rc = sc_h5ad_write_uns_string(w, "preprocessing",
					   "normalize_total -> log1p -> highly_variable_genes (seurat) "
					   "-> scale -> pca",
					   c->err)))
		goto out;
	rc = sc_h5ad_writer_close(w, c->err);
	w = NULL;
	if (!rc && x.cols < o.n_top_genes)
		sc_step_note(c, "%zu genes kept (fewer than n_top_genes=%zu)", x.cols, o.n_top_genes);
out:
	sc_h5ad_writer_free(w);
	free(path);
	free(hv);
	free(sel);
	sc_h5ad_strings_free(obs, nobs);
	sc_h5ad_strings_free(var, nvar);
	sc_csr_free(&m);
	sc_csr_free(&x);
	sc_dmat_free(&pcs);
	sc_h5ad_close(h);
	return rc;
}

/* ---- prepare.pair: a training file and a test file ------------------------ */

typedef struct entry {
	int32_t col;
	double v;
} entry;

static int entry_cmp(const void *a, const void *b)
{
	int32_t x = ((const entry *)a)->col, y = ((const entry *)b)->col;
	return (x > y) - (x < y);
}

/* Columns of m reordered to the genes of ref (by name); genes missing from
 * m are empty columns. Returns how many of ref's genes m lacks. */
static size_t align_genes(sc_csr *out, const sc_csr *m, char **names, size_t n, char **ref,
			  size_t nref)
{
	int32_t *map = sc_xmalloc((n ? n : 1) * sizeof(int32_t));
	size_t missing = sc_rep_match_names(map, names, n, ref, nref);
	sc_csr_alloc(out, m->rows, nref, sc_csr_nnz(m));
	entry *row = sc_xmalloc((n ? n : 1) * sizeof(entry));
	size_t p = 0;
	for (size_t i = 0; i < m->rows; i++) {
		size_t k = 0;
		for (int64_t q = m->indptr[i]; q < m->indptr[i + 1]; q++)
			if (map[m->indices[q]] >= 0)
				row[k++] = (entry){ map[m->indices[q]], m->data[q] };
		if (k > 1)
			qsort(row, k, sizeof(entry), entry_cmp);
		for (size_t e = 0; e < k; e++) {
			out->indices[p] = row[e].col;
			out->data[p++] = row[e].v;
		}
		out->indptr[i + 1] = (int64_t)p;
	}
	free(row);
	free(map);
	return missing;
}

static int write_prepared(sc_step_ctx *c, const char *name, char **obs, size_t nobs, char **var,
			  const sc_dmat *x, const sc_dmat *pcs)
{
	sc_csr xc = { 0 };
	sc_dmat_to_csr(&xc, x);
	char *path = sc_step_out(c, name);
	sc_h5ad_writer *w = NULL;
	int rc;
	if ((rc = sc_h5ad_create(&w, path, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "obs", obs, nobs, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "var", var, x->cols, c->err)) ||
	    (rc = sc_h5ad_write_csr(w, "X", &xc, SC_H5AD_F32, c->err)) ||
	    (rc = sc_h5ad_write_dense(w, "obsm/X_pca", pcs, SC_H5AD_F64, c->err)))
		goto out;
	rc = sc_h5ad_writer_close(w, c->err);
	w = NULL;
out:
	sc_h5ad_writer_free(w);
	free(path);
	sc_csr_free(&xc);
	return rc;
}

/* The training file decides everything (genes, HVG, scaling, PCA); the test
 * file is transformed with what was learnt, never looked at to learn: the
 * protocol of a held-out test set. */
static int prepare_pair(sc_step_ctx *c)
{
	const char *pd = sc_step_need(c, "data"), *pt = sc_step_need(c, "test");
	if (!pd || !pt)
		return c->err->code;
	const char *counts = sc_step_str(c, "counts", "X");
	sc_standard_opts o;
	standard_opts(c, &o);
	sc_h5ad *h = NULL, *ht = NULL;
	sc_csr m = { 0 }, mt = { 0 }, mta = { 0 }, sel_t = { 0 };
	sc_dmat x = { 0 }, xt = { 0 }, pcs = { 0 }, pct = { 0 };
	sc_pca model = { 0 };
	uint8_t *sel = NULL;
	char **obs = NULL, **var = NULL, **obst = NULL, **vart = NULL, **hv = NULL;
	size_t nobs = 0, nvar = 0, nobst = 0, nvart = 0;
	double *mean = NULL, *sd = NULL;
	int rc = sc_h5ad_open(&h, pd, c->err);
	if (rc || (rc = sc_h5ad_open(&ht, pt, c->err)) ||
	    (rc = sc_rep_read_counts(&m, h, counts, c->err)) ||
	    (rc = sc_rep_read_counts(&mt, ht, counts, c->err)) ||
	    (rc = sc_h5ad_read_index(&obs, &nobs, h, "obs", c->err)) ||
	    (rc = sc_h5ad_read_index(&var, &nvar, h, "var", c->err)) ||
	    (rc = sc_h5ad_read_index(&obst, &nobst, ht, "obs", c->err)) ||
	    (rc = sc_h5ad_read_index(&vart, &nvart, ht, "var", c->err)))
		goto out;
	size_t missing = align_genes(&mta, &mt, vart, nvart, var, nvar);
	if (missing == nvar) {
		rc = sc_errf(c->err, SC_EINVAL, "the test file shares no gene with the training file");
		goto out;
	}
	if (missing)
		sc_step_note(c, "%zu of the training file's genes are absent from the test file "
				"(taken as zero there)",
			     missing);
	sel = sc_xcalloc(m.cols ? m.cols : 1, 1);
	if ((rc = sc_standard_lognorm_hvg(&x, sel, &m, &o, c->err)))
		goto out;
	/* The test cells: normalised and logged the same way, the same genes. */
	if ((rc = sc_normalize_total_csr(&mta, o.target_sum, c->err)))
		goto out;
	sc_log1p_csr(&mta);
	sc_csr_select_cols(&sel_t, &mta, sel);
	sc_csr_to_dense(&xt, &sel_t);
	hv = sc_xcalloc(x.cols ? x.cols : 1, sizeof(char *));
	for (size_t j = 0, k = 0; j < m.cols && k < x.cols; j++)
		if (sel[j])
			hv[k++] = var[j];
	/* Scale with the training cells' mean and sd (ddof 1, as scanpy). */
	mean = sc_xcalloc(x.cols ? x.cols : 1, sizeof(double));
	sd = sc_xcalloc(x.cols ? x.cols : 1, sizeof(double));
	for (size_t j = 0; j < x.cols; j++) {
		double s = 0, q = 0;
		for (size_t i = 0; i < x.rows; i++)
			s += SC_AT(&x, i, j);
		mean[j] = s / (double)x.rows;
		for (size_t i = 0; i < x.rows; i++)
			q += (SC_AT(&x, i, j) - mean[j]) * (SC_AT(&x, i, j) - mean[j]);
		sd[j] = x.rows > 1 ? sqrt(q / (double)(x.rows - 1)) : 0;
		if (sd[j] == 0)
			sd[j] = 1;
	}
	sc_dmat xs = { 0 }, xts = { 0 };
	sc_dmat_alloc(&xs, x.rows, x.cols);
	sc_dmat_alloc(&xts, xt.rows, xt.cols);
	const sc_dmat *src[2] = { &x, &xt };
	sc_dmat *dst[2] = { &xs, &xts };
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < src[s]->rows; i++)
			for (size_t j = 0; j < x.cols; j++) {
				double v = (SC_AT(src[s], i, j) - mean[j]) / sd[j];
				if (o.max_value > 0 && v > o.max_value)
					v = o.max_value;
				if (o.max_value > 0 && v < -o.max_value)
					v = -o.max_value;
				SC_AT(dst[s], i, j) = v;
			}
	size_t nc = o.n_comps;
	rc = sc_pca_dense(&pcs, &model, &xs, nc, c->err);
	if (!rc) {
		/* Project the test cells on the training components. */
		sc_dmat_alloc(&pct, xts.rows, model.n_comps);
		for (size_t i = 0; i < xts.rows; i++)
			for (size_t k = 0; k < model.n_comps; k++) {
				double v = 0;
				for (size_t j = 0; j < xts.cols; j++)
					v += (SC_AT(&xts, i, j) - model.mean[j]) *
					     model.components[k * model.n_features + j];
				SC_AT(&pct, i, k) = v;
			}
	}
	sc_dmat_free(&xs);
	sc_dmat_free(&xts);
	if (rc || (rc = write_prepared(c, "prepared.h5ad", obs, nobs, hv, &x, &pcs)) ||
	    (rc = write_prepared(c, "prepared_test.h5ad", obst, nobst, hv, &xt, &pct)))
		goto out;
out:
	free(mean);
	free(sd);
	free(hv);
	free(sel);
	sc_pca_free(&model);
	sc_h5ad_strings_free(obs, nobs);
	sc_h5ad_strings_free(var, nvar);
	sc_h5ad_strings_free(obst, nobst);
	sc_h5ad_strings_free(vart, nvart);
	sc_csr_free(&m);
	sc_csr_free(&mt);
	sc_csr_free(&mta);
	sc_csr_free(&sel_t);
	sc_dmat_free(&x);
	sc_dmat_free(&xt);
	sc_dmat_free(&pcs);
	sc_dmat_free(&pct);
	sc_h5ad_close(h);
	sc_h5ad_close(ht);
	return rc;
}

const sc_step_kind sc_prepare_pair_kind = { "prepare.pair", "2", prepare_pair,
					    "standard preprocessing learnt on a training file, applied "
					    "to a test file" };

const sc_step_kind sc_prepare_kind = { "prepare", "2", prepare,
				       "standard preprocessing: log-normalised HVG and PCA" };
