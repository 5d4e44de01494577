/*
 * wnn.c - Seurat v4's weighted nearest neighbours for two modalities (see
 * wnn.h for the steps), giving the multiomics task a joint kNN graph with
 * per-cell modality weights.
 *
 * Workload: 10^3-10^5 cells, embeddings of 10-50 dimensions, k = 20 and 200
 * candidates per modality. The exact kNN comes from the core (blocked
 * products); the shared-neighbour counts use the reverse neighbour lists,
 * O(n k^2); everything else is O(n (k + knn_range) d). Plain loops in a
 * fixed order: the result does not depend on the thread count.
 */
#include "wnn.h"
#include "tasks/core/graph.h"
#include "tasks/core/knn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sc_wnn_opts_default(sc_wnn_opts *o)
{
	o->k = 20;
	o->knn_range = 200;
	o->cross_constant = 1e-4;
	o->l2_norm = 1;
}

void sc_wnn_graph_free(sc_wnn_graph *w)
{
	if (!w)
		return;
	free(w->weight);
	free(w->sigma);
	free(w->rho);
	free(w->idx);
	free(w->dist);
	sc_csr_free(&w->connectivities);
	memset(w, 0, sizeof(*w));
}

typedef struct modal {
	sc_dmat e;    /* normalised embedding */
	int32_t *nn;  /* n x kr neighbours, self first */
	double *nd;   /* n x kr distances */
} modal;

static double dist2(const sc_dmat *e, size_t i, size_t j)
{
	double s = 0;
	for (size_t c = 0; c < e->cols; c++) {
		double t = SC_AT(e, i, c) - SC_AT(e, j, c);
		s += t * t;
	}
	return sqrt(s);
}

/* Distance from cell i of e to the mean of e over nn[1..k-1] (the k-1
 * neighbours other than the cell itself). */
static double predict_dist(const sc_dmat *e, size_t i, const int32_t *nn, size_t k, double *tmp)
{
	size_t d = e->cols;
	memset(tmp, 0, d * sizeof(double));
	for (size_t t = 1; t < k; t++)
		for (size_t c = 0; c < d; c++)
			tmp[c] += SC_AT(e, (size_t)nn[t], c);
	double s = 0;
	for (size_t c = 0; c < d; c++) {
		double v = SC_AT(e, i, c) - tmp[c] / (double)(k - 1);
		s += v * v;
	}
	return sqrt(s);
}

typedef struct ent {
	double v;
	size_t j;
} ent;

static int ent_asc(const void *a, const void *b)
{
	const ent *x = a, *y = b;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return (x->j > y->j) - (x->j < y->j);
}

static int dbl_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x < y) - (x > y);
}

/* Seurat's SNN_SmallestNonzero_Dist on the SNN graph of the k-neighbour sets
 * nn (stride kr): the bandwidth of every cell. */
static void bandwidths(double *sigma, const modal *m, size_t n, size_t k, size_t kr,
		       const double *rho)
{
	/* reverse lists: rev[rs[l] .. rs[l+1]) = cells having l among their k */
	size_t *rs = sc_xcalloc(n + 1, sizeof(size_t)), *rev = sc_xmalloc(n * k * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < k; t++)
			rs[m->nn[i * kr + t] + 1]++;
	for (size_t l = 0; l < n; l++)
		rs[l + 1] += rs[l];
	size_t *fill = sc_xmalloc(n * sizeof(size_t));
	memcpy(fill, rs, n * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < k; t++)
			rev[fill[m->nn[i * kr + t]]++] = i;
	free(fill);
	size_t *cnt = sc_xcalloc(n, sizeof(size_t)), *touched = sc_xmalloc(n * sizeof(size_t));
	ent *e = sc_xmalloc(n * sizeof(ent));
	double *dd = sc_xmalloc(n * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		size_t nt = 0;
		for (size_t t = 0; t < k; t++) {
			size_t l = (size_t)m->nn[i * kr + t];
			for (size_t q = rs[l]; q < rs[l + 1]; q++)
				if (cnt[rev[q]]++ == 0)
					touched[nt++] = rev[q];
		}
		for (size_t q = 0; q < nt; q++) {
			double c = (double)cnt[touched[q]];
			e[q].v = c / ((double)k + ((double)k - c));
			e[q].j = touched[q];
			cnt[touched[q]] = 0;
		}
		qsort(e, nt, sizeof(ent), ent_asc); /* by value, ties by index: Seurat's order */
		size_t ni = k < nt ? k : nt, nd = 0;
		for (size_t q = 0; q < nt; q++) {
			if (!(nd < ni || e[q].v == e[ni - 1].v))
				break;
			double r = dist2(&m->e, i, e[q].j);
			if (rho[i] > 0) {
				r -= rho[i];
				if (r < 0)
					r = 0;
			}
			dd[nd++] = r;
		}
		double s = 0;
		if (nd > ni) {
			qsort(dd, nd, sizeof(double), dbl_desc);
			nd = ni;
		}
		for (size_t q = 0; q < nd; q++)
			s += dd[q];
		sigma[i] = s / (double)nd;
	}
	free(rs);
	free(rev);
	free(cnt);
	free(touched);
	free(e);
	free(dd);
}

static double kernel(double d, double sigma)
{
	if (!(sigma > 0)) /* degenerate bandwidth: only an exact prediction counts */
		return d > 0 ? 0 : 1;
	return exp(-(d / sigma));
}

typedef struct cand {
	double a;
	size_t pos;
	int32_t j;
} cand;

static int cand_desc(const void *x, const void *y)
{
	const cand *a = x, *b = y;
	if (a->a != b->a)
		return a->a > b->a ? -1 : 1;
	return (a->pos > b->pos) - (a->pos < b->pos); /* R's stable order */
}

static int prepare(modal *m, const sc_dmat *src, size_t kr, int l2, sc_err *err)
{
	size_t n = src->rows, d = src->cols;
	sc_dmat_alloc(&m->e, n, d);
	for (size_t i = 0; i < n; i++) {
		double s = 0;
		for (size_t c = 0; c < d; c++) {
			double v = SC_AT(src, i, c);
			if (!isfinite(v))
				return sc_errf(err, SC_EINVAL, "non-finite value in cell %zu", i);
			s += v * v;
		}
		s = sqrt(s);
		for (size_t c = 0; c < d; c++)
			SC_AT(&m->e, i, c) = !l2 ? SC_AT(src, i, c) : s > 0 ? SC_AT(src, i, c) / s : 0;
	}
	m->nn = sc_xmalloc(sc_mulsz(n * kr, sizeof(int32_t)));
	m->nd = sc_xmalloc(sc_mulsz(n * kr, sizeof(double)));
	return sc_knn_self(m->nn, m->nd, &m->e, kr, SC_METRIC_EUCLIDEAN, 1, err);
}

int sc_wnn_build(sc_wnn_graph *out, const sc_dmat *m1, const sc_dmat *m2, const sc_wnn_opts *o,
	   sc_err *err)
{
	size_t n = m1->rows, k = o->k;
	modal M[2];
	memset(M, 0, sizeof(M));
	memset(out, 0, sizeof(*out));
	int32_t *gi = NULL;
	double *gd = NULL, *tmp = NULL;
	cand *cs = NULL;
	size_t *stamp = NULL;
	int rc = 0;
	if (m2->rows != n)
		return sc_errf(err, SC_EINVAL, "wnn: %zu cells in modality 1, %zu in modality 2", n,
			       m2->rows);
	if (k < 2 || k + 1 > n || o->knn_range < k + 1)
		return sc_errf(err, SC_EINVAL, "wnn: k = %zu and knn_range = %zu for %zu cells (need "
					       "2 <= k < cells, knn_range > k)", k, o->knn_range, n);
	if (!m1->cols || !m2->cols)
		return sc_errf(err, SC_EINVAL, "wnn: an embedding has no dimensions");
	size_t kr = o->knn_range < n ? o->knn_range : n;
	for (int m = 0; m < 2; m++)
		if ((rc = prepare(&M[m], m ? m2 : m1, kr, o->l2_norm, err)) != 0)
			goto out;
	out->n = n;
	out->k = k;
	out->weight = sc_xmalloc(n * 2 * sizeof(double));
	out->sigma = sc_xmalloc(n * 2 * sizeof(double));
	out->rho = sc_xmalloc(n * 2 * sizeof(double));
	double *rho[2] = { sc_xmalloc(n * sizeof(double)), sc_xmalloc(n * sizeof(double)) };
	double *sig[2] = { sc_xmalloc(n * sizeof(double)), sc_xmalloc(n * sizeof(double)) };
	size_t dmax = m1->cols > m2->cols ? m1->cols : m2->cols;
	tmp = sc_xmalloc(dmax * sizeof(double));
	for (int m = 0; m < 2; m++) {
		for (size_t i = 0; i < n; i++)
			rho[m][i] = M[m].nd[i * kr + 1];
		bandwidths(sig[m], &M[m], n, k, kr, rho[m]);
	}
	/* modality scores and weights */
	for (size_t i = 0; i < n; i++) {
		double score[2];
		for (int m = 0; m < 2; m++) {
			double dw = predict_dist(&M[m].e, i, M[m].nn + i * kr, k, tmp) - rho[m][i];
			double dc = predict_dist(&M[m].e, i, M[1 - m].nn + i * kr, k, tmp) - rho[m][i];
			dw = dw < 0 ? 0 : dw;
			dc = dc < 0 ? 0 : dc;
			double s = kernel(dw, sig[m][i]) / (kernel(dc, sig[m][i]) + o->cross_constant);
			score[m] = s < 0 ? 0 : s > 200 ? 200 : s;
		}
		double e0 = exp(score[0]), e1 = exp(score[1]);
		out->weight[2 * i] = e0 / (e0 + e1);
		out->weight[2 * i + 1] = 1 - out->weight[2 * i];
		for (int m = 0; m < 2; m++) {
			out->sigma[2 * i + m] = sig[m][i];
			out->rho[2 * i + m] = rho[m][i];
		}
	}
	for (int m = 0; m < 2; m++) {
		free(rho[m]);
		free(sig[m]);
	}
	/* joint neighbours among the union of both candidate lists */
	out->idx = sc_xmalloc(n * k * sizeof(int32_t));
	out->dist = sc_xmalloc(n * k * sizeof(double));
	cs = sc_xmalloc(2 * kr * sizeof(cand));
	stamp = sc_xmalloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		stamp[i] = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t nc = 0;
		for (int m = 0; m < 2; m++)
			for (size_t t = 1; t < kr; t++) {
				int32_t j = M[m].nn[i * kr + t];
				if ((size_t)j == i || stamp[j] == i)
					continue;
				stamp[j] = i;
				double a = 0;
				for (int q = 0; q < 2; q++) {
					double dq = dist2(&M[q].e, i, (size_t)j) - out->rho[2 * i + q];
					a += out->weight[2 * i + q] *
					     kernel(dq < 0 ? 0 : dq, out->sigma[2 * i + q]);
				}
				cs[nc] = (cand){ a, nc, j };
				nc++;
			}
		qsort(cs, nc, sizeof(cand), cand_desc);
		for (size_t t = 0; t < k; t++) {
			double a = cs[t].a > 1 ? 1 : cs[t].a;
			out->idx[i * k + t] = cs[t].j;
			out->dist[i * k + t] = sqrt((1 - a) / 2);
		}
	}
	/* UMAP connectivities of the joint neighbours, self prepended */
	gi = sc_xmalloc(n * (k + 1) * sizeof(int32_t));
	gd = sc_xmalloc(n * (k + 1) * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		gi[i * (k + 1)] = (int32_t)i;
		gd[i * (k + 1)] = 0;
		memcpy(gi + i * (k + 1) + 1, out->idx + i * k, k * sizeof(int32_t));
		memcpy(gd + i * (k + 1) + 1, out->dist + i * k, k * sizeof(double));
	}
	rc = sc_umap_connectivities(&out->connectivities, gi, gd, n, k + 1, err);
out:
	if (rc) {
		sc_errprefix(err, "wnn");
		sc_wnn_graph_free(out);
	}
	for (int m = 0; m < 2; m++) {
		sc_dmat_free(&M[m].e);
		free(M[m].nn);
		free(M[m].nd);
	}
	free(gi);
	free(gd);
	free(tmp);
	free(cs);
	free(stamp);
	return rc;
}
