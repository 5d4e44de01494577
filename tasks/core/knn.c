/*
 * knn.c - exact k-nearest neighbours by blocked matrix products.
 *
 * Built for embeddings of 1e3..1e6 cells in 10..100 dimensions with k up to
 * 100 (scanpy's neighbours, kNN classifiers, scIB's kNN metrics, Harmony).
 * A block of queries against a block of references is one dgemm on rows
 * augmented so that the product is already |r|^2 - 2 q.r (queries get a
 * trailing 1, references -2r and |r|^2), which ranks the references like
 * the squared distance. Each query row keeps the best kk = k + margin
 * candidates: values under the row's threshold are appended to a buffer of
 * 2 kk, and a full buffer is cut back to its kk smallest by quickselect,
 * which lowers the threshold (cheaper than a heap insertion per candidate
 * for k near 100); an SSE2 pre-check skips runs of 8 values that cannot
 * enter, so the selection costs little next to the dgemm.
 *
 * The product carries rounding error, so the candidates are then re-ranked
 * by distances recomputed exactly with a plain loop, and the result is
 * certified: every reference outside the candidates has an approximate
 * value at least the heap's largest, so its exact squared distance is at
 * least that minus a rounding bound B (Higham's dot-product bound, made
 * generous). When the k-th exact distance is not strictly below that, the
 * row is recomputed by an exact scan of all references. The output is thus
 * the exact k nearest under the order (exact distance, index): it does not
 * depend on the dgemm's rounding, on the blocking or on the thread count.
 *
 * Threads: query blocks are handed to min(sc_par_default_threads(), 16)
 * workers (sc_par_for_run), each running single-threaded dgemm (OpenBLAS
 * serial meanwhile, see par.h); the certified re-ranking makes the thread
 * count irrelevant.
 *
 * Cosine: rows are normalised to unit length and ranked by Euclidean
 * distance between unit vectors; the distance reported is 1 - cos computed
 * as |a - b|^2 / 2. A zero row has cosine distance 1 to everything, as
 * sklearn's (it normalises zero rows to zero), except to itself in
 * sc_knn_self, where the self distance is 0 as in sklearn's pairwise
 * distances of X with itself.
 */
#include "util/progress.h"
#include "knn.h"
#include "blas.h"
#include "util/par.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Tiles of 256 queries x 256 references: the tile of products (512 kB)
 * stays in L2 while its rows are selected, and the dgemm of that shape with
 * the short inner dimension (d + 1) runs at the square dgemm's rate (97% of
 * it on AVX-512 Haswell kernels, against 77% for the 64 x 1024 tiles used
 * before: OpenBLAS re-packs the reference block for every call, which a
 * block of 64 queries did not amortise).
 */
enum { QB = 256, RB = 256 };

typedef double v2d __attribute__((vector_size(16)));
typedef long long v2l __attribute__((vector_size(16)));

typedef struct knn_job {
	sc_progress *progress; /* rows done */
	const double *ra;      /* augmented references, stride d + 1 (queries are
				* augmented per block: no n x d copy of them) */
	const double *qv, *rv; /* rows for the exact distances (unit rows for cosine) */
	const double *qn;      /* |q|^2 of the rows in qv */
	const uint8_t *qzero, *rzero; /* cosine: zero rows (NULL for Euclidean) */
	size_t nq, nr, d, k, kk;
	double rn_max;
	int self;        /* query i is reference i: never its own candidate */
	int cosine;
	int32_t *idx;    /* the selection without self: row i at idx + i * stride + off */
	double *sq;      /* exact squared (unit) distances, laid out as idx */
	size_t stride, off;
	size_t nblocks;
} knn_job;

/* Max-heap on (key, index): the root is the worst kept candidate. */
typedef struct heap {
	double *key;
	int32_t *id;
	size_t n, cap;
} heap;

static inline int worse(double ka, int32_t ia, double kb, int32_t ib)
{
	return ka > kb || (ka == kb && ia > ib);
}

static void heap_push(heap *h, double key, int32_t id)
{
	size_t i;
	if (h->n < h->cap) {
		i = h->n++;
		while (i > 0) {
			size_t p = (i - 1) / 2;
			if (!worse(key, id, h->key[p], h->id[p]))
				break;
			h->key[i] = h->key[p];
			h->id[i] = h->id[p];
			i = p;
		}
		h->key[i] = key;
		h->id[i] = id;
		return;
	}
	/* full: replace the root and sift down */
	i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && worse(h->key[c + 1], h->id[c + 1], h->key[c], h->id[c]))
			c++;
		if (!worse(h->key[c], h->id[c], key, id))
			break;
		h->key[i] = h->key[c];
		h->id[i] = h->id[c];
		i = c;
	}
	h->key[i] = key;
	h->id[i] = id;
}

static inline double sqdist(const double *a, const double *b, size_t d)
{
	double s = 0;
	for (size_t t = 0; t < d; t++) {
		double x = a[t] - b[t];
		s += x * x;
	}
	return s;
}

/* Exact squared distance of query i to reference j (2 for a cosine zero row). */
static inline double exact_sq(const knn_job *J, size_t i, size_t j)
{
	if (J->cosine && (J->qzero[i] || J->rzero[j]))
		return 2.0;
	return sqdist(J->qv + i * J->d, J->rv + j * J->d, J->d);
}

typedef struct cand {
	double key;
	int32_t id;
} cand;

/* A row's candidates: buf[0..n), capacity 2 kk; thr bounds what may enter. */
typedef struct rowbuf {
	cand *buf;
	size_t n;
	double thr;
} rowbuf;

static inline int cand_less(const cand *a, const cand *b)
{
	return a->key < b->key || (a->key == b->key && a->id < b->id);
}

/* Moves the m smallest of c[0..n) (order: key, then id) to c[0..m). */
static void select_smallest(cand *c, size_t n, size_t m)
{
	size_t lo = 0, hi = n; /* the m-th smallest lies in [lo, hi) */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		/* median of three as the pivot, moved to hi - 1 */
		cand *a = &c[lo], *b = &c[mid], *z = &c[hi - 1], t;
		if (cand_less(b, a)) { t = *a; *a = *b; *b = t; }
		if (cand_less(z, a)) { t = *a; *a = *z; *z = t; }
		if (cand_less(b, z)) { t = *b; *b = *z; *z = t; }
		cand piv = c[hi - 1];
		size_t st = lo;
		for (size_t i = lo; i + 1 < hi; i++)
			if (cand_less(&c[i], &piv)) {
				t = c[i];
				c[i] = c[st];
				c[st++] = t;
			}
		c[hi - 1] = c[st];
		c[st] = piv;
		if (st == m - 1 || st == m)
			return; /* c[0..st) are all smaller than c[st] */
		if (st < m)
			lo = st + 1;
		else
			hi = st;
	}
}

static int cand_cmp(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* The exact k nearest of query i by a scan of every reference. */
static void exact_row(const knn_job *J, size_t i, heap *h)
{
	h->n = 0;
	h->cap = J->k;
	for (size_t j = 0; j < J->nr; j++) {
		if (J->self && j == i)
			continue;
		double s = exact_sq(J, i, j);
		if (h->n < h->cap || worse(h->key[0], h->id[0], s, (int32_t)j))
			heap_push(h, s, (int32_t)j);
	}
}

static void finish_row(const knn_job *J, size_t i, const rowbuf *r, heap *h, cand *c)
{
	size_t n = r->n, k = J->k;
	int full = n == J->kk && J->nr - (size_t)J->self > J->kk;
	double top = n ? r->buf[0].key : 0;
	for (size_t t = 0; t < n; t++) {
		top = r->buf[t].key > top ? r->buf[t].key : top;
		c[t].id = r->buf[t].id;
		c[t].key = exact_sq(J, i, (size_t)r->buf[t].id);
	}
	qsort(c, n, sizeof(*c), cand_cmp);
	int ok = !(J->cosine && J->qzero[i]);
	if (ok && full) {
		double b = 8.0 * (double)(J->d + 4) * DBL_EPSILON * (J->qn[i] + J->rn_max);
		ok = c[k - 1].key < top + J->qn[i] - b;
	}
	if (!ok) {
		exact_row(J, i, h);
		n = h->n;
		for (size_t t = 0; t < n; t++) {
			c[t].id = h->id[t];
			c[t].key = h->key[t];
		}
		qsort(c, n, sizeof(*c), cand_cmp);
	}
	for (size_t t = 0; t < k; t++) {
		J->idx[i * J->stride + J->off + t] = c[t].id;
		J->sq[i * J->stride + J->off + t] = c[t].key;
	}
}

static void compact(rowbuf *r, size_t kk)
{
	if (r->n <= kk)
		return;
	select_smallest(r->buf, r->n, kk);
	r->n = kk;
	double top = r->buf[0].key;
	for (size_t t = 1; t < kk; t++)
		top = r->buf[t].key > top ? r->buf[t].key : top;
	r->thr = top;
}

static inline void offer(rowbuf *r, double key, int32_t id, size_t kk)
{
	r->buf[r->n].key = key;
	r->buf[r->n++].id = id;
	if (r->n == 2 * kk)
		compact(r, kk);
}

static void do_block(knn_job *J, size_t blk, double *g, double *qa, rowbuf *rb, cand *pool,
		     cand *scratch, heap *h, cand *c)
{
	size_t q0 = blk * QB, bq = J->nq - q0 < QB ? J->nq - q0 : QB, da = J->d + 1, kk = J->kk;
	for (size_t i = 0; i < bq; i++) {
		memcpy(qa + i * da, J->qv + (q0 + i) * J->d, J->d * sizeof(double));
		qa[i * da + J->d] = 1.0;
	}
	for (size_t i = 0; i < bq; i++) {
		rb[i].buf = pool + i * 2 * kk;
		rb[i].n = 0;
		rb[i].thr = INFINITY;
	}
	for (size_t r0 = 0; r0 < J->nr; r0 += RB) {
		size_t br = J->nr - r0 < RB ? J->nr - r0 : RB;
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)bq, (int)br, (int)da, 1.0,
			    qa, (int)da, J->ra + r0 * da, (int)da, 0.0, g, (int)br);
		for (size_t i = 0; i < bq; i++) {
			double *row = g + i * br;
			rowbuf *r = &rb[i];
			size_t qi = q0 + i;
			if (J->self && qi >= r0 && qi < r0 + br)
				row[qi - r0] = INFINITY;
			if (r->thr == INFINITY) {
				/* nothing to compare against yet: select from the whole run */
				size_t m = r->n;
				memcpy(scratch, r->buf, m * sizeof(cand));
				for (size_t t = 0; t < br; t++)
					if (row[t] < INFINITY) {
						scratch[m].key = row[t];
						scratch[m++].id = (int32_t)(r0 + t);
					}
				if (m > kk) {
					select_smallest(scratch, m, kk);
					m = kk;
					double top = scratch[0].key;
					for (size_t t = 1; t < kk; t++)
						top = scratch[t].key > top ? scratch[t].key : top;
					r->thr = top;
				}
				memcpy(r->buf, scratch, m * sizeof(cand));
				r->n = m;
				continue;
			}
			size_t j = 0;
			for (; j + 8 <= br; j += 8) {
				/* SSE2 compares: most runs of 8 are rejected here */
				v2d tv = { r->thr, r->thr }, a, b, cc, e;
				memcpy(&a, row + j, 16);
				memcpy(&b, row + j + 2, 16);
				memcpy(&cc, row + j + 4, 16);
				memcpy(&e, row + j + 6, 16);
				v2l any = (a < tv) | (b < tv) | (cc < tv) | (e < tv);
				if (!(any[0] | any[1]))
					continue;
				for (size_t t = 0; t < 8; t++)
					if (row[j + t] < r->thr)
						offer(r, row[j + t], (int32_t)(r0 + j + t), kk);
			}
			for (; j < br; j++)
				if (row[j] < r->thr)
					offer(r, row[j], (int32_t)(r0 + j), kk);
		}
	}
	for (size_t i = 0; i < bq; i++) {
		compact(&rb[i], kk);
		finish_row(J, q0 + i, &rb[i], h, c);
	}
}

/* A worker's buffers for do_block. */
typedef struct knn_scratch {
	double *g, *qa;
	rowbuf *rb;
	cand *pool, *scratch, *c;
	heap h;
} knn_scratch;

static void *knn_worker_init(void *ctx)
{
	const knn_job *J = ctx;
	knn_scratch *w = sc_xmalloc(sizeof(*w));
	w->g = sc_xmalloc(sc_mulsz((size_t)QB * RB, sizeof(double)));
	w->qa = sc_xmalloc(sc_mulsz((size_t)QB, (J->d + 1) * sizeof(double)));
	w->rb = sc_xmalloc(QB * sizeof(rowbuf));
	w->pool = sc_xmalloc(sc_mulsz((size_t)QB * 2 * J->kk, sizeof(cand)));
	w->scratch = sc_xmalloc(sc_mulsz(RB + 2 * J->kk, sizeof(cand)));
	w->h.key = sc_xmalloc(J->k * sizeof(double) + 8);
	w->h.id = sc_xmalloc(J->k * sizeof(int32_t) + 4);
	w->c = sc_xmalloc(sc_mulsz(J->kk > J->k ? J->kk : J->k, sizeof(cand)));
	return w;
}

static void knn_worker_fini(void *scratch)
{
	knn_scratch *w = scratch;
	free(w->g);
	free(w->qa);
	free(w->rb);
	free(w->pool);
	free(w->scratch);
	free(w->h.key);
	free(w->h.id);
	free(w->c);
	free(w);
}

static void knn_blocks(void *ctx, void *scratch, size_t b0, size_t b1)
{
	knn_scratch *w = scratch;
	knn_job *J = ctx;
	for (size_t b = b0; b < b1; b++) {
		do_block(ctx, b, w->g, w->qa, w->rb, w->pool, w->scratch, &w->h, w->c);
		size_t r0 = b * QB, r1 = r0 + QB < J->nq ? r0 + QB : J->nq;
		sc_progress_add(J->progress, r1 - r0);
	}
}

static int check_finite(const sc_dmat *m, const char *what, sc_err *err)
{
	size_t n = m->rows * m->cols;
	for (size_t t = 0; t < n; t++)
		if (!isfinite(m->v[t]))
			return sc_errf(err, SC_EINVAL, "non-finite value in %s row %zu", what,
				       t / m->cols);
	return 0;
}

/* Unit-length copy of the rows (zero rows stay zero and are flagged). */
static double *unit_rows(const sc_dmat *m, uint8_t **zero)
{
	size_t d = m->cols;
	double *u = sc_xmalloc(sc_mulsz(m->rows ? m->rows : 1, sc_mulsz(d, sizeof(double))));
	*zero = sc_xcalloc(m->rows ? m->rows : 1, 1);
	for (size_t i = 0; i < m->rows; i++) {
		const double *x = m->v + i * d;
		double s = 0;
		for (size_t t = 0; t < d; t++)
			s += x[t] * x[t];
		double f = s > 0 ? 1.0 / sqrt(s) : 0.0;
		if (!(s > 0))
			(*zero)[i] = 1;
		for (size_t t = 0; t < d; t++)
			u[i * d + t] = x[t] * f;
	}
	return u;
}

static int knn_run(int32_t *idx, double *dist, const sc_dmat *q, const sc_dmat *ref,
		   size_t k, sc_metric metric, int self, int include_self, sc_err *err)
{
	int rc = 0;
	size_t d = q->cols, nq = q->rows, nr = ref->rows;
	double *qu = NULL, *ru = NULL, *ra = NULL, *qn = NULL;
	uint8_t *qz = NULL, *rz = NULL;
	knn_job J;
	memset(&J, 0, sizeof(J));

	if (metric != SC_METRIC_EUCLIDEAN && metric != SC_METRIC_COSINE)
		return sc_errf(err, SC_EINVAL, "unknown distance metric %d", (int)metric);
	if (d == 0 || ref->cols != d)
		return sc_errf(err, SC_EINVAL, "knn needs matching non-zero dimensions, got %zu and %zu",
			       d, ref->cols);
	if (nr > INT32_MAX)
		return sc_errf(err, SC_EINVAL, "too many reference rows '%zu'", nr);
	size_t avail = nr - (self ? 1 : 0) + (self && include_self ? 1 : 0);
	if (k == 0 || k > avail)
		return sc_errf(err, SC_EINVAL, "k '%zu' out of range 1..%zu", k, avail);
	if ((rc = check_finite(q, "queries", err)) || (!self && (rc = check_finite(ref, "references", err))))
		return rc;
	if (nq == 0)
		return 0;

	/* with include_self, self is prepended: select k - 1 others */
	size_t ks = self && include_self ? k - 1 : k;
	J.cosine = metric == SC_METRIC_COSINE;
	if (J.cosine) {
		qu = unit_rows(q, &qz);
		if (self) {
			ru = qu;
			rz = qz;
		} else {
			ru = unit_rows(ref, &rz);
		}
		J.qv = qu;
		J.rv = ru;
	} else {
		J.qv = q->v;
		J.rv = ref->v;
	}
	size_t da = d + 1;
	ra = sc_xmalloc(sc_mulsz(nr, sc_mulsz(da, sizeof(double))));
	qn = sc_xmalloc(sc_mulsz(nq, sizeof(double)));
	for (size_t i = 0; i < nq; i++) {
		const double *x = J.qv + i * d;
		double s = 0;
		for (size_t t = 0; t < d; t++)
			s += x[t] * x[t];
		qn[i] = s;
	}
	J.rn_max = 0;
	for (size_t j = 0; j < nr; j++) {
		const double *x = J.rv + j * d;
		double s = 0;
		for (size_t t = 0; t < d; t++) {
			ra[j * da + t] = -2.0 * x[t];
			s += x[t] * x[t];
		}
		if (J.cosine && rz[j])
			s = 1.0; /* ranks a zero row at cosine distance 1 */
		ra[j * da + d] = s;
		if (s > J.rn_max)
			J.rn_max = s;
	}
	if (ks > 0) {
		size_t others = nr - (self ? 1 : 0);
		size_t margin = ks / 8 > 4 ? ks / 8 : 4;
		J.ra = ra;
		J.qn = qn;
		J.qzero = qz;
		J.rzero = rz;
		J.nq = nq;
		J.nr = nr;
		J.d = d;
		J.k = ks;
		J.kk = ks + margin < others ? ks + margin : others;
		J.self = self;
		/* selected straight into the caller's arrays (no n x k copy), after
		 * the self column when there is one; squared distances converted
		 * in place below */
		J.idx = idx;
		J.sq = dist;
		J.stride = k;
		J.off = k - ks;
		J.nblocks = (nq + QB - 1) / QB;

		int blas = sc_blas_serial_begin();
		sc_par_for job = { .ctx = &J, .worker_init = knn_worker_init,
				   .worker_fini = knn_worker_fini, .run = knn_blocks };
		int nt = sc_par_default_threads();
		sc_progress pr;
		sc_progress_begin_unit(&pr, "kNN", "rows", nq);
		J.progress = &pr;
		sc_par_for_run(J.nblocks, 1, nt > 16 ? 16 : nt, &job);
		sc_progress_end(&pr);
		sc_blas_serial_end(blas);
	}

	for (size_t i = 0; i < nq; i++) {
		int32_t *oi = idx + i * k;
		double *od = dist + i * k;
		if (self && include_self) {
			oi[0] = (int32_t)i;
			od[0] = 0.0;
		}
		for (size_t t = k - ks; t < k; t++)
			od[t] = J.cosine ? 0.5 * od[t] : sqrt(od[t]);
	}

	free(ra);
	free(qn);
	free(qu);
	if (!self) {
		free(ru);
		free(rz);
	}
	free(qz);
	return 0;
}

int sc_knn_self(int32_t *idx, double *dist, const sc_dmat *x, size_t k, sc_metric metric,
		int include_self, sc_err *err)
{
	return knn_run(idx, dist, x, x, k, metric, 1, include_self, err);
}

int sc_knn_query(int32_t *idx, double *dist, const sc_dmat *q, const sc_dmat *ref, size_t k,
		 sc_metric metric, sc_err *err)
{
	return knn_run(idx, dist, q, ref, k, metric, 0, 0, err);
}
