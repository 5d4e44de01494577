/*
 * tiles.c - matrix products cut into tiles fixed by the problem's shape
 * alone and run on the pool of util/par.h, so their bytes do not depend on
 * the thread count (the invariant of util/par.h).
 */
#include "tasks/core/tiles.h"
#include "tasks/core/blas.h"

#include <stdlib.h>

/* Output tiles: at most TILE_M rows, and columns chosen from the shape
 * alone so that a product splits into about TILES pieces, none narrower
 * than TILE_N_MIN (narrow tiles run OpenBLAS at half speed: 18 vs 33 GFLOP/s
 * for a 512 x 2000 <- 128 weight gradient in 128- vs 1024-wide tiles). */
#define TILE_M 128
#define TILE_N_MIN 128
#define TILES 8

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
