/*
 * preprocess.c - scanpy's normalize_total, log1p and scale, and a column
 * subset, on the cells x genes matrices of the evaluation tasks.
 *
 * Sparse functions work on the stored values only (zeros stay zeros, the
 * pattern is kept), so a 1M-cell CSR is processed in one pass without
 * densifying. scanpy computes in the input's dtype (often float32); these
 * compute in double. Highly variable genes are in hvg.c.
 */
#include "preprocess.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* numpy's median of the positive entries of s (n entries); 0 when none */
static double median_positive(const double *s, size_t n)
{
	double *p = sc_xmalloc((n ? n : 1) * sizeof(double));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] > 0)
			p[m++] = s[i];
	double med = 0;
	if (m) {
		qsort(p, m, sizeof(double), dcmp);
		med = m % 2 ? p[m / 2] : (p[m / 2 - 1] + p[m / 2]) / 2.0;
	}
	free(p);
	return med;
}

/* Row sums, then each row divided by (sum / target): scanpy's order. */
static int normalize(double *sums, size_t n, double *target_sum, sc_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(sums[i]))
			return sc_errf(err, SC_EINVAL, "row %zu sums to '%g'", i, sums[i]);
	if (!(*target_sum > 0))
		*target_sum = median_positive(sums, n);
	if (!isfinite(*target_sum))
		return sc_errf(err, SC_EINVAL, "normalisation target '%g' is not finite", *target_sum);
	return 0;
}

int sc_normalize_total_csr(sc_csr *m, double target_sum, sc_err *err)
{
	size_t n = m->rows;
	double *s = sc_xcalloc(n ? n : 1, sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (int64_t p = m->indptr[i]; p < m->indptr[i + 1]; p++)
			s[i] += m->data[p];
	int rc = normalize(s, n, &target_sum, err);
	if (rc == 0)
		for (size_t i = 0; i < n; i++) {
			double c = (s[i] == 0 ? 1.0 : s[i]) / target_sum;
			for (int64_t p = m->indptr[i]; p < m->indptr[i + 1]; p++)
				m->data[p] /= c;
		}
	free(s);
	return rc;
}

int sc_normalize_total_dense(sc_dmat *m, double target_sum, sc_err *err)
{
	size_t n = m->rows, d = m->cols;
	double *s = sc_xcalloc(n ? n : 1, sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			s[i] += m->v[i * d + j];
	int rc = normalize(s, n, &target_sum, err);
	if (rc == 0)
		for (size_t i = 0; i < n; i++) {
			double c = (s[i] == 0 ? 1.0 : s[i]) / target_sum;
			for (size_t j = 0; j < d; j++)
				m->v[i * d + j] /= c;
		}
	free(s);
	return rc;
}

void sc_log1p_csr(sc_csr *m)
{
	size_t nnz = sc_csr_nnz(m);
	for (size_t p = 0; p < nnz; p++)
		m->data[p] = log1p(m->data[p]);
}

void sc_log1p_dense(sc_dmat *m)
{
	size_t n = m->rows * m->cols;
	for (size_t t = 0; t < n; t++)
		m->v[t] = log1p(m->v[t]);
}

void sc_scale_dense(sc_dmat *m, int zero_center, double max_value)
{
	size_t n = m->rows, d = m->cols;
	double *mu = sc_xcalloc(d ? d : 1, sizeof(double));
	double *sd = sc_xcalloc(d ? d : 1, sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			mu[j] += m->v[i * d + j];
	for (size_t j = 0; j < d; j++)
		mu[j] /= (double)(n ? n : 1);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double c = m->v[i * d + j] - mu[j];
			sd[j] += c * c;
		}
	for (size_t j = 0; j < d; j++) {
		sd[j] = n > 1 ? sqrt(sd[j] / (double)(n - 1)) : 0;
		if (sd[j] == 0)
			sd[j] = 1;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double v = m->v[i * d + j];
			if (zero_center)
				v -= mu[j];
			v /= sd[j];
			/* scanpy clips below only when the data were centred */
			if (max_value > 0) {
				if (v > max_value)
					v = max_value;
				if (zero_center && v < -max_value)
					v = -max_value;
			}
			m->v[i * d + j] = v;
		}
	free(mu);
	free(sd);
}

void sc_csr_select_cols(sc_csr *out, const sc_csr *m, const uint8_t *keep)
{
	size_t p = m->cols, nk = 0, nnz = 0;
	int32_t *map = sc_xmalloc((p ? p : 1) * sizeof(int32_t));
	for (size_t j = 0; j < p; j++)
		map[j] = keep[j] ? (int32_t)nk++ : -1;
	for (size_t q = 0; q < sc_csr_nnz(m); q++)
		nnz += map[m->indices[q]] >= 0;
	sc_csr_alloc(out, m->rows, nk, nnz);
	size_t w = 0;
	for (size_t i = 0; i < m->rows; i++) {
		for (int64_t q = m->indptr[i]; q < m->indptr[i + 1]; q++) {
			int32_t c = map[m->indices[q]];
			if (c >= 0) {
				out->indices[w] = c;
				out->data[w++] = m->data[q];
			}
		}
		out->indptr[i + 1] = (int64_t)w;
	}
	free(map);
}
