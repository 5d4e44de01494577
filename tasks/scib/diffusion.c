/*
 * diffusion.c - scib's diffusion_nn: the k cells with the largest entries of
 * M = T + T^2 + T^3 (+ more powers while some row has too few non-zeros),
 * T the row-normalised connectivity graph of one label.
 *
 * scib forms M densely (m x m doubles per label, 200 MB for a 5000-cell
 * label, more powers as dense products). Here M is never whole: it is built
 * one panel of 16 columns at a time, since column panel P of every power
 * only needs panel P of the previous one (T^p[:, P] = T T^(p-1)[:, P]); each
 * row keeps a running top-k over the panels. A panel is m x 16 doubles,
 * which stays in cache while every row gathers its neighbours' rows of it;
 * work is m^2 x mean degree multiply-adds per power beyond the second (T^2
 * is sparse, formed by scatter), split over threads by panel. Every sum is
 * taken in scipy's order (see kbet.h), so the scores, and hence the
 * neighbours, match scib's bit for bit; threads do not change that. A
 * 5000-cell label of a 50-neighbour graph takes ~0.3 s on one core.
 *
 * How many powers scib adds does not need M either: entry (i, j) of T + ...
 * + T^P is non-zero exactly when j is within P hops of i (i itself from P =
 * 2), so a breadth-first count per cell gives the power at which scib's
 * loop stops, or tells that it would give up at T^25.
 */
#include "kbet.h"
#include "util/par.h"
#include "tasks/scib/connectivity.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

/*
 * Panels are W = 16 columns wide: a panel of a power is m x 16 doubles
 * (640 kB for 5000 cells), small enough to stay in a core's cache while
 * every row gathers its neighbours' rows of it, and a row's 16 sums stay in
 * registers. Threads take whole panels, each with its own running top-k
 * per row, merged at the end (the union's top k by score, then index, does
 * not depend on how panels were shared out).
 *
 * T^2 of a panel is formed from the transpose: for column j, for each k
 * with T[k, j] != 0 (ascending), for each i with T[i, k] != 0, add
 * T[i, k] T[k, j] into (i, j); for a fixed (i, j) the terms come in
 * ascending k, the order of scipy's sparse product.
 */
enum { W = 16 };

typedef struct diff {
	size_t m, k, P;
	const int64_t *ip;   /* T by rows */
	const int32_t *ix;
	const double *tx;
	int64_t *cp;         /* T by columns: rows ascending */
	int32_t *ci;
	double *cx;
	int32_t *hops;
	double *floor;       /* per row: no score below it can make the top k */
	size_t nthreads;
	struct diff_scratch **scr; /* per worker, for the merge */
	atomic_int slot;
	atomic_int oom; /* a worker could not get its scratch: the result is incomplete */
} diff;

typedef struct diff_scratch {
	double *Y, *Z, *M;   /* m x W, 64-byte aligned */
	double *topv;        /* m x k: per-row min-heap on (value, -index) */
	int32_t *topi;
	size_t *topn;
} diff_scratch;

/* y[0..W) = sum over the row's entries (ascending column) of t X[col]:
 * each lane a multiply then an add, so all three versions agree bit for
 * bit with each other and with scipy's csr_matvecs */
static void row_product_plain(double *restrict y, const int32_t *ix, const double *tx,
			      int64_t b, int64_t e, const double *restrict X)
{
	double acc[W] = { 0 };
	for (int64_t p = b; p < e; p++) {
		const double *x = X + (size_t)ix[p] * W;
		double t = tx[p];
		for (int c = 0; c < W; c++) {
			double q = t * x[c];
			NOFUSE(q);
			acc[c] += q;
		}
	}
	memcpy(y, acc, sizeof(acc));
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static void row_product_256(double *restrict y,
							  const int32_t *ix, const double *tx,
							  int64_t b, int64_t e,
							  const double *restrict X)
{
	__m256d a[4] = { _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(),
			 _mm256_setzero_pd() };
	for (int64_t p = b; p < e; p++) {
		const double *x = X + (size_t)ix[p] * W;
		__m256d t = _mm256_set1_pd(tx[p]);
		for (int c = 0; c < 4; c++) {
			__m256d q = _mm256_mul_pd(t, _mm256_load_pd(x + 4 * c));
			NOFUSE(q);
			a[c] = _mm256_add_pd(a[c], q);
		}
	}
	for (int c = 0; c < 4; c++)
		_mm256_store_pd(y + 4 * c, a[c]);
}

__attribute__((target("avx512f"))) static void row_product_512(double *restrict y,
							     const int32_t *ix, const double *tx,
							     int64_t b, int64_t e,
							     const double *restrict X)
{
	__m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
	for (int64_t p = b; p < e; p++) {
		const double *x = X + (size_t)ix[p] * W;
		__m512d t = _mm512_set1_pd(tx[p]);
		__m512d q0 = _mm512_mul_pd(t, _mm512_load_pd(x)), q1 = _mm512_mul_pd(t, _mm512_load_pd(x + 8));
		NOFUSE(q0);
		NOFUSE(q1);
		a0 = _mm512_add_pd(a0, q0);
		a1 = _mm512_add_pd(a1, q1);
	}
	_mm512_store_pd(y, a0);
	_mm512_store_pd(y + 8, a1);
}
#endif

static void row_product(double *restrict y, const int32_t *ix, const double *tx, int64_t b,
			int64_t e, const double *restrict X)
{
#if defined(__x86_64__) && defined(__GNUC__)
	int l = sc_scib_isa();
	if (l == 2)
		return row_product_512(y, ix, tx, b, e, X);
	if (l == 1)
		return row_product_256(y, ix, tx, b, e, X);
#endif
	row_product_plain(y, ix, tx, b, e, X);
}

static void row_add(double *restrict m, const double *restrict y)
{
	for (int c = 0; c < W; c++)
		m[c] += y[c];
}

/* smallest P >= 3 with at least k + 1 cells within P hops (self included),
 * or 0 if the component is too small */
typedef struct bfs_scratch {
	int32_t *mark, *queue, *level;
} bfs_scratch;

static void *bfs_init(void *ctx)
{
	diff *D = ctx;
	bfs_scratch *s = sc_xmalloc(sizeof(*s));
	s->mark = sc_xcalloc(D->m + 1, sizeof(int32_t));
	s->queue = sc_xmalloc(sizeof(int32_t) * (D->m + 1));
	s->level = sc_xmalloc(sizeof(int32_t) * (D->m + 1));
	return s;
}

static void bfs_fini(void *p)
{
	bfs_scratch *s = p;
	free(s->mark);
	free(s->queue);
	free(s->level);
	free(s);
}

static void bfs_run(void *ctx, void *scratch, size_t b, size_t e)
{
	diff *D = ctx;
	bfs_scratch *S = scratch;
	size_t need = D->k + 1;
	for (size_t src = b; src < e; src++) {
		/* cells are queued level by level, so when the count reaches k + 1
		 * while queueing level L + 1, the ball of radius L + 1 is the first
		 * one big enough */
		size_t head = 0, tail = 0;
		int32_t hops = 0;
		S->queue[tail] = (int32_t)src;
		S->level[tail++] = 0;
		S->mark[src] = 1;
		while (head < tail && !hops) {
			int32_t u = S->queue[head], lu = S->level[head];
			head++;
			for (int64_t p = D->ip[u]; p < D->ip[u + 1]; p++) {
				int32_t v = D->ix[p];
				if (S->mark[v])
					continue;
				S->mark[v] = 1;
				S->queue[tail] = v;
				S->level[tail++] = lu + 1;
				if (tail >= need) {
					hops = lu + 1;
					break;
				}
			}
		}
		D->hops[src] = hops ? (hops < 3 ? 3 : hops) : 0;
		for (size_t q = 0; q < tail; q++)
			S->mark[S->queue[q]] = 0;
	}
}

/* heap order: a is "worse" than b (smaller value, or equal and higher index) */
static inline int worse(double va, int32_t ia, double vb, int32_t ib)
{
	return va < vb || (va == vb && ia > ib);
}

static void heap_sift(double *v, int32_t *ix, size_t n, size_t s)
{
	for (;;) {
		size_t l = 2 * s + 1, r = l + 1, m = s;
		if (l < n && worse(v[l], ix[l], v[m], ix[m]))
			m = l;
		if (r < n && worse(v[r], ix[r], v[m], ix[m]))
			m = r;
		if (m == s)
			return;
		double tv = v[s];
		int32_t ti = ix[s];
		v[s] = v[m];
		ix[s] = ix[m];
		v[m] = tv;
		ix[m] = ti;
		s = m;
	}
}

/* offer (v, j) to a row's heap of capacity k */
static inline void heap_offer(double *hv, int32_t *hi, size_t *cnt, size_t k, double v,
			      int32_t j)
{
	if (*cnt < k) {
		size_t s = (*cnt)++;
		hv[s] = v;
		hi[s] = j;
		while (s > 0) {
			size_t p = (s - 1) / 2;
			if (!worse(hv[s], hi[s], hv[p], hi[p]))
				break;
			double tv = hv[s];
			int32_t ti = hi[s];
			hv[s] = hv[p];
			hi[s] = hi[p];
			hv[p] = tv;
			hi[p] = ti;
			s = p;
		}
	} else if (worse(hv[0], hi[0], v, j)) {
		hv[0] = v;
		hi[0] = j;
		heap_sift(hv, hi, k, 0);
	}
}

static void *panel_init(void *ctx)
{
	diff *D = ctx;
	diff_scratch *s = sc_xmalloc(sizeof(*s));
	size_t bytes = sizeof(double) * W * (D->m + 1);
	bytes = (bytes + 63) / 64 * 64;
	s->Y = aligned_alloc(64, bytes);
	s->Z = aligned_alloc(64, bytes);
	s->M = aligned_alloc(64, bytes);
	if (!s->Y || !s->Z || !s->M) {
		/* this worker's panels are skipped; the caller reports the failure */
		free(s->Y);
		free(s->Z);
		free(s->M);
		free(s);
		atomic_store(&D->oom, 1);
		return NULL;
	}
	s->topv = sc_xmalloc(sizeof(double) * D->m * D->k);
	s->topi = sc_xmalloc(sizeof(int32_t) * D->m * D->k);
	s->topn = sc_xcalloc(D->m, sizeof(size_t));
	D->scr[atomic_fetch_add(&D->slot, 1)] = s;
	return s;
}

static void panel_run(void *ctx, void *scratch, size_t b, size_t e)
{
	diff *D = ctx;
	diff_scratch *S = scratch;
	size_t m = D->m, k = D->k;
	if (!S)
		return;
	for (size_t pan = b; pan < e; pan++) {
		size_t c0 = pan * W, w = m - c0 < W ? m - c0 : W;
		double *Y = S->Y, *Z = S->Z, *M = S->M;
		memset(Y, 0, sizeof(double) * W * m);
		/* T^2: column j, k down column j of T, i down column k of T */
		for (size_t jj = 0; jj < w; jj++) {
			size_t j = c0 + jj;
			for (int64_t q = D->cp[j]; q < D->cp[j + 1]; q++) {
				int32_t kk = D->ci[q];
				double tkj = D->cx[q];
				for (int64_t r = D->cp[kk]; r < D->cp[kk + 1]; r++)
					Y[(size_t)D->ci[r] * W + jj] += D->cx[r] * tkj;
			}
		}
		/* M = T^2 + T */
		memcpy(M, Y, sizeof(double) * W * m);
		for (size_t jj = 0; jj < w; jj++)
			for (int64_t q = D->cp[c0 + jj]; q < D->cp[c0 + jj + 1]; q++)
				M[(size_t)D->ci[q] * W + jj] += D->cx[q];
		/* higher powers, T times the previous one */
		for (size_t pw = 3; pw <= D->P; pw++) {
			for (size_t i = 0; i < m; i++) {
				row_product(Z + i * W, D->ix, D->tx, D->ip[i], D->ip[i + 1], Y);
				row_add(M + i * W, Z + i * W);
			}
			double *t = Y;
			Y = Z;
			Z = t;
		}
		for (size_t i = 0; i < m; i++) {
			double *row = M + i * W;
			if (i >= c0 && i < c0 + w)
				row[i - c0] = 0.; /* np.fill_diagonal(M, 0) */
			double *hv = S->topv + i * k, thr = D->floor[i];
			int32_t *hi = S->topi + i * k;
			for (size_t jj = 0; jj < w; jj++)
				if (row[jj] >= thr)
					heap_offer(hv, hi, &S->topn[i], k, row[jj], (int32_t)(c0 + jj));
		}
	}
}

typedef struct pair {
	double v;
	int32_t i;
} pair;

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x < y) - (x > y);
}

static int cmp_pair(const void *a, const void *b)
{
	const pair *x = a, *y = b;
	if (x->v != y->v)
		return x->v > y->v ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

int sc_scib_diffusion_nn(int32_t *nn, double *score, const sc_csr *g, size_t k, int n_threads,
			 sc_err *err)
{
	size_t m = g ? g->rows : 0;
	int rc = sc_scib_check_graph(g, m, "diffusion graph", err);
	if (rc)
		return rc;
	if (k == 0 || k + 1 > m)
		return sc_errf(err, SC_ENOTFOUND, "could not find %zu nearest neighbors among %zu cells",
			       k, m);
	size_t nnz = sc_csr_nnz(g);
	double *tx = sc_xmalloc(sizeof(double) * (nnz + 1));
	diff D = { .m = m, .k = k, .ip = g->indptr, .ix = g->indices, .tx = tx };
	pair *tmp = NULL;
	for (size_t i = 0; i < m; i++) {
		double s = 0; /* T.sum(1): the row's entries in stored order */
		for (int64_t p = g->indptr[i]; p < g->indptr[i + 1]; p++)
			s += g->data[p];
		if (s == 0) {
			rc = sc_errf(err, SC_EINVAL, "diffusion graph row %zu has no weight", i);
			goto out;
		}
		double inv = 1. / s;
		for (int64_t p = g->indptr[i]; p < g->indptr[i + 1]; p++)
			tx[p] = inv * g->data[p];
	}
	/* the transpose, rows ascending within each column */
	D.cp = sc_xcalloc(m + 1, sizeof(int64_t));
	D.ci = sc_xmalloc(sizeof(int32_t) * (nnz + 1));
	D.cx = sc_xmalloc(sizeof(double) * (nnz + 1));
	for (size_t p = 0; p < nnz; p++)
		D.cp[g->indices[p] + 1]++;
	for (size_t j = 0; j < m; j++)
		D.cp[j + 1] += D.cp[j];
	{
		int64_t *fill = sc_xmalloc(sizeof(int64_t) * (m + 1));
		memcpy(fill, D.cp, sizeof(int64_t) * m);
		for (size_t i = 0; i < m; i++)
			for (int64_t p = g->indptr[i]; p < g->indptr[i + 1]; p++) {
				int64_t q = fill[g->indices[p]]++;
				D.ci[q] = (int32_t)i;
				D.cx[q] = tx[p];
			}
		free(fill);
	}
	/* the power at which scib's loop stops */
	D.hops = sc_xmalloc(sizeof(int32_t) * (m + 1));
	sc_par_for bfs = { .ctx = &D, .worker_init = bfs_init, .worker_fini = bfs_fini,
			     .run = bfs_run };
	sc_par_for_run(m, 256, sc_scib_threads(n_threads), &bfs);
	D.P = 3;
	for (size_t i = 0; i < m; i++) {
		if (D.hops[i] == 0 || D.hops[i] > 25) {
			rc = sc_errf(err, SC_ENOTFOUND,
				     "could not find %zu nearest neighbors in 26 diffusion steps", k);
			goto out;
		}
		if ((size_t)D.hops[i] > D.P)
			D.P = (size_t)D.hops[i];
	}
	/*
	 * M[i, j] >= T[i, j] (the powers only add non-negative terms, and
	 * rounding is monotone), so with at least k neighbours the k-th largest
	 * T[i, .] bounds the k-th largest score from below: anything under it
	 * is never offered to the heaps, which then see little more than k
	 * candidates per row.
	 */
	D.floor = sc_xcalloc(m + 1, sizeof(double));
	{
		double *t = sc_xmalloc(sizeof(double) * (m + 1));
		for (size_t i = 0; i < m; i++) {
			size_t deg = (size_t)(g->indptr[i + 1] - g->indptr[i]);
			if (deg < k)
				continue; /* 0: every positive score is a candidate */
			memcpy(t, tx + g->indptr[i], sizeof(double) * deg);
			qsort(t, deg, sizeof(double), cmp_desc);
			D.floor[i] = t[k - 1];
		}
		free(t);
	}
	/* the panels, then the merge of every worker's per-row top k */
	size_t npan = (m + W - 1) / W;
	D.nthreads = (size_t)sc_scib_threads(n_threads);
	D.scr = sc_xcalloc(D.nthreads + 1, sizeof(*D.scr));
	atomic_init(&D.slot, 0);
	sc_par_for job = { .ctx = &D, .worker_init = panel_init, .run = panel_run };
	atomic_init(&D.oom, 0);
	sc_par_for_run(npan, 1, sc_scib_threads(n_threads), &job);
	int used = atomic_load(&D.slot);
	if (atomic_load(&D.oom)) {
		rc = sc_errf(err, SC_ERR, "out of memory for the diffusion panels (%zu cells)", m);
		goto free_scratch;
	}
	tmp = sc_xmalloc(sizeof(pair) * k * (size_t)(used + 1));
	for (size_t i = 0; i < m; i++) {
		size_t c = 0;
		for (int t = 0; t < used; t++) {
			diff_scratch *S = D.scr[t];
			for (size_t j = 0; j < S->topn[i]; j++) {
				tmp[c].v = S->topv[i * k + j];
				tmp[c].i = S->topi[i * k + j];
				c++;
			}
		}
		qsort(tmp, c, sizeof(pair), cmp_pair);
		for (size_t j = 0; j < k; j++) {
			nn[i * k + j] = tmp[j].i;
			if (score)
				score[i * k + j] = tmp[j].v;
		}
	}
free_scratch:
	for (int t = 0; t < used; t++) {
		diff_scratch *S = D.scr[t];
		free(S->Y);
		free(S->Z);
		free(S->M);
		free(S->topv);
		free(S->topi);
		free(S->topn);
		free(S);
	}
out:
	free(tmp);
	free(D.scr);
	free(tx);
	free(D.cp);
	free(D.ci);
	free(D.cx);
	free(D.hops);
	free(D.floor);
	return rc;
}

