/*
 * tasks/imputation/denoisers.c - the denoise setting's built-in methods,
 * each from the training counts (cells x genes) to a dense denoised matrix
 * on the count scale:
 *
 *   knn_smooth  the mean of a cell's k nearest cells (itself included) in
 *               the PCA of log1p(counts scaled to 1e4)
 *   magic       MAGIC (van Dijk et al. 2018): counts scaled to the median
 *               library size, square root; PCA; an adaptive Gaussian kernel
 *               exp(-(d / sigma_i)^decay), sigma_i the distance to the
 *               knn-th neighbour, over the 3 knn nearest, values below 1e-4
 *               dropped, symmetrised (K + K^T) / 2, row-normalised; the data
 *               diffused t steps, squared back and rescaled to each library
 *   alra        ALRA (Linderman et al. 2022): log1p(counts scaled to 1e4),
 *               rank k by the spectral gap (the last gap more than 6 sd above
 *               the mean gap of the noise tail), rank-k reconstruction, each
 *               gene's values below the magnitude of its 0.1% quantile set to
 *               0, non-zeros rescaled to the original non-zeros' mean and sd,
 *               negatives to 0, original non-zeros restored; expm1 and back
 *               to each library. The SVD is exact (eigenvectors of A^T A),
 *               not randomised, so no seed is needed.
 * Determinism: serial loops or fixed-shape tiles; no thread-count effect.
 */
#include "imputation.h"
#include "tasks/core/blas.h"
#include "tasks/core/knn.h"
#include "tasks/core/pca.h"
#include "tasks/core/preprocess.h"
#include "tasks/core/tiles.h"
#include "util/buf.h"
#include "util/par.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double median_of(const double *v, size_t n)
{
	double *t = sc_xmalloc((n ? n : 1) * sizeof(double));
	memcpy(t, v, n * sizeof(double));
	double m = sc_imp_median(t, n);
	free(t);
	return m;
}

static void row_sums(double *s, const sc_dmat *x)
{
	for (size_t i = 0; i < x->rows; i++) {
		s[i] = 0;
		for (size_t j = 0; j < x->cols; j++)
			s[i] += x->v[i * x->cols + j];
	}
}

/* log1p of each row scaled to 1e4 (zero rows stay zero). */
static void log_normalize(sc_dmat *out, const sc_dmat *x, const double *lib)
{
	sc_dmat_alloc(out, x->rows, x->cols);
	for (size_t i = 0; i < x->rows; i++) {
		double f = lib[i] > 0 ? 1e4 / lib[i] : 1;
		for (size_t j = 0; j < x->cols; j++)
			out->v[i * x->cols + j] = log1p(x->v[i * x->cols + j] * f);
	}
}

static size_t clip_comps(size_t want, const sc_dmat *x)
{
	size_t m = (x->rows < x->cols ? x->rows : x->cols);
	return want < m ? want : (m > 1 ? m - 1 : 1);
}

int sc_imp_knn_smooth(sc_dmat *out, const sc_dmat *counts, size_t k, size_t n_comps, sc_err *err)
{
	size_t n = counts->rows, g = counts->cols;
	double *lib = sc_xmalloc((n ? n : 1) * sizeof(double));
	sc_dmat ln = { 0 }, pcs = { 0 };
	row_sums(lib, counts);
	log_normalize(&ln, counts, lib);
	if (k > n)
		k = n;
	int32_t *idx = sc_xmalloc(n * k * sizeof(int32_t));
	double *dist = sc_xmalloc(n * k * sizeof(double));
	int rc = sc_pca_dense(&pcs, NULL, &ln, clip_comps(n_comps, &ln), err);
	if (!rc)
		rc = sc_knn_self(idx, dist, &pcs, k, SC_METRIC_EUCLIDEAN, 1, err);
	if (!rc) {
		sc_dmat_alloc(out, n, g);
		for (size_t i = 0; i < n; i++) {
			double *o = out->v + i * g;
			for (size_t a = 0; a < k; a++) {
				const double *r = counts->v + (size_t)idx[i * k + a] * g;
				for (size_t j = 0; j < g; j++)
					o[j] += r[j];
			}
			for (size_t j = 0; j < g; j++)
				o[j] /= (double)k;
		}
	}
	free(idx);
	free(dist);
	free(lib);
	sc_dmat_free(&ln);
	sc_dmat_free(&pcs);
	return rc;
}

/* ---- MAGIC ---- */

typedef struct entry {
	int32_t j;
	double v;
} entry;

static int cmp_entry(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	return (x->j > y->j) - (x->j < y->j);
}

/* The symmetrised, row-normalised kernel as CSR. */
static void magic_operator(sc_csr *P, const int32_t *idx, const double *dist, size_t n, size_t kk,
			   size_t knn, double decay)
{
	/* K's entries, both (i, j) and (j, i) halves, then summed per row. */
	size_t cap = 2 * n * kk;
	entry *e = sc_xmalloc((cap ? cap : 1) * sizeof(entry));
	int32_t *row = sc_xmalloc((cap ? cap : 1) * sizeof(int32_t));
	size_t ne = 0;
	for (size_t i = 0; i < n; i++) {
		double sigma = dist[i * kk + (knn < kk ? knn : kk - 1)];
		for (size_t a = 0; a < kk; a++) {
			double d = dist[i * kk + a];
			double v = sigma > 0 ? exp(-pow(d / sigma, decay)) : (d == 0 ? 1 : 0);
			if (v < 1e-4)
				continue;
			int32_t j = idx[i * kk + a];
			row[ne] = (int32_t)i;
			e[ne++] = (entry){ j, 0.5 * v };
			row[ne] = j;
			e[ne++] = (entry){ (int32_t)i, 0.5 * v };
		}
	}
	/* Bucket by row (counting sort keeps the order fixed), sort, merge. */
	sc_csr_alloc(P, n, n, ne);
	int64_t *cnt = sc_xcalloc(n + 1, sizeof(int64_t));
	for (size_t p = 0; p < ne; p++)
		cnt[row[p] + 1]++;
	for (size_t i = 0; i < n; i++)
		cnt[i + 1] += cnt[i];
	entry *b = sc_xmalloc((ne ? ne : 1) * sizeof(entry));
	int64_t *pos = sc_xmalloc((n + 1) * sizeof(int64_t));
	memcpy(pos, cnt, (n + 1) * sizeof(int64_t));
	for (size_t p = 0; p < ne; p++)
		b[pos[row[p]]++] = e[p];
	size_t w = 0;
	P->indptr[0] = 0;
	for (size_t i = 0; i < n; i++) {
		qsort(b + cnt[i], (size_t)(cnt[i + 1] - cnt[i]), sizeof(entry), cmp_entry);
		size_t start = w;
		double sum = 0;
		for (int64_t p = cnt[i]; p < cnt[i + 1]; p++) {
			if (w > start && P->indices[w - 1] == b[p].j)
				P->data[w - 1] += b[p].v;
			else {
				P->indices[w] = b[p].j;
				P->data[w++] = b[p].v;
			}
		}
		for (size_t p = start; p < w; p++)
			sum += P->data[p];
		for (size_t p = start; p < w; p++)
			P->data[p] /= sum;
		P->indptr[i + 1] = (int64_t)w;
	}
	free(cnt);
	free(pos);
	free(b);
	free(e);
	free(row);
}

int sc_imp_magic(sc_dmat *out, const sc_dmat *counts, size_t knn, size_t t, double decay,
		 size_t n_pca, sc_err *err)
{
	size_t n = counts->rows, g = counts->cols;
	size_t kk = 3 * knn + 1 < n ? 3 * knn + 1 : n; /* knn_max = 3 knn, plus the cell itself */
	double *lib = sc_xmalloc((n ? n : 1) * sizeof(double));
	row_sums(lib, counts);
	double med = median_of(lib, n);
	sc_dmat x = { 0 }, pcs = { 0 }, y = { 0 };
	sc_dmat_alloc(&x, n, g);
	for (size_t i = 0; i < n; i++) {
		double f = lib[i] > 0 ? med / lib[i] : 1;
		for (size_t j = 0; j < g; j++)
			x.v[i * g + j] = sqrt(counts->v[i * g + j] * f);
	}
	int32_t *idx = sc_xmalloc(n * kk * sizeof(int32_t));
	double *dist = sc_xmalloc(n * kk * sizeof(double));
	sc_csr P = { 0 };
	int rc = sc_pca_dense(&pcs, NULL, &x, clip_comps(n_pca, &x), err);
	if (!rc)
		rc = sc_knn_self(idx, dist, &pcs, kk, SC_METRIC_EUCLIDEAN, 1, err);
	if (rc)
		goto out;
	magic_operator(&P, idx, dist, n, kk, knn, decay);
	sc_dmat_alloc(&y, n, g);
	for (size_t step = 0; step < t; step++) {
		memset(y.v, 0, n * g * sizeof(double));
		for (size_t i = 0; i < n; i++)
			for (int64_t p = P.indptr[i]; p < P.indptr[i + 1]; p++) {
				const double *r = x.v + (size_t)P.indices[p] * g;
				double w = P.data[p];
				for (size_t j = 0; j < g; j++)
					y.v[i * g + j] += w * r[j];
			}
		double *tmp = x.v;
		x.v = y.v;
		y.v = tmp;
	}
	sc_dmat_alloc(out, n, g);
	for (size_t i = 0; i < n; i++) {
		double f = med > 0 ? lib[i] / med : 0;
		for (size_t j = 0; j < g; j++)
			out->v[i * g + j] = x.v[i * g + j] * x.v[i * g + j] * f;
	}
out:
	free(idx);
	free(dist);
	free(lib);
	sc_csr_free(&P);
	sc_dmat_free(&x);
	sc_dmat_free(&y);
	sc_dmat_free(&pcs);
	return rc;
}

/* ---- ALRA ---- */

/* ALRA's choose_k on the singular values d[0..K): the last gap more than
 * thresh sd above the mean of the gaps of the noise tail. */
static size_t alra_rank(const double *d, size_t K)
{
	if (K < 3)
		return 1;
	size_t nd = K - 1, start = (size_t)llround(0.8 * (double)K);
	if (start < 1 || start + 2 > nd)
		start = nd > 2 ? nd - 2 : 0;
	double mu = 0, sd = 0;
	size_t m = nd - start;
	for (size_t i = start; i < nd; i++)
		mu += d[i] - d[i + 1];
	mu /= (double)m;
	for (size_t i = start; i < nd; i++)
		sd += (d[i] - d[i + 1] - mu) * (d[i] - d[i + 1] - mu);
	sd = sqrt(sd / (double)(m > 1 ? m - 1 : 1));
	size_t k = 1;
	for (size_t i = 0; i < nd; i++)
		if (sd > 0 && (d[i] - d[i + 1] - mu) / sd > 6)
			k = i + 1;
	return k;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Quantile of v (n values) at q, linear interpolation (R's type 7). */
static double quantile7(double *v, size_t n, double q)
{
	double *t = v;
	qsort(t, n, sizeof(double), cmp_double);
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)floor(h);
	size_t hi = lo + 1 < n ? lo + 1 : lo;
	return t[lo] + (h - (double)lo) * (t[hi] - t[lo]);
}

static void nonzero_mean_sd(const double *x, size_t n, size_t stride, double *mu, double *sd)
{
	double s = 0, q = 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (x[i * stride] != 0) {
			s += x[i * stride];
			k++;
		}
	*mu = k ? s / (double)k : NAN;
	for (size_t i = 0; i < n; i++)
		if (x[i * stride] != 0)
			q += (x[i * stride] - *mu) * (x[i * stride] - *mu);
	*sd = k > 1 ? sqrt(q / (double)(k - 1)) : NAN;
}

/* Top eigenvectors of A^T A (g x g): V (g x K, columns by decreasing
 * eigenvalue) and the singular values. */
static int top_right_vectors(double *V, double *sv, const sc_dmat *A, size_t K, sc_err *err)
{
	int g = (int)A->cols;
	double *C = sc_xcalloc((size_t)g * (size_t)g, sizeof(double));
	sc_par *par = sc_par_new(0);
	int nt = sc_blas_serial_begin();
	sc_par_syrk(par, 1, (size_t)g, A->rows, A->v, A->cols, C, (size_t)g);
	sc_blas_serial_end(nt);
	sc_par_free(par);
	/* C's upper triangle (row-major) is the lower triangle column-major. */
	int il = g - (int)K + 1, iu = g, m = 0, info = 0, lwork = -1, liwork = -1, iw;
	double abstol = 0, vl = 0, vu = 0, wq;
	double *w = sc_xmalloc((size_t)g * sizeof(double)), *Z = sc_xmalloc((size_t)g * K * sizeof(double));
	int *isuppz = sc_xmalloc(2 * K * sizeof(int));
	dsyevr_("V", "I", "L", &g, C, &g, &vl, &vu, &il, &iu, &abstol, &m, w, Z, &g, isuppz, &wq, &lwork,
		&iw, &liwork, &info);
	lwork = (int)wq;
	liwork = iw;
	double *work = sc_xmalloc((size_t)lwork * sizeof(double));
	int *iwork = sc_xmalloc((size_t)liwork * sizeof(int));
	dsyevr_("V", "I", "L", &g, C, &g, &vl, &vu, &il, &iu, &abstol, &m, w, Z, &g, isuppz, work,
		&lwork, iwork, &liwork, &info);
	int rc = info ? sc_errf(err, SC_EINVAL, "alra: the eigendecomposition failed (info %d)", info) : 0;
	for (size_t c = 0; c < K && !rc; c++) {
		size_t src = K - 1 - c; /* ascending -> descending */
		sv[c] = sqrt(w[src] > 0 ? w[src] : 0);
		for (int r = 0; r < g; r++)
			V[(size_t)r * K + c] = Z[src * (size_t)g + (size_t)r];
	}
	free(C);
	free(w);
	free(Z);
	free(isuppz);
	free(work);
	free(iwork);
	return rc;
}

/* Rank-k reconstruction A V_k V_k^T (n x g). */
static void low_rank(sc_dmat *out, const sc_dmat *A, const double *V, size_t K, size_t k)
{
	size_t n = A->rows, g = A->cols;
	double *AV = sc_xcalloc(n * k, sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < g; j++) {
			double a = A->v[i * g + j];
			if (a != 0)
				for (size_t c = 0; c < k; c++)
					AV[i * k + c] += a * V[j * K + c];
		}
	sc_dmat_alloc(out, n, g);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < g; j++) {
			double s = 0;
			for (size_t c = 0; c < k; c++)
				s += AV[i * k + c] * V[j * K + c];
			out->v[i * g + j] = s;
		}
	free(AV);
}

/* ALRA's thresholding and rescaling of one gene (column j). */
static void alra_gene(sc_dmat *L, const sc_dmat *A, size_t j, double *tmp)
{
	size_t n = A->rows, g = A->cols;
	for (size_t i = 0; i < n; i++)
		tmp[i] = L->v[i * g + j];
	double thr = fabs(quantile7(tmp, n, 0.001));
	for (size_t i = 0; i < n; i++)
		if (L->v[i * g + j] <= thr)
			L->v[i * g + j] = 0;
	double mu1, sd1, mu2, sd2;
	nonzero_mean_sd(L->v + j, n, g, &mu1, &sd1);
	nonzero_mean_sd(A->v + j, n, g, &mu2, &sd2);
	int scale = !isnan(sd1) && !isnan(sd2) && !(sd1 == 0 && sd2 == 0) && sd1 != 0;
	for (size_t i = 0; i < n; i++) {
		double *v = &L->v[i * g + j];
		if (scale && *v != 0)
			*v = *v * (sd2 / sd1) + (mu2 - mu1 * sd2 / sd1);
		if (*v < 0)
			*v = 0;
		if (A->v[i * g + j] != 0 && *v == 0)
			*v = A->v[i * g + j];
	}
}

/* Rank-k projection on the left singular vectors U (n x K): U_k U_k^T A. */
static void low_rank_left(sc_dmat *out, const sc_dmat *A, const double *U, size_t K, size_t k)
{
	size_t n = A->rows, g = A->cols;
	double *UtA = sc_xcalloc(k * g, sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < k; c++) {
			double u = U[i * K + c];
			for (size_t j = 0; j < g; j++)
				UtA[c * g + j] += u * A->v[i * g + j];
		}
	sc_dmat_alloc(out, n, g);
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < k; c++) {
			double u = U[i * K + c];
			for (size_t j = 0; j < g; j++)
				out->v[i * g + j] += u * UtA[c * g + j];
		}
	free(UtA);
}

static void transpose(sc_dmat *out, const sc_dmat *a)
{
	sc_dmat_alloc(out, a->cols, a->rows);
	for (size_t i = 0; i < a->rows; i++)
		for (size_t j = 0; j < a->cols; j++)
			out->v[j * a->rows + i] = a->v[i * a->cols + j];
}

int sc_imp_alra(sc_dmat *out, size_t *rank, const sc_dmat *counts, size_t max_rank, sc_err *err)
{
	size_t n = counts->rows, g = counts->cols;
	double *lib = sc_xmalloc((n ? n : 1) * sizeof(double));
	row_sums(lib, counts);
	sc_dmat A = { 0 }, L = { 0 };
	log_normalize(&A, counts, lib);
	size_t small = n < g ? n : g;
	size_t K = max_rank < small ? max_rank : (small > 1 ? small - 1 : 1);
	/* The eigenvectors of the smaller Gram matrix: A^T A (genes) or A A^T. */
	double *V = sc_xmalloc(small * K * sizeof(double)), *sv = sc_xmalloc(K * sizeof(double));
	double *tmp = sc_xmalloc((n ? n : 1) * sizeof(double));
	sc_dmat At = { 0 };
	if (n < g)
		transpose(&At, &A);
	int rc = top_right_vectors(V, sv, n < g ? &At : &A, K, err);
	sc_dmat_free(&At);
	if (rc)
		goto out;
	*rank = alra_rank(sv, K);
	if (n < g)
		low_rank_left(&L, &A, V, K, *rank);
	else
		low_rank(&L, &A, V, K, *rank);
	for (size_t j = 0; j < g; j++)
		alra_gene(&L, &A, j, tmp);
	sc_dmat_alloc(out, n, g);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < g; j++)
			out->v[i * g + j] = expm1(L.v[i * g + j]) * lib[i] / 1e4;
out:
	free(lib);
	free(V);
	free(sv);
	free(tmp);
	sc_dmat_free(&A);
	sc_dmat_free(&L);
	return rc;
}
