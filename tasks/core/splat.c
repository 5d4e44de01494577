/*
 * splat.c - the Splatter-style count simulator behind `sceval simulate`
 * (model in splat.h). Built for benchmark inputs of up to millions of
 * cells: gene-level parameters are drawn once from their own stream, then
 * cells are generated in blocks of BLOCK cells, each block from
 * sc_rng_stream(seed, block) on whichever thread is free, and the blocks
 * are appended to the file in order. Rounds of `threads` blocks are
 * generated on the pool (util/par.h) while one more task of the same call
 * compresses and writes the previous round, so memory is 2 x threads
 * blocks and the output is the same for any thread count.
 *
 * Differences from Splatter, on purpose: the BCV's chi-square factor is
 * drawn once per gene (Splatter draws it per entry), dropout is applied to
 * the non-zero draws only (equivalent: a dropped zero stays zero), and
 * cells fall into types and batches with equal probability.
 */
#include "tasks/core/splat.h"
#include "io/h5ad.h"
#include "util/mat.h"
#include "tasks/core/rng.h"
#include "util/par.h"
#include "util/progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 1024
#define GENE_STREAM 0xfffffffffffffff0ULL /* far from any block index */
#define CELL_STREAM_BIT (1ULL << 62)       /* cell identities: block index | this */

void sc_splat_defaults(sc_splat_params *p)
{
	memset(p, 0, sizeof(*p));
	p->cells = 2000;
	p->genes = 2000;
	p->types = 5;
	p->batches = 2;
	p->seed = 0;
	p->mean_shape = 0.6;
	p->mean_rate = 0.3;
	p->out_prob = 0.05;
	p->out_loc = 4.0;
	p->out_scale = 0.5;
	p->lib_loc = 8.5; /* about 5000 counts over 2000 genes, as 10x data restricted to HVGs */
	p->lib_scale = 0.4;
	p->de_prob = 0.1;
	p->de_down = 0.5;
	p->de_loc = 0.5;
	p->de_scale = 0.4;
	p->batch_loc = 0.1;
	p->batch_scale = 0.15;
	p->bcv_common = 0.1;
	p->bcv_df = 60;
	p->dropout = 1;
	p->dropout_mid = -1.0;
	p->dropout_shape = -1.0;
	p->integer = 0;
	p->threads = 0;
	p->gzip = 1;
}

int sc_splat_check(const sc_splat_params *p, sc_err *err)
{
#define RANGE(v, lo, hi, name)                                                                   \
	if (!((v) >= (lo) && (v) <= (hi)))                                                       \
		return sc_errf(err, SC_EINVAL, "%s must be in [%g, %g], not %g", name, (double)(lo), \
			       (double)(hi), (double)(v));
	RANGE(p->cells, 1, 1e9, "cells");
	RANGE(p->genes, 1, 1e6, "genes");
	RANGE(p->types, 1, 1000, "types");
	RANGE(p->batches, 1, 1000, "batches");
	RANGE(p->mean_shape, 1e-6, 1e6, "mean shape");
	RANGE(p->mean_rate, 1e-6, 1e6, "mean rate");
	RANGE(p->out_prob, 0, 1, "outlier probability");
	RANGE(p->lib_loc, 0, 30, "library size location");
	RANGE(p->lib_scale, 0, 5, "library size scale");
	RANGE(p->de_prob, 0, 1, "DE probability");
	RANGE(p->de_down, 0, 1, "DE down probability");
	RANGE(p->de_loc, -10, 10, "DE strength");
	RANGE(p->de_scale, 0, 10, "DE scale");
	RANGE(p->batch_loc, -10, 10, "batch strength");
	RANGE(p->batch_scale, 0, 10, "batch scale");
	RANGE(p->bcv_common, 0, 10, "BCV");
	RANGE(p->bcv_df, 1e-3, 1e9, "BCV degrees of freedom");
	RANGE(p->dropout_mid, -50, 50, "dropout midpoint");
	RANGE(p->dropout_shape, -50, 50, "dropout shape");
	RANGE(p->gzip, 0, 9, "gzip level");
#undef RANGE
	return 0;
}

/* Gene-level model: base means, DE factors per type, batch factors, BCV scale. */
typedef struct model {
	const sc_splat_params *p;
	double *base;   /* genes */
	double *de;     /* types x genes */
	double *bf;     /* batches x genes */
	double *bcv;    /* genes: df / chi2_df */
	double *norm;   /* types x batches: sum_g base de bf */
} model;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double lognormal(sc_rng *r, double loc, double scale)
{
	return exp(loc + scale * sc_rng_normal(r));
}

static void model_build(model *m, const sc_splat_params *p)
{
	size_t G = p->genes;
	m->p = p;
	m->base = sc_xmalloc(G * sizeof(double));
	m->de = sc_xmalloc(sc_mulsz(p->types, G) * sizeof(double));
	m->bf = sc_xmalloc(sc_mulsz(p->batches, G) * sizeof(double));
	m->bcv = sc_xmalloc(G * sizeof(double));
	m->norm = sc_xmalloc(sc_mulsz(p->types, p->batches) * sizeof(double));
	sc_rng r;
	sc_rng_stream(&r, p->seed, GENE_STREAM);
	for (size_t g = 0; g < G; g++)
		m->base[g] = sc_rng_gamma(&r, p->mean_shape) / p->mean_rate;
	double *sorted = sc_xmalloc(G * sizeof(double));
	memcpy(sorted, m->base, G * sizeof(double));
	qsort(sorted, G, sizeof(double), cmp_double);
	double median = G % 2 ? sorted[G / 2] : 0.5 * (sorted[G / 2 - 1] + sorted[G / 2]);
	free(sorted);
	for (size_t g = 0; g < G; g++)
		if (sc_rng_uniform(&r) < p->out_prob)
			m->base[g] = median * lognormal(&r, p->out_loc, p->out_scale);
	for (size_t t = 0; t < p->types; t++)
		for (size_t g = 0; g < G; g++) {
			double f = 1;
			if (sc_rng_uniform(&r) < p->de_prob) {
				f = lognormal(&r, p->de_loc, p->de_scale);
				if (sc_rng_uniform(&r) < p->de_down)
					f = 1 / f;
			}
			m->de[t * G + g] = f;
		}
	for (size_t b = 0; b < p->batches; b++)
		for (size_t g = 0; g < G; g++) {
			double f = lognormal(&r, p->batch_loc, p->batch_scale);
			m->bf[b * G + g] = sc_rng_uniform(&r) < 0.5 ? 1 / f : f;
		}
	for (size_t g = 0; g < G; g++)
		m->bcv[g] = p->bcv_df / (2.0 * sc_rng_gamma(&r, p->bcv_df / 2.0));
	for (size_t t = 0; t < p->types; t++)
		for (size_t b = 0; b < p->batches; b++) {
			double s = 0;
			for (size_t g = 0; g < G; g++)
				s += m->base[g] * m->de[t * G + g] * m->bf[b * G + g];
			m->norm[t * p->batches + b] = s > 0 ? s : 1;
		}
}

static void model_free(model *m)
{
	free(m->base);
	free(m->de);
	free(m->bf);
	free(m->bcv);
	free(m->norm);
}

/* One block of cells: its rows, and per cell type, batch and total. */
typedef struct block {
	size_t index, c0, n;
	sc_csr x;
	int32_t *type, *batch;
	double *total;
} block;

static void block_alloc(block *b, size_t genes)
{
	sc_csr_alloc(&b->x, BLOCK, genes, sc_mulsz(BLOCK, genes));
	b->type = sc_xmalloc(BLOCK * sizeof(int32_t));
	b->batch = sc_xmalloc(BLOCK * sizeof(int32_t));
	b->total = sc_xmalloc(BLOCK * sizeof(double));
}

static void block_free(block *b)
{
	sc_csr_free(&b->x);
	free(b->type);
	free(b->batch);
	free(b->total);
}

static void gen_block(const model *m, block *b)
{
	const sc_splat_params *p = m->p;
	size_t G = p->genes;
	/* Who a cell is (type, batch, library size) comes from its own stream,
	 * apart from its counts: files simulated with the same seed, cells,
	 * types and batches but other genes describe the same cells, so they
	 * pair up as two modalities. */
	sc_rng r, rc;
	sc_rng_stream(&r, p->seed, b->index);
	sc_rng_stream(&rc, p->seed, b->index | CELL_STREAM_BIT);
	b->x.rows = b->n;
	b->x.indptr[0] = 0;
	int64_t k = 0;
	for (size_t i = 0; i < b->n; i++) {
		size_t t = p->cell_type ? (size_t)p->cell_type[b->c0 + i]
					: (size_t)sc_rng_below(&rc, p->types);
		size_t bt = p->cell_batch ? (size_t)p->cell_batch[b->c0 + i]
					  : (size_t)sc_rng_below(&rc, p->batches);
		double lib = lognormal(&rc, p->lib_loc, p->lib_scale);
		double scale = lib / m->norm[t * p->batches + bt];
		const double *de = m->de + t * G, *bf = m->bf + bt * G;
		double tot = 0;
		for (size_t g = 0; g < G; g++) {
			double mu = scale * m->base[g] * de[g] * bf[g];
			if (!(mu > 0))
				continue;
			double cv = p->bcv_common + 1.0 / sqrt(mu);
			double phi = cv * cv * m->bcv[g];
			uint64_t c = sc_rng_nbinom(&r, mu, 1.0 / phi);
			if (c && p->dropout) {
				double pd = 1.0 / (1.0 + exp(-p->dropout_shape * (log(mu) - p->dropout_mid)));
				if (sc_rng_uniform(&r) < pd)
					c = 0;
			}
			if (c) {
				b->x.indices[k] = (int32_t)g;
				b->x.data[k++] = (double)c;
				tot += (double)c;
			}
		}
		b->x.indptr[i + 1] = k;
		b->type[i] = (int32_t)t;
		b->batch[i] = (int32_t)bt;
		b->total[i] = tot;
	}
}

/* One call of the pipeline: generate the blocks of round r (gen) while
 * task 0 writes those of round r - 1 (put), in order, into the file. */
typedef struct pipeline {
	const model *m;
	block *gen, *put;
	size_t ngen, nput;
	sc_h5ad_writer *w;
	int32_t *type, *batch;  /* per cell of the whole file */
	double *total;
	size_t nnz;
	double sum;
	sc_progress *pr;
	int rc;
	sc_err *err;
} pipeline;

static void put_round(pipeline *pl)
{
	for (size_t i = 0; i < pl->nput && !pl->rc; i++) {
		block *b = &pl->put[i];
		pl->rc = sc_h5ad_csr_append(pl->w, &b->x, pl->err);
		memcpy(pl->type + b->c0, b->type, b->n * sizeof(int32_t));
		memcpy(pl->batch + b->c0, b->batch, b->n * sizeof(int32_t));
		memcpy(pl->total + b->c0, b->total, b->n * sizeof(double));
		pl->nnz += sc_csr_nnz(&b->x);
		/* Per cell: sc_progress draws only every 4096 updates. */
		for (size_t k = 0; k < b->n; k++) {
			pl->sum += b->total[k];
			sc_progress_update(pl->pr, b->c0 + k + 1);
		}
	}
}

static void pipeline_task(void *ctx, size_t t)
{
	pipeline *pl = ctx;
	if (t == 0)
		put_round(pl);
	else
		gen_block(pl->m, &pl->gen[t - 1]);
}

/* Number blocks [b0, b0 + nt) (those below nblocks) of N cells into bl. */
static size_t round_blocks(block *bl, int nt, size_t b0, size_t nblocks, size_t N)
{
	size_t k = 0;
	for (int i = 0; i < nt && b0 + (size_t)i < nblocks; i++, k++) {
		block *b = &bl[i];
		b->index = b0 + (size_t)i;
		b->c0 = b->index * BLOCK;
		b->n = N - b->c0 < BLOCK ? N - b->c0 : BLOCK;
	}
	return k;
}

/* X, streamed: rounds of nt blocks from two sets of buffers, round r
 * generated while round r - 1 is written. Fills pl's per-cell arrays. */
static void stream_counts(pipeline *pl, int nt, size_t N)
{
	size_t nblocks = (N + BLOCK - 1) / BLOCK, nrounds = (nblocks + (size_t)nt - 1) / (size_t)nt;
	block *blocks = sc_xcalloc(2 * (size_t)nt, sizeof(block));
	for (int i = 0; i < 2 * nt; i++)
		block_alloc(&blocks[i], pl->m->p->genes);
	sc_par *pool = sc_par_new(nt + 1);
	pl->nput = 0;
	for (size_t r = 0; r <= nrounds && !pl->rc; r++) {
		pl->gen = blocks + (r % 2) * (size_t)nt;
		pl->ngen = r < nrounds ? round_blocks(pl->gen, nt, r * (size_t)nt, nblocks, N) : 0;
		sc_par_run(pool, 1 + pl->ngen, pipeline_task, pl);
		pl->put = pl->gen;
		pl->nput = pl->ngen;
	}
	sc_par_free(pool);
	for (int i = 0; i < 2 * nt; i++)
		block_free(&blocks[i]);
	free(blocks);
}

static char **numbered(const char *prefix, size_t n, int minw)
{
	int w = minw;
	int digits = 1;
	for (size_t v = n; v >= 10; v /= 10)
		digits++;
	if (digits > w)
		w = digits;
	char **s = sc_xmalloc(sc_mulsz(n ? n : 1, sizeof(char *)));
	for (size_t i = 0; i < n; i++)
		s[i] = sc_xasprintf("%s%0*zu", prefix, w, i + 1);
	return s;
}

static void free_strs(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

static int write_params(sc_h5ad_writer *w, const sc_splat_params *p, sc_err *err)
{
	struct {
		const char *k;
		double v;
	} f[] = {
		{ "mean_shape", p->mean_shape }, { "mean_rate", p->mean_rate }, { "out_prob", p->out_prob },
		{ "out_loc", p->out_loc },	 { "out_scale", p->out_scale }, { "lib_loc", p->lib_loc },
		{ "lib_scale", p->lib_scale },	 { "de_prob", p->de_prob },	{ "de_down", p->de_down },
		{ "de_loc", p->de_loc },	 { "de_scale", p->de_scale },	{ "batch_loc", p->batch_loc },
		{ "batch_scale", p->batch_scale }, { "bcv_common", p->bcv_common }, { "bcv_df", p->bcv_df },
		{ "dropout_mid", p->dropout_mid }, { "dropout_shape", p->dropout_shape },
	};
	int rc = sc_h5ad_write_uns_string(w, "simulation/model", "splatter-like (sceval simulate)", err);
	if (!rc)
		rc = sc_h5ad_write_uns_int(w, "simulation/seed", (int64_t)p->seed, err);
	if (!rc)
		rc = sc_h5ad_write_uns_int(w, "simulation/dropout", p->dropout, err);
	for (size_t i = 0; !rc && i < sizeof(f) / sizeof(*f); i++) {
		char key[64];
		snprintf(key, sizeof(key), "simulation/%s", f[i].k);
		rc = sc_h5ad_write_uns_float(w, key, f[i].v, err);
	}
	return rc;
}

/* Each gene's cell type of strongest differential expression (index
 * types for genes DE in no type): the gene-function demo's ground truth. */
static int32_t *de_types(const model *m)
{
	const sc_splat_params *p = m->p;
	size_t G = p->genes;
	int32_t *det = sc_xmalloc(G * sizeof(int32_t));
	for (size_t g = 0; g < G; g++) {
		double best = 0;
		det[g] = (int32_t)p->types;
		for (size_t t = 0; t < p->types; t++) {
			double lf = fabs(log(m->de[t * G + g]));
			if (lf > best) {
				best = lf;
				det[g] = (int32_t)t;
			}
		}
	}
	return det;
}

/* obs (names, cell_type, batch, n_counts), var (names, base_mean,
 * de_type) and the parameters in uns. */
static int write_annotations(sc_h5ad_writer *w, const model *m, const pipeline *pl, sc_err *err)
{
	const sc_splat_params *p = m->p;
	size_t N = p->cells, G = p->genes;
	char **cells = numbered("cell", N, 6), **genes = numbered("gene", G, 4);
	char **tn = numbered("type", p->types, 1), **bn = numbered("batch", p->batches, 1);
	int rc = sc_h5ad_write_index(w, "obs", cells, N, err);
	if (!rc)
		rc = sc_h5ad_write_categorical(w, "obs", "cell_type", pl->type, N, tn, p->types, 0, err);
	if (!rc)
		rc = sc_h5ad_write_categorical(w, "obs", "batch", pl->batch, N, bn, p->batches, 0, err);
	if (!rc)
		rc = sc_h5ad_write_float(w, "obs", "n_counts", pl->total, N, err);
	if (!rc)
		rc = sc_h5ad_write_index(w, "var", genes, G, err);
	if (!rc)
		rc = sc_h5ad_write_float(w, "var", "base_mean", m->base, G, err);
	if (!rc) {
		int32_t *det = de_types(m);
		char **dn = sc_xcalloc(p->types + 1, sizeof(char *));
		for (size_t t = 0; t < p->types; t++)
			dn[t] = tn[t];
		dn[p->types] = "none";
		rc = sc_h5ad_write_categorical(w, "var", "de_type", det, G, dn, p->types + 1, 0, err);
		free(dn);
		free(det);
	}
	if (!rc)
		rc = write_params(w, p, err);
	free_strs(cells, N);
	free_strs(genes, G);
	free_strs(tn, p->types);
	free_strs(bn, p->batches);
	return rc;
}

int sc_splat_write(const sc_splat_params *p, const char *path, sc_splat_stats *stats, sc_err *err)
{
	int rc = sc_splat_check(p, err);
	if (rc)
		return rc;
	size_t N = p->cells, G = p->genes;
	int nt = p->threads > 0 ? p->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	nt = nt < 1 ? 1 : nt > 64 ? 64 : nt;
	size_t nblocks = (N + BLOCK - 1) / BLOCK;
	if ((size_t)nt > nblocks)
		nt = (int)nblocks;
	model m;
	model_build(&m, p);
	sc_progress pr;
	pipeline pl = { .m = &m, .pr = &pr, .err = err };
	pl.type = sc_xmalloc(N * sizeof(int32_t));
	pl.batch = sc_xmalloc(N * sizeof(int32_t));
	pl.total = sc_xmalloc(N * sizeof(double));
	sc_h5ad_writer *w = NULL;
	if ((rc = sc_h5ad_create(&w, path, err)))
		goto out;
	sc_h5ad_writer_set_gzip(w, p->gzip);
	if ((rc = sc_h5ad_csr_begin(w, "X", G, p->integer ? SC_H5AD_I32 : SC_H5AD_F32, err)))
		goto out;
	pl.w = w;
	sc_progress_begin(&pr, "simulate", N);
	stream_counts(&pl, nt, N);
	sc_progress_end(&pr);
	if ((rc = pl.rc) || (rc = sc_h5ad_csr_end(w, err)) ||
	    (rc = write_annotations(w, &m, &pl, err)))
		goto out;
	rc = sc_h5ad_writer_close(w, err);
	w = NULL;
out:
	sc_h5ad_writer_free(w);
	free(pl.type);
	free(pl.batch);
	free(pl.total);
	model_free(&m);
	if (!rc && stats) {
		stats->nnz = pl.nnz;
		stats->total = pl.sum;
	}
	return rc;
}
