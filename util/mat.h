/*
 * mat.h - the in-memory matrices and label vectors the numerical core works on.
 *
 * sc_dmat: dense, row-major, double (v[i * cols + j]); cells are rows.
 * sc_csr:  compressed sparse rows, double values, int64 row pointers and
 *          int32 column indices (n_vars < 2^31); columns within a row are
 *          sorted ascending. The same struct holds CSC by reading rows as
 *          columns; functions say which they expect.
 * sc_labels: a categorical vector: codes in [0, ncat) or -1 for missing,
 *          with category names.
 *
 * Ownership: each struct owns its arrays; the matching _free releases them
 * and zeroes the struct (free of a zeroed struct is a no-op).
 */
#ifndef SC_MAT_H
#define SC_MAT_H

#include <stddef.h>
#include <stdint.h>

typedef struct sc_dmat {
	size_t rows, cols;
	double *v;
} sc_dmat;

typedef struct sc_csr {
	size_t rows, cols;
	int64_t *indptr;  /* rows + 1 entries */
	int32_t *indices; /* nnz entries */
	double *data;     /* nnz entries */
} sc_csr;

typedef struct sc_labels {
	size_t n;
	int32_t *codes;
	size_t ncat;
	char **names;
} sc_labels;

/* Zero-filled rows x cols matrix. */
void sc_dmat_alloc(sc_dmat *m, size_t rows, size_t cols);
void sc_dmat_free(sc_dmat *m);
#define SC_AT(m, i, j) ((m)->v[(size_t)(i) * (m)->cols + (size_t)(j)])

void sc_csr_alloc(sc_csr *m, size_t rows, size_t cols, size_t nnz);
void sc_csr_free(sc_csr *m);
/* out = a copy of m (its own arrays). */
void sc_csr_copy(sc_csr *out, const sc_csr *m);
static inline size_t sc_csr_nnz(const sc_csr *m)
{
	return m->indptr ? (size_t)m->indptr[m->rows] : 0;
}
/* Dense copy of a CSR matrix (caller checks it fits). */
void sc_csr_to_dense(sc_dmat *out, const sc_csr *m);
/* CSR copy of a dense matrix, keeping only the non-zero values. */
void sc_dmat_to_csr(sc_csr *out, const sc_dmat *x);
/* Transpose (CSR <-> CSC reinterpretation): out is cols x rows, sorted. */
void sc_csr_transpose(sc_csr *out, const sc_csr *m);

/* For each row of p (class probabilities), the first column of the largest
 * value; out[i] = classes[col], or col when classes is NULL. */
void sc_dmat_argmax_rows(int32_t *out, const sc_dmat *p, const int32_t *classes);

void sc_labels_free(sc_labels *l);
/* Copy of l restricted to the given rows (codes kept, categories kept). */
void sc_labels_subset(sc_labels *out, const sc_labels *l, const size_t *rows, size_t n);
/* Number of cells per category (counts has ncat entries); returns missing count. */
size_t sc_labels_counts(const sc_labels *l, size_t *counts);

#endif
