/*
 * cluster.c - k-means as sklearn's KMeans. (Leiden lives in leiden.c.)
 *
 * k-means serves Harmony's initialisation (k <= 100 on 1e4..1e6 x 50
 * embeddings) and scib-metrics' NMI/ARI variant. It follows sklearn 1.2:
 * data centred first; greedy k-means++ with 2 + floor(ln k) local trials;
 * Lloyd iterations stopping on identical labels or a total squared centre
 * shift <= tol * mean feature variance; empty clusters relocated to the
 * points farthest from their centres; a final assignment when not
 * converged strictly; the best inertia of n_init runs. Run i draws from
 * sc_rng_stream(seed, i). Distances for the assignment come from a serial
 * dgemm (|c|^2 - 2 x.c), so the bytes do not depend on the thread count.
 */
#include "cluster.h"
#include "blas.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- k-means ---- */

typedef struct km {
	const double *x; /* centred data, n x d */
	const double *xn; /* |x|^2 */
	size_t n, d, k;
	double *g; /* scratch: block x max(k, trials) products */
} km;

enum { KM_BLOCK = 1024 };

/* Squared distances of every point to the m rows of c (out: n x m), as
 * sklearn's _euclidean_distances: |x|^2 + |c|^2 - 2 x.c, clipped at 0. */
static void sqdist_all(const km *K, const double *c, size_t m, double *out)
{
	double *cn = sc_xmalloc(m * sizeof(double));
	for (size_t t = 0; t < m; t++) {
		double s = 0;
		for (size_t j = 0; j < K->d; j++)
			s += c[t * K->d + j] * c[t * K->d + j];
		cn[t] = s;
	}
	int nt = sc_blas_serial_begin();
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)K->n, (int)m, (int)K->d, -2.0, K->x,
		    (int)K->d, c, (int)K->d, 0.0, out, (int)m);
	sc_blas_serial_end(nt);
	for (size_t i = 0; i < K->n; i++)
		for (size_t t = 0; t < m; t++) {
			double v = out[i * m + t] + K->xn[i] + cn[t];
			out[i * m + t] = v > 0 ? v : 0;
		}
	free(cn);
}

static void kmeanspp(const km *K, sc_rng *r, double *centers)
{
	size_t n = K->n, d = K->d, k = K->k;
	size_t trials = 2 + (size_t)log((double)k);
	double *closest = sc_xmalloc(n * sizeof(double));
	double *cand = sc_xmalloc(sc_mulsz(n, trials * sizeof(double)));
	double *cum = sc_xmalloc(n * sizeof(double));
	double *cc = sc_xmalloc(sc_mulsz(trials, d * sizeof(double)));
	size_t *ids = sc_xmalloc(trials * sizeof(size_t));

	size_t first = (size_t)sc_rng_below(r, n);
	memcpy(centers, K->x + first * d, d * sizeof(double));
	sqdist_all(K, centers, 1, closest);
	double pot = 0;
	for (size_t i = 0; i < n; i++)
		pot += closest[i];
	for (size_t c = 1; c < k; c++) {
		double s = 0;
		for (size_t i = 0; i < n; i++)
			cum[i] = s += closest[i];
		for (size_t t = 0; t < trials; t++) {
			double u = sc_rng_uniform(r) * pot;
			/* searchsorted(cum, u, side='left'), clipped to n - 1 */
			size_t lo = 0, hi = n;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (cum[mid] < u)
					lo = mid + 1;
				else
					hi = mid;
			}
			ids[t] = lo < n ? lo : n - 1;
			memcpy(cc + t * d, K->x + ids[t] * d, d * sizeof(double));
		}
		sqdist_all(K, cc, trials, cand);
		size_t best = 0;
		double best_pot = INFINITY;
		for (size_t t = 0; t < trials; t++) {
			double p = 0;
			for (size_t i = 0; i < n; i++)
				p += fmin(closest[i], cand[i * trials + t]);
			if (p < best_pot) {
				best_pot = p;
				best = t;
			}
		}
		for (size_t i = 0; i < n; i++)
			closest[i] = fmin(closest[i], cand[i * trials + best]);
		pot = best_pot;
		memcpy(centers + c * d, K->x + ids[best] * d, d * sizeof(double));
	}
	free(closest);
	free(cand);
	free(cum);
	free(cc);
	free(ids);
}

/* Labels of the nearest centres (lowest index on ties). */
static void assign(const km *K, const double *centers, int32_t *lab)
{
	size_t n = K->n, d = K->d, k = K->k;
	double *cn = sc_xmalloc(k * sizeof(double));
	for (size_t t = 0; t < k; t++) {
		double s = 0;
		for (size_t j = 0; j < d; j++)
			s += centers[t * d + j] * centers[t * d + j];
		cn[t] = s;
	}
	int nt = sc_blas_serial_begin();
	for (size_t i0 = 0; i0 < n; i0 += KM_BLOCK) {
		size_t b = n - i0 < KM_BLOCK ? n - i0 : KM_BLOCK;
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)k, (int)d, -2.0,
			    K->x + i0 * d, (int)d, centers, (int)d, 0.0, K->g, (int)k);
		for (size_t i = 0; i < b; i++) {
			const double *row = K->g + i * k;
			size_t best = 0;
			double bv = row[0] + cn[0];
			for (size_t t = 1; t < k; t++)
				if (row[t] + cn[t] < bv) {
					bv = row[t] + cn[t];
					best = t;
				}
			lab[i0 + i] = (int32_t)best;
		}
	}
	sc_blas_serial_end(nt);
	free(cn);
}

static double point_sq(const km *K, size_t i, const double *c)
{
	double s = 0;
	for (size_t j = 0; j < K->d; j++) {
		double v = K->x[i * K->d + j] - c[j];
		s += v * v;
	}
	return s;
}

/* New centres from the labels; empty clusters take the points farthest
 * from their (old) centres, as sklearn's _relocate_empty_clusters. */
static void update(const km *K, const double *old, double *nc, int32_t *lab, size_t *cnt)
{
	size_t n = K->n, d = K->d, k = K->k, empty = 0;
	memset(nc, 0, k * d * sizeof(double));
	memset(cnt, 0, k * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		cnt[lab[i]]++;
		for (size_t j = 0; j < d; j++)
			nc[(size_t)lab[i] * d + j] += K->x[i * d + j];
	}
	for (size_t t = 0; t < k; t++)
		empty += cnt[t] == 0;
	if (empty) {
		/* the `empty` points with the largest distance, largest first
		 * (ties: lower index first) */
		double *dist = sc_xmalloc(n * sizeof(double));
		size_t *far = sc_xmalloc(empty * sizeof(size_t));
		for (size_t i = 0; i < n; i++)
			dist[i] = point_sq(K, i, old + (size_t)lab[i] * d);
		for (size_t e = 0; e < empty; e++) {
			size_t best = SIZE_MAX;
			for (size_t i = 0; i < n; i++) {
				int taken = 0;
				for (size_t f = 0; f < e; f++)
					taken |= far[f] == i;
				if (!taken && (best == SIZE_MAX || dist[i] > dist[best]))
					best = i;
			}
			far[e] = best;
		}
		size_t e = 0;
		for (size_t t = 0; t < k && e < empty; t++) {
			if (cnt[t] != 0)
				continue;
			size_t i = far[e++];
			size_t from = (size_t)lab[i];
			if (cnt[from] <= 1)
				continue; /* cannot empty another cluster */
			for (size_t j = 0; j < d; j++) {
				nc[from * d + j] -= K->x[i * d + j];
				nc[t * d + j] = K->x[i * d + j];
			}
			cnt[from]--;
			cnt[t] = 1;
			lab[i] = (int32_t)t;
		}
		free(dist);
		free(far);
	}
	for (size_t t = 0; t < k; t++)
		for (size_t j = 0; j < d; j++)
			nc[t * d + j] = cnt[t] ? nc[t * d + j] / (double)cnt[t] : old[t * d + j];
}

static double lloyd(const km *K, double *centers, int32_t *lab, size_t max_iter, double tol)
{
	size_t n = K->n, d = K->d, k = K->k;
	double *nc = sc_xmalloc(sc_mulsz(k, d * sizeof(double)));
	int32_t *old = sc_xmalloc(n * sizeof(int32_t));
	size_t *cnt = sc_xmalloc(k * sizeof(size_t));
	int strict = 0;
	for (size_t it = 0; it < max_iter; it++) {
		assign(K, centers, lab);
		update(K, centers, nc, lab, cnt);
		double shift = 0;
		for (size_t t = 0; t < k * d; t++) {
			double v = nc[t] - centers[t];
			shift += v * v;
		}
		memcpy(centers, nc, k * d * sizeof(double));
		if (it > 0 && memcmp(lab, old, n * sizeof(int32_t)) == 0) {
			strict = 1;
			break;
		}
		if (shift <= tol)
			break;
		memcpy(old, lab, n * sizeof(int32_t));
	}
	if (!strict)
		assign(K, centers, lab);
	double inertia = 0;
	for (size_t i = 0; i < n; i++)
		inertia += point_sq(K, i, centers + (size_t)lab[i] * d);
	free(nc);
	free(old);
	free(cnt);
	return inertia;
}

int sc_kmeans(int32_t *assign_out, double *centers_out, double *inertia_out, const sc_dmat *x,
	      const sc_kmeans_opts *o, sc_err *err)
{
	size_t n = x->rows, d = x->cols, k = o->k;
	if (k == 0 || k > n)
		return sc_errf(err, SC_EINVAL, "k-means k '%zu' out of range 1..%zu", k, n);
	if (d == 0)
		return sc_errf(err, SC_EINVAL, "k-means needs at least one feature");
	for (size_t t = 0; t < n * d; t++)
		if (!isfinite(x->v[t]))
			return sc_errf(err, SC_EINVAL, "non-finite value in k-means input row %zu", t / d);
	size_t n_init = o->n_init ? o->n_init : 1, max_iter = o->max_iter ? o->max_iter : 300;

	double *mean = sc_xcalloc(d, sizeof(double));
	double *xc = sc_xmalloc(sc_mulsz(n, d * sizeof(double)));
	double *xn = sc_xmalloc(n * sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			mean[j] += x->v[i * d + j];
	for (size_t j = 0; j < d; j++)
		mean[j] /= (double)n;
	double var = 0;
	for (size_t j = 0; j < d; j++) {
		double s = 0;
		for (size_t i = 0; i < n; i++) {
			double v = x->v[i * d + j] - mean[j];
			xc[i * d + j] = v;
			s += v * v;
		}
		var += s / (double)n;
	}
	double tol = o->tol * var / (double)d;
	for (size_t i = 0; i < n; i++) {
		double s = 0;
		for (size_t j = 0; j < d; j++)
			s += xc[i * d + j] * xc[i * d + j];
		xn[i] = s;
	}
	km K = { xc, xn, n, d, k, NULL };
	size_t gw = k > 16 ? k : 16;
	K.g = sc_xmalloc(sc_mulsz(KM_BLOCK, gw * sizeof(double)));
	double *c = sc_xmalloc(sc_mulsz(k, d * sizeof(double)));
	double *best_c = sc_xmalloc(sc_mulsz(k, d * sizeof(double)));
	int32_t *lab = sc_xmalloc(n * sizeof(int32_t));
	int32_t *best_lab = sc_xmalloc(n * sizeof(int32_t));
	double best = INFINITY;
	for (size_t run = 0; run < n_init; run++) {
		sc_rng r;
		sc_rng_stream(&r, o->seed, run);
		kmeanspp(&K, &r, c);
		double in = lloyd(&K, c, lab, max_iter, tol);
		if (run == 0 || in < best) {
			best = in;
			memcpy(best_c, c, k * d * sizeof(double));
			memcpy(best_lab, lab, n * sizeof(int32_t));
		}
	}
	memcpy(assign_out, best_lab, n * sizeof(int32_t));
	if (centers_out)
		for (size_t t = 0; t < k; t++)
			for (size_t j = 0; j < d; j++)
				centers_out[t * d + j] = best_c[t * d + j] + mean[j];
	if (inertia_out)
		*inertia_out = best;
	free(mean);
	free(xc);
	free(xn);
	free(K.g);
	free(c);
	free(best_c);
	free(lab);
	free(best_lab);
	return 0;
}
