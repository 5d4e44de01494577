/*
 * standard.c - the unintegrated baseline embedding every task starts from
 * (scanpy's normalize_total, log1p, highly variable genes, scale, PCA 50),
 * assembled from the numerical core. Built for 10^3-10^6 cells: the counts
 * are normalised in place when the caller hands them over (the _take and
 * _sparse forms; the const forms copy them once), the log-normalised HVG
 * matrix stays CSR, and the PCA scales it block by block of rows: at 10^6
 * cells x 2000 genes the peak is the counts' CSR (about 7 GB), not the 16 GB
 * dense matrix plus copies of the counts.
 */
#include "standard.h"
#include "tasks/core/pca.h"

#include <math.h>
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

/* Each row of m in the order sc_dmat_to_csr(sc_csr_to_dense(m)) gives:
 * ascending columns, duplicates summed in stored order, zeros dropped. In
 * place (a row can only shrink); rows already so pass untouched. */
static void csr_canonical(sc_csr *m)
{
	double *row = NULL;
	int64_t w = 0;
	for (size_t i = 0; i < m->rows; i++) {
		int64_t q0 = m->indptr[i], q1 = m->indptr[i + 1];
		int plain = 1;
		for (int64_t q = q0; q < q1 && plain; q++)
			plain = m->data[q] != 0 && (q == q0 || m->indices[q] > m->indices[q - 1]);
		m->indptr[i] = w;
		if (plain) {
			memmove(m->indices + w, m->indices + q0, (size_t)(q1 - q0) * sizeof(int32_t));
			memmove(m->data + w, m->data + q0, (size_t)(q1 - q0) * sizeof(double));
			w += q1 - q0;
			continue;
		}
		if (!row)
			row = sc_xcalloc(m->cols ? m->cols : 1, sizeof(double));
		for (int64_t q = q0; q < q1; q++)
			row[m->indices[q]] += m->data[q];
		for (size_t j = 0; j < m->cols; j++)
			if (row[j] != 0) {
				m->indices[w] = (int32_t)j;
				m->data[w++] = row[j];
				row[j] = 0;
			} else {
				row[j] = 0; /* -0.0 too */
			}
	}
	m->indptr[m->rows] = w;
	free(row);
}

int sc_standard_lognorm_hvg_sparse(sc_csr *out, uint8_t *selected, sc_csr *x,
				   const sc_standard_opts *o, sc_err *err)
{
	size_t genes = x->cols;
	uint8_t *keep = sc_xmalloc(genes ? genes : 1);
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (x->rows < 2 || x->cols < 1) {
		rc = sc_errf(err, SC_EINVAL, "%zu cells x %zu genes is too small", x->rows, x->cols);
		goto out;
	}
	for (size_t p = 0; p < sc_csr_nnz(x); p++)
		if (!(x->data[p] >= 0)) {
			rc = sc_errf(err, SC_EINVAL, "counts must be >= 0 (found '%g')", x->data[p]);
			goto out;
		}
	int all = o->n_top_genes == 0 || o->n_top_genes >= x->cols;
	sc_hvg_opts h;
	sc_hvg_opts_default(&h, o->flavor);
	h.n_top_genes = o->n_top_genes;
	if (all)
		memset(keep, 1, x->cols);
	else if (o->flavor == SC_HVG_SEURAT_V3 && (rc = sc_hvg(keep, NULL, x, &h, err)) != 0)
		goto out;
	if ((rc = sc_normalize_total_csr(x, o->target_sum, err)) != 0)
		goto out;
	sc_log1p_csr(x);
	if (!all && o->flavor != SC_HVG_SEURAT_V3 && (rc = sc_hvg(keep, NULL, x, &h, err)) != 0)
		goto out;
	if (all) {
		*out = *x; /* every gene kept: no copy */
		memset(x, 0, sizeof(*x));
	} else {
		sc_csr_select_cols(out, x, keep);
		sc_csr_free(x);
	}
	csr_canonical(out);
	if (selected)
		memcpy(selected, keep, genes);
out:
	if (rc)
		sc_errprefix(err, "standard embedding");
	sc_csr_free(x);
	free(keep);
	return rc;
}

int sc_standard_lognorm_hvg(sc_dmat *out, uint8_t *selected, const sc_csr *counts,
			    const sc_standard_opts *o, sc_err *err)
{
	sc_csr x = { 0 }, sub = { 0 };
	memset(out, 0, sizeof(*out));
	sc_csr_copy(&x, counts);
	int rc = sc_standard_lognorm_hvg_sparse(&sub, selected, &x, o, err);
	if (rc == 0)
		sc_csr_to_dense(out, &sub);
	sc_csr_free(&sub);
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

/* The scaled rows of a log-normalised CSR, made block by block for the
 * PCA: the values sc_scale_dense writes into the dense matrix. */
typedef struct scaled_rows {
	const sc_csr *x;
	const double *mu, *sd;
	double max_value;
} scaled_rows;

static void dense_rows(double *B, const sc_csr *x, size_t r0, size_t nr)
{
	size_t p = x->cols;
	memset(B, 0, sc_mulsz(nr, p * sizeof(double)));
	for (size_t i = 0; i < nr; i++)
		for (int64_t q = x->indptr[r0 + i]; q < x->indptr[r0 + i + 1]; q++)
			B[i * p + (size_t)x->indices[q]] += x->data[q];
}

static void scaled_block(void *ctx, double *B, size_t r0, size_t nr)
{
	const scaled_rows *S = ctx;
	size_t p = S->x->cols;
	dense_rows(B, S->x, r0, nr);
	for (size_t i = 0; i < nr; i++)
		for (size_t j = 0; j < p; j++) {
			double v = B[i * p + j];
			v -= S->mu[j];
			v /= S->sd[j];
			if (S->max_value > 0) {
				if (v > S->max_value)
					v = S->max_value;
				if (v < -S->max_value)
					v = -S->max_value;
			}
			B[i * p + j] = v;
		}
}

static void plain_block(void *ctx, double *B, size_t r0, size_t nr)
{
	dense_rows(B, ctx, r0, nr);
}

/* sc_scale_dense's column means and deviations (zero-centred), from the
 * dense rows block by block: each column's sum in the same row order. */
static void scale_moments(double *mu, double *sd, const sc_csr *x)
{
	size_t n = x->rows, p = x->cols;
	sc_pca_rows_moments(mu, sd, n, p, plain_block, (void *)x);
	for (size_t j = 0; j < p; j++) {
		sd[j] = n > 1 ? sqrt(sd[j] / (double)(n - 1)) : 0;
		if (sd[j] == 0)
			sd[j] = 1;
	}
}

int sc_standard_pca_sparse(sc_dmat *scores, const sc_csr *x, const sc_standard_opts *o,
			   sc_err *err)
{
	memset(scores, 0, sizeof(*scores));
	int rc;
	if (x->cols > x->rows || x->cols > 12000) {
		/* the Gram and iterative paths read columns: densify (n < p is small) */
		sc_dmat d;
		sc_csr_to_dense(&d, x);
		rc = sc_standard_pca(scores, &d, o, err);
		sc_dmat_free(&d);
		return rc;
	}
	size_t p = x->cols;
	double *mu = sc_xcalloc(p ? p : 1, sizeof(double));
	double *sd = sc_xcalloc(p ? p : 1, sizeof(double));
	scale_moments(mu, sd, x);
	scaled_rows S = { x, mu, sd, o->max_value };
	rc = sc_pca_rows(scores, NULL, x->rows, p, scaled_block, &S, o->n_comps, err);
	if (rc)
		sc_errprefix(err, "standard embedding");
	free(mu);
	free(sd);
	return rc;
}

int sc_standard_embedding_take(sc_dmat *out, sc_csr *counts, const sc_standard_opts *o,
			       sc_err *err)
{
	sc_csr x;
	int rc = sc_standard_lognorm_hvg_sparse(&x, NULL, counts, o, err);
	if (rc == 0)
		rc = sc_standard_pca_sparse(out, &x, o, err);
	sc_csr_free(&x);
	return rc;
}

int sc_standard_embedding(sc_dmat *out, const sc_csr *counts, const sc_standard_opts *o,
			  sc_err *err)
{
	sc_csr x;
	sc_csr_copy(&x, counts);
	return sc_standard_embedding_take(out, &x, o, err);
}
