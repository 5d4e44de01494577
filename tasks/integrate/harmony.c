/*
 * harmony.c - Harmony (soft k-means with a diversity penalty plus a
 * mixture-of-experts ridge correction) as harmonypy computes it, for the
 * built-in baseline of the batch task.
 *
 * Workload: 10^4-10^6 cells x 20-50 PCs, 2-100 batches, up to 100 clusters.
 * The cost is two n x K x d products per soft k-means step (centroids from
 * the responsibilities, cosine distances to the centroids), done with dgemm;
 * the ridge step needs per-batch sums, so cells are stored sorted by batch
 * (stable) and each batch is a contiguous row range: its sums and its
 * correction are one dgemm each instead of a pass per cluster. The input
 * order is restored at the end. Memory: three n x K matrices (R, distances,
 * scaled distances) and three n x d ones.
 *
 * Determinism: OpenBLAS's threaded dgemm can round differently from its
 * serial path, so the whole run holds BLAS to one thread (sc_blas_serial_*;
 * the products are ~10^9 flops each, tens of milliseconds serially), every
 * other reduction is a plain loop in a fixed order, and the random block
 * order comes from sc_rng: a seed gives the same bytes whatever
 * OPENBLAS_NUM_THREADS is.
 */
#include "harmony.h"
#include "tasks/core/blas.h"
#include "tasks/core/cluster.h"
#include "tasks/core/rng.h"
#include "util/progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 3 /* harmonypy's window_size for the k-means convergence test */

void sc_harmony_opts_default(sc_harmony_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->theta = 2;
	o->lambda = 1;
	o->sigma = 0.1;
	o->block_size = 0.05;
	o->max_iter_harmony = 10;
	o->max_iter_kmeans = 20;
	o->epsilon_cluster = 1e-5;
	o->epsilon_harmony = 1e-4;
}

void sc_harmony_info_free(sc_harmony_info *info)
{
	if (!info)
		return;
	free(info->kmeans_rounds);
	free(info->objective);
	memset(info, 0, sizeof(*info));
}

typedef struct hm {
	size_t n, d, K, B;
	const sc_harmony_opts *o;
	size_t *perm;    /* sorted position -> input row */
	size_t *inv;     /* input row -> sorted position */
	size_t *start;   /* B + 1: batch b is rows [start[b], start[b+1]) */
	int32_t *bi;     /* sorted position -> batch */
	double *zorig, *zcorr, *zcos; /* n x d, sorted order */
	double *Y;       /* K x d centroids */
	double *R, *dist, *scale; /* n x K */
	double *O, *E;   /* K x B */
	double *pr, *theta, *lambda; /* B */
	double *S, *M;   /* ridge work: B x K x d sums, B x K x d coefficients */
	double *work;    /* K x B pow table, and 2K sums */
	size_t *order;   /* n, block order of the current step (sorted positions) */
	sc_rng rng;
	size_t calls;    /* soft-clustering steps so far (indexes block_orders) */
	double *objk;    /* objectives of the current cluster() call */
	double *objh;    /* objective_harmony */
	size_t nobjh;
} hm;

static void l2_rows(double *m, size_t rows, size_t cols)
{
	for (size_t i = 0; i < rows; i++) {
		double *r = m + i * cols, s = 0;
		for (size_t j = 0; j < cols; j++)
			s += r[j] * r[j];
		s = sqrt(s);
		for (size_t j = 0; j < cols; j++)
			r[j] /= s;
	}
}

/* dist = 2 (1 - Zcos Y'), the cosine distance of unit vectors times 2. */
static void dist_update(hm *h)
{
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)h->n, (int)h->K, (int)h->d, 1.0,
		    h->zcos, (int)h->d, h->Y, (int)h->d, 0.0, h->dist, (int)h->K);
	for (size_t i = 0; i < h->n * h->K; i++)
		h->dist[i] = 2 * (1 - h->dist[i]);
}

/* Responsibilities from distances: exp(-dist / sigma - max) per cell; the
 * caller normalises (init) or reweights by the diversity penalty (update_R). */
static void scaled_dist(hm *h, double *out)
{
	size_t K = h->K;
	double s = h->o->sigma;
	for (size_t i = 0; i < h->n; i++) {
		const double *di = h->dist + i * K;
		double *r = out + i * K, mx = -INFINITY;
		for (size_t k = 0; k < K; k++) {
			r[k] = -di[k] / s;
			if (r[k] > mx)
				mx = r[k];
		}
		for (size_t k = 0; k < K; k++)
			r[k] = exp(r[k] - mx);
	}
}

/* E = outer(colsum R, Pr_b); O[k][b] = sum over batch b of R. */
static void diversity_stats(hm *h)
{
	size_t K = h->K, B = h->B;
	memset(h->O, 0, K * B * sizeof(double));
	double *rs = h->work + K * B;
	memset(rs, 0, K * sizeof(double));
	for (size_t i = 0; i < h->n; i++) {
		const double *r = h->R + i * K;
		double *ob = h->O + (size_t)h->bi[i];
		for (size_t k = 0; k < K; k++) {
			rs[k] += r[k];
			ob[k * B] += r[k];
		}
	}
	for (size_t k = 0; k < K; k++)
		for (size_t b = 0; b < B; b++)
			h->E[k * B + b] = rs[k] * h->pr[b];
}

/* harmonypy's objective: k-means error + sigma-weighted entropy + the
 * diversity cross-entropy sum R sigma theta_b log((O + 1) / (E + 1)). */
static double objective(hm *h)
{
	size_t K = h->K, B = h->B;
	double *lr = h->work; /* K x B: theta_b log((O+1)/(E+1)) */
	for (size_t k = 0; k < K; k++)
		for (size_t b = 0; b < B; b++)
			lr[k * B + b] =
				h->theta[b] * log((h->O[k * B + b] + 1) / (h->E[k * B + b] + 1));
	double err = 0, ent = 0, cross = 0, sigma = h->o->sigma;
	for (size_t i = 0; i < h->n; i++) {
		const double *r = h->R + i * K, *di = h->dist + i * K;
		const double *l = lr + (size_t)h->bi[i];
		for (size_t k = 0; k < K; k++) {
			err += r[k] * di[k];
			double e = r[k] * log(r[k]);
			if (isfinite(e))
				ent += e * sigma;
			cross += r[k] * sigma * l[k * B];
		}
	}
	return err + ent + cross;
}

/* One block-wise pass over the cells: take a block's responsibilities out of
 * O and E, recompute them with the diversity penalty ((E+1)/(O+1))^theta,
 * put them back. Blocks as numpy.array_split of the shuffled order. */
static int update_R(hm *h, sc_err *err)
{
	size_t n = h->n, K = h->K, B = h->B;
	const sc_harmony_opts *o = h->o;
	scaled_dist(h, h->scale);
	if (o->block_orders) {
		if (h->calls >= o->n_block_orders)
			return sc_errf(err, SC_EINVAL, "harmony: %zu block orders given, more needed",
				       o->n_block_orders);
		const size_t *src = o->block_orders + h->calls * n;
		for (size_t i = 0; i < n; i++) {
			if (src[i] >= n)
				return sc_errf(err, SC_EINVAL, "harmony: block order %zu holds "
							       "'%zu', not a cell index", h->calls, src[i]);
			h->order[i] = h->inv[src[i]];
		}
	} else {
		for (size_t i = 0; i < n; i++)
			h->order[i] = i;
		sc_rng_shuffle(&h->rng, h->order, n);
		for (size_t i = 0; i < n; i++)
			h->order[i] = h->inv[h->order[i]];
	}
	h->calls++;
	size_t nblocks = (size_t)ceil(1.0 / o->block_size);
	size_t q = n / nblocks, rem = n % nblocks, pos = 0;
	double *pw = h->work, *rs = h->work + K * B;
	for (size_t blk = 0; blk < nblocks; blk++) {
		size_t len = q + (blk < rem), *cells = h->order + pos;
		pos += len;
		if (!len)
			continue;
		/* remove the block */
		memset(rs, 0, K * sizeof(double));
		for (size_t c = 0; c < len; c++) {
			const double *r = h->R + cells[c] * K;
			double *ob = h->O + (size_t)h->bi[cells[c]];
			for (size_t k = 0; k < K; k++) {
				rs[k] += r[k];
				ob[k * B] -= r[k];
			}
		}
		for (size_t k = 0; k < K; k++)
			for (size_t b = 0; b < B; b++) {
				h->E[k * B + b] -= rs[k] * h->pr[b];
				pw[k * B + b] = pow((h->E[k * B + b] + 1) / (h->O[k * B + b] + 1),
						    h->theta[b]);
			}
		/* recompute and put back */
		memset(rs, 0, K * sizeof(double));
		for (size_t c = 0; c < len; c++) {
			size_t i = cells[c];
			double *r = h->R + i * K, s = 0;
			const double *sd = h->scale + i * K, *p = pw + (size_t)h->bi[i];
			double *ob = h->O + (size_t)h->bi[i];
			for (size_t k = 0; k < K; k++) {
				r[k] = sd[k] * p[k * B];
				s += fabs(r[k]);
			}
			for (size_t k = 0; k < K; k++) {
				r[k] /= s;
				rs[k] += r[k];
				ob[k * B] += r[k];
			}
		}
		for (size_t k = 0; k < K; k++)
			for (size_t b = 0; b < B; b++)
				h->E[k * B + b] += rs[k] * h->pr[b];
	}
	return 0;
}

/* Soft k-means to convergence (harmonypy's cluster()). */
static int cluster(hm *h, size_t *rounds, sc_err *err)
{
	size_t K = h->K, nobj = 0, last = 0;
	int rc;
	for (size_t i = 0; i < h->o->max_iter_kmeans; i++) {
		last = i;
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)h->d, (int)h->n,
			    1.0, h->R, (int)K, h->zcos, (int)h->d, 0.0, h->Y, (int)h->d);
		l2_rows(h->Y, K, h->d);
		dist_update(h);
		if ((rc = update_R(h, err)) != 0)
			return rc;
		h->objk[nobj++] = objective(h);
		if (i > WINDOW) {
			double old = 0, new = 0;
			for (size_t w = 0; w < WINDOW; w++) {
				old += h->objk[nobj - 2 - w];
				new += h->objk[nobj - 1 - w];
			}
			if (fabs(old - new) / fabs(old) < h->o->epsilon_cluster)
				break;
		}
	}
	*rounds = last;
	h->objh[h->nobjh] = h->objk[nobj - 1]; /* max_iter_kmeans >= 1 */
	h->nobjh++;
	return 0;
}

/* Mixture-of-experts ridge correction (harmonypy's moe_correct_ridge): per
 * cluster k, W = (Phi_k Phi' + diag(0, lambda))^-1 Phi_k Z' with Phi_k the
 * design (intercept + batch one-hot) weighted by R[., k]; the intercept row
 * is kept; Z_corr = Z_orig - sum_k R[., k] W_k[batch]. The design's
 * structure reduces Phi_k Phi' to per-batch sums of R and Phi_k Z' to
 * per-batch R-weighted sums of Z. */
static int moe_correct(hm *h, sc_err *err)
{
	size_t K = h->K, B = h->B, d = h->d, p = B + 1;
	double *A = sc_xmalloc(p * p * sizeof(double));
	double *W = sc_xmalloc(p * d * sizeof(double));
	int *ipiv = sc_xmalloc(p * sizeof(int));
	double *rb = sc_xmalloc(B * K * sizeof(double));
	int rc = 0;
	for (size_t b = 0; b < B; b++) {
		size_t s = h->start[b], nb = h->start[b + 1] - s;
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)d, (int)nb, 1.0,
			    h->R + s * K, (int)K, h->zorig + s * d, (int)d, 0.0, h->S + b * K * d,
			    (int)d);
		double *r = rb + b * K;
		memset(r, 0, K * sizeof(double));
		for (size_t i = s; i < s + nb; i++)
			for (size_t k = 0; k < K; k++)
				r[k] += h->R[i * K + k];
	}
	for (size_t k = 0; k < K; k++) {
		/* column-major p x p system and p x d right-hand side */
		memset(A, 0, p * p * sizeof(double));
		memset(W, 0, p * d * sizeof(double));
		for (size_t b = 0; b < B; b++) {
			double r = rb[b * K + k];
			const double *sb = h->S + (b * K + k) * d;
			A[0] += r;
			A[(b + 1) * p] = r;
			A[b + 1] = r;
			A[(b + 1) * p + b + 1] = r + h->lambda[b];
			for (size_t j = 0; j < d; j++) {
				W[j * p] += sb[j];
				W[j * p + b + 1] = sb[j];
			}
		}
		int ip = (int)p, id = (int)d, info = 0;
		dgesv_(&ip, &id, A, &ip, ipiv, W, &ip, &info);
		if (info != 0) {
			rc = sc_errf(err, SC_ERR, "harmony: singular ridge system in cluster %zu", k);
			goto out;
		}
		for (size_t b = 0; b < B; b++)
			for (size_t j = 0; j < d; j++)
				h->M[(b * K + k) * d + j] = W[j * p + b + 1];
	}
	memcpy(h->zcorr, h->zorig, h->n * d * sizeof(double));
	for (size_t b = 0; b < B; b++) {
		size_t s = h->start[b], nb = h->start[b + 1] - s;
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)d, (int)K, -1.0,
			    h->R + s * K, (int)K, h->M + b * K * d, (int)d, 1.0, h->zcorr + s * d,
			    (int)d);
	}
	memcpy(h->zcos, h->zcorr, h->n * d * sizeof(double));
	l2_rows(h->zcos, h->n, d);
out:
	free(A);
	free(W);
	free(ipiv);
	free(rb);
	return rc;
}

/* Sort cells by batch (stable), keeping only non-empty categories. */
static int setup_batches(hm *h, const sc_labels *batch, sc_err *err)
{
	size_t n = h->n, ncat = batch->ncat;
	size_t *cnt = sc_xcalloc(ncat + 1, sizeof(size_t));
	int32_t *map = sc_xmalloc((ncat + 1) * sizeof(int32_t));
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		int32_t c = batch->codes[i];
		if (c < 0 || (size_t)c >= ncat) {
			rc = sc_errf(err, SC_EINVAL, "harmony: cell %zu has no batch label", i);
			goto out;
		}
		cnt[c]++;
	}
	h->B = 0;
	for (size_t c = 0; c < ncat; c++)
		map[c] = cnt[c] ? (int32_t)h->B++ : -1;
	if (h->B < 2) {
		rc = sc_errf(err, SC_EINVAL, "harmony: %zu batch; at least 2 are needed", h->B);
		goto out;
	}
	h->start = sc_xcalloc(h->B + 1, sizeof(size_t));
	for (size_t c = 0; c < ncat; c++)
		if (cnt[c])
			h->start[map[c] + 1] = cnt[c];
	for (size_t b = 0; b < h->B; b++)
		h->start[b + 1] += h->start[b];
	h->perm = sc_xmalloc(n * sizeof(size_t));
	h->inv = sc_xmalloc(n * sizeof(size_t));
	h->bi = sc_xmalloc(n * sizeof(int32_t));
	size_t *next = sc_xmalloc(h->B * sizeof(size_t));
	memcpy(next, h->start, h->B * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		int32_t b = map[batch->codes[i]];
		size_t pos = next[b]++;
		h->perm[pos] = i;
		h->inv[i] = pos;
		h->bi[pos] = b;
	}
	free(next);
out:
	free(cnt);
	free(map);
	return rc;
}

static int check_opts(const sc_harmony_opts *o, const sc_dmat *pcs, sc_err *err)
{
	if (!(o->sigma > 0) || !(o->theta >= 0) || !(o->lambda >= 0) || !(o->tau >= 0))
		return sc_errf(err, SC_EINVAL, "harmony: sigma must be > 0, theta, lambda and tau "
					       ">= 0 (got %g, %g, %g, %g)",
			       o->sigma, o->theta, o->lambda, o->tau);
	if (o->max_iter_kmeans < 1)
		return sc_errf(err, SC_EINVAL, "harmony: max_iter_kmeans must be at least 1");
	if (!(o->block_size > 0 && o->block_size <= 1))
		return sc_errf(err, SC_EINVAL, "harmony: block size '%g' is not in (0, 1]",
			       o->block_size);
	if (pcs->rows < 2 || pcs->cols < 1)
		return sc_errf(err, SC_EINVAL, "harmony: a %zux%zu embedding is too small",
			       pcs->rows, pcs->cols);
	if (pcs->rows > INT32_MAX || pcs->cols > 100000)
		return sc_errf(err, SC_EINVAL, "harmony: a %zux%zu embedding is too large",
			       pcs->rows, pcs->cols);
	for (size_t i = 0; i < pcs->rows * pcs->cols; i++)
		if (!isfinite(pcs->v[i]))
			return sc_errf(err, SC_EINVAL, "harmony: non-finite value in cell %zu",
				       i / pcs->cols);
	return 0;
}

/* Cosine-normalised input: harmonypy first divides each cell by its largest
 * coordinate (which flips the cells whose coordinates are all negative), then
 * by its norm. A largest coordinate of 0 is skipped (harmonypy divides by it). */
static int cosine_input(hm *h, sc_err *err)
{
	size_t d = h->d;
	for (size_t i = 0; i < h->n; i++) {
		double *z = h->zcos + i * d, mx = -INFINITY, s = 0;
		for (size_t j = 0; j < d; j++)
			mx = z[j] > mx ? z[j] : mx;
		for (size_t j = 0; j < d; j++) {
			if (mx != 0)
				z[j] /= mx;
			s += z[j] * z[j];
		}
		if (s == 0)
			return sc_errf(err, SC_EINVAL, "harmony: cell %zu has an all-zero embedding",
				       h->perm[i]);
		s = sqrt(s);
		for (size_t j = 0; j < d; j++)
			z[j] /= s;
	}
	return 0;
}

static int init_centroids(hm *h, sc_err *err)
{
	size_t K = h->K, d = h->d;
	if (h->o->init_centroids) {
		memcpy(h->Y, h->o->init_centroids, K * d * sizeof(double));
	} else {
		sc_kmeans_opts ko = { .k = K, .n_init = 10, .max_iter = 25, .tol = 1e-4,
				      .seed = h->o->seed };
		sc_dmat zc = { h->n, d, h->zcos };
		int32_t *assign = sc_xmalloc(h->n * sizeof(int32_t));
		int rc = sc_kmeans(assign, h->Y, NULL, &zc, &ko, err);
		free(assign);
		if (rc != 0)
			return sc_errprefix(err, "harmony: initial centroids");
	}
	for (size_t i = 0; i < K * d; i++)
		if (!isfinite(h->Y[i]))
			return sc_errf(err, SC_EINVAL, "harmony: non-finite initial centroid %zu", i / d);
	l2_rows(h->Y, K, d);
	return 0;
}

static void hm_free(hm *h)
{
	free(h->perm);
	free(h->inv);
	free(h->start);
	free(h->bi);
	free(h->zorig);
	free(h->zcorr);
	free(h->zcos);
	free(h->Y);
	free(h->R);
	free(h->dist);
	free(h->scale);
	free(h->O);
	free(h->E);
	free(h->pr);
	free(h->theta);
	free(h->lambda);
	free(h->S);
	free(h->M);
	free(h->work);
	free(h->order);
	free(h->objk);
	free(h->objh);
}

int sc_harmony(sc_dmat *out, sc_harmony_info *info, const sc_dmat *pcs, const sc_labels *batch,
	       const sc_harmony_opts *o, sc_err *err)
{
	hm h;
	int nt = 0;
	memset(&h, 0, sizeof(h));
	memset(out, 0, sizeof(*out));
	if (info)
		memset(info, 0, sizeof(*info));
	int rc = check_opts(o, pcs, err);
	if (rc)
		return rc;
	if (batch->n != pcs->rows)
		return sc_errf(err, SC_EINVAL, "harmony: %zu batch labels for %zu cells", batch->n,
			       pcs->rows);
	h.o = o;
	h.n = pcs->rows;
	h.d = pcs->cols;
	h.K = o->nclust ? o->nclust : (size_t)fmin(nearbyint((double)h.n / 30.0), 100.0);
	size_t n = h.n, d = h.d, K = h.K;
	if (K < 2 || K > n) {
		rc = sc_errf(err, SC_EINVAL, "harmony: %zu clusters for %zu cells (2 to n needed%s)",
			     K, n, o->nclust ? "" : "; the default is n / 30");
		goto out;
	}
	if ((rc = setup_batches(&h, batch, err)) != 0)
		goto out;
	size_t B = h.B;
	h.zorig = sc_xmalloc(sc_mulsz(n * d, sizeof(double)));
	for (size_t i = 0; i < n; i++)
		memcpy(h.zorig + i * d, pcs->v + h.perm[i] * d, d * sizeof(double));
	h.zcorr = sc_xmalloc(n * d * sizeof(double));
	h.zcos = sc_xmalloc(n * d * sizeof(double));
	memcpy(h.zcorr, h.zorig, n * d * sizeof(double));
	memcpy(h.zcos, h.zorig, n * d * sizeof(double));
	if ((rc = cosine_input(&h, err)) != 0)
		goto out;
	h.Y = sc_xmalloc(K * d * sizeof(double));
	h.R = sc_xmalloc(sc_mulsz(n * K, sizeof(double)));
	h.dist = sc_xmalloc(n * K * sizeof(double));
	h.scale = sc_xmalloc(n * K * sizeof(double));
	h.O = sc_xmalloc(K * B * sizeof(double));
	h.E = sc_xmalloc(K * B * sizeof(double));
	h.pr = sc_xmalloc(B * sizeof(double));
	h.theta = sc_xmalloc(B * sizeof(double));
	h.lambda = sc_xmalloc(B * sizeof(double));
	h.S = sc_xmalloc(sc_mulsz(B * K * d, sizeof(double)));
	h.M = sc_xmalloc(B * K * d * sizeof(double));
	h.work = sc_xmalloc((K * B + 2 * K) * sizeof(double));
	h.order = sc_xmalloc(n * sizeof(size_t));
	h.objk = sc_xmalloc((o->max_iter_kmeans + 1) * sizeof(double));
	h.objh = sc_xmalloc((o->max_iter_harmony + 1) * sizeof(double));
	sc_rng_stream(&h.rng, o->seed, 1);
	for (size_t b = 0; b < B; b++) {
		double nb = (double)(h.start[b + 1] - h.start[b]);
		h.pr[b] = nb / (double)n;
		h.theta[b] = o->theta;
		if (o->tau > 0)
			h.theta[b] *= 1 - exp(-pow(nb / ((double)K * o->tau), 2));
		h.lambda[b] = o->lambda;
	}
	nt = sc_blas_serial_begin();
	if ((rc = init_centroids(&h, err)) != 0)
		goto out;

	/* initial responsibilities */
	dist_update(&h);
	scaled_dist(&h, h.R);
	for (size_t i = 0; i < n; i++) {
		double *r = h.R + i * K, s = 0;
		for (size_t k = 0; k < K; k++)
			s += r[k];
		for (size_t k = 0; k < K; k++)
			r[k] /= s;
	}
	diversity_stats(&h);
	h.objh[h.nobjh++] = objective(&h);

	if (info)
		info->kmeans_rounds = sc_xcalloc(o->max_iter_harmony + 1, sizeof(size_t));
	sc_progress prog;
	sc_progress_begin(&prog, "harmony", o->max_iter_harmony);
	size_t it = 0;
	int converged = 0;
	for (it = 1; it <= o->max_iter_harmony; it++) {
		size_t rounds = 0;
		if ((rc = cluster(&h, &rounds, err)) != 0 || (rc = moe_correct(&h, err)) != 0)
			break;
		if (info)
			info->kmeans_rounds[it - 1] = rounds;
		sc_progress_update(&prog, it);
		double old = h.objh[h.nobjh - 2], new = h.objh[h.nobjh - 1];
		if ((old - new) / fabs(old) < o->epsilon_harmony) {
			converged = 1;
			break;
		}
	}
	sc_progress_end(&prog);
	if (rc)
		goto out;
	for (size_t i = 0; i < n * d; i++)
		if (!isfinite(h.zcorr[i])) {
			rc = sc_errf(err, SC_ERR, "harmony: the correction diverged (non-finite values)");
			goto out;
		}
	sc_dmat_alloc(out, n, d);
	for (size_t i = 0; i < n; i++)
		memcpy(out->v + h.perm[i] * d, h.zcorr + i * d, d * sizeof(double));
	if (info) {
		info->nclust = K;
		info->iterations = converged ? it : o->max_iter_harmony;
		info->converged = converged;
		info->n_objective = h.nobjh;
		info->objective = sc_xmalloc(h.nobjh * sizeof(double));
		memcpy(info->objective, h.objh, h.nobjh * sizeof(double));
	}
out:
	if (nt > 0)
		sc_blas_serial_end(nt);
	if (rc && info)
		sc_harmony_info_free(info);
	hm_free(&h);
	return rc;
}
