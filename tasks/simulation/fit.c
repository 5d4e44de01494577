/*
 * fit.c - the NB marginals and the Gaussian copula of copula_nb and
 * independent_nb (model.h), as scDesign3 fits its default model: one NB
 * GLM per gene (log link, log library size offset, dispersion by maximum
 * likelihood), then per cell type the correlation of the normal scores
 * Phi^-1(u) of the randomised probability integral transform
 * u = F(y - 1) + V (F(y) - F(y - 1)), V ~ U(0, 1), over the K most variable
 * genes. Genes are fitted in parallel, each on its own; the copula's
 * scores are accumulated per cell type over fixed chunks of cells, each
 * chunk's V from its own random stream, so results do not depend on the
 * thread count.
 */
#include "tasks/simulation/model.h"
#include "tasks/simulation/nb.h"
#include "tasks/core/blas.h"
#include "tasks/core/rng.h"
#include "util/par.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COPULA_CHUNK 512
#define PIT_STREAM (1ULL << 61)

void sc_sim_nb_free(sc_sim_nb *m)
{
	if (!m)
		return;
	free(m->x);
	free(m->group);
	free(m->group_type);
	free(m->beta);
	free(m->theta);
	free(m->loglik);
	free(m->converged);
	if (m->coef_names)
		for (size_t j = 0; j < m->p; j++)
			free(m->coef_names[j]);
	free(m->coef_names);
	memset(m, 0, sizeof(*m));
}

/* Groups = the (type, batch) combinations that have cells, in order of
 * type then batch; design rows in R's treatment contrasts. */
static void build_design(sc_sim_nb *m, const sc_sim_data *d, int with_batch)
{
	size_t T = d->type.ncat, B = with_batch ? d->batch.ncat : 1;
	m->with_batch = with_batch;
	m->p = 1 + (T - 1) + (with_batch ? B - 1 : 0);
	int32_t *id = sc_xmalloc(T * B * sizeof(int32_t));
	uint8_t *seen = sc_xcalloc(T * B, 1);
	for (size_t i = 0; i < d->n; i++) {
		size_t b = with_batch ? (size_t)d->batch.codes[i] : 0;
		seen[(size_t)d->type.codes[i] * B + b] = 1;
	}
	m->ngroups = 0;
	for (size_t c = 0; c < T * B; c++)
		id[c] = seen[c] ? (int32_t)m->ngroups++ : -1;
	m->x = sc_xcalloc(m->ngroups * m->p, sizeof(double));
	m->group_type = sc_xmalloc(m->ngroups * sizeof(int32_t));
	for (size_t c = 0; c < T * B; c++) {
		if (id[c] < 0)
			continue;
		size_t t = c / B, b = c % B;
		double *x = m->x + (size_t)id[c] * m->p;
		x[0] = 1;
		if (t > 0)
			x[t] = 1;
		if (with_batch && b > 0)
			x[T - 1 + b] = 1;
		m->group_type[id[c]] = (int32_t)t;
	}
	m->group = sc_xmalloc(d->n * sizeof(int32_t));
	for (size_t i = 0; i < d->n; i++) {
		size_t b = with_batch ? (size_t)d->batch.codes[i] : 0;
		m->group[i] = id[(size_t)d->type.codes[i] * B + b];
	}
	m->coef_names = sc_xmalloc(m->p * sizeof(char *));
	m->coef_names[0] = sc_xstrdup("(Intercept)");
	for (size_t t = 1; t < T; t++)
		m->coef_names[t] = sc_xasprintf("%s:%s", d->type_key, d->type.names[t]);
	if (with_batch)
		for (size_t b = 1; b < B; b++)
			m->coef_names[T - 1 + b] = sc_xasprintf("%s:%s", d->batch_key, d->batch.names[b]);
	free(id);
	free(seen);
}

typedef struct fit_job {
	const sc_sim_data *d;
	sc_sim_nb *m;
	sc_nbglm_design des;
} fit_job;

static void *fit_init(void *ctx)
{
	fit_job *j = ctx;
	return sc_xcalloc(j->d->n + 7 * j->m->ngroups, sizeof(double));
}

static void fit_run(void *ctx, void *scratch, size_t g0, size_t g1)
{
	fit_job *j = ctx;
	double *y = scratch, *work = y + j->d->n;
	for (size_t g = g0; g < g1; g++) {
		double *beta = j->m->beta + g * j->m->p;
		if (j->d->colptr[g + 1] == j->d->colptr[g]) {
			/* No counts at all: the gene is simulated as zeros. */
			for (size_t k = 0; k < j->m->p; k++)
				beta[k] = NAN;
			j->m->theta[g] = NAN;
			j->m->loglik[g] = 0;
			j->m->converged[g] = 1;
			continue;
		}
		sc_sim_data_gene(y, j->d, g);
		sc_nbglm_fit f = { .beta = beta };
		sc_nbglm_fit_gene(&f, &j->des, y, work);
		j->m->theta[g] = f.theta;
		j->m->loglik[g] = f.loglik;
		j->m->converged[g] = (uint8_t)f.converged;
		for (int64_t k = j->d->colptr[g]; k < j->d->colptr[g + 1]; k++)
			y[j->d->row[k]] = 0;
	}
}

int sc_sim_nb_fit(sc_sim_nb *out, const sc_sim_data *d, int with_batch, int threads, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	build_design(out, d, with_batch);
	if (out->p > SC_NBGLM_MAXP) {
		int rc = sc_errf(err, SC_EINVAL,
				 "the NB model has %zu coefficients (cell types + batches - 1); at most %d",
				 out->p, SC_NBGLM_MAXP);
		sc_sim_nb_free(out);
		return rc;
	}
	out->genes = d->genes;
	out->beta = sc_xmalloc(d->genes * out->p * sizeof(double));
	out->theta = sc_xmalloc(d->genes * sizeof(double));
	out->loglik = sc_xmalloc(d->genes * sizeof(double));
	out->converged = sc_xmalloc(d->genes);
	fit_job j = { .d = d, .m = out,
		      .des = { .n = d->n, .ngroups = out->ngroups, .p = out->p, .x = out->x,
			       .group = out->group, .lib = d->lib } };
	sc_par_for pf = { .ctx = &j, .worker_init = fit_init, .worker_fini = free, .run = fit_run };
	sc_par_for_run(d->genes, 4, threads, &pf);
	return 0;
}

double sc_sim_nb_mu(const sc_sim_nb *m, size_t g, size_t grp, double lib)
{
	const double *b = m->beta + g * m->p, *x = m->x + grp * m->p;
	if (isnan(b[0]))
		return 0;
	double e = 0;
	for (size_t j = 0; j < m->p; j++)
		e += x[j] * b[j];
	return lib * exp(e);
}

/* ---- the copula -------------------------------------------------------- */

void sc_sim_copula_free(sc_sim_copula *c)
{
	if (!c)
		return;
	free(c->genes);
	free(c->corr);
	free(c->chol);
	free(c->ridge);
	memset(c, 0, sizeof(*c));
}

/* Normal scores of one chunk of cells (rows) of one type over the K genes:
 * cursors walk each gene's column in step with the ascending cells. */
static void chunk_scores(double *z, const sc_sim_data *d, const sc_sim_nb *m,
			 const sc_sim_copula *c, const size_t *cells, size_t nc, int64_t *cur,
			 sc_rng *r)
{
	size_t K = c->k;
	for (size_t a = 0; a < nc; a++) {
		size_t i = cells[a];
		for (size_t k = 0; k < K; k++) {
			size_t g = c->genes[k];
			while (cur[k] < d->colptr[g + 1] && (size_t)d->row[cur[k]] < i)
				cur[k]++;
			double y = cur[k] < d->colptr[g + 1] && (size_t)d->row[cur[k]] == i
					   ? d->val[cur[k]]
					   : 0;
			double mu = sc_sim_nb_mu(m, g, (size_t)m->group[i], d->lib[i]);
			double th = m->theta[g];
			double hi = mu > 0 ? sc_nb_cdf(y, mu, th) : 1;
			double lo = y > 0 && mu > 0 ? sc_nb_cdf(y - 1, mu, th) : 0;
			double u = lo + sc_rng_uniform(r) * (hi - lo);
			u = u < 1e-15 ? 1e-15 : u > 1 - 1e-15 ? 1 - 1e-15 : u;
			z[a * K + k] = sc_sim_norm_ppf(u);
		}
	}
}

/* Correlation from the sums, then its Cholesky factor, shrunk toward the
 * identity (R + lambda (I - R), lambda from 1e-8 up by tenfold) until it
 * is positive definite: with fewer cells than genes it never is. */
static void finish_type(sc_sim_copula *c, size_t t, double *S, const double *s, double n)
{
	size_t K = c->k;
	double *R = c->corr + t * K * K, *Lc = c->chol + t * K * K;
	for (size_t a = 0; a < K; a++)
		for (size_t b = a; b < K; b++) {
			double cov = S[a * K + b] - s[a] * s[b] / n;
			R[a * K + b] = cov;
		}
	for (size_t a = 0; a < K; a++) {
		double va = R[a * K + a];
		for (size_t b = a; b < K; b++) {
			double vb = R[b * K + b];
			double v = a == b ? 1 : (va > 0 && vb > 0 ? R[a * K + b] / sqrt(va * vb) : 0);
			R[a * K + b] = R[b * K + a] = v;
		}
	}
	for (size_t a = 0; a < K; a++)
		R[a * K + a] = 1;
	int Ki = (int)K;
	for (double lambda = 0;; lambda = lambda ? lambda * 10 : 1e-8) {
		for (size_t a = 0; a < K * K; a++)
			Lc[a] = (1 - lambda) * R[a];
		for (size_t a = 0; a < K; a++)
			Lc[a * K + a] = 1;
		int info = 0;
		/* Row-major upper = column-major lower: Lc^T's "U" is our L. */
		dpotrf_("U", &Ki, Lc, &Ki, &info);
		if (!info || lambda >= 1) {
			c->ridge[t] = lambda;
			break;
		}
	}
	for (size_t a = 0; a < K; a++)
		for (size_t b = a + 1; b < K; b++)
			Lc[a * K + b] = 0;
}

int sc_sim_copula_fit(sc_sim_copula *out, const sc_sim_data *d, const sc_sim_nb *m, size_t k,
		      uint64_t seed, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	if (k > d->genes)
		return sc_errf(err, SC_EINVAL,
			       "copula genes n_genes = %zu, but the data set has only %zu genes", k,
			       d->genes);
	size_t T = d->type.ncat, K = k;
	out->k = K;
	out->types = T;
	size_t *rank = sc_xmalloc(d->genes * sizeof(size_t));
	sc_sim_data_rank_variable(rank, d);
	out->genes = sc_xmalloc((K ? K : 1) * sizeof(size_t));
	memcpy(out->genes, rank, K * sizeof(size_t));
	free(rank);
	out->corr = sc_xcalloc(T * K * K + 1, sizeof(double));
	out->chol = sc_xcalloc(T * K * K + 1, sizeof(double));
	out->ridge = sc_xcalloc(T, sizeof(double));
	size_t *cells = sc_xmalloc(d->n * sizeof(size_t));
	double *z = sc_xmalloc(COPULA_CHUNK * (K ? K : 1) * sizeof(double));
	double *S = sc_xmalloc((K ? K * K : 1) * sizeof(double));
	double *s = sc_xmalloc((K ? K : 1) * sizeof(double));
	int64_t *cur = sc_xmalloc((K ? K : 1) * sizeof(int64_t));
	int nt = sc_blas_serial_begin();
	for (size_t t = 0; t < T && K; t++) {
		size_t nc = 0;
		for (size_t i = 0; i < d->n; i++)
			if ((size_t)d->type.codes[i] == t && d->lib[i] > 0)
				cells[nc++] = i;
		memset(S, 0, K * K * sizeof(double));
		memset(s, 0, K * sizeof(double));
		for (size_t kk = 0; kk < K; kk++)
			cur[kk] = d->colptr[out->genes[kk]];
		for (size_t c0 = 0, chunk = 0; c0 < nc; c0 += COPULA_CHUNK, chunk++) {
			size_t cn = nc - c0 < COPULA_CHUNK ? nc - c0 : COPULA_CHUNK;
			sc_rng r;
			sc_rng_stream(&r, seed, PIT_STREAM | (t << 32) | chunk);
			chunk_scores(z, d, m, out, cells + c0, cn, cur, &r);
			cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)K, (int)cn, 1.0, z,
				    (int)K, 1.0, S, (int)K);
			for (size_t a = 0; a < cn; a++)
				for (size_t kk = 0; kk < K; kk++)
					s[kk] += z[a * K + kk];
		}
		if (nc < 3) {
			/* Too few cells to estimate a correlation: independent genes. */
			for (size_t a = 0; a < K; a++)
				out->corr[t * K * K + a * K + a] = out->chol[t * K * K + a * K + a] = 1;
			continue;
		}
		finish_type(out, t, S, s, (double)nc);
	}
	sc_blas_serial_end(nt);
	free(cells);
	free(z);
	free(S);
	free(s);
	free(cur);
	return 0;
}
