/*
 * standard.c - the unintegrated baseline embedding every task starts from
 * (scanpy's normalize_total, log1p, highly variable genes, scale, PCA 50),
 * assembled from the numerical core. Built for 10^3-10^6 cells: the sparse
 * counts are copied once for normalisation (the caller's stay untouched),
 * only the selected genes are densified.
 */
#include "standard.h"
#include "tasks/core/pca.h"

#include <stdlib.h>
#include <string.h>

void sc_standard_opts_default(sc_standard_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->target_sum = 1e4;
	o->flavor = SC_HVG_SEURAT;
	o->n_top_genes = 2000;
	o->max_value = 10;
	o->n_comps = 50;
}

static void csr_copy(sc_csr *out, const sc_csr *m)
{
	size_t nnz = sc_csr_nnz(m);
	sc_csr_alloc(out, m->rows, m->cols, nnz);
	memcpy(out->indptr, m->indptr, (m->rows + 1) * sizeof(int64_t));
	memcpy(out->indices, m->indices, nnz * sizeof(int32_t));
	memcpy(out->data, m->data, nnz * sizeof(double));
}

int sc_standard_lognorm_hvg(sc_dmat *out, uint8_t *selected, const sc_csr *counts,
			    const sc_standard_opts *o, sc_err *err)
{
	sc_csr x = { 0 }, sub = { 0 };
	uint8_t *keep = sc_xmalloc(counts->cols ? counts->cols : 1);
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (counts->rows < 2 || counts->cols < 1) {
		rc = sc_errf(err, SC_EINVAL, "%zu cells x %zu genes is too small",
			     counts->rows, counts->cols);
		goto out;
	}
	for (size_t p = 0; p < sc_csr_nnz(counts); p++)
		if (!(counts->data[p] >= 0)) {
			rc = sc_errf(err, SC_EINVAL, "counts must be >= 0 (found '%g')",
				     counts->data[p]);
			goto out;
		}
	int all = o->n_top_genes == 0 || o->n_top_genes >= counts->cols;
	sc_hvg_opts h;
	sc_hvg_opts_default(&h, o->flavor);
	h.n_top_genes = o->n_top_genes;
	if (all)
		memset(keep, 1, counts->cols);
	else if (o->flavor == SC_HVG_SEURAT_V3 && (rc = sc_hvg(keep, NULL, counts, &h, err)) != 0)
		goto out;
	csr_copy(&x, counts);
	if ((rc = sc_normalize_total_csr(&x, o->target_sum, err)) != 0)
		goto out;
	sc_log1p_csr(&x);
	if (!all && o->flavor != SC_HVG_SEURAT_V3 && (rc = sc_hvg(keep, NULL, &x, &h, err)) != 0)
		goto out;
	sc_csr_select_cols(&sub, &x, keep);
	sc_csr_to_dense(out, &sub);
	if (selected)
		memcpy(selected, keep, counts->cols);
out:
	if (rc)
		sc_errprefix(err, "standard embedding");
	sc_csr_free(&x);
	sc_csr_free(&sub);
	free(keep);
	return rc;
}

int sc_standard_pca(sc_dmat *scores, sc_dmat *x, const sc_standard_opts *o, sc_err *err)
{
	memset(scores, 0, sizeof(*scores));
	sc_scale_dense(x, 1, o->max_value);
	int rc = sc_pca_dense(scores, NULL, x, o->n_comps, err);
	if (rc)
		sc_errprefix(err, "standard embedding");
	return rc;
}

int sc_standard_embedding(sc_dmat *out, const sc_csr *counts, const sc_standard_opts *o,
			  sc_err *err)
{
	sc_dmat x;
	int rc = sc_standard_lognorm_hvg(&x, NULL, counts, o, err);
	if (rc == 0)
		rc = sc_standard_pca(out, &x, o, err);
	sc_dmat_free(&x);
	return rc;
}
