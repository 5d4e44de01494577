/*
 * tasks/imputation/tangram.c - Tangram's mapping optimiser (Biancalani et
 * al. 2021; broadinstitute/Tangram mapping_optimizer.py, class Mapper),
 * transcribed with its gradient written out, in double precision.
 *
 * A score matrix M (cells, or clusters, x spots) is turned into a mapping by
 * a softmax over spots per row, P = softmax(M). The predicted spatial
 * expression is P^T S and the loss is
 *
 *   - g1 * mean over genes of cos(P^T S[:, j], G[:, j])
 *   - g2 * mean over spots of cos(P^T S[k, :], G[k, :])
 *   + d  * KL(density || predicted density)       (torch KLDivLoss, sum)
 *   - r  * sum(P log P)
 *
 * with the predicted density sum_i P_ik / rows (cells mode) or
 * sum_i source_i P_ik (clusters mode). Adam updates M exactly as
 * torch.optim.Adam does (bias corrections, eps added to the corrected
 * second moment's square root). Workload: thousands of rows, thousands of
 * spots, hundreds of genes, a thousand epochs; the two products per epoch
 * are tiled by sc_par_gemm and the row-wise work is split in fixed blocks,
 * so the bytes do not depend on the thread count.
 */
#include "imputation.h"
#include "tasks/core/blas.h"
#include "tasks/core/tiles.h"
#include "util/buf.h"
#include "util/par.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* torch.nn.functional.cosine_similarity's eps: the product of the norms is
 * clamped below by it. */
#define COS_EPS 1e-8
#define ROW_BLOCK 64

void sc_tangram_opts_default(sc_tangram_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->lambda_g1 = 1;
	o->learning_rate = 0.1;
	o->epochs = 1000;
}

typedef struct work {
	const sc_dmat *m, *S, *G;
	const sc_tangram_opts *o;
	double *P;     /* rows x spots: softmax of m */
	double *Gp;    /* spots x genes: P^T S */
	double *dGp;   /* spots x genes: dloss / dGp */
	double *dP;    /* rows x spots */
	double *q;     /* spots: predicted density */
	double *grad;  /* rows x spots, or NULL */
	double *gene_cos, *spot_cos, *row_ent;
	sc_par *par;
} work;

static void softmax_rows(void *ctx, size_t b)
{
	work *w = ctx;
	size_t s = w->m->cols, r1 = (b + 1) * ROW_BLOCK;
	if (r1 > w->m->rows)
		r1 = w->m->rows;
	for (size_t i = b * ROW_BLOCK; i < r1; i++) {
		const double *x = w->m->v + i * s;
		double *p = w->P + i * s, mx = x[0], z = 0;
		for (size_t k = 1; k < s; k++)
			mx = x[k] > mx ? x[k] : mx;
		for (size_t k = 0; k < s; k++)
			z += (p[k] = exp(x[k] - mx));
		for (size_t k = 0; k < s; k++)
			p[k] /= z;
	}
}

/* Cosine of a and b (n values, strides sa, sb) and, with da, its gradient
 * with respect to a scaled by coef (written with stride sa). */
static double cosine(const double *a, const double *b, size_t n, size_t sa, size_t sb, double *da,
		     double coef)
{
	double dot = 0, aa = 0, bb = 0;
	for (size_t k = 0; k < n; k++) {
		dot += a[k * sa] * b[k * sb];
		aa += a[k * sa] * a[k * sa];
		bb += b[k * sb] * b[k * sb];
	}
	double na = sqrt(aa), nb = sqrt(bb), den = na * nb;
	int clamped = den < COS_EPS;
	if (clamped)
		den = COS_EPS;
	double c = dot / den;
	if (da)
		for (size_t k = 0; k < n; k++)
			da[k * sa] += coef * (b[k * sb] / den - (clamped ? 0 : c * a[k * sa] / aa));
	return c;
}

/* Per gene (column) cosine; per block of genes. */
static void gene_terms(void *ctx, size_t j)
{
	work *w = ctx;
	size_t s = w->G->rows, g = w->G->cols;
	double coef = -w->o->lambda_g1 / (double)g;
	w->gene_cos[j] = cosine(w->Gp + j, w->G->v + j, s, g, g, w->grad ? w->dGp + j : NULL, coef);
}

static void spot_terms(void *ctx, size_t k)
{
	work *w = ctx;
	size_t s = w->G->rows, g = w->G->cols;
	double coef = -w->o->lambda_g2 / (double)s;
	w->spot_cos[k] = cosine(w->Gp + k * g, w->G->v + k * g, g, 1, 1,
				w->grad ? w->dGp + k * g : NULL, coef);
}

/* dP plus the density and entropy terms, then the softmax's backward pass;
 * also each row's sum of P log P. */
static void row_backward(void *ctx, size_t b)
{
	work *w = ctx;
	const sc_tangram_opts *o = w->o;
	size_t n = w->m->rows, s = w->m->cols, r1 = (b + 1) * ROW_BLOCK;
	if (r1 > n)
		r1 = n;
	for (size_t i = b * ROW_BLOCK; i < r1; i++) {
		const double *p = w->P + i * s;
		double ent = 0;
		if (o->lambda_r != 0)
			for (size_t k = 0; k < s; k++)
				ent += p[k] > 0 ? p[k] * log(p[k]) : 0;
		w->row_ent[i] = ent;
		if (!w->grad)
			continue;
		double *dp = w->dP + i * s, *gr = w->grad + i * s;
		if (o->density && o->lambda_d != 0) {
			double wi = o->source_density ? o->source_density[i] : 1.0 / (double)n;
			for (size_t k = 0; k < s; k++)
				if (o->density[k] > 0)
					dp[k] -= o->lambda_d * o->density[k] / w->q[k] * wi;
		}
		if (o->lambda_r != 0)
			for (size_t k = 0; k < s; k++)
				dp[k] -= o->lambda_r * (log(p[k]) + 1);
		double dot = 0;
		for (size_t k = 0; k < s; k++)
			dot += p[k] * dp[k];
		for (size_t k = 0; k < s; k++)
			gr[k] = p[k] * (dp[k] - dot);
	}
}

static double density_term(work *w)
{
	const sc_tangram_opts *o = w->o;
	size_t n = w->m->rows, s = w->m->cols;
	memset(w->q, 0, s * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		double wi = o->source_density ? o->source_density[i] : 1.0 / (double)n;
		const double *p = w->P + i * s;
		for (size_t k = 0; k < s; k++)
			w->q[k] += wi * p[k];
	}
	double kl = 0;
	for (size_t k = 0; k < s; k++)
		if (o->density[k] > 0)
			kl += o->density[k] * (log(o->density[k]) - log(w->q[k]));
	return o->lambda_d * kl;
}

static double loss_with(work *w)
{
	const sc_tangram_opts *o = w->o;
	size_t n = w->m->rows, s = w->m->cols, g = w->S->cols;
	size_t blocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
	sc_par_run(w->par, blocks, softmax_rows, w);
	int nt = sc_blas_serial_begin();
	sc_par_gemm(w->par, 1, 0, s, g, n, 1.0, w->P, s, w->S->v, g, 0.0, w->Gp, g);
	sc_blas_serial_end(nt);
	if (w->grad)
		memset(w->dGp, 0, s * g * sizeof(double));
	sc_par_run(w->par, g, gene_terms, w);
	if (o->lambda_g2 != 0)
		sc_par_run(w->par, s, spot_terms, w);
	double gv = 0, vg = 0, ent = 0, dens = 0;
	for (size_t j = 0; j < g; j++)
		gv += w->gene_cos[j];
	gv = o->lambda_g1 * gv / (double)g;
	if (o->lambda_g2 != 0) {
		for (size_t k = 0; k < s; k++)
			vg += w->spot_cos[k];
		vg = o->lambda_g2 * vg / (double)s;
	}
	if (o->density)
		dens = density_term(w);
	if (w->grad) {
		nt = sc_blas_serial_begin();
		sc_par_gemm(w->par, 0, 1, n, s, g, 1.0, w->S->v, g, w->dGp, g, 0.0, w->dP, s);
		sc_blas_serial_end(nt);
	}
	sc_par_run(w->par, blocks, row_backward, w);
	for (size_t i = 0; i < n; i++)
		ent += w->row_ent[i];
	return -(gv + vg) - o->lambda_r * ent + dens;
}

static void work_init(work *w, const sc_dmat *m, const sc_dmat *S, const sc_dmat *G,
		      const sc_tangram_opts *o, double *grad)
{
	size_t n = m->rows, s = m->cols, g = S->cols;
	memset(w, 0, sizeof(*w));
	w->m = m;
	w->S = S;
	w->G = G;
	w->o = o;
	w->grad = grad;
	w->P = sc_xmalloc(n * s * sizeof(double));
	w->Gp = sc_xmalloc(s * g * sizeof(double));
	w->dGp = sc_xmalloc(s * g * sizeof(double));
	w->dP = grad ? sc_xmalloc(n * s * sizeof(double)) : NULL;
	w->q = sc_xmalloc(s * sizeof(double));
	w->gene_cos = sc_xmalloc(g * sizeof(double));
	w->spot_cos = sc_xmalloc(s * sizeof(double));
	w->row_ent = sc_xmalloc(n * sizeof(double));
	w->par = sc_par_new(0);
}

static void work_free(work *w)
{
	free(w->P);
	free(w->Gp);
	free(w->dGp);
	free(w->dP);
	free(w->q);
	free(w->gene_cos);
	free(w->spot_cos);
	free(w->row_ent);
	sc_par_free(w->par);
}

double sc_tangram_loss(double *grad, const sc_dmat *m, const sc_dmat *S, const sc_dmat *G,
		       const sc_tangram_opts *o)
{
	work w;
	work_init(&w, m, S, G, o, grad);
	double l = loss_with(&w);
	work_free(&w);
	return l;
}

typedef struct adam {
	double *x, *g, *m1, *m2;
	double b1, b2, step, bc2_sqrt, eps;
	size_t n;
} adam;

#define ADAM_BLOCK 4096
static void adam_block(void *ctx, size_t b)
{
	adam *a = ctx;
	size_t e = (b + 1) * ADAM_BLOCK < a->n ? (b + 1) * ADAM_BLOCK : a->n;
	for (size_t i = b * ADAM_BLOCK; i < e; i++) {
		double gi = a->g[i];
		a->m1[i] = a->b1 * a->m1[i] + (1 - a->b1) * gi;
		a->m2[i] = a->b2 * a->m2[i] + (1 - a->b2) * gi * gi;
		double denom = sqrt(a->m2[i]) / a->bc2_sqrt + a->eps;
		a->x[i] -= a->step * a->m1[i] / denom;
	}
}

void sc_tangram_fit(sc_dmat *m, double *history, const sc_dmat *S, const sc_dmat *G,
		    const sc_tangram_opts *o)
{
	size_t n = m->rows * m->cols;
	double *grad = sc_xmalloc((n ? n : 1) * sizeof(double));
	work w;
	work_init(&w, m, S, G, o, grad);
	/* torch.optim.Adam's defaults: betas (0.9, 0.999), eps 1e-8. */
	adam a = { .x = m->v, .g = grad, .b1 = 0.9, .b2 = 0.999, .eps = 1e-8, .n = n };
	a.m1 = sc_xcalloc(n ? n : 1, sizeof(double));
	a.m2 = sc_xcalloc(n ? n : 1, sizeof(double));
	for (size_t t = 1; t <= o->epochs; t++) {
		double l = loss_with(&w);
		if (history)
			history[t - 1] = l;
		double bc1 = 1 - pow(a.b1, (double)t), bc2 = 1 - pow(a.b2, (double)t);
		a.step = o->learning_rate / bc1;
		a.bc2_sqrt = sqrt(bc2);
		sc_par_run(w.par, (n + ADAM_BLOCK - 1) / ADAM_BLOCK, adam_block, &a);
	}
	/* The loss after the last step, then the mapping itself. */
	w.grad = NULL;
	double l = loss_with(&w);
	if (history)
		history[o->epochs] = l;
	memcpy(m->v, w.P, n * sizeof(double));
	free(a.m1);
	free(a.m2);
	free(grad);
	work_free(&w);
}
