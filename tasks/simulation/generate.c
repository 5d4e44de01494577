/*
 * generate.c - new cells from the fitted NB marginals and copula
 * (model.h): cell i of the output has real cell i's type, batch and
 * library size; its copula genes take the NB quantiles of Phi(z) with
 * z ~ N(0, R_type), the other genes independent NB draws. Cells are made
 * in blocks of GEN_BLOCK, each from its own stream sc_rng_stream(seed,
 * block), rounds of blocks in parallel and appended in order: the file's
 * bytes do not depend on the thread count, and memory is a round of
 * blocks whatever the number of cells.
 */
#include "tasks/simulation/model.h"
#include "tasks/simulation/nb.h"
#include "tasks/core/blas.h"
#include "tasks/core/rng.h"
#include "util/par.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GEN_BLOCK 1024
#define GEN_ROUND 8

typedef struct gen_ctx {
	const sc_sim_data *d;
	const sc_sim_nb *m;
	const sc_sim_copula *c;
	uint64_t seed;
	size_t b0;         /* first block of the round */
	sc_csr *out;       /* GEN_ROUND blocks */
	double *totals;    /* n */
	uint8_t *is_cop;   /* genes */
	int32_t *cop_index;
} gen_ctx;

/* z = eps L^T for the block's cells of type t (rows listed in idx). */
static void correlate(double *z, const double *eps, const sc_sim_copula *c, size_t t,
		      const size_t *idx, size_t n)
{
	size_t K = c->k;
	double *e = sc_xmalloc(n * K * sizeof(double)), *o = sc_xmalloc(n * K * sizeof(double));
	for (size_t a = 0; a < n; a++)
		memcpy(e + a * K, eps + idx[a] * K, K * sizeof(double));
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)K, (int)K, 1.0, e, (int)K,
		    c->chol + t * K * K, (int)K, 0.0, o, (int)K);
	for (size_t a = 0; a < n; a++)
		memcpy(z + idx[a] * K, o + a * K, K * sizeof(double));
	free(e);
	free(o);
}

static void gen_block(void *ctx, size_t bi)
{
	gen_ctx *g = ctx;
	const sc_sim_data *d = g->d;
	const sc_sim_nb *m = g->m;
	const sc_sim_copula *c = g->c;
	size_t block = g->b0 + bi, c0 = block * GEN_BLOCK;
	if (c0 >= d->n)
		return;
	size_t nb = d->n - c0 < GEN_BLOCK ? d->n - c0 : GEN_BLOCK, G = d->genes;
	size_t K = c ? c->k : 0;
	sc_rng r;
	sc_rng_stream(&r, g->seed, block);
	double *z = NULL;
	if (K) {
		double *eps = sc_xmalloc(nb * K * sizeof(double));
		for (size_t a = 0; a < nb * K; a++)
			eps[a] = sc_rng_normal(&r);
		z = sc_xmalloc(nb * K * sizeof(double));
		size_t *idx = sc_xmalloc(nb * sizeof(size_t));
		for (size_t t = 0; t < c->types; t++) {
			size_t n = 0;
			for (size_t a = 0; a < nb; a++)
				if ((size_t)d->type.codes[c0 + a] == t)
					idx[n++] = a;
			if (n)
				correlate(z, eps, c, t, idx, n);
		}
		free(idx);
		free(eps);
	}
	sc_csr *x = &g->out[bi];
	size_t cap = 1024, k = 0;
	x->rows = nb;
	x->cols = G;
	x->indptr = sc_xmalloc((nb + 1) * sizeof(int64_t));
	x->indices = sc_xmalloc(cap * sizeof(int32_t));
	x->data = sc_xmalloc(cap * sizeof(double));
	x->indptr[0] = 0;
	for (size_t a = 0; a < nb; a++) {
		size_t i = c0 + a, grp = (size_t)m->group[i];
		double tot = 0;
		for (size_t gene = 0; gene < G; gene++) {
			double mu = sc_sim_nb_mu(m, gene, grp, d->lib[i]), y;
			if (!(mu > 0))
				continue;
			if (g->is_cop[gene]) {
				double u = sc_sim_norm_cdf(z[a * K + (size_t)g->cop_index[gene]]);
				u = u < 1e-15 ? 1e-15 : u > 1 - 1e-15 ? 1 - 1e-15 : u;
				y = sc_nb_quantile(u, mu, m->theta[gene]);
			} else {
				y = (double)sc_rng_nbinom(&r, mu, m->theta[gene]);
			}
			if (y > 0) {
				if (k == cap) {
					cap *= 2;
					x->indices = sc_xrealloc(x->indices, cap * sizeof(int32_t));
					x->data = sc_xrealloc(x->data, cap * sizeof(double));
				}
				x->indices[k] = (int32_t)gene;
				x->data[k++] = y;
				tot += y;
			}
		}
		x->indptr[a + 1] = (int64_t)k;
		g->totals[i] = tot;
	}
	free(z);
}

int sc_sim_generate(const char *path, const sc_sim_data *d, const sc_sim_nb *m,
		    const sc_sim_copula *c, uint64_t seed, int threads, sc_err *err)
{
	gen_ctx g = { .d = d, .m = m, .c = c && c->k ? c : NULL, .seed = seed };
	g.totals = sc_xcalloc(d->n, sizeof(double));
	g.is_cop = sc_xcalloc(d->genes, 1);
	g.cop_index = sc_xcalloc(d->genes, sizeof(int32_t));
	if (g.c)
		for (size_t k = 0; k < g.c->k; k++) {
			g.is_cop[g.c->genes[k]] = 1;
			g.cop_index[g.c->genes[k]] = (int32_t)k;
		}
	sc_csr blocks[GEN_ROUND];
	memset(blocks, 0, sizeof(blocks));
	g.out = blocks;
	sc_h5ad_writer *w = NULL;
	int rc = sc_h5ad_create(&w, path, err);
	if (!rc)
		rc = sc_h5ad_csr_begin(w, "X", d->genes, SC_H5AD_F32, err);
	sc_par *pool = sc_par_new(threads);
	int nt = sc_blas_serial_begin();
	size_t nblocks = (d->n + GEN_BLOCK - 1) / GEN_BLOCK;
	for (size_t b0 = 0; b0 < nblocks && !rc; b0 += GEN_ROUND) {
		g.b0 = b0;
		size_t nr = nblocks - b0 < GEN_ROUND ? nblocks - b0 : GEN_ROUND;
		sc_par_run(pool, nr, gen_block, &g);
		for (size_t b = 0; b < nr; b++) {
			if (!rc)
				rc = sc_h5ad_csr_append(w, &blocks[b], err);
			sc_csr_free(&blocks[b]);
		}
	}
	sc_blas_serial_end(nt);
	sc_par_free(pool);
	if (!rc)
		rc = sc_h5ad_csr_end(w, err);
	if (!rc)
		rc = sc_sim_write_frames(w, d, g.totals, err);
	if (!rc)
		rc = sc_h5ad_write_uns_string(w, "simulation/model",
					      g.c ? "copula_nb" : "independent_nb", err);
	if (!rc)
		rc = sc_h5ad_writer_close(w, err);
	else
		sc_h5ad_writer_free(w);
	free(g.totals);
	free(g.is_cop);
	free(g.cop_index);
	return rc;
}

int sc_sim_write_frames(sc_h5ad_writer *w, const sc_sim_data *d, const double *totals,
			sc_err *err)
{
	int rc = sc_h5ad_write_index(w, "obs", d->cell_names, d->n, err);
	if (!rc)
		rc = sc_h5ad_write_categorical(w, "obs", d->type_key, d->type.codes, d->n,
					       d->type.names, d->type.ncat, 0, err);
	if (!rc && d->batch_key && strcmp(d->batch_key, d->type_key))
		rc = sc_h5ad_write_categorical(w, "obs", d->batch_key, d->batch.codes, d->n,
					       d->batch.names, d->batch.ncat, 0, err);
	if (!rc && totals)
		rc = sc_h5ad_write_float(w, "obs", "n_counts", totals, d->n, err);
	if (!rc)
		rc = sc_h5ad_write_index(w, "var", d->gene_names, d->genes, err);
	return rc;
}
