/*
 * lisi.c - graph LISI as scib computes it (its C++ shortest-path neighbour
 * search, its text round trip, its Python bisection) and the scib-metrics
 * variant on Euclidean neighbours.
 *
 * The neighbour search reproduces knn_graph.cpp's getTopKNeighbors down to
 * its heaps: a min-heap of tentative distances and a max-heap bounding the
 * candidate set to k + 1 cells, both laid out as that code lays them out
 * (parent of slot s at s / 2, children of s at 2s and 2s + 1, so slot 0 has
 * slot 1 as its only child). The layout decides which of several cells at
 * exactly the same distance is settled first; UMAP connectivities contain
 * many exact 1.0 values, so such ties do occur and decide the 90th
 * neighbour. Position maps are arrays (one per thread) instead of the C++'s
 * hash maps; only lookups are made through them, so nothing else changes.
 *
 * Workload: 100k cells x 90 neighbours over a ~20-edge-per-cell graph is
 * about 10^8 heap operations, split over threads by cell.
 */
#include "lisi.h"
#include "util/par.h"
#include "tasks/scib/connectivity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sc_scib_lisi_free(sc_scib_lisi *l)
{
	if (!l)
		return;
	free(l->ilisi_cell);
	free(l->clisi_cell);
	memset(l, 0, sizeof(*l));
}

/* ---- knn_graph.cpp's PriorityQueue ---- */

typedef struct pq {
	int32_t *idx;
	double *w;
	size_t size;
	int32_t *pos; /* n entries, -1 when absent */
	int ismin;
} pq;

static inline int pq_less(const pq *q, double a, double b)
{
	return q->ismin ? a < b : a > b;
}

static inline void pq_swap(pq *q, size_t a, size_t b)
{
	int32_t ti = q->idx[a];
	double tw = q->w[a];
	q->idx[a] = q->idx[b];
	q->w[a] = q->w[b];
	q->idx[b] = ti;
	q->w[b] = tw;
}

static void pq_up(pq *q, size_t slot)
{
	if (!slot || slot >= q->size)
		return;
	int32_t cur = q->idx[slot];
	while (slot > 0) {
		size_t parent = slot / 2;
		if (!pq_less(q, q->w[slot], q->w[parent]))
			break;
		q->pos[q->idx[parent]] = (int32_t)slot;
		q->pos[cur] = (int32_t)parent;
		pq_swap(q, slot, parent);
		slot = parent;
	}
}

static void pq_down(pq *q, size_t slot)
{
	if (slot >= q->size)
		return;
	int32_t cur = q->idx[slot];
	for (;;) {
		size_t left = 2 * slot, right = left + 1, sel;
		if (right < q->size)
			sel = pq_less(q, q->w[left], q->w[right]) ? left : right;
		else if (left < q->size)
			sel = left;
		else
			break;
		if (!pq_less(q, q->w[sel], q->w[slot]))
			break;
		q->pos[q->idx[sel]] = (int32_t)slot;
		q->pos[cur] = (int32_t)sel;
		pq_swap(q, slot, sel);
		slot = sel;
	}
}

static void pq_insert(pq *q, int32_t index, double w)
{
	size_t slot = q->size++;
	q->idx[slot] = index;
	q->w[slot] = w;
	q->pos[index] = (int32_t)slot;
	pq_up(q, slot);
}

static void pq_pop(pq *q, int32_t *index, double *w)
{
	*index = q->idx[0];
	*w = q->w[0];
	pq_swap(q, 0, q->size - 1);
	q->pos[q->idx[0]] = 0;
	q->pos[*index] = -1;
	q->size--;
	pq_down(q, 0);
}

static void pq_update(pq *q, size_t slot, double nw)
{
	if (pq_less(q, nw, q->w[slot])) {
		q->w[slot] = nw;
		pq_up(q, slot);
	} else if (pq_less(q, q->w[slot], nw)) {
		q->w[slot] = nw;
		pq_down(q, slot);
	}
}

static void pq_erase(pq *q, size_t slot)
{
	int32_t index = q->idx[slot];
	double ow = q->w[slot], nw = q->w[q->size - 1];
	pq_swap(q, slot, q->size - 1);
	q->pos[q->idx[slot]] = (int32_t)slot;
	q->pos[index] = -1;
	q->size--;
	if (pq_less(q, ow, nw))
		pq_down(q, slot);
	else
		pq_up(q, slot);
}

static void pq_clear(pq *q)
{
	for (size_t s = 0; s < q->size; s++)
		q->pos[q->idx[s]] = -1;
	q->size = 0;
}

/* ---- getTopKNeighbors ---- */

typedef struct knn_job {
	const sc_csr *g;
	const size_t *order; /* sources in breadth-first order */
	size_t k;
	int32_t *idx;
	double *dist;
	size_t *found;
} knn_job;

typedef struct knn_scratch {
	pq mn, mx;
} knn_scratch;

static void *knn_init(void *ctx)
{
	knn_job *J = ctx;
	size_t n = J->g->rows, cap = J->k + 2;
	knn_scratch *s = sc_xmalloc(sizeof(*s));
	pq *qs[2] = { &s->mn, &s->mx };
	for (int i = 0; i < 2; i++) {
		qs[i]->idx = sc_xmalloc(sizeof(int32_t) * cap);
		qs[i]->w = sc_xmalloc(sizeof(double) * cap);
		qs[i]->pos = sc_xmalloc(sizeof(int32_t) * (n + 1));
		for (size_t j = 0; j < n; j++)
			qs[i]->pos[j] = -1;
		qs[i]->size = 0;
	}
	s->mn.ismin = 1;
	s->mx.ismin = 0;
	return s;
}

static void knn_fini(void *p)
{
	knn_scratch *s = p;
	pq *qs[2] = { &s->mn, &s->mx };
	for (int i = 0; i < 2; i++) {
		free(qs[i]->idx);
		free(qs[i]->w);
		free(qs[i]->pos);
	}
	free(s);
}

static void knn_run(void *ctx, void *scratch, size_t b, size_t e)
{
	knn_job *J = ctx;
	knn_scratch *S = scratch;
	const sc_csr *g = J->g;
	size_t k = J->k;
	pq *mn = &S->mn, *mx = &S->mx;
	for (size_t pos = b; pos < e; pos++) {
		size_t start = J->order[pos];
		int32_t *oi = J->idx + start * k;
		double *od = J->dist + start * k;
		for (size_t j = 0; j < k; j++) {
			oi[j] = -1;
			od[j] = NAN;
		}
		size_t nres = 0;
		if (g->indptr[start + 1] == g->indptr[start]) {
			J->found[start] = 0; /* the C++ skips cells without edges */
			continue;
		}
		pq_insert(mn, (int32_t)start, 0);
		pq_insert(mx, (int32_t)start, 0);
		while (mn->size) {
			int32_t cur;
			double cw;
			pq_pop(mn, &cur, &cw);
			if ((size_t)cur != start) {
				oi[nres] = cur;
				od[nres] = cw;
				if (++nres >= k)
					break;
			}
			for (int64_t p = g->indptr[cur]; p < g->indptr[cur + 1]; p++) {
				int32_t col = g->indices[p];
				double nd = cw + g->data[p];
				int32_t sx = mx->pos[col];
				if (sx >= 0) {
					/* in the max-heap but not the min-heap: already settled */
					int32_t sn = mn->pos[col];
					if (sn >= 0 && nd < mn->w[sn]) {
						pq_update(mn, (size_t)sn, nd);
						pq_update(mx, (size_t)sx, nd);
					}
				} else if (mx->size <= k) {
					pq_insert(mn, col, nd);
					pq_insert(mx, col, nd);
				} else if (nd < mx->w[0]) {
					int32_t worst;
					double ww;
					pq_pop(mx, &worst, &ww);
					/* the worst candidate is always unsettled (its tentative
					 * distance exceeds the current one); guard anyway */
					if (mn->pos[worst] >= 0)
						pq_erase(mn, (size_t)mn->pos[worst]);
					pq_insert(mn, col, nd);
					pq_insert(mx, col, nd);
				}
			}
		}
		J->found[start] = nres;
		pq_clear(mn);
		pq_clear(mx);
	}
}

int sc_scib_graph_knn(int32_t *idx, double *dist, size_t *found, const sc_csr *g, size_t k,
		      int n_threads, sc_err *err)
{
	size_t n = g ? g->rows : 0;
	int rc = sc_scib_check_graph(g, n, "connectivity graph", err);
	if (rc)
		return rc;
	if (k == 0)
		return sc_errf(err, SC_EINVAL, "number of neighbours must be positive");
	/*
	 * Consecutive searches from neighbouring cells walk mostly the same
	 * rows of the graph, so sources go in breadth-first order: the rows stay
	 * in cache (twice as fast on 100k cells). Each search is independent of
	 * the others, so the order changes nothing in the result.
	 */
	size_t *order = sc_xmalloc(sizeof(size_t) * (n + 1));
	unsigned char *seen = sc_xcalloc(n + 1, 1);
	size_t tail = 0;
	for (size_t r = 0; r < n; r++) {
		if (seen[r])
			continue;
		size_t head = tail;
		order[tail++] = r;
		seen[r] = 1;
		while (head < tail) {
			size_t u = order[head++];
			for (int64_t p = g->indptr[u]; p < g->indptr[u + 1]; p++)
				if (!seen[g->indices[p]]) {
					seen[g->indices[p]] = 1;
					order[tail++] = (size_t)g->indices[p];
				}
		}
	}
	free(seen);
	knn_job J = { .g = g, .order = order, .k = k, .idx = idx, .dist = dist, .found = found };
	sc_par_for job = { .ctx = &J, .worker_init = knn_init, .worker_fini = knn_fini,
			     .run = knn_run };
	sc_par_for_run(n, 256, sc_scib_threads(n_threads), &job);
	free(order);
	return 0;
}

/* ---- the text round trip ---- */

static const double p10[23] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

static double round6_slow(double v)
{
	char buf[40];
	snprintf(buf, sizeof(buf), "%.6g", v);
	return strtod(buf, NULL);
}

double sc_scib_round6(double v)
{
	/*
	 * Fast path: with s = 5 - floor(log10 v) and |s| <= 22, 10^s is exact,
	 * so v * 10^s is off the true product by at most half an ulp (~1e-10
	 * here); away from a half-way point the rounding to an integer r is the
	 * one printf makes, and r / 10^s (or r * 10^-s) is one correctly rounded
	 * operation, i.e. exactly what strtod returns for the printed digits.
	 * Anything near a tie, a decade boundary or outside the table takes the
	 * printf/strtod path.
	 */
	if (!(v > 0) || !isfinite(v))
		return round6_slow(v);
	int e = (int)floor(log10(v));
	int s = 5 - e;
	if (s < -22 || s > 22)
		return round6_slow(v);
	double sc = s >= 0 ? v * p10[s] : v / p10[-s];
	if (sc < 1e5 || sc >= 999999.5)
		return round6_slow(v);
	double fl = floor(sc), fr = sc - fl;
	if (fabs(fr - 0.5) < 1e-6)
		return round6_slow(v);
	double r = fr > 0.5 ? fl + 1 : fl;
	return s >= 0 ? r / p10[s] : r * p10[-s];
}

/* ---- the Simpson index ---- */

/* scib's Hbeta: H and P (normalised) for one cell; mask (optional) zeroes
 * entries as scib-metrics does for the cell itself. */
static double hbeta(double *P, const double *D, const unsigned char *mask, size_t m,
		    double beta, double *tmp)
{
	for (size_t j = 0; j < m; j++)
		P[j] = mask && !mask[j] ? 0. : exp(-D[j] * beta);
	double sumP = sc_scib_np_sum(P, m);
	if (sumP == 0) {
		for (size_t j = 0; j < m; j++)
			P[j] = 0;
		return 0;
	}
	for (size_t j = 0; j < m; j++)
		tmp[j] = D[j] * P[j];
	double H = log(sumP) + beta * sc_scib_np_sum(tmp, m) / sumP;
	for (size_t j = 0; j < m; j++)
		P[j] /= sumP;
	return H;
}

/* The bisection; returns H with P filled. strict: scib continues while
 * |Hdiff| > tol, scib-metrics while |Hdiff| >= tol. */
static double neighbour_p(double *P, const double *D, const unsigned char *mask, size_t m,
			  double perplexity, int strict, double *tmp)
{
	const double tol = 1e-5;
	double beta = 1, betamin = -INFINITY, betamax = INFINITY, logU = log(perplexity);
	double H = hbeta(P, D, mask, m, beta, tmp), Hdiff = H - logU;
	for (int tries = 0; (strict ? fabs(Hdiff) > tol : fabs(Hdiff) >= tol) && tries < 50;
	     tries++) {
		if (Hdiff > 0) {
			betamin = beta;
			beta = betamax == INFINITY ? beta * 2 : (beta + betamax) / 2;
		} else {
			betamax = beta;
			beta = betamin == -INFINITY ? beta / 2 : (beta + betamin) / 2;
		}
		H = hbeta(P, D, mask, m, beta, tmp);
		Hdiff = H - logU;
	}
	return H;
}

static double simpson(const double *P, const int32_t *nb, size_t m, const sc_scib_cats *c,
		      double *mass)
{
	for (size_t b = 0; b < c->k; b++)
		mass[b] = 0;
	for (size_t j = 0; j < m; j++)
		mass[c->code[nb[j]]] += P[j];
	double s = 0;
	for (size_t b = 0; b < c->k; b++)
		s += mass[b] * mass[b];
	return s;
}

typedef struct lisi_job {
	size_t k;
	const int32_t *idx;
	const double *dist;
	const size_t *found;  /* graph mode: neighbours found per cell; NULL in knn mode */
	double perplexity;
	int graph;            /* scib graph rules (rounding, strict) vs scib-metrics */
	const sc_scib_cats *cat[2];
	double *out[2];
	size_t maxk;
} lisi_job;

typedef struct lisi_scratch {
	double *D, *P, *tmp, *mass;
	unsigned char *mask;
} lisi_scratch;

static void *lisi_init(void *ctx)
{
	lisi_job *J = ctx;
	lisi_scratch *s = sc_xmalloc(sizeof(*s));
	s->D = sc_xmalloc(sizeof(double) * (J->k + 1));
	s->P = sc_xmalloc(sizeof(double) * (J->k + 1));
	s->tmp = sc_xmalloc(sizeof(double) * (J->k + 1));
	s->mass = sc_xmalloc(sizeof(double) * (J->maxk + 1));
	s->mask = sc_xmalloc(J->k + 1);
	return s;
}

static void lisi_fini(void *p)
{
	lisi_scratch *s = p;
	free(s->D);
	free(s->P);
	free(s->tmp);
	free(s->mass);
	free(s->mask);
	free(s);
}

static void lisi_run(void *ctx, void *scratch, size_t b, size_t e)
{
	lisi_job *J = ctx;
	lisi_scratch *S = scratch;
	size_t k = J->k;
	for (size_t i = b; i < e; i++) {
		const int32_t *nb = J->idx + i * k;
		const double *d = J->dist + i * k;
		double v[2];
		if (J->graph && J->found[i] == 0) {
			v[0] = v[1] = NAN; /* no output line for this cell */
		} else if (J->graph && J->found[i] < k) {
			v[0] = v[1] = 1; /* scib: "not enough neighbors", Simpson 1 */
		} else {
			const unsigned char *mask = NULL;
			for (size_t j = 0; j < k; j++)
				S->D[j] = J->graph ? sc_scib_round6(d[j]) : d[j];
			if (!J->graph) {
				for (size_t j = 0; j < k; j++)
					S->mask[j] = nb[j] != (int32_t)i;
				mask = S->mask;
			}
			double H = neighbour_p(S->P, S->D, mask, k, J->perplexity, J->graph, S->tmp);
			for (int t = 0; t < 2; t++) {
				if (!J->cat[t])
					continue;
				v[t] = H == 0 ? -1. : 1. / simpson(S->P, nb, k, J->cat[t], S->mass);
			}
		}
		for (int t = 0; t < 2; t++)
			if (J->out[t])
				J->out[t][i] = v[t];
	}
}

/* scale the medians, with the reasons scib's formulas would divide by 0 */
static void finish(sc_scib_lisi *out, const sc_scib_cats *bat, const sc_scib_cats *lab)
{
	size_t n = out->n;
	out->ilisi = out->clisi = out->ilisi_median = out->clisi_median = NAN;
	if (bat) {
		out->ilisi_median = sc_scib_nanmedian(out->ilisi_cell, n);
		if (bat->k < 2)
			out->ilisi = sc_scib_nan(&out->ilisi_why, "iLISI needs at least 2 batches, got %zu",
						 bat->k);
		else if (isnan(out->ilisi_median))
			out->ilisi = sc_scib_nan(&out->ilisi_why, "no cell has a neighbourhood");
		else
			out->ilisi = (out->ilisi_median - 1) / (double)(bat->k - 1);
	} else {
		sc_scib_nan(&out->ilisi_why, "no batches given");
	}
	if (lab) {
		out->clisi_median = sc_scib_nanmedian(out->clisi_cell, n);
		if (lab->k < 2)
			out->clisi = sc_scib_nan(&out->clisi_why, "cLISI needs at least 2 labels, got %zu",
						 lab->k);
		else if (isnan(out->clisi_median))
			out->clisi = sc_scib_nan(&out->clisi_why, "no cell has a neighbourhood");
		else
			out->clisi = ((double)lab->k - out->clisi_median) / (double)(lab->k - 1);
	} else {
		sc_scib_nan(&out->clisi_why, "no labels given");
	}
}

static int lisi_common(sc_scib_lisi *out, const int32_t *idx, const double *dist,
		       const size_t *found, size_t n, size_t k, double perplexity, int graph,
		       const sc_labels *batches, const sc_labels *labels, int n_threads,
		       sc_err *err)
{
	sc_scib_cats bat = { 0 }, lab = { 0 };
	int rc = 0;
	if ((batches && (rc = sc_scib_cats_init(&bat, batches, n, "batches", err))) ||
	    (labels && (rc = sc_scib_cats_init(&lab, labels, n, "labels", err))))
		goto out;
	out->n = n;
	if (batches)
		out->ilisi_cell = sc_xmalloc(sizeof(double) * (n + 1));
	if (labels)
		out->clisi_cell = sc_xmalloc(sizeof(double) * (n + 1));
	lisi_job J = { .k = k, .idx = idx, .dist = dist, .found = found, .perplexity = perplexity,
		       .graph = graph, .cat = { batches ? &bat : NULL, labels ? &lab : NULL },
		       .out = { out->ilisi_cell, out->clisi_cell } };
	J.maxk = bat.k > lab.k ? bat.k : lab.k;
	sc_par_for job = { .ctx = &J, .worker_init = lisi_init, .worker_fini = lisi_fini,
			     .run = lisi_run };
	sc_par_for_run(n, 512, sc_scib_threads(n_threads), &job);
	finish(out, batches ? &bat : NULL, labels ? &lab : NULL);
out:
	sc_scib_cats_free(&bat);
	sc_scib_cats_free(&lab);
	return rc;
}

int sc_scib_lisi_graph(sc_scib_lisi *out, const sc_csr *graph, const sc_labels *batches,
		       const sc_labels *labels, size_t k0, int n_threads, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	size_t n = graph ? graph->rows : 0;
	if (k0 < 3)
		return sc_errf(err, SC_EINVAL, "LISI needs at least 3 neighbours, got %zu", k0);
	int32_t *idx = sc_xmalloc(sizeof(int32_t) * sc_mulsz(n + 1, k0));
	double *dist = sc_xmalloc(sizeof(double) * sc_mulsz(n + 1, k0));
	size_t *found = sc_xmalloc(sizeof(size_t) * (n + 1));
	int rc = sc_scib_graph_knn(idx, dist, found, graph, k0, n_threads, err);
	if (!rc)
		rc = lisi_common(out, idx, dist, found, n, k0, floor((double)k0 / 3), 1, batches,
				 labels, n_threads, err);
	free(found);
	free(dist);
	free(idx);
	if (rc)
		sc_scib_lisi_free(out);
	return rc;
}

int sc_scib_lisi_knn(sc_scib_lisi *out, const int32_t *idx, const double *dist, size_t n,
		     size_t k, const sc_labels *batches, const sc_labels *labels, int n_threads,
		     sc_err *err)
{
	memset(out, 0, sizeof(*out));
	if (k < 3)
		return sc_errf(err, SC_EINVAL, "LISI needs at least 3 neighbours, got %zu", k);
	for (size_t i = 0; i < n * k; i++) {
		if (idx[i] < 0 || (size_t)idx[i] >= n)
			return sc_errf(err, SC_EINVAL, "neighbour index %d of cell %zu is out of range",
				       (int)idx[i], i / k);
		if (!isfinite(dist[i]) || dist[i] < 0)
			return sc_errf(err, SC_EINVAL, "neighbour distance %g of cell %zu is invalid",
				       dist[i], i / k);
	}
	int rc = lisi_common(out, idx, dist, NULL, n, k, floor((double)k / 3), 0, batches, labels,
			     n_threads, err);
	if (rc)
		sc_scib_lisi_free(out);
	return rc;
}
