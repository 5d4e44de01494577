/*
 * prepare.c - dataset preparation as one cached step:
 *   counts -> normalize_total -> log1p -> highly variable genes (X of the
 *   output, float32 CSR, the selected genes only) -> scale -> PCA (obsm/X_pca,
 *   float64).
 * Every method that uses "pca" or "hvg" on a dataset reads this one output,
 * so the work is done once per dataset and parameter set.
 */
#include "prepare.h"
#include "tasks/core/h5ad.h"
#include "tasks/integrate/standard.h"
#include "tasks/rep.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>

static void dense_to_csr(sc_csr *out, const sc_dmat *x)
{
	size_t nnz = 0;
	for (size_t i = 0; i < x->rows * x->cols; i++)
		nnz += x->v[i] != 0;
	sc_csr_alloc(out, x->rows, x->cols, nnz);
	size_t p = 0;
	for (size_t i = 0; i < x->rows; i++) {
		for (size_t j = 0; j < x->cols; j++) {
			double v = x->v[i * x->cols + j];
			if (v != 0) {
				out->indices[p] = (int32_t)j;
				out->data[p++] = v;
			}
		}
		out->indptr[i + 1] = (int64_t)p;
	}
}

static int prepare(sc_step_ctx *c)
{
	const char *pd = sc_step_need(c, "data");
	if (!pd)
		return c->err->code;
	const char *counts = sc_step_str(c, "counts", "X");
	sc_standard_opts o;
	sc_standard_opts_default(&o);
	o.target_sum = sc_step_num(c, "target_sum", o.target_sum);
	o.n_top_genes = (size_t)sc_step_int(c, "n_top_genes", (long long)o.n_top_genes);
	o.n_comps = (size_t)sc_step_int(c, "n_comps", (long long)o.n_comps);
	o.max_value = sc_step_num(c, "max_value", o.max_value);
	sc_h5ad *h = NULL;
	sc_csr m = { 0 }, xcsr = { 0 };
	sc_dmat x = { 0 }, pcs = { 0 };
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
	sel = sc_xcalloc(m.cols ? m.cols : 1, 1);
	if ((rc = sc_standard_lognorm_hvg(&x, sel, &m, &o, c->err)))
		goto out;
	hv = sc_xcalloc(x.cols ? x.cols : 1, sizeof(char *));
	size_t k = 0;
	for (size_t j = 0; j < m.cols && k < x.cols; j++)
		if (sel[j])
			hv[k++] = var[j];
	dense_to_csr(&xcsr, &x);
	if ((rc = sc_standard_pca(&pcs, &x, &o, c->err)))
		goto out;
	path = sc_step_out(c, "prepared.h5ad");
	if ((rc = sc_h5ad_create(&w, path, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "obs", obs, nobs, c->err)) ||
	    (rc = sc_h5ad_write_index(w, "var", hv, x.cols, c->err)) ||
	    (rc = sc_h5ad_write_csr(w, "X", &xcsr, SC_H5AD_F32, c->err)) ||
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
	sc_csr_free(&xcsr);
	sc_dmat_free(&x);
	sc_dmat_free(&pcs);
	sc_h5ad_close(h);
	return rc;
}

const sc_step_kind sc_prepare_kind = { "prepare", "1", prepare,
				       "standard preprocessing: log-normalised HVG and PCA" };
