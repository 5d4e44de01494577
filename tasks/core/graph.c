/*
 * graph.c - the neighbour graphs scanpy.pp.neighbors builds from a kNN
 * result, and connected components.
 *
 * Connectivities are UMAP's fuzzy simplicial set (umap-learn's
 * smooth_knn_dist, compute_membership_strengths and fuzzy_simplicial_set
 * with set_op_mix_ratio 1 and local_connectivity 1), the graph scanpy's
 * Leiden, scIB's graph connectivity and graph LISI run on. umap-learn
 * computes sigma and rho in float32; this computes in double, so values
 * agree with scanpy's to about 1e-6 relative, and exactly with a float64
 * transcription. The kNN input includes each point as its own first
 * neighbour (sc_knn_self with include_self). Cost O(n k log k + nnz).
 */
#include "graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SMOOTH_K_TOLERANCE 1e-5
#define MIN_K_DIST_SCALE 1e-3

/* umap's smooth_knn_dist for one row: rho = first non-zero distance, sigma
 * by bisection so that sum_{j>=1} exp(-max(0, d_j - rho) / sigma) = log2 k. */
static void smooth_row(const double *d, size_t k, double mean_all, double *rho_out,
		       double *sigma_out)
{
	double target = log2((double)k), rho = 0;
	for (size_t j = 0; j < k; j++)
		if (d[j] > 0) {
			rho = d[j]; /* local_connectivity 1: the first non-zero */
			break;
		}
	double lo = 0, hi = INFINITY, mid = 1.0;
	for (int it = 0; it < 64; it++) {
		double psum = 0;
		for (size_t j = 1; j < k; j++) {
			double x = d[j] - rho;
			psum += x > 0 ? exp(-(x / mid)) : 1.0;
		}
		if (fabs(psum - target) < SMOOTH_K_TOLERANCE)
			break;
		if (psum > target) {
			hi = mid;
			mid = (lo + hi) / 2.0;
		} else {
			lo = mid;
			if (isinf(hi))
				mid *= 2;
			else
				mid = (lo + hi) / 2.0;
		}
	}
	if (rho > 0) {
		double m = 0;
		for (size_t j = 0; j < k; j++)
			m += d[j];
		m /= (double)k;
		if (mid < MIN_K_DIST_SCALE * m)
			mid = MIN_K_DIST_SCALE * m;
	} else if (mid < MIN_K_DIST_SCALE * mean_all) {
		mid = MIN_K_DIST_SCALE * mean_all;
	}
	*rho_out = rho;
	*sigma_out = mid;
}

typedef struct ent {
	int32_t col;
	double v;
} ent;

static int ent_cmp(const void *a, const void *b)
{
	const ent *x = a, *y = b;
	return (x->col > y->col) - (x->col < y->col);
}

/* CSR from per-row entries (n rows of up to k, count in len), columns
 * sorted, duplicates summed, zeros dropped. */
static void rows_to_csr(sc_csr *out, size_t n, ent *e, const size_t *len, size_t k)
{
	size_t nnz = 0;
	for (size_t i = 0; i < n; i++)
		nnz += len[i];
	sc_csr_alloc(out, n, n, nnz);
	size_t q = 0;
	for (size_t i = 0; i < n; i++) {
		ent *r = e + i * k;
		qsort(r, len[i], sizeof(ent), ent_cmp);
		for (size_t t = 0; t < len[i]; t++) {
			if (q > (size_t)out->indptr[i] && out->indices[q - 1] == r[t].col) {
				out->data[q - 1] += r[t].v;
				continue;
			}
			out->indices[q] = r[t].col;
			out->data[q++] = r[t].v;
		}
		/* drop zeros of this row */
		size_t w = (size_t)out->indptr[i];
		for (size_t t = (size_t)out->indptr[i]; t < q; t++)
			if (out->data[t] != 0) {
				out->indices[w] = out->indices[t];
				out->data[w++] = out->data[t];
			}
		q = w;
		out->indptr[i + 1] = (int64_t)q;
	}
}

static int check_knn(const int32_t *idx, const double *dist, size_t n, size_t k, sc_err *err)
{
	if (n > INT32_MAX)
		return sc_errf(err, SC_EINVAL, "too many points '%zu'", n);
	if (k < 2)
		return sc_errf(err, SC_EINVAL, "neighbour graph needs k >= 2 (self included), got '%zu'", k);
	for (size_t t = 0; t < n * k; t++) {
		if (idx[t] < -1 || idx[t] >= (int64_t)n)
			return sc_errf(err, SC_EINVAL, "neighbour index '%d' out of range in row %zu",
				       (int)idx[t], t / k);
		if (!(dist[t] >= 0) || !isfinite(dist[t]))
			return sc_errf(err, SC_EINVAL, "neighbour distance '%g' in row %zu", dist[t], t / k);
	}
	return 0;
}

int sc_umap_connectivities(sc_csr *out, const int32_t *idx, const double *dist, size_t n,
			   size_t k, sc_err *err)
{
	int rc = check_knn(idx, dist, n, k, err);
	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	double mean_all = 0;
	for (size_t t = 0; t < n * k; t++)
		mean_all += dist[t];
	mean_all = n ? mean_all / (double)(n * k) : 0;

	ent *e = sc_xmalloc(sc_mulsz(n ? n : 1, sc_mulsz(k, sizeof(ent))));
	size_t *len = sc_xcalloc(n ? n : 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		double rho, sigma;
		smooth_row(dist + i * k, k, mean_all, &rho, &sigma);
		for (size_t j = 0; j < k; j++) {
			int32_t c = idx[i * k + j];
			double d = dist[i * k + j], v;
			if (c < 0)
				continue;
			if ((size_t)c == i)
				v = 0.0;
			else if (d - rho <= 0.0 || sigma == 0.0)
				v = 1.0;
			else
				v = exp(-((d - rho) / sigma));
			e[i * k + len[i]].col = c;
			e[i * k + len[i]++].v = v;
		}
	}
	sc_csr a = { 0 }, at = { 0 };
	rows_to_csr(&a, n, e, len, k);
	free(e);
	free(len);
	sc_csr_transpose(&at, &a);

	/* a + a^T - a o a^T, row by row, merging the sorted column lists */
	size_t cap = sc_csr_nnz(&a) + sc_csr_nnz(&at);
	sc_csr_alloc(out, n, n, cap);
	size_t q = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t p = a.indptr[i], pe = a.indptr[i + 1];
		int64_t r = at.indptr[i], re = at.indptr[i + 1];
		while (p < pe || r < re) {
			int32_t ca = p < pe ? a.indices[p] : INT32_MAX;
			int32_t cb = r < re ? at.indices[r] : INT32_MAX;
			double x = 0, y = 0;
			int32_t c = ca < cb ? ca : cb;
			if (ca == c)
				x = a.data[p++];
			if (cb == c)
				y = at.data[r++];
			double v = x + y - x * y;
			if (v != 0) {
				out->indices[q] = c;
				out->data[q++] = v;
			}
		}
		out->indptr[i + 1] = (int64_t)q;
	}
	sc_csr_free(&a);
	sc_csr_free(&at);
	return 0;
}

void sc_knn_distance_graph(sc_csr *out, const int32_t *idx, const double *dist, size_t n,
			   size_t k)
{
	ent *e = sc_xmalloc(sc_mulsz(n ? n : 1, sc_mulsz(k ? k : 1, sizeof(ent))));
	size_t *len = sc_xcalloc(n ? n : 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		/* the k - 1 nearest other than i: self removed, else the last dropped */
		int has_self = 0;
		for (size_t j = 0; j < k; j++)
			has_self |= idx[i * k + j] == (int32_t)i;
		size_t keep = k ? k - 1 : 0;
		for (size_t j = 0; j < k && len[i] < keep; j++) {
			int32_t c = idx[i * k + j];
			if (c < 0 || (has_self && c == (int32_t)i))
				continue;
			e[i * k + len[i]].col = c;
			e[i * k + len[i]++].v = dist[i * k + j];
		}
	}
	/* scanpy eliminates zeros: a distance-0 duplicate is no edge */
	rows_to_csr(out, n, e, len, k ? k : 1);
	free(e);
	free(len);
}

static size_t find(size_t *par, size_t x)
{
	while (par[x] != x) {
		par[x] = par[par[x]];
		x = par[x];
	}
	return x;
}

size_t sc_connected_components(int32_t *comp, const sc_csr *g)
{
	size_t n = g->rows;
	size_t *par = sc_xmalloc((n ? n : 1) * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		par[i] = i;
	for (size_t i = 0; i < n; i++)
		for (int64_t p = g->indptr[i]; p < g->indptr[i + 1]; p++) {
			size_t j = (size_t)g->indices[p];
			if (j >= n)
				continue; /* a non-square graph: extra columns join nothing */
			size_t a = find(par, i), b = find(par, j);
			if (a != b)
				par[a > b ? a : b] = a < b ? a : b;
		}
	size_t nc = 0;
	int32_t *label = sc_xmalloc((n ? n : 1) * sizeof(int32_t));
	for (size_t i = 0; i < n; i++)
		label[i] = -1;
	for (size_t i = 0; i < n; i++) {
		size_t r = find(par, i);
		if (label[r] < 0)
			label[r] = (int32_t)nc++;
		comp[i] = label[r];
	}
	free(par);
	free(label);
	return nc;
}
