/*
 * cellcycle.c - scib's cell-cycle conservation: scanpy's cell-cycle scoring
 * of each batch, and the PC regression of those scores before and after
 * integration (see cellcycle.h for the definition).
 *
 * scanpy draws its control genes with numpy's legacy global generator
 * (np.random.seed(0), then pandas' sample -> RandomState.choice without
 * replacement -> a permutation by the legacy shuffle), so the same genes are
 * drawn here: MT19937 seeded as numpy seeds it, and numpy's bounded draw
 * (mask, then reject). Different genes would give different scores.
 *
 * Workload: one pass over a batch's expression for the gene means and one
 * for the scores; the PC regression before integration is one truncated
 * PCA of the batch's expression (tasks/core/pca.h), the dominant cost.
 */
#include "cellcycle.h"
#include "io/table.h"
#include "tasks/core/pca.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- numpy's legacy RandomState: MT19937 and its bounded integers ---- */

typedef struct np_mt19937 {
	uint32_t key[624];
	int pos;
} np_mt19937;

static void mt_seed(np_mt19937 *s, uint32_t seed)
{
	for (int i = 0; i < 624; i++) {
		s->key[i] = seed;
		seed = 1812433253u * (seed ^ (seed >> 30)) + (uint32_t)i + 1;
	}
	s->pos = 624;
}

static uint32_t mt_next(np_mt19937 *s)
{
	if (s->pos == 624) {
		for (int i = 0; i < 624; i++) {
			uint32_t y = (s->key[i] & 0x80000000u) | (s->key[(i + 1) % 624] & 0x7fffffffu);
			s->key[i] = s->key[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) ? 0x9908b0dfu : 0);
		}
		s->pos = 0;
	}
	uint32_t y = s->key[s->pos++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680u;
	y ^= (y << 15) & 0xefc60000u;
	return y ^ (y >> 18);
}

/* numpy's random_interval: uniform in [0, max] by masking and rejection. */
static uint32_t mt_interval(np_mt19937 *s, uint32_t max)
{
	if (!max)
		return 0;
	uint32_t mask = max, v;
	mask |= mask >> 1;
	mask |= mask >> 2;
	mask |= mask >> 4;
	mask |= mask >> 8;
	mask |= mask >> 16;
	while ((v = mt_next(s) & mask) > max)
		;
	return v;
}

/* RandomState.permutation(n): the legacy shuffle of 0..n-1. */
static void mt_permutation(np_mt19937 *s, size_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = i;
	for (size_t i = n; i-- > 1;) {
		size_t j = mt_interval(s, (uint32_t)i), t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

/* ---- the gene lists ---- */

static size_t match_ids(size_t *out, const sc_gene_labels *t, int32_t code, char *const *var,
			size_t n)
{
	size_t m = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->codes[i] != code)
			continue;
		for (size_t j = 0; j < n; j++)
			if (!strcmp(t->ids[i], var[j])) {
				if (out)
					out[m] = j;
				m++;
				break;
			}
	}
	return m;
}

static int32_t phase_code(const sc_gene_labels *t, const char *phase)
{
	for (size_t k = 0; k < t->ncat; k++)
		if (!strcmp(t->names[k], phase))
			return (int32_t)k;
	return -1;
}

/* scib's filter_genes: the column with the larger overlap, names first. */
static int match_phase(size_t **out, size_t *nout, int *by_id, const sc_gene_labels *names,
		       const sc_gene_labels *ids, const char *phase, const char *path,
		       char *const *var, size_t n, sc_err *err)
{
	int32_t cn = phase_code(names, phase), ci = phase_code(ids, phase);
	size_t mn = cn >= 0 ? match_ids(NULL, names, cn, var, n) : 0;
	size_t mi = ci >= 0 ? match_ids(NULL, ids, ci, var, n) : 0;
	if (!mn && !mi)
		return sc_errf(err, SC_EINVAL,
			       "'%s': no %s gene of the cell-cycle table is among the dataset's genes "
			       "(by gene_name or gene_id)", path, phase);
	*by_id = mi > mn;
	*out = sc_xmalloc(sizeof(size_t) * (*by_id ? mi : mn));
	*nout = *by_id ? match_ids(*out, ids, ci, var, n) : match_ids(*out, names, cn, var, n);
	return 0;
}

int sc_scib_cc_genes_read(sc_scib_cc_genes *out, const char *path, char *const *var, size_t n,
			  sc_err *err)
{
	memset(out, 0, sizeof(*out));
	sc_gene_labels names = { 0 }, ids = { 0 };
	int rc;
	if ((rc = sc_table_read_labels(&names, path, "gene_name", "phase", err)) ||
	    (rc = sc_table_read_labels(&ids, path, "gene_id", "phase", err)) ||
	    (rc = match_phase(&out->s, &out->ns, &out->s_by_id, &names, &ids, "S", path, var, n,
			      err)) ||
	    (rc = match_phase(&out->g2m, &out->ng2m, &out->g2m_by_id, &names, &ids, "G2/M", path,
			      var, n, err)))
		sc_scib_cc_genes_free(out);
	sc_gene_labels_free(&names);
	sc_gene_labels_free(&ids);
	return rc;
}

void sc_scib_cc_genes_free(sc_scib_cc_genes *g)
{
	if (!g)
		return;
	free(g->s);
	free(g->g2m);
	memset(g, 0, sizeof(*g));
}

/* ---- scanpy's score_genes ---- */

typedef struct gene_mean {
	double mean;
	size_t gene;
} gene_mean;

static int by_mean(const void *a, const void *b)
{
	const gene_mean *x = a, *y = b;
	if (x->mean != y->mean)
		return x->mean < y->mean ? -1 : 1;
	return x->gene < y->gene ? -1 : x->gene > y->gene;
}

/* The expression bin of every gene: pandas rank(method="min") of its mean,
 * floor-divided by round(genes / (n_bins - 1)) (numpy rounds half to even). */
static int expression_cuts(double *cut, const sc_csr *x, size_t n_bins, sc_err *err)
{
	size_t g = x->cols;
	double *mean = sc_xcalloc(g + 1, sizeof(double));
	for (size_t i = 0; i < x->rows; i++)
		for (int64_t q = x->indptr[i]; q < x->indptr[i + 1]; q++)
			mean[x->indices[q]] += x->data[q];
	for (size_t j = 0; j < g; j++)
		mean[j] /= (double)x->rows;
	double items = nearbyint((double)g / (double)(n_bins - 1));
	if (!(items >= 1)) {
		free(mean);
		return sc_errf(err, SC_EINVAL, "%zu genes are too few for %zu expression bins", g,
			       n_bins);
	}
	gene_mean *ord = sc_xmalloc(sizeof(gene_mean) * (g + 1));
	for (size_t j = 0; j < g; j++)
		ord[j] = (gene_mean){ mean[j], j };
	qsort(ord, g, sizeof(gene_mean), by_mean);
	for (size_t r = 0, first = 0; r < g; r++) {
		if (r && ord[r].mean != ord[r - 1].mean)
			first = r;
		cut[ord[r].gene] = floor((double)(first + 1) / items);
	}
	free(ord);
	free(mean);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Control genes of one list: from every bin that holds a gene of the list,
 * ctrl_size genes drawn (all when the bin has no more), minus the list. */
static size_t control_genes(uint8_t *ctrl, const double *cut, size_t g, const size_t *list,
			    size_t nl, size_t ctrl_size)
{
	uint8_t *in_list = sc_xcalloc(g + 1, 1);
	double *cuts = sc_xmalloc(sizeof(double) * (nl + 1));
	size_t *bin = sc_xmalloc(sizeof(size_t) * (g + 1)), *perm = sc_xmalloc(sizeof(size_t) * (g + 1));
	for (size_t i = 0; i < nl; i++) {
		in_list[list[i]] = 1;
		cuts[i] = cut[list[i]];
	}
	qsort(cuts, nl, sizeof(double), cmp_double);
	np_mt19937 mt;
	mt_seed(&mt, 0);
	memset(ctrl, 0, g);
	for (size_t c = 0; c < nl; c++) {
		if (c && cuts[c] == cuts[c - 1])
			continue;
		size_t m = 0;
		for (size_t j = 0; j < g; j++)
			if (cut[j] == cuts[c])
				bin[m++] = j;
		if (ctrl_size < m) {
			mt_permutation(&mt, perm, m);
			for (size_t q = 0; q < ctrl_size; q++)
				ctrl[bin[perm[q]]] = 1;
		} else {
			for (size_t q = 0; q < m; q++)
				ctrl[bin[q]] = 1;
		}
	}
	size_t nc = 0;
	for (size_t j = 0; j < g; j++) {
		if (in_list[j])
			ctrl[j] = 0;
		nc += ctrl[j];
	}
	free(perm);
	free(bin);
	free(cuts);
	free(in_list);
	return nc;
}

/* score[i] = mean of the list's genes - mean of the control genes, in cell i */
static void list_minus_control(double *score, const sc_csr *x, const uint8_t *in_list, size_t nl,
			       const uint8_t *ctrl, size_t nc)
{
	for (size_t i = 0; i < x->rows; i++) {
		double a = 0, b = 0;
		for (int64_t q = x->indptr[i]; q < x->indptr[i + 1]; q++) {
			if (in_list[x->indices[q]])
				a += x->data[q];
			if (ctrl[x->indices[q]])
				b += x->data[q];
		}
		score[i] = a / (double)nl - b / (double)nc;
	}
}

static int score_genes(double *score, const sc_csr *x, const double *cut, const size_t *list,
		       size_t nl, size_t ctrl_size, const char *phase, sc_err *err)
{
	size_t g = x->cols;
	uint8_t *ctrl = sc_xmalloc(g + 1), *in_list = sc_xcalloc(g + 1, 1);
	size_t nc = control_genes(ctrl, cut, g, list, nl, ctrl_size);
	size_t nu = 0;
	for (size_t i = 0; i < nl; i++) {
		nu += !in_list[list[i]];
		in_list[list[i]] = 1;
	}
	int rc = 0;
	if (!nc)
		rc = sc_errf(err, SC_EINVAL, "no control genes for the %s genes' expression bins", phase);
	else
		list_minus_control(score, x, in_list, nu, ctrl, nc);
	free(in_list);
	free(ctrl);
	return rc;
}

int sc_scib_score_cell_cycle(double *s, double *g2m, const sc_csr *x, const sc_scib_cc_genes *g,
			     sc_err *err)
{
	if (!x->rows)
		return sc_errf(err, SC_EINVAL, "no cells to score for the cell cycle");
	double *cut = sc_xmalloc(sizeof(double) * (x->cols + 1));
	size_t ctrl = g->ns < g->ng2m ? g->ns : g->ng2m;
	int rc = expression_cuts(cut, x, 25, err);
	if (!rc)
		rc = score_genes(s, x, cut, g->s, g->ns, ctrl, "S", err);
	if (!rc)
		rc = score_genes(g2m, x, cut, g->g2m, g->ng2m, ctrl, "G2/M", err);
	free(cut);
	return rc;
}

/* ---- PC regression on numeric covariates ---- */

/* Centred covariates (n x p) and the pseudo-inverse of their Gram matrix
 * (p x p, numpy's pinv cut-off: 1e-15 of the largest eigenvalue). */
static void centred_design(double *zc, double *ginv, const double *cov, size_t n, size_t p)
{
	for (size_t k = 0; k < p; k++) {
		double m = 0;
		for (size_t i = 0; i < n; i++)
			m += cov[i * p + k];
		m /= (double)n;
		for (size_t i = 0; i < n; i++)
			zc[i * p + k] = cov[i * p + k] - m;
	}
	double *G = sc_xcalloc(p * p, sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (size_t a = 0; a < p; a++)
			for (size_t b = 0; b < p; b++)
				G[a * p + b] += zc[i * p + a] * zc[i * p + b];
	/* Jacobi rotations: p is tiny (2 for the cell cycle). */
	double *V = sc_xcalloc(p * p, sizeof(double));
	for (size_t a = 0; a < p; a++)
		V[a * p + a] = 1;
	for (int sweep = 0; sweep < 64; sweep++) {
		double off = 0;
		for (size_t a = 0; a < p; a++)
			for (size_t b = a + 1; b < p; b++)
				off += G[a * p + b] * G[a * p + b];
		if (off == 0)
			break;
		for (size_t a = 0; a < p; a++)
			for (size_t b = a + 1; b < p; b++) {
				if (G[a * p + b] == 0)
					continue;
				double th = (G[b * p + b] - G[a * p + a]) / (2 * G[a * p + b]);
				double t = (th >= 0 ? 1 : -1) / (fabs(th) + sqrt(th * th + 1));
				double c = 1 / sqrt(t * t + 1), s = t * c;
				for (size_t k = 0; k < p; k++) {
					double ga = G[k * p + a], gb = G[k * p + b];
					G[k * p + a] = c * ga - s * gb;
					G[k * p + b] = s * ga + c * gb;
				}
				for (size_t k = 0; k < p; k++) {
					double ga = G[a * p + k], gb = G[b * p + k];
					G[a * p + k] = c * ga - s * gb;
					G[b * p + k] = s * ga + c * gb;
				}
				for (size_t k = 0; k < p; k++) {
					double va = V[k * p + a], vb = V[k * p + b];
					V[k * p + a] = c * va - s * vb;
					V[k * p + b] = s * va + c * vb;
				}
			}
	}
	double top = 0;
	for (size_t a = 0; a < p; a++)
		if (fabs(G[a * p + a]) > top)
			top = fabs(G[a * p + a]);
	memset(ginv, 0, sizeof(double) * p * p);
	for (size_t k = 0; k < p; k++) {
		double l = G[k * p + k];
		if (!(l > 1e-15 * top))
			continue;
		for (size_t a = 0; a < p; a++)
			for (size_t b = 0; b < p; b++)
				ginv[a * p + b] += V[a * p + k] * V[b * p + k] / l;
	}
	free(V);
	free(G);
}

/* y^T Zc G^+ Zc^T y given t = Zc^T y */
static double explained(const double *t, const double *ginv, size_t p)
{
	double s = 0;
	for (size_t a = 0; a < p; a++)
		for (size_t b = 0; b < p; b++)
			s += t[a] * ginv[a * p + b] * t[b];
	return s;
}

/* Every component kept: sum over features of the explained over the total
 * sum of squares. */
static double pcr_all(const sc_csr *x, const sc_dmat *d, const double *zc, const double *ginv,
		      size_t p)
{
	size_t n = x ? x->rows : d->rows, f = x ? x->cols : d->cols;
	double *t = sc_xcalloc(f * p + 1, sizeof(double)), *sum = sc_xcalloc(f + 1, sizeof(double));
	double *sq = sc_xcalloc(f + 1, sizeof(double));
	for (size_t i = 0; i < n; i++) {
		const double *z = zc + i * p;
		if (x) {
			for (int64_t q = x->indptr[i]; q < x->indptr[i + 1]; q++) {
				size_t j = (size_t)x->indices[q];
				double v = x->data[q];
				sum[j] += v;
				sq[j] += v * v;
				for (size_t a = 0; a < p; a++)
					t[j * p + a] += z[a] * v;
			}
		} else {
			for (size_t j = 0; j < f; j++) {
				double v = d->v[i * f + j];
				sum[j] += v;
				sq[j] += v * v;
				for (size_t a = 0; a < p; a++)
					t[j * p + a] += z[a] * v;
			}
		}
	}
	double reg = 0, tot = 0;
	for (size_t j = 0; j < f; j++) {
		reg += explained(t + j * p, ginv, p);
		tot += sq[j] - sum[j] * sum[j] / (double)n;
	}
	free(t);
	free(sum);
	free(sq);
	return tot > 0 ? reg / tot : NAN;
}

/* Top components: their R^2 weighted by their variances. */
static int pcr_top(double *out, const sc_csr *x, const sc_dmat *d, const double *zc,
		   const double *ginv, size_t p, size_t k, sc_err *err)
{
	sc_dmat sc = { 0 };
	sc_pca model = { 0 };
	int rc = x ? sc_pca_csr(&sc, &model, x, k, err) : sc_pca_dense(&sc, &model, d, k, err);
	if (rc)
		return rc;
	double wsum = 0, s = 0, *t = sc_xmalloc(sizeof(double) * p);
	for (size_t c = 0; c < sc.cols; c++)
		wsum += model.explained_variance[c];
	for (size_t c = 0; c < sc.cols; c++) {
		double m = 0, sst = 0;
		for (size_t i = 0; i < sc.rows; i++)
			m += SC_AT(&sc, i, c);
		m /= (double)sc.rows;
		memset(t, 0, sizeof(double) * p);
		for (size_t i = 0; i < sc.rows; i++) {
			double y = SC_AT(&sc, i, c) - m;
			sst += y * y;
			for (size_t a = 0; a < p; a++)
				t[a] += zc[i * p + a] * y;
		}
		double r2 = sst > 0 ? explained(t, ginv, p) / sst : NAN;
		s += (r2 > 0 ? r2 : isnan(r2) ? r2 : 0) * (model.explained_variance[c] / wsum);
	}
	*out = s;
	free(t);
	sc_pca_free(&model);
	sc_dmat_free(&sc);
	return 0;
}

int sc_scib_pcr_covariates(double *out, const sc_csr *x, const sc_dmat *d, const double *cov,
			   size_t p, size_t n_comps, sc_err *err)
{
	size_t n = x ? x->rows : d->rows, f = x ? x->cols : d->cols;
	if (n < 2 || !f)
		return sc_errf(err, SC_EINVAL, "PC regression needs 2 cells and a feature, got %zu x %zu",
			       n, f);
	double *zc = sc_xmalloc(sizeof(double) * n * p), *ginv = sc_xmalloc(sizeof(double) * p * p);
	centred_design(zc, ginv, cov, n, p);
	size_t lim = n < f ? n : f;
	int rc = 0;
	if (n_comps >= lim)
		*out = pcr_all(x, d, zc, ginv, p);
	else
		rc = pcr_top(out, x, d, zc, ginv, p, n_comps, err);
	free(zc);
	free(ginv);
	return rc;
}

/* ---- the metric ---- */

static void csr_rows(sc_csr *out, const sc_csr *m, const size_t *rows, size_t n)
{
	size_t nnz = 0;
	for (size_t i = 0; i < n; i++)
		nnz += (size_t)(m->indptr[rows[i] + 1] - m->indptr[rows[i]]);
	sc_csr_alloc(out, n, m->cols, nnz);
	size_t p = 0;
	for (size_t i = 0; i < n; i++) {
		for (int64_t q = m->indptr[rows[i]]; q < m->indptr[rows[i] + 1]; q++) {
			out->indices[p] = m->indices[q];
			out->data[p++] = m->data[q];
		}
		out->indptr[i + 1] = (int64_t)p;
	}
}

static int one_batch(double *before, double *after, const sc_csr *pre, const sc_dmat *emb,
		     const size_t *rows, size_t nb, const sc_scib_cc_genes *g, size_t n_comps,
		     sc_err *err)
{
	sc_csr x = { 0 };
	sc_dmat e = { 0 };
	csr_rows(&x, pre, rows, nb);
	sc_dmat_alloc(&e, nb, emb->cols);
	for (size_t i = 0; i < nb; i++)
		memcpy(e.v + i * e.cols, emb->v + rows[i] * emb->cols, sizeof(double) * e.cols);
	double *cov = sc_xmalloc(sizeof(double) * 2 * nb + 1), *s = sc_xmalloc(sizeof(double) * nb + 1);
	double *g2m = sc_xmalloc(sizeof(double) * nb + 1);
	int rc = sc_scib_score_cell_cycle(s, g2m, &x, g, err);
	if (!rc) {
		for (size_t i = 0; i < nb; i++) {
			cov[2 * i] = s[i];
			cov[2 * i + 1] = g2m[i];
		}
		rc = sc_scib_pcr_covariates(before, &x, NULL, cov, 2, n_comps, err);
	}
	if (!rc)
		rc = sc_scib_pcr_covariates(after, NULL, &e, cov, 2, n_comps, err);
	free(g2m);
	free(s);
	free(cov);
	sc_dmat_free(&e);
	sc_csr_free(&x);
	return rc;
}

int sc_scib_cell_cycle(sc_scib_cc_result *out, const sc_csr *pre, const sc_dmat *emb,
		       const sc_labels *batches, const sc_scib_cc_genes *g, size_t n_comps,
		       sc_scib_why *why, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	out->score = NAN;
	sc_scib_why_clear(why);
	if (pre->rows != emb->rows)
		return sc_errf(err, SC_EINVAL, "expression has %zu cells, the embedding %zu", pre->rows,
			       emb->rows);
	sc_scib_cats b = { 0 };
	int rc = sc_scib_cats_init(&b, batches, emb->rows, "batches", err);
	if (rc)
		return rc;
	out->k = b.k;
	out->before = sc_xmalloc(sizeof(double) * (b.k + 1));
	out->after = sc_xmalloc(sizeof(double) * (b.k + 1));
	out->batch_score = sc_xmalloc(sizeof(double) * (b.k + 1));
	size_t *rows = sc_xmalloc(sizeof(size_t) * (emb->rows + 1));
	double sum = 0;
	size_t used = 0;
	for (size_t k = 0; k < b.k && !rc; k++) {
		size_t nb = 0;
		for (size_t i = 0; i < emb->rows; i++)
			if ((size_t)b.code[i] == k)
				rows[nb++] = i;
		double bef = NAN, aft = NAN, s = NAN;
		sc_err e1 = { 0 };
		if (one_batch(&bef, &aft, pre, emb, rows, nb, g, n_comps, &e1)) {
			if (why && !why->msg[0])
				snprintf(why->msg, sizeof(why->msg), "batch '%.60s': %.180s",
					 batches->names[b.orig[k]], e1.msg);
		} else {
			s = 1 - fabs(aft - bef) / bef;
			if (s < 0)
				s = 0;
		}
		out->before[k] = bef;
		out->after[k] = aft;
		out->batch_score[k] = s;
		if (!isnan(s)) {
			sum += s;
			used++;
		}
	}
	if (used)
		out->score = sum / (double)used;
	else if (why && !why->msg[0])
		snprintf(why->msg, sizeof(why->msg), "no batch could be scored");
	free(rows);
	sc_scib_cats_free(&b);
	return rc;
}

void sc_scib_cc_result_free(sc_scib_cc_result *r)
{
	if (!r)
		return;
	free(r->before);
	free(r->after);
	free(r->batch_score);
	memset(r, 0, sizeof(*r));
}
