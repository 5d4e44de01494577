/*
 * silhouette.c - sklearn's silhouette_samples (Euclidean) for up to a few
 * hundred thousand cells, and scib's label and batch ASW built on it.
 *
 * sklearn materialises the distance matrix in row chunks and sums each row
 * per category with bincount. Here the cells are first sorted by category,
 * so that a row's distances to one category are a contiguous run; a worker
 * thread owns a block of rows, gets their squared distances to a tile of
 * columns from one dgemm (||x||^2 - 2 x.y + ||y||^2, clipped at 0, as
 * sklearn's euclidean_distances), takes square roots and adds each run into
 * the row's per-category sum. Nothing n x n is ever stored: memory is the
 * sorted copy of the embedding, n x categories sums and one tile per thread.
 *
 * Determinism: a row's sums are accumulated by one thread, tile after tile
 * in column order, each run summed in eight fixed lanes; the vector width
 * of the machine and the number of threads change nothing in the result.
 * Workers call dgemm concurrently, so OpenBLAS is asked for one thread per
 * call while they run (and its setting restored afterwards).
 */
#include "silhouette.h"
#include "tasks/core/blas.h"
#include "util/par.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SIL_X86 1
#endif

/* ---- kernels: d[c] = sqrt(max(0, (-2 g[c] + xr) + xc[c])) and lane sums ---- */

static void dist_scalar(double *g, const double *xc, double xr, size_t m)
{
	for (size_t c = 0; c < m; c++) {
		double q = -2. * g[c];
		NOFUSE(q); /* inlined into the AVX-512 version, whose target has FMA */
		double v = (q + xr) + xc[c];
		g[c] = v > 0. ? sqrt(v) : 0.;
	}
}

/* Sum of d[0..m) in eight lanes (lane j takes the elements j mod 8 of the
 * leading multiple of 8), combined pairwise, then the rest in order. */
static double lanesum_scalar(const double *d, size_t m)
{
	double l[8] = { 0 };
	size_t c = 0;
	for (; c + 8 <= m; c += 8)
		for (int j = 0; j < 8; j++)
			l[j] += d[c + j];
	double r = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
	for (; c < m; c++)
		r += d[c];
	return r;
}

/* a[c] += b[c] */
static void add_scalar(double *a, const double *b, size_t m)
{
	for (size_t c = 0; c < m; c++)
		a[c] += b[c];
}

#ifdef SIL_X86
__attribute__((target("avx2"))) static void add_avx2(double *a, const double *b, size_t m)
{
	size_t c = 0;
	for (; c + 4 <= m; c += 4)
		_mm256_storeu_pd(a + c, _mm256_add_pd(_mm256_loadu_pd(a + c), _mm256_loadu_pd(b + c)));
	add_scalar(a + c, b + c, m - c);
}

__attribute__((target("avx512f"))) static void add_avx512(double *a, const double *b, size_t m)
{
	size_t c = 0;
	for (; c + 8 <= m; c += 8)
		_mm512_storeu_pd(a + c, _mm512_add_pd(_mm512_loadu_pd(a + c), _mm512_loadu_pd(b + c)));
	add_scalar(a + c, b + c, m - c);
}

__attribute__((target("avx2"))) static void dist_avx2(double *g, const double *xc, double xr,
						      size_t m)
{
	__m256d m2 = _mm256_set1_pd(-2.), vr = _mm256_set1_pd(xr), z = _mm256_setzero_pd();
	size_t c = 0;
	for (; c + 4 <= m; c += 4) {
		__m256d p = _mm256_mul_pd(m2, _mm256_loadu_pd(g + c));
		NOFUSE(p);
		__m256d v = _mm256_add_pd(_mm256_add_pd(p, vr), _mm256_loadu_pd(xc + c));
		_mm256_storeu_pd(g + c, _mm256_sqrt_pd(_mm256_max_pd(v, z)));
	}
	dist_scalar(g + c, xc + c, xr, m - c);
}

__attribute__((target("avx2"))) static double lanesum_avx2(const double *d, size_t m)
{
	__m256d a = _mm256_setzero_pd(), b = _mm256_setzero_pd();
	size_t c = 0;
	for (; c + 8 <= m; c += 8) {
		a = _mm256_add_pd(a, _mm256_loadu_pd(d + c));
		b = _mm256_add_pd(b, _mm256_loadu_pd(d + c + 4));
	}
	double l[8];
	_mm256_storeu_pd(l, a);
	_mm256_storeu_pd(l + 4, b);
	double r = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
	for (; c < m; c++)
		r += d[c];
	return r;
}

__attribute__((target("avx512f"))) static void dist_avx512(double *g, const double *xc,
							    double xr, size_t m)
{
	__m512d m2 = _mm512_set1_pd(-2.), vr = _mm512_set1_pd(xr), z = _mm512_setzero_pd();
	size_t c = 0;
	for (; c + 8 <= m; c += 8) {
		__m512d p = _mm512_mul_pd(m2, _mm512_loadu_pd(g + c));
		NOFUSE(p);
		__m512d v = _mm512_add_pd(_mm512_add_pd(p, vr), _mm512_loadu_pd(xc + c));
		_mm512_storeu_pd(g + c, _mm512_sqrt_pd(_mm512_max_pd(v, z)));
	}
	dist_scalar(g + c, xc + c, xr, m - c);
}

__attribute__((target("avx512f"))) static double lanesum_avx512(const double *d, size_t m)
{
	__m512d a = _mm512_setzero_pd();
	size_t c = 0;
	for (; c + 8 <= m; c += 8)
		a = _mm512_add_pd(a, _mm512_loadu_pd(d + c));
	double l[8];
	_mm512_storeu_pd(l, a);
	double r = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
	for (; c < m; c++)
		r += d[c];
	return r;
}
#endif

typedef void (*dist_fn)(double *, const double *, double, size_t);
typedef double (*sum_fn)(const double *, size_t);
typedef void (*add_fn)(double *, const double *, size_t);

static void pick_kernels(dist_fn *dist, sum_fn *sum, add_fn *add)
{
	*dist = dist_scalar;
	*sum = lanesum_scalar;
	*add = add_scalar;
#ifdef SIL_X86
	int isa = sc_scib_isa();
	if (isa == 2) {
		*dist = dist_avx512;
		*sum = lanesum_avx512;
		*add = add_avx512;
	} else if (isa == 1) {
		*dist = dist_avx2;
		*sum = lanesum_avx2;
		*add = add_avx2;
	}
#endif
}

/* ---- the blocked pass ---- */

/*
 * Distances are symmetric, so only tiles (I, J) with I <= J are computed;
 * a tile's rows take their sums along the rows and its columns down the
 * columns. Those contributions reach a cell from several threads in an
 * order that depends on scheduling, so they are added as 128-bit fixed-point
 * numbers (exact, hence order-free) into one accumulator per thread, merged
 * at the end. The scale 2^S is chosen from a bound on any sum (n times the
 * largest possible distance) so that nothing overflows; its resolution is
 * ~2^-120 of that bound, far below double rounding of the sums themselves.
 * When n x categories accumulators per thread would not fit, rows are owned
 * by one thread each instead (twice the dgemm work, plain double sums).
 */
typedef __int128 fix128;

/* (fix128)q for 0 <= q < 2^127, without libgcc's generic conversion: split
 * at 2^64 (both parts exact: the scaling by a power of 2 and the split
 * only move bits), truncating as the cast does. */
static inline fix128 to_fix(double q)
{
	double hi = floor(q * 0x1p-64);
	double lo = q - hi * 0x1p64;
	return ((fix128)(uint64_t)hi << 64) + (fix128)(uint64_t)lo;
}

typedef struct sil_job {
	size_t n, d, k;
	const double *x;     /* n x d, rows sorted by category */
	const double *xx;    /* n squared norms */
	const int32_t *cat;  /* n categories of the sorted rows */
	const size_t *start; /* k + 1 run starts */
	double *sums;        /* row-owner path: n x k */
	fix128 **acc;        /* symmetric path: one n x k accumulator per thread */
	double scale;        /* 2^S */
	size_t nb;           /* tiles per side (symmetric path) */
	atomic_int tid;
	dist_fn dist;
	sum_fn sum;
	add_fn add;
	int avx512;          /* the kernel below, with x packed once: */
	double *pa;          /* rows in groups of 8, dimension-major (n/8 x d x 8) */
	double *pb;          /* columns in groups of 16, dimension-major (n/16 x d x 16) */
	double *pyy;         /* squared norms padded to a multiple of 16 */
} sil_job;

enum { TILE = 512 };

/*
 * The AVX-512 tile kernel. OpenBLAS 0.3.21 does not know the newest x86
 * cores and runs its AVX2 dgemm on them, which caps the distance products
 * at about two thirds of what the hardware does; on CPUs with AVX-512F the
 * tile is therefore computed here: 8 rows x 16 columns of dot products in
 * 16 registers, accumulated over the dimensions by FMA (as a dgemm kernel
 * does), then turned into distances (sklearn's -2 x.y + |x|^2 + |y|^2,
 * clipped at 0, square root) before they leave the registers. Columns are
 * packed 16 at a time, dimension-major. Each distance is computed by one
 * fixed sequence of operations, so thread counts change nothing; it differs
 * from the dgemm path's by rounding only (both are checked against sklearn).
 */
#ifdef SIL_X86
/* 8 x 16 dot products: a is k-major (a[k * 8 + i]), b k-major 16 wide */
#define DOT_ROW(i)                                                                            \
	{                                                                                     \
		__m512d av = _mm512_set1_pd(ak[i]);                                           \
		c##i##0 = _mm512_fmadd_pd(av, b0, c##i##0);                                   \
		c##i##1 = _mm512_fmadd_pd(av, b1, c##i##1);                                   \
	}
#define FINISH_ROW(i)                                                                         \
	if (i < rows) {                                                                       \
		__m512d xr = _mm512_set1_pd(xx[i]);                                           \
		__m512d q0 = _mm512_mul_pd(m2, c##i##0), q1 = _mm512_mul_pd(m2, c##i##1);     \
		NOFUSE(q0);                                                                   \
		NOFUSE(q1);                                                                   \
		__m512d v0 = _mm512_add_pd(_mm512_add_pd(q0, xr), y0);                        \
		__m512d v1 = _mm512_add_pd(_mm512_add_pd(q1, xr), y1);                        \
		_mm512_mask_storeu_pd(out + i * ldg, m0, _mm512_sqrt_pd(_mm512_max_pd(v0, z))); \
		if (m1)                                                                       \
			_mm512_mask_storeu_pd(out + i * ldg + 8, m1,                          \
					      _mm512_sqrt_pd(_mm512_max_pd(v1, z)));          \
	}

__attribute__((target("avx512f"))) static void
micro_512(double *out, size_t ldg, const double *a, const double *xx, size_t rows,
	  const double *b, const double *yy, size_t cols, size_t d)
{
	__m512d c00 = _mm512_setzero_pd(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
		c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00,
		c61 = c00, c70 = c00, c71 = c00;
	for (size_t k = 0; k < d; k++) {
		const double *ak = a + k * 8;
		__m512d b0 = _mm512_load_pd(b + k * 16), b1 = _mm512_load_pd(b + k * 16 + 8);
		DOT_ROW(0)
		DOT_ROW(1)
		DOT_ROW(2)
		DOT_ROW(3)
		DOT_ROW(4)
		DOT_ROW(5)
		DOT_ROW(6)
		DOT_ROW(7)
	}
	const __m512d m2 = _mm512_set1_pd(-2.), z = _mm512_setzero_pd();
	__mmask8 m0 = cols >= 8 ? 0xff : (__mmask8)((1u << cols) - 1);
	__mmask8 m1 = cols <= 8 ? 0 : (__mmask8)((1u << (cols - 8)) - 1);
	__m512d y0 = _mm512_load_pd(yy), y1 = _mm512_load_pd(yy + 8);
	FINISH_ROW(0)
	FINISH_ROW(1)
	FINISH_ROW(2)
	FINISH_ROW(3)
	FINISH_ROW(4)
	FINISH_ROW(5)
	FINISH_ROW(6)
	FINISH_ROW(7)
}
#undef DOT_ROW
#undef FINISH_ROW

/* rows r0..r0+nr against columns c0..c0+nc (r0, c0 multiples of 16) */
static void tile_512(const sil_job *J, double *g, size_t r0, size_t nr, size_t c0, size_t nc)
{
	size_t d = J->d, npan = (nc + 15) / 16;
	for (size_t i0 = 0; i0 < nr; i0 += 8) {
		size_t rows = nr - i0 < 8 ? nr - i0 : 8;
		const double *a = J->pa + (r0 + i0) / 8 * d * 8;
		for (size_t p = 0; p < npan; p++) {
			size_t cols = nc - p * 16 < 16 ? nc - p * 16 : 16;
			micro_512(g + i0 * nc + p * 16, nc, a, J->xx + r0 + i0, rows,
				  J->pb + (c0 / 16 + p) * d * 16, J->pyy + c0 + p * 16, cols, d);
		}
	}
}
#endif

static atomic_int force_dgemm;

int sc_scib_silhouette_force_dgemm(int on)
{
	return atomic_exchange(&force_dgemm, on);
}

/* per-worker scratch for the tiles */
typedef struct tile_buf {
	double *g; /* TILE x TILE distances */
} tile_buf;

static void tile_buf_init(tile_buf *t, size_t d)
{
	(void)d;
	t->g = sc_xmalloc(sizeof(double) * TILE * TILE);
}

static void tile_buf_free(tile_buf *t)
{
	free(t->g);
}

/* distances of tile rows r0.. against columns c0.. into g (nr x nc) */
static void tile_dist(sil_job *J, tile_buf *t, size_t r0, size_t nr, size_t c0, size_t nc)
{
	size_t d = J->d;
	double *g = t->g;
#ifdef SIL_X86
	if (J->avx512) {
		tile_512(J, g, r0, nr, c0, nc);
	} else
#endif
	{
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)nc, (int)d, 1.,
			    J->x + r0 * d, (int)d, J->x + c0 * d, (int)d, 0., g, (int)nc);
		for (size_t r = 0; r < nr; r++)
			J->dist(g + r * nc, J->xx + c0, J->xx[r0 + r], nc);
	}
	for (size_t r = 0; r < nr; r++) {
		size_t i = r0 + r;
		if (i >= c0 && i < c0 + nc)
			g[r * nc + (i - c0)] = 0.; /* sklearn zeroes the diagonal */
	}
}

/* the category runs of one row of a tile: calls back with (category, sum) */
#define FOR_RUNS(J, row, c0, nc, CAT, SUM, BODY)                                              \
	do {                                                                                  \
		size_t c_ = (c0);                                                             \
		while (c_ < (c0) + (nc)) {                                                    \
			size_t CAT = (size_t)(J)->cat[c_];                                    \
			size_t e_ = (J)->start[CAT + 1] < (c0) + (nc) ? (J)->start[CAT + 1]   \
								      : (c0) + (nc);          \
			double SUM = (J)->sum((row) + (c_ - (c0)), e_ - c_);                  \
			BODY;                                                                 \
			c_ = e_;                                                              \
		}                                                                             \
	} while (0)

/* A worker's buffers: its tile, its column sums and (symmetric pass) its
 * fixed-point accumulator, taken in the order the workers start. */
typedef struct sil_scratch {
	tile_buf tb;
	double *col;
	fix128 *acc;
} sil_scratch;

static void *sil_worker_init(void *ctx)
{
	sil_job *J = ctx;
	sil_scratch *w = sc_xmalloc(sizeof(*w));
	tile_buf_init(&w->tb, J->d);
	w->col = sc_xmalloc(sizeof(double) * TILE);
	w->acc = J->acc ? J->acc[atomic_fetch_add(&J->tid, 1)] : NULL;
	return w;
}

static void sil_worker_fini(void *scratch)
{
	sil_scratch *w = scratch;
	tile_buf_free(&w->tb);
	free(w->col);
	free(w);
}

/* Tile item w of the upper triangle: its rows' sums along the rows, its
 * columns' sums down the columns, into the worker's accumulator. */
static void sym_item(sil_job *J, sil_scratch *ws, size_t w)
{
	size_t n = J->n, k = J->k, nb = J->nb;
	double *g = ws->tb.g, *col = ws->col;
	fix128 *acc = ws->acc;
	/* item w -> tile (bi, bj), bi <= bj, row-major over the upper triangle */
	size_t bi = 0, rem = w;
	while (rem >= nb - bi) {
		rem -= nb - bi;
		bi++;
	}
	size_t bj = bi + rem;
	size_t r0 = bi * TILE, c0 = bj * TILE;
	size_t nr = n - r0 < TILE ? n - r0 : TILE, nc = n - c0 < TILE ? n - c0 : TILE;
	tile_dist(J, &ws->tb, r0, nr, c0, nc);
	int diag = bi == bj;
	memset(col, 0, sizeof(double) * nc);
	for (size_t r = 0; r < nr; r++) {
		double *row = g + r * nc;
		size_t i = r0 + r;
		fix128 *ai = acc + i * k;
		FOR_RUNS(J, row, c0, nc, cat, sum, ai[cat] += to_fix(sum * J->scale));
		if (diag)
			continue;
		J->add(col, row, nc);
		/* flush the column sums at the end of this row's category run */
		if (r + 1 == nr || J->cat[i + 1] != J->cat[i]) {
			size_t cat = (size_t)J->cat[i];
			for (size_t c = 0; c < nc; c++) {
				acc[(c0 + c) * k + cat] += to_fix(col[c] * J->scale);
				col[c] = 0.;
			}
		}
	}
}

static void sym_items(void *ctx, void *scratch, size_t w0, size_t w1)
{
	for (size_t w = w0; w < w1; w++)
		sym_item(ctx, scratch, w);
}

/* Row tiles r0 = t * TILE for t in [t0, t1): every column tile, summed
 * along the rows straight into the row's sums. */
static void row_tiles(void *ctx, void *scratch, size_t t0, size_t t1)
{
	sil_job *J = ctx;
	sil_scratch *ws = scratch;
	size_t n = J->n, k = J->k;
	double *g = ws->tb.g;
	for (size_t t = t0; t < t1; t++) {
		size_t r0 = t * TILE, nr = n - r0 < TILE ? n - r0 : TILE;
		for (size_t c0 = 0; c0 < n; c0 += TILE) {
			size_t nc = n - c0 < TILE ? n - c0 : TILE;
			tile_dist(J, &ws->tb, r0, nr, c0, nc);
			for (size_t r = 0; r < nr; r++) {
				double *acc = J->sums + (r0 + r) * k;
				FOR_RUNS(J, g + r * nc, c0, nc, cat, sum, acc[cat] += sum);
			}
		}
	}
}

static atomic_size_t mem_limit = (size_t)1 << 30;

size_t sc_scib_silhouette_memory_limit(size_t bytes)
{
	return atomic_exchange(&mem_limit, bytes ? bytes : (size_t)1 << 30);
}

/* items chunks of the job on T workers (OpenBLAS serial: small dgemm
 * calls gain nothing from its threads, whose spinning would only compete
 * with the workers). */
static void run_workers(void (*run)(void *, void *, size_t, size_t), sil_job *J, size_t items,
			int T)
{
	int old = sc_blas_serial_begin();
	sc_par_for job = { .ctx = J, .worker_init = sil_worker_init,
			   .worker_fini = sil_worker_fini, .run = run };
	sc_par_for_run(items, 1, T, &job);
	sc_blas_serial_end(old);
}

/* The sorted embedding packed for the AVX-512 kernels: 8 (pa) and 16 (pb)
 * cells side by side, zero rows up to a multiple of 16. */
static int pack_for_avx512(sil_job *J, const double *xs, const double *xx, sc_err *err)
{
	size_t n = J->n, d = J->d, n16 = (n + 15) / 16 * 16;
	size_t bytes = sizeof(double) * sc_mulsz(n16, d) + 64;
	J->pa = aligned_alloc(64, bytes);
	J->pb = aligned_alloc(64, bytes);
	J->pyy = aligned_alloc(64, sizeof(double) * n16 + 64);
	if (!J->pa || !J->pb || !J->pyy) {
		free(J->pa);
		free(J->pb);
		free(J->pyy);
		J->pa = J->pb = J->pyy = NULL;
		return sc_errf(err, SC_ERR, "out of memory packing %zu x %zu values for the silhouette",
			       n16, d);
	}
	for (size_t i = 0; i < n16; i++) {
		for (size_t k = 0; k < d; k++) {
			double v = i < n ? xs[i * d + k] : 0.;
			J->pa[(i / 8 * d + k) * 8 + i % 8] = v;
			J->pb[(i / 16 * d + k) * 16 + i % 16] = v;
		}
		J->pyy[i] = i < n ? xx[i] : 0.;
	}
	return 0;
}

/* sums[i * k + c]: sum of distances from cell i (original order) to the cells
 * of compact category c. */
static int silhouette_sums(double *sums, const sc_dmat *x, const sc_scib_cats *cats,
			   int n_threads, sc_err *err)
{
	size_t n = x->rows, d = x->cols, k = cats->k;
	size_t *start = sc_xcalloc(k + 1, sizeof(*start));
	for (size_t c = 0; c < k; c++)
		start[c + 1] = start[c] + cats->count[c];
	size_t *pos = sc_xmalloc(sizeof(*pos) * (k + 1));
	memcpy(pos, start, sizeof(*pos) * k);
	size_t *perm = sc_xmalloc(sizeof(*perm) * (n + 1)); /* sorted position -> cell */
	for (size_t i = 0; i < n; i++)
		perm[pos[cats->code[i]]++] = i;
	double *xs = sc_xmalloc(sizeof(double) * (n * d + 1));
	double *xx = sc_xmalloc(sizeof(double) * (n + 1));
	int32_t *cat = sc_xmalloc(sizeof(int32_t) * (n + 1));
	double rmax = 0;
	for (size_t p = 0; p < n; p++) {
		const double *src = x->v + perm[p] * d;
		memcpy(xs + p * d, src, sizeof(double) * d);
		double s = 0;
		for (size_t j = 0; j < d; j++)
			s += src[j] * src[j];
		xx[p] = s;
		if (s > rmax)
			rmax = s;
		cat[p] = cats->code[perm[p]];
	}
	sil_job J = { .n = n, .d = d, .k = k, .x = xs, .xx = xx, .cat = cat, .start = start };
	atomic_init(&J.tid, 0);
	pick_kernels(&J.dist, &J.sum, &J.add);
	J.nb = (n + TILE - 1) / TILE;
	J.avx512 = !atomic_load(&force_dgemm) && sc_scib_isa() == 2;
	int rc = 0;
	if (J.avx512) {
		if ((rc = pack_for_avx512(&J, xs, xx, err)))
			goto out;
		/* the packed copies replace the sorted one */
		free(xs);
		xs = NULL;
		J.x = NULL;
	}
	int T = sc_scib_threads(n_threads);
	size_t per = sc_mulsz(sc_mulsz(n, k), sizeof(fix128)), lim = atomic_load(&mem_limit);
	while (T > 1 && (size_t)T * per > lim)
		T--;
	if ((size_t)T > J.nb)
		T = J.nb ? (int)J.nb : 1;
	if (per <= lim) {
		/* any sum is at most n * (2 max |x| + a margin for rounding) */
		int e;
		frexp((double)n * (2 * sqrt(rmax) + 1), &e);
		J.scale = ldexp(1., 120 - e);
		J.acc = sc_xmalloc(sizeof(*J.acc) * (size_t)T);
		for (int t = 0; t < T; t++)
			J.acc[t] = sc_xcalloc(n * k + 1, sizeof(fix128));
		run_workers(sym_items, &J, J.nb * (J.nb + 1) / 2, T);
		/* every started thread took an accumulator; unused ones stay zero */
		for (size_t p = 0; p < n; p++)
			for (size_t c = 0; c < k; c++) {
				fix128 s = 0;
				for (int t = 0; t < T; t++)
					s += J.acc[t][p * k + c];
				sums[perm[p] * k + c] = (double)s / J.scale;
			}
		for (int t = 0; t < T; t++)
			free(J.acc[t]);
		free(J.acc);
	} else {
		J.sums = sc_xcalloc(n * k + 1, sizeof(double));
		run_workers(row_tiles, &J, (n + TILE - 1) / TILE, T);
		for (size_t p = 0; p < n; p++)
			memcpy(sums + perm[p] * k, J.sums + p * k, sizeof(double) * k);
		free(J.sums);
	}
out:
	free(J.pa);
	free(J.pb);
	free(J.pyy);
	free(cat);
	free(xx);
	free(xs);
	free(perm);
	free(pos);
	free(start);
	return rc;
}

static int check_x(const sc_dmat *x, size_t n, sc_err *err)
{
	if (!x || !x->v || x->rows != n)
		return sc_errf(err, SC_EINVAL, "embedding has %zu rows for %zu cells", x ? x->rows : 0,
			       n);
	if (x->cols == 0)
		return sc_errf(err, SC_EINVAL, "embedding has no dimensions");
	return sc_scib_check_finite(x, "embedding", err);
}

/* silhouette from per-category sums, as sklearn's arithmetic does it */
static void silhouette_from_sums(double *s, const double *sums, const sc_scib_cats *c)
{
	size_t k = c->k;
	for (size_t i = 0; i < c->n; i++) {
		const double *row = sums + i * k;
		size_t own = (size_t)c->code[i];
		double a = row[own] / (double)(c->count[own] - 1);
		double b = INFINITY;
		for (size_t j = 0; j < k; j++)
			if (j != own && row[j] / (double)c->count[j] < b)
				b = row[j] / (double)c->count[j];
		double m = a > b ? a : b; /* NaN when a is (a singleton) */
		double v = isnan(a) ? NAN : (b - a) / m;
		s[i] = isnan(v) ? 0. : v;
	}
}

static int silhouette_cats(double *s, const sc_dmat *x, const sc_scib_cats *c, int n_threads,
			   sc_err *err)
{
	size_t n = c->n;
	if (c->k < 2 || c->k > n - 1)
		return sc_errf(err, SC_EINVAL,
			       "number of labels is %zu; silhouette needs 2 to n_samples - 1 (%zu)",
			       c->k, n ? n - 1 : 0);
	double *sums = sc_xmalloc(sizeof(double) * sc_mulsz(n, c->k));
	int rc = silhouette_sums(sums, x, c, n_threads, err);
	if (!rc)
		silhouette_from_sums(s, sums, c);
	free(sums);
	return rc;
}

int sc_scib_silhouette_samples(double *s, const sc_dmat *x, const int32_t *codes, int n_threads,
			       sc_err *err)
{
	sc_scib_cats c;
	int rc = check_x(x, x ? x->rows : 0, err);
	if (rc)
		return rc;
	rc = sc_scib_cats_from_codes(&c, codes, x->rows, "labels", err);
	if (rc)
		return rc;
	rc = silhouette_cats(s, x, &c, n_threads, err);
	sc_scib_cats_free(&c);
	return rc;
}

int sc_scib_asw_label(double *out, double *per_cell, const sc_dmat *x, const sc_labels *labels,
		      int n_threads, sc_scib_why *why, sc_err *err)
{
	sc_scib_cats c = { 0 };
	double *s = NULL;
	size_t n = x ? x->rows : 0;
	int rc = check_x(x, n, err);
	if (rc)
		goto out;
	rc = sc_scib_cats_init(&c, labels, n, "labels", err);
	if (rc)
		goto out;
	sc_scib_why_clear(why);
	if (c.k < 2 || c.k > n - 1) {
		*out = sc_scib_nan(why, "silhouette needs 2 to n - 1 labels, got %zu for %zu cells",
				   c.k, n);
		if (per_cell)
			for (size_t i = 0; i < n; i++)
				per_cell[i] = NAN;
		goto out;
	}
	s = sc_xmalloc(sizeof(double) * n);
	rc = silhouette_cats(s, x, &c, n_threads, err);
	if (rc)
		goto out;
	*out = (sc_scib_np_sum(s, n) / (double)n + 1) / 2;
	if (per_cell)
		memcpy(per_cell, s, sizeof(double) * n);
out:
	free(s);
	sc_scib_cats_free(&c);
	return rc;
}

int sc_scib_asw_batch(double *out, double *per_label, double *per_cell, const sc_dmat *x,
		      const sc_labels *labels, const sc_labels *batches, int n_threads,
		      sc_scib_why *why, sc_err *err)
{
	sc_scib_cats lab = { 0 }, bat = { 0 };
	size_t n = x ? x->rows : 0;
	double *means = NULL, *s = NULL;
	size_t *rows = NULL;
	int32_t *codes = NULL;
	sc_dmat sub = { 0 };
	int rc = check_x(x, n, err);
	if (rc)
		goto out;
	if ((rc = sc_scib_cats_init(&lab, labels, n, "labels", err)) ||
	    (rc = sc_scib_cats_init(&bat, batches, n, "batches", err)))
		goto out;
	sc_scib_why_clear(why);
	if (per_label)
		for (size_t j = 0; j < labels->ncat; j++)
			per_label[j] = NAN;
	if (per_cell)
		for (size_t i = 0; i < n; i++)
			per_cell[i] = NAN;
	means = sc_xmalloc(sizeof(double) * (lab.k ? lab.k : 1));
	rows = sc_xmalloc(sizeof(size_t) * (n ? n : 1));
	codes = sc_xmalloc(sizeof(int32_t) * (n ? n : 1));
	s = sc_xmalloc(sizeof(double) * (n ? n : 1));
	size_t used = 0;
	for (size_t l = 0; l < lab.k; l++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if ((size_t)lab.code[i] == l) {
				rows[m] = i;
				codes[m] = bat.code[i];
				m++;
			}
		sc_scib_cats bc;
		if ((rc = sc_scib_cats_from_codes(&bc, codes, m, "batches", err)))
			goto out;
		size_t nb = bc.k;
		if (nb == 1 || nb == m) {
			sc_scib_cats_free(&bc);
			continue;
		}
		sc_dmat_alloc(&sub, m, x->cols);
		for (size_t r = 0; r < m; r++)
			memcpy(sub.v + r * x->cols, x->v + rows[r] * x->cols, sizeof(double) * x->cols);
		rc = silhouette_cats(s, &sub, &bc, n_threads, err);
		sc_scib_cats_free(&bc);
		sc_dmat_free(&sub);
		if (rc)
			goto out;
		for (size_t r = 0; r < m; r++) {
			s[r] = 1 - fabs(s[r]);
			if (per_cell)
				per_cell[rows[r]] = s[r];
		}
		means[used] = sc_scib_np_sum(s, m) / (double)m;
		if (per_label)
			per_label[lab.orig[l]] = means[used];
		used++;
	}
	if (!used)
		*out = sc_scib_nan(why, "no label has cells from more than one batch (and fewer "
					"batches than cells)");
	else
		*out = sc_scib_np_sum(means, used) / (double)used;
out:
	sc_dmat_free(&sub);
	free(s);
	free(codes);
	free(rows);
	free(means);
	sc_scib_cats_free(&bat);
	sc_scib_cats_free(&lab);
	return rc;
}
