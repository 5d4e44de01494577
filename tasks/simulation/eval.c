/*
 * eval.c - simulation.eval (eval.h): one streaming pass over each file
 * for the distribution summaries, then a seeded sample of at most
 * max_cells cells per source for the correlation structure and the joint
 * embedding. The KS table (statistic x group) and the joint embedding
 * (source, cell type, fold, PCs) are written so that every number can be
 * recomputed outside sceval.
 */
#include "tasks/simulation/eval.h"
#include "tasks/simulation/fidelity.h"
#include "tasks/simulation/indist.h"
#include "tasks/simulation/simulation.h"
#include "tasks/core/pca.h"
#include "tasks/core/rng.h"
#include "io/h5ad.h"
#include "util/buf.h"
#include "util/fs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_KS 6
static const char *const ks_names[N_KS] = { "gene_mean", "gene_var", "gene_cv",
					    "gene_zero", "cell_libsize", "cell_zero" };
/* The joint embedding's genes: the most variable real genes, at most this many. */
#define JOINT_GENES 2000
#define SAMPLE_STREAM 0x5a3d1e0000000000ULL

/* The six KS statistics of group grp (0 all, 1 + t type t). */
static void ks_group(double *out, const sc_sim_summary *a, const sc_sim_summary *b, size_t grp)
{
	size_t G = a->genes;
	double *x = sc_xmalloc(G * sizeof(double)), *y = sc_xmalloc(G * sizeof(double));
	for (int k = 0; k < SC_SIM_GENE_NSTATS; k++) {
		sc_sim_gene_stat(x, a, grp, k);
		sc_sim_gene_stat(y, b, grp, k);
		out[k] = sc_sim_ks(x, G, y, b->genes);
	}
	free(x);
	free(y);
	/* Cell statistics of the group's cells. */
	for (int k = 0; k < 2; k++) {
		const double *va = k ? a->zero : a->lib, *vb = k ? b->zero : b->lib;
		double *p = sc_xmalloc((a->n ? a->n : 1) * sizeof(double));
		double *q = sc_xmalloc((b->n ? b->n : 1) * sizeof(double));
		size_t np = 0, nq = 0;
		for (size_t i = 0; i < a->n; i++)
			if (!grp || a->type[i] == (int32_t)grp - 1)
				p[np++] = va[i];
		for (size_t i = 0; i < b->n; i++)
			if (!grp || b->type[i] == (int32_t)grp - 1)
				q[nq++] = vb[i];
		out[4 + k] = sc_sim_ks(p, np, q, nq);
		free(p);
		free(q);
	}
}

/* Sim's categories mapped onto the real ones by name (new names appended). */
static int32_t *map_types(sc_labels *real, const sc_labels *sim)
{
	int32_t *codes = sc_xmalloc((sim->n ? sim->n : 1) * sizeof(int32_t));
	int32_t *map = sc_xmalloc((sim->ncat ? sim->ncat : 1) * sizeof(int32_t));
	for (size_t k = 0; k < sim->ncat; k++) {
		size_t j;
		for (j = 0; j < real->ncat; j++)
			if (!strcmp(real->names[j], sim->names[k]))
				break;
		if (j == real->ncat) {
			real->names = sc_xrealloc(real->names, (real->ncat + 1) * sizeof(char *));
			real->names[real->ncat++] = sc_xstrdup(sim->names[k]);
		}
		map[k] = (int32_t)j;
	}
	for (size_t i = 0; i < sim->n; i++)
		codes[i] = sim->codes[i] >= 0 ? map[sim->codes[i]] : -1;
	free(map);
	return codes;
}

/* A seeded sample of m of n rows, ascending. */
static size_t *sample_rows(size_t n, size_t m, uint64_t seed, uint64_t stream)
{
	size_t *all = sc_xmalloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		all[i] = i;
	if (m < n) {
		sc_rng r;
		sc_rng_stream(&r, seed, SAMPLE_STREAM | stream);
		for (size_t i = 0; i < m; i++) {
			size_t j = i + (size_t)sc_rng_below(&r, n - i), t = all[i];
			all[i] = all[j];
			all[j] = t;
		}
		for (size_t i = 1; i < m; i++) /* insertion sort of the sample */
			for (size_t j = i; j > 0 && all[j - 1] > all[j]; j--) {
				size_t t = all[j];
				all[j] = all[j - 1];
				all[j - 1] = t;
			}
	}
	return all;
}

/* Raw counts of the listed rows (ascending) over the listed genes: out is
 * m x F; lib gets each row's total over all genes. */
static int read_rows_genes(sc_dmat *out, double *lib, sc_h5ad *h, const char *counts,
			   const size_t *rows, size_t m, const int32_t *gene_pos, size_t F,
			   sc_err *err)
{
	size_t n, G;
	sc_h5ad_shape(h, &n, &G);
	sc_dmat_alloc(out, m, F);
	size_t next = 0;
	int rc = 0;
	for (size_t r0 = 0; r0 < n && next < m && !rc; r0 += 4096) {
		size_t r1 = r0 + 4096 < n ? r0 + 4096 : n;
		if (rows[next] >= r1)
			continue;
		sc_csr b;
		if ((rc = sc_h5ad_read_rows(&b, h, counts, r0, r1, SC_H5AD_COUNTS, err)))
			break;
		while (next < m && rows[next] < r1) {
			size_t i = rows[next] - r0;
			double L = 0;
			for (int64_t k = b.indptr[i]; k < b.indptr[i + 1]; k++) {
				L += b.data[k];
				int32_t p = gene_pos[b.indices[k]];
				if (p >= 0)
					SC_AT(out, next, p) = b.data[k];
			}
			lib[next++] = L;
		}
		sc_csr_free(&b);
	}
	return rc;
}

typedef struct sample {
	size_t m;
	size_t *rows;
	sc_dmat x; /* m x F raw counts */
	double *lib;
} sample;

static void sample_free(sample *s)
{
	free(s->rows);
	free(s->lib);
	sc_dmat_free(&s->x);
}

static int take_sample(sample *s, sc_h5ad *h, const char *counts, size_t n, size_t max_cells,
		       const int32_t *gene_pos, size_t F, uint64_t seed, uint64_t stream, sc_err *err)
{
	s->m = n < max_cells ? n : max_cells;
	s->rows = sample_rows(n, s->m, seed, stream);
	s->lib = sc_xmalloc((s->m ? s->m : 1) * sizeof(double));
	return read_rows_genes(&s->x, s->lib, h, counts, s->rows, s->m, gene_pos, F, err);
}

/* Spearman matrices over the first k of the F genes, their distance. */
static void corr_metrics(sc_step_ctx *c, const sample *a, const sample *b, size_t k, size_t F)
{
	double *xa = sc_xmalloc(a->m * k * sizeof(double)), *xb = sc_xmalloc(b->m * k * sizeof(double));
	for (size_t i = 0; i < a->m; i++)
		memcpy(xa + i * k, a->x.v + i * F, k * sizeof(double));
	for (size_t i = 0; i < b->m; i++)
		memcpy(xb + i * k, b->x.v + i * F, k * sizeof(double));
	double *A = sc_xmalloc(k * k * sizeof(double)), *B = sc_xmalloc(k * k * sizeof(double));
	sc_sim_spearman(A, xa, a->m, k);
	sc_sim_spearman(B, xb, b->m, k);
	double mad, frob;
	sc_sim_corr_distance(&mad, &frob, A, B, k);
	char det[96];
	snprintf(det, sizeof(det), "%zu genes, %zu real and %zu simulated cells", k, a->m, b->m);
	sc_step_metric(c, "corr_mad", mad, 0, det);
	sc_step_metric(c, "corr_rel_frobenius", frob, 0, det);
	free(xa);
	free(xb);
	free(A);
	free(B);
}

/* log1p(CP10k) of both samples stacked, PCA. */
static int joint_pca(sc_dmat *pcs, const sample *a, const sample *b, size_t F, size_t ncomp,
		     sc_err *err)
{
	sc_dmat x;
	sc_dmat_alloc(&x, a->m + b->m, F);
	for (int s = 0; s < 2; s++) {
		const sample *p = s ? b : a;
		size_t off = s ? a->m : 0;
		for (size_t i = 0; i < p->m; i++)
			for (size_t j = 0; j < F; j++) {
				double v = SC_AT(&p->x, i, j);
				SC_AT(&x, off + i, j) = v > 0 ? log1p(v / p->lib[i] * 1e4) : 0;
			}
	}
	size_t cap = (x.rows < F ? x.rows : F) - 1;
	int rc = sc_pca_dense(pcs, NULL, &x, ncomp < cap ? ncomp : cap, err);
	sc_dmat_free(&x);
	return rc;
}

static int write_ks(sc_step_ctx *c, const double *ks, char *const *names, size_t T)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_printf(&b, "statistic,all");
	for (size_t t = 0; t < T; t++)
		sc_buf_printf(&b, ",\"%s\"", names[t]);
	sc_buf_printf(&b, "\n");
	for (int k = 0; k < N_KS; k++) {
		sc_buf_printf(&b, "%s", ks_names[k]);
		for (size_t g = 0; g <= T; g++)
			sc_buf_printf(&b, ",%.17g", ks[g * N_KS + k]);
		sc_buf_printf(&b, "\n");
	}
	char *path = sc_step_out(c, SC_SIM_OUT_KS);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	sc_buf_free(&b);
	return rc;
}

static int write_joint(sc_step_ctx *c, const sc_dmat *pcs, const int32_t *source,
		       const int32_t *type, const int32_t *fold)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_printf(&b, "source,type,fold");
	for (size_t j = 0; j < pcs->cols; j++)
		sc_buf_printf(&b, ",PC%zu", j + 1);
	sc_buf_printf(&b, "\n");
	for (size_t i = 0; i < pcs->rows; i++) {
		sc_buf_printf(&b, "%d,%d,%d", source[i], type[i], fold[i]);
		for (size_t j = 0; j < pcs->cols; j++)
			sc_buf_printf(&b, ",%.17g", SC_AT(pcs, i, j));
		sc_buf_printf(&b, "\n");
	}
	char *path = sc_step_out(c, SC_SIM_OUT_JOINT);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	sc_buf_free(&b);
	return rc;
}

static void distribution_metrics(sc_step_ctx *c, double *ks, const sc_sim_summary *a,
				 const sc_sim_summary *b, size_t T)
{
	for (size_t g = 0; g <= T; g++)
		ks_group(ks + g * N_KS, a, b, g);
	double s = 0;
	for (int k = 0; k < N_KS; k++) {
		char name[32];
		snprintf(name, sizeof(name), "ks_%s", ks_names[k]);
		sc_step_metric(c, name, ks[k], 0, NULL);
		s += ks[k];
	}
	sc_step_metric(c, "ks_mean", s / N_KS, 0, NULL);
	double st = 0, nt = 0;
	for (size_t g = 1; g <= T; g++)
		for (int k = 0; k < N_KS; k++)
			if (!isnan(ks[g * N_KS + k])) {
				st += ks[g * N_KS + k];
				nt++;
			}
	sc_step_metric(c, "ks_celltype_mean", nt ? st / nt : NAN, 0,
		       nt ? NULL : "no cell type with cells on both sides");
	/* The curves, over all cells. */
	size_t G = a->genes;
	double *ma = sc_xmalloc(G * sizeof(double)), *mb = sc_xmalloc(G * sizeof(double));
	double *ya = sc_xmalloc(G * sizeof(double)), *yb = sc_xmalloc(G * sizeof(double));
	sc_sim_gene_stat(ma, a, 0, SC_SIM_GENE_MEAN);
	sc_sim_gene_stat(mb, b, 0, SC_SIM_GENE_MEAN);
	sc_sim_gene_stat(ya, a, 0, SC_SIM_GENE_VAR);
	sc_sim_gene_stat(yb, b, 0, SC_SIM_GENE_VAR);
	for (size_t g = 0; g < G; g++) {
		ya[g] = ya[g] > 0 ? log10(ya[g]) : NAN;
		yb[g] = yb[g] > 0 ? log10(yb[g]) : NAN;
	}
	sc_step_metric(c, "mean_var_mad", sc_sim_curve_mad(ma, ya, G, mb, yb, G, SC_SIM_CURVE_BINS),
		       0, NULL);
	sc_sim_gene_stat(ya, a, 0, SC_SIM_GENE_ZERO);
	sc_sim_gene_stat(yb, b, 0, SC_SIM_GENE_ZERO);
	sc_step_metric(c, "mean_zero_mad", sc_sim_curve_mad(ma, ya, G, mb, yb, G, SC_SIM_CURVE_BINS),
		       0, NULL);
	free(ma);
	free(mb);
	free(ya);
	free(yb);
}

/* The genes (real var names) must be the same in both files. */
static int check_genes(sc_h5ad *hr, sc_h5ad *hs, const char *sim, sc_err *err)
{
	char **a = NULL, **b = NULL;
	size_t na = 0, nb = 0;
	int rc = sc_h5ad_read_index(&a, &na, hr, "var", err);
	if (!rc)
		rc = sc_h5ad_read_index(&b, &nb, hs, "var", err);
	if (!rc && na != nb)
		rc = sc_errf(err, SC_EINVAL, "simulated file '%s' has %zu genes, the real data %zu",
			     sim, nb, na);
	for (size_t g = 0; !rc && g < na; g++)
		if (strcmp(a[g], b[g]))
			rc = sc_errf(err, SC_EINVAL,
				     "simulated file '%s': gene %zu is '%s', the real data's is '%s'",
				     sim, g, b[g], a[g]);
	sc_h5ad_strings_free(a, na);
	sc_h5ad_strings_free(b, nb);
	return rc;
}

static int embedding_metrics(sc_step_ctx *c, sc_h5ad *hr, sc_h5ad *hs, const sc_sim_summary *a,
			     const sc_sim_summary *b, const int32_t *rtype, const int32_t *stype,
			     size_t T, char *const *tnames, const double *ks,
			     const sc_sim_eval_opts *o)
{
	size_t G = a->genes, F = G < JOINT_GENES ? G : JOINT_GENES;
	size_t *rank = sc_xmalloc(G * sizeof(size_t));
	for (size_t g = 0; g < G; g++)
		rank[g] = g;
	/* Most variable real genes first (ties: lower index). */
	for (size_t i = 1; i < G; i++)
		for (size_t j = i; j > 0 && (a->lnvar[rank[j - 1]] < a->lnvar[rank[j]]); j--) {
			size_t t = rank[j];
			rank[j] = rank[j - 1];
			rank[j - 1] = t;
		}
	int32_t *pos = sc_xmalloc(G * sizeof(int32_t));
	for (size_t g = 0; g < G; g++)
		pos[g] = -1;
	for (size_t j = 0; j < F; j++)
		pos[rank[j]] = (int32_t)j;
	sample sa = { 0 }, sb = { 0 };
	sc_dmat pcs = { 0 };
	sc_sim_indist ind = { 0 };
	int32_t *source = NULL, *type = NULL;
	int rc = take_sample(&sa, hr, o->counts, a->n, o->max_cells, pos, F, o->seed, 0, c->err);
	if (!rc)
		rc = take_sample(&sb, hs, o->sim_counts, b->n, o->max_cells, pos, F, o->seed, 1, c->err);
	if (rc)
		goto out;
	size_t k = o->corr_genes < F ? o->corr_genes : F;
	corr_metrics(c, &sa, &sb, k, F);
	if ((rc = joint_pca(&pcs, &sa, &sb, F, o->n_comps, c->err)))
		goto out;
	size_t n = pcs.rows;
	source = sc_xmalloc(n * sizeof(int32_t));
	type = sc_xmalloc(n * sizeof(int32_t));
	for (size_t i = 0; i < n; i++) {
		source[i] = i >= sa.m;
		type[i] = i < sa.m ? rtype[sa.rows[i]] : stype[sb.rows[i - sa.m]];
	}
	if ((rc = sc_sim_indist_compute(&ind, &pcs, source, type, T, o->folds, SC_SIM_LISI_K,
					o->seed, c->err)))
		goto out;
	char det[64];
	snprintf(det, sizeof(det), "%zu-fold, %zu PCs", o->folds, pcs.cols);
	sc_step_metric(c, "auroc_logreg", ind.auroc_logreg, 0, det);
	sc_step_metric(c, "auroc_knn", ind.auroc_knn, 0, det);
	sc_step_metric(c, "ilisi", ind.ilisi, 1, NULL);
	sc_step_metric(c, "celltype_acc_real_to_sim", ind.acc_real_to_sim, 1, NULL);
	sc_step_metric(c, "celltype_f1_real_to_sim", ind.f1_real_to_sim, 1, NULL);
	sc_step_metric(c, "celltype_acc_sim_to_real", ind.acc_sim_to_real, 1, NULL);
	sc_step_metric(c, "celltype_f1_sim_to_real", ind.f1_sim_to_real, 1, NULL);
	if (!(rc = write_joint(c, &pcs, source, type, ind.fold)))
		rc = sc_sim_figures(c, a, b, ks, tnames, T, pcs.v, n, pcs.cols, source);
out:
	sample_free(&sa);
	sample_free(&sb);
	sc_dmat_free(&pcs);
	sc_sim_indist_free(&ind);
	free(source);
	free(type);
	free(rank);
	free(pos);
	return rc;
}

int sc_sim_eval_run(sc_step_ctx *c, const char *real, const char *sim, const sc_sim_eval_opts *o)
{
	sc_h5ad *hr = NULL, *hs = NULL;
	sc_labels lr = { 0 }, ls = { 0 };
	sc_sim_summary a = { 0 }, b = { 0 };
	int32_t *stype = NULL;
	double *ks = NULL;
	int rc = sc_h5ad_open(&hr, real, c->err);
	if (!rc)
		rc = sc_h5ad_open(&hs, sim, c->err);
	if (!rc)
		rc = check_genes(hr, hs, sim, c->err);
	if (!rc)
		rc = sc_h5ad_read_labels(&lr, hr, "obs", o->type_key, c->err);
	if (!rc)
		rc = sc_h5ad_read_labels(&ls, hs, "obs", o->type_key, c->err);
	if (rc)
		goto out;
	stype = map_types(&lr, &ls);
	size_t T = lr.ncat;
	if ((rc = sc_sim_summarize(&a, hr, o->counts, lr.codes, T, c->err)) ||
	    (rc = sc_sim_summarize(&b, hs, o->sim_counts, stype, T, c->err)))
		goto out;
	ks = sc_xmalloc((T + 1) * N_KS * sizeof(double));
	distribution_metrics(c, ks, &a, &b, T);
	if ((rc = write_ks(c, ks, lr.names, T)))
		goto out;
	rc = embedding_metrics(c, hr, hs, &a, &b, lr.codes, stype, T, lr.names, ks, o);
out:
	sc_h5ad_close(hr);
	sc_h5ad_close(hs);
	sc_labels_free(&lr);
	sc_labels_free(&ls);
	sc_sim_summary_free(&a);
	sc_sim_summary_free(&b);
	free(stype);
	free(ks);
	return rc;
}
