/*
 * par.c - the numerical core's thread pool and its thread-count-independent
 * tiled products (see par.h for the invariant and why OpenBLAS's own
 * threading is not used).
 *
 * Workload: a neural-network epoch issues a few thousand products of
 * 128 x 2000 x 512 and smaller, and as many elementwise passes, so the pool
 * keeps its threads alive between calls and hands out tasks through one
 * atomic counter; a call costs two condition-variable round trips. PCA's
 * Gram matrix (2000 x 2000 from 100k rows) is the largest single product.
 */
#include "tasks/core/par.h"
#include "tasks/core/blas.h"
#include "util/err.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/* Output tiles: at most TILE_M rows, and columns chosen from the shape
 * alone so that a product splits into about TILES pieces, none narrower
 * than TILE_N_MIN (narrow tiles run OpenBLAS at half speed: 18 vs 33 GFLOP/s
 * for a 512 x 2000 <- 128 weight gradient in 128- vs 1024-wide tiles). */
#define TILE_M 128
#define TILE_N_MIN 128
#define TILES 8

struct sc_par {
	int n;          /* threads including the caller */
	int started;    /* workers actually running */
	pthread_t *th;
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned long gen; /* bumped for each job */
	int quit;
	int busy; /* workers still in the current job */
	/* the current job */
	void (*fn)(void *, size_t);
	void *ctx;
	size_t ntasks;
	atomic_size_t next;
};

static void drain(sc_par *p)
{
	for (;;) {
		size_t t = atomic_fetch_add(&p->next, 1);
		if (t >= p->ntasks)
			break;
		p->fn(p->ctx, t);
	}
}

static void *worker(void *arg)
{
	sc_par *p = arg;
	unsigned long seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == seen && !p->quit)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		drain(p);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static atomic_int default_override;

void sc_par_set_default_threads(int n)
{
	atomic_store(&default_override, n < 1 ? 0 : n > 64 ? 64 : n);
}

int sc_par_default_threads(void)
{
	int n = atomic_load(&default_override);
	if (n > 0)
		return n;
	const char *e = getenv("SCEVAL_THREADS");
	if (e && *e) {
		char *end;
		long v = strtol(e, &end, 10);
		if (*end == 0 && v >= 1)
			return v > 64 ? 64 : (int)v;
	}
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	return c < 1 ? 1 : c > 64 ? 64 : (int)c;
}

sc_par *sc_par_new(int nthreads)
{
	sc_par *p = sc_xcalloc(1, sizeof(*p));
	p->n = nthreads < 1 ? sc_par_default_threads() : nthreads;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	p->th = sc_xcalloc((size_t)p->n, sizeof(pthread_t));
	for (int i = 1; i < p->n; i++) {
		if (pthread_create(&p->th[p->started], NULL, worker, p) != 0)
			break;
		p->started++;
	}
	return p;
}

void sc_par_free(sc_par *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->started; i++)
		pthread_join(p->th[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	free(p->th);
	free(p);
}

int sc_par_threads(const sc_par *p)
{
	return p ? p->started + 1 : 1;
}

void sc_par_run(sc_par *p, size_t ntasks, void (*fn)(void *ctx, size_t t), void *ctx)
{
	if (!p || p->started == 0 || ntasks < 2) {
		for (size_t t = 0; t < ntasks; t++)
			fn(ctx, t);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->ctx = ctx;
	p->ntasks = ntasks;
	atomic_store(&p->next, 0);
	p->busy = p->started;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	drain(p);
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

typedef struct for_state {
	const sc_par_for *job;
	size_t n, chunk;
	atomic_size_t next;
} for_state;

static void *for_worker(void *arg)
{
	for_state *S = arg;
	const sc_par_for *J = S->job;
	void *scratch = J->worker_init ? J->worker_init(J->ctx) : NULL;
	for (;;) {
		size_t b = atomic_fetch_add(&S->next, S->chunk);
		if (b >= S->n)
			break;
		size_t e = S->n - b < S->chunk ? S->n : b + S->chunk;
		J->run(J->ctx, scratch, b, e);
	}
	if (J->worker_fini)
		J->worker_fini(scratch);
	return NULL;
}

void sc_par_for_run(size_t n, size_t chunk, int nthreads, const sc_par_for *job)
{
	for_state S = { .job = job, .n = n, .chunk = chunk ? chunk : 1 };
	atomic_init(&S.next, 0);
	int T = nthreads > 0 ? (nthreads > 64 ? 64 : nthreads) : sc_par_default_threads();
	size_t chunks = (n + S.chunk - 1) / S.chunk;
	if ((size_t)T > chunks)
		T = chunks ? (int)chunks : 1;
	pthread_t th[64];
	int started = 0;
	for (int t = 1; t < T; t++)
		if (pthread_create(&th[started], NULL, for_worker, &S) == 0)
			started++;
	for_worker(&S);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
}

typedef struct gemm_job {
	int ta, tb;
	size_t m, n, k, tile_n, tiles_n;
	double alpha, beta;
	const double *A, *B;
	size_t lda, ldb, ldc;
	double *C;
} gemm_job;

static void gemm_tile(void *ctx, size_t t)
{
	const gemm_job *g = ctx;
	size_t i0 = (t / g->tiles_n) * TILE_M, j0 = (t % g->tiles_n) * g->tile_n;
	size_t mm = g->m - i0 < TILE_M ? g->m - i0 : TILE_M;
	size_t nn = g->n - j0 < g->tile_n ? g->n - j0 : g->tile_n;
	/* Rows i0.. of op(A) and columns j0.. of op(B). */
	const double *a = g->ta ? g->A + i0 : g->A + i0 * g->lda;
	const double *b = g->tb ? g->B + j0 * g->ldb : g->B + j0;
	cblas_dgemm(CblasRowMajor, g->ta ? CblasTrans : CblasNoTrans,
		    g->tb ? CblasTrans : CblasNoTrans, (int)mm, (int)nn, (int)g->k, g->alpha, a,
		    (int)g->lda, b, (int)g->ldb, g->beta, g->C + i0 * g->ldc + j0, (int)g->ldc);
}

void sc_par_gemm(sc_par *p, int ta, int tb, size_t m, size_t n, size_t k, double alpha,
		 const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
		 size_t ldc)
{
	if (m == 0 || n == 0)
		return;
	size_t rows = (m + TILE_M - 1) / TILE_M;
	size_t want = (TILES + rows - 1) / rows; /* column tiles wanted */
	size_t tn = (n + want - 1) / want;
	tn = (tn + 63) / 64 * 64;
	if (tn < TILE_N_MIN)
		tn = TILE_N_MIN;
	gemm_job g = {ta, tb, m, n, k, tn, (n + tn - 1) / tn, alpha, beta, A, B, lda, ldb, ldc, C};
	size_t tiles = ((m + TILE_M - 1) / TILE_M) * g.tiles_n;
	sc_par_run(p, tiles, gemm_tile, &g);
}

typedef struct syrk_job {
	int trans;
	size_t m, k, tiles; /* tiles per side */
	const double *B;
	size_t ldb;
	double *C;
	size_t ldc;
} syrk_job;

/* Tile t of the upper triangle, numbered row by row: (0,0), (0,1), ...,
 * (1,1), (1,2), ... */
static void syrk_tile(void *ctx, size_t t)
{
	const syrk_job *g = ctx;
	size_t ti = 0, row = g->tiles;
	while (t >= row) {
		t -= row;
		ti++;
		row--;
	}
	size_t tj = ti + t, T = SC_PAR_SYRK_TILE;
	size_t i0 = ti * T, j0 = tj * T;
	size_t mi = g->m - i0 < T ? g->m - i0 : T, mj = g->m - j0 < T ? g->m - j0 : T;
	double *c = g->C + i0 * g->ldc + j0;
	/* rows i0.. of op(B): columns of B when trans, rows otherwise */
	const double *bi = g->trans ? g->B + i0 : g->B + i0 * g->ldb;
	const double *bj = g->trans ? g->B + j0 : g->B + j0 * g->ldb;
	if (ti == tj)
		cblas_dsyrk(CblasRowMajor, CblasUpper, g->trans ? CblasTrans : CblasNoTrans, (int)mi,
			    (int)g->k, 1.0, bi, (int)g->ldb, 1.0, c, (int)g->ldc);
	else if (g->trans)
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)mi, (int)mj, (int)g->k, 1.0,
			    bi, (int)g->ldb, bj, (int)g->ldb, 1.0, c, (int)g->ldc);
	else
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)mi, (int)mj, (int)g->k, 1.0,
			    bi, (int)g->ldb, bj, (int)g->ldb, 1.0, c, (int)g->ldc);
}

void sc_par_syrk(sc_par *p, int trans, size_t m, size_t k, const double *B, size_t ldb,
		 double *C, size_t ldc)
{
	if (m == 0 || k == 0)
		return;
	size_t tiles = (m + SC_PAR_SYRK_TILE - 1) / SC_PAR_SYRK_TILE;
	syrk_job g = { .trans = trans, .m = m, .k = k, .tiles = tiles, .B = B, .ldb = ldb,
		       .C = C, .ldc = ldc };
	sc_par_run(p, tiles * (tiles + 1) / 2, syrk_tile, &g);
}
