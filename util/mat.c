/*
 * mat.c - allocation and simple conversions for the core matrix types.
 */
#include "util/mat.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

void sc_dmat_alloc(sc_dmat *m, size_t rows, size_t cols)
{
	m->rows = rows;
	m->cols = cols;
	m->v = sc_xcalloc(sc_mulsz(rows, cols) ? rows * cols : 1, sizeof(double));
}

void sc_dmat_free(sc_dmat *m)
{
	if (!m)
		return;
	free(m->v);
	memset(m, 0, sizeof(*m));
}

void sc_csr_alloc(sc_csr *m, size_t rows, size_t cols, size_t nnz)
{
	m->rows = rows;
	m->cols = cols;
	m->indptr = sc_xcalloc(rows + 1, sizeof(int64_t));
	m->indices = sc_xmalloc(sc_mulsz(nnz ? nnz : 1, sizeof(int32_t)));
	m->data = sc_xmalloc(sc_mulsz(nnz ? nnz : 1, sizeof(double)));
}

void sc_csr_free(sc_csr *m)
{
	if (!m)
		return;
	free(m->indptr);
	free(m->indices);
	free(m->data);
	memset(m, 0, sizeof(*m));
}

void sc_csr_copy(sc_csr *out, const sc_csr *m)
{
	size_t nnz = sc_csr_nnz(m);
	sc_csr_alloc(out, m->rows, m->cols, nnz);
	memcpy(out->indptr, m->indptr, (m->rows + 1) * sizeof(int64_t));
	memcpy(out->indices, m->indices, nnz * sizeof(int32_t));
	memcpy(out->data, m->data, nnz * sizeof(double));
}

void sc_csr_to_dense(sc_dmat *out, const sc_csr *m)
{
	sc_dmat_alloc(out, m->rows, m->cols);
	for (size_t i = 0; i < m->rows; i++)
		for (int64_t p = m->indptr[i]; p < m->indptr[i + 1]; p++)
			out->v[i * m->cols + (size_t)m->indices[p]] += m->data[p];
}

void sc_dmat_to_csr(sc_csr *out, const sc_dmat *x)
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

void sc_csr_transpose(sc_csr *out, const sc_csr *m)
{
	size_t nnz = sc_csr_nnz(m);
	sc_csr_alloc(out, m->cols, m->rows, nnz);
	for (size_t p = 0; p < nnz; p++)
		out->indptr[m->indices[p] + 1]++;
	for (size_t j = 0; j < m->cols; j++)
		out->indptr[j + 1] += out->indptr[j];
	int64_t *next = sc_xmalloc(sc_mulsz(m->cols ? m->cols : 1, sizeof(int64_t)));
	memcpy(next, out->indptr, m->cols * sizeof(int64_t));
	for (size_t i = 0; i < m->rows; i++)
		for (int64_t p = m->indptr[i]; p < m->indptr[i + 1]; p++) {
			int64_t q = next[m->indices[p]]++;
			out->indices[q] = (int32_t)i;
			out->data[q] = m->data[p];
		}
	free(next);
}

void sc_dmat_argmax_rows(int32_t *out, const sc_dmat *p, const int32_t *classes)
{
	for (size_t i = 0; i < p->rows; i++) {
		const double *r = p->v + i * p->cols;
		size_t best = 0;
		for (size_t k = 1; k < p->cols; k++)
			if (r[k] > r[best])
				best = k;
		out[i] = classes ? classes[best] : (int32_t)best;
	}
}

void sc_labels_free(sc_labels *l)
{
	if (!l)
		return;
	for (size_t k = 0; k < l->ncat; k++)
		free(l->names ? l->names[k] : NULL);
	free(l->names);
	free(l->codes);
	memset(l, 0, sizeof(*l));
}

void sc_labels_subset(sc_labels *out, const sc_labels *l, const size_t *rows, size_t n)
{
	out->n = n;
	out->codes = sc_xmalloc(sc_mulsz(n ? n : 1, sizeof(int32_t)));
	for (size_t i = 0; i < n; i++)
		out->codes[i] = l->codes[rows[i]];
	out->ncat = l->ncat;
	out->names = sc_xcalloc(l->ncat ? l->ncat : 1, sizeof(char *));
	for (size_t k = 0; k < l->ncat; k++)
		out->names[k] = sc_xstrdup(l->names[k]);
}

size_t sc_labels_counts(const sc_labels *l, size_t *counts)
{
	size_t missing = 0;
	memset(counts, 0, l->ncat * sizeof(size_t));
	for (size_t i = 0; i < l->n; i++) {
		if (l->codes[i] < 0 || (size_t)l->codes[i] >= l->ncat)
			missing++;
		else
			counts[l->codes[i]]++;
	}
	return missing;
}
