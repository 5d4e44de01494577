/*
 * hvg_overlap.c - scib's HVG overlap: two cell_ranger HVG selections per
 * batch (tasks/core/preprocess.h) and their overlap. The work is two
 * passes over each batch's rows; the gene-name match is a sort of the
 * unintegrated names and a binary search per feature.
 */
#include "hvg_overlap.h"
#include "tasks/core/preprocess.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct named_col {
	const char *name;
	size_t col;
} named_col;

static int by_name(const void *a, const void *b)
{
	return strcmp(((const named_col *)a)->name, ((const named_col *)b)->name);
}

/* map[j] = the column of pre named post_var[j] */
static int match_features(size_t *map, char *const *pre_var, size_t npre, char *const *post_var,
			  size_t npost, sc_err *err)
{
	named_col *s = sc_xmalloc(sizeof(named_col) * (npre + 1));
	for (size_t i = 0; i < npre; i++)
		s[i] = (named_col){ pre_var[i], i };
	qsort(s, npre, sizeof(named_col), by_name);
	int rc = 0;
	for (size_t j = 0; j < npost && !rc; j++) {
		named_col k = { post_var[j], 0 }, *f = bsearch(&k, s, npre, sizeof(named_col), by_name);
		if (!f)
			rc = sc_errf(err, SC_EINVAL,
				     "corrected feature '%s' is not a gene of the dataset", post_var[j]);
		else
			map[j] = f->col;
	}
	free(s);
	return rc;
}

/* Rows of m in batch k, columns cols[0..nc) (of m), as CSR. */
static void batch_block(sc_csr *out, const sc_csr *m, const int32_t *code, int32_t k,
			const size_t *cols, size_t nc)
{
	int64_t *pos = sc_xmalloc(sizeof(int64_t) * (m->cols + 1));
	for (size_t j = 0; j < m->cols; j++)
		pos[j] = -1;
	for (size_t j = 0; j < nc; j++)
		pos[cols[j]] = (int64_t)j;
	size_t rows = 0, nnz = 0;
	for (size_t i = 0; i < m->rows; i++)
		if (code[i] == k) {
			rows++;
			nnz += (size_t)(m->indptr[i + 1] - m->indptr[i]);
		}
	sc_csr_alloc(out, rows, nc, nnz);
	size_t r = 0, p = 0;
	for (size_t i = 0; i < m->rows; i++) {
		if (code[i] != k)
			continue;
		size_t start = p;
		for (int64_t q = m->indptr[i]; q < m->indptr[i + 1]; q++)
			if (pos[m->indices[q]] >= 0) {
				out->indices[p] = (int32_t)pos[m->indices[q]];
				out->data[p++] = m->data[q];
			}
		/* keep the columns of a row ascending, as CSR readers expect */
		for (size_t a = start + 1; a < p; a++)
			for (size_t b = a; b > start && out->indices[b - 1] > out->indices[b]; b--) {
				int32_t ti = out->indices[b];
				double tv = out->data[b];
				out->indices[b] = out->indices[b - 1];
				out->data[b] = out->data[b - 1];
				out->indices[b - 1] = ti;
				out->data[b - 1] = tv;
			}
		out->indptr[++r] = (int64_t)p;
	}
	free(pos);
}

/* scanpy's filter_genes(min_cells=1) then cell_ranger HVGs (n_top): hv[j]
 * for the columns of x (0 for the dropped ones); returns how many. */
static int hvgs(uint8_t *hv, size_t *count, const sc_csr *x, size_t n_top, sc_err *err)
{
	uint8_t *keep = sc_xcalloc(x->cols + 1, 1);
	for (size_t q = 0; q < sc_csr_nnz(x); q++)
		if (x->data[q] > 0)
			keep[x->indices[q]] = 1;
	size_t nk = 0;
	for (size_t j = 0; j < x->cols; j++)
		nk += keep[j];
	sc_csr f = { 0 };
	sc_csr_select_cols(&f, x, keep);
	uint8_t *sel = sc_xcalloc(nk + 1, 1);
	sc_hvg_opts o;
	sc_hvg_opts_default(&o, SC_HVG_CELL_RANGER);
	o.n_top_genes = n_top;
	int rc = nk ? sc_hvg(sel, NULL, &f, &o, err) : 0;
	memset(hv, 0, x->cols);
	*count = 0;
	for (size_t j = 0, c = 0; j < x->cols && !rc; j++)
		if (keep[j]) {
			hv[j] = sel[c++];
			*count += hv[j];
		}
	free(sel);
	sc_csr_free(&f);
	free(keep);
	return rc;
}

static size_t genes_expressed(const sc_csr *x)
{
	uint8_t *seen = sc_xcalloc(x->cols + 1, 1);
	size_t n = 0;
	for (size_t q = 0; q < sc_csr_nnz(x); q++)
		if (x->data[q] > 0 && !seen[x->indices[q]]) {
			seen[x->indices[q]] = 1;
			n++;
		}
	free(seen);
	return n;
}

int sc_scib_hvg_overlap(double *out, const sc_csr *pre, char *const *pre_var, size_t npre,
			const sc_csr *post, char *const *post_var, size_t npost,
			const sc_labels *batches, size_t n_hvg, sc_scib_why *why, sc_err *err)
{
	*out = NAN;
	sc_scib_why_clear(why);
	if (pre->rows != post->rows || post->cols != npost || pre->cols != npre)
		return sc_errf(err, SC_EINVAL, "HVG overlap: %zu cells before, %zu after", pre->rows,
			       post->rows);
	sc_scib_cats b = { 0 };
	int rc = sc_scib_cats_init(&b, batches, pre->rows, "batches", err);
	if (rc)
		return rc;
	size_t *map = sc_xmalloc(sizeof(size_t) * (npost + 1)), *ident = sc_xmalloc(sizeof(size_t) * (npost + 1));
	uint8_t *h1 = sc_xmalloc(npost + 1), *h2 = sc_xmalloc(npost + 1);
	double sum = 0;
	size_t used = 0;
	if ((rc = match_features(map, pre_var, npre, post_var, npost, err)))
		goto out;
	for (size_t j = 0; j < npost; j++)
		ident[j] = j;
	for (size_t k = 0; k < b.k && !rc; k++) {
		sc_csr xb = { 0 }, yb = { 0 };
		batch_block(&xb, pre, b.code, (int32_t)k, map, npost);
		batch_block(&yb, post, b.code, (int32_t)k, ident, npost);
		size_t n1 = 0, n2 = 0, nt = (size_t)(0.5 * (double)genes_expressed(&xb));
		if (nt > n_hvg)
			nt = n_hvg;
		if (nt && !(rc = hvgs(h1, &n1, &xb, nt, err)) && n1 &&
		    !(rc = hvgs(h2, &n2, &yb, n1, err)) && n2) {
			size_t both = 0;
			for (size_t j = 0; j < npost; j++)
				both += h1[j] && h2[j];
			sum += (double)both / (double)(n1 < n2 ? n1 : n2);
			used++;
		}
		sc_csr_free(&xb);
		sc_csr_free(&yb);
	}
	if (!rc && used)
		*out = sum / (double)used;
	else if (!rc)
		sc_scib_nan(why, "no batch has enough expressed genes for highly variable genes");
out:
	free(h1);
	free(h2);
	free(ident);
	free(map);
	sc_scib_cats_free(&b);
	return rc;
}
