/*
 * tasks/imputation/spatial_eval.c - the step imputation.spatial_eval: each
 * held-out gene's predicted profile scored against the measured one across
 * spots, as Tangram's compare_spatial_geneexp (cosine, with the measured
 * gene's sparsity beside it) and the scEval study's
 * evaluation_imputation_spatial (Pearson, Spearman, share of genes with a
 * Pearson p-value below 0.005). Writes the per-gene table and the figures.
 */
#include "imputation.h"
#include "io/h5ad.h"
#include "util/buf.h"
#include "util/fs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The study's significance threshold for a gene's Pearson correlation. */
#define PEARSON_ALPHA 0.005

static int read_predicted(sc_step_ctx *c, sc_dmat *out, const char *path, const sc_imp_pair *p)
{
	sc_h5ad *h = NULL;
	int rc = sc_h5ad_open(&h, path, c->err);
	if (!rc)
		rc = sc_h5ad_read_dense(out, h, "X", 0, c->err);
	sc_h5ad_close(h);
	if (!rc && (out->rows != p->n_spots || out->cols != p->n_test))
		rc = sc_errf(c->err, SC_EINVAL, "%s: %zu x %zu predictions for %zu spots x %zu genes",
			     sc_path_basename(path), out->rows, out->cols, p->n_spots, p->n_test);
	return rc;
}

/* dst gets src's columns appended (both have dst->rows rows). */
static void append_cols(sc_dmat *dst, const sc_dmat *src)
{
	sc_dmat m;
	sc_dmat_alloc(&m, dst->rows, dst->cols + src->cols);
	for (size_t i = 0; i < m.rows; i++) {
		memcpy(m.v + i * m.cols, dst->v + i * dst->cols, dst->cols * sizeof(double));
		memcpy(m.v + i * m.cols + dst->cols, src->v + i * src->cols, src->cols * sizeof(double));
	}
	sc_dmat_free(dst);
	*dst = m;
}

/* One fold's genes table and predictions (roles ROLE, or ROLE.f with folds). */
static int load_fold(sc_step_ctx *c, sc_imp_pair *p, sc_dmat *pred, size_t f, int folded,
		     const char *psp, const char *pref)
{
	char *rg = folded ? sc_xasprintf("genes.%zu", f) : sc_xstrdup("genes");
	char *rp = folded ? sc_xasprintf("predicted.%zu", f) : sc_xstrdup("predicted");
	const char *pg = sc_step_need(c, rg), *pp = sc_step_need(c, rp);
	free(rg);
	free(rp);
	if (!pg || !pp)
		return c->err->code;
	int rc = sc_imp_pair_load(p, psp, pref, pg, sc_step_bool(c, "normalize", 1), c->err);
	if (!rc && (rc = read_predicted(c, pred, pp, p)))
		sc_imp_pair_free(p);
	return rc;
}

/* The held-out genes of every fold (leave-one-out: param folds > 0), each
 * measured under its own fold's normalisation, side by side in p and pred. */
static int load_folds(sc_step_ctx *c, sc_imp_pair *p, sc_dmat *pred, const char *psp,
		      const char *pref)
{
	json_int_t nf = json_integer_value(json_object_get(c->params, "folds"));
	int rc = load_fold(c, p, pred, 0, nf > 0, psp, pref);
	for (size_t f = 1; !rc && f < (size_t)nf; f++) {
		sc_imp_pair q;
		sc_dmat qp = { 0 };
		if ((rc = load_fold(c, &q, &qp, f, 1, psp, pref)))
			break;
		append_cols(&p->sp_test, &q.sp_test);
		append_cols(&p->ref_test, &q.ref_test);
		append_cols(pred, &qp);
		p->test_names = sc_xrealloc(p->test_names, (p->n_test + q.n_test) * sizeof(char *));
		for (size_t j = 0; j < q.n_test; j++) {
			p->test_names[p->n_test++] = q.test_names[j];
			q.test_names[j] = NULL;
		}
		sc_dmat_free(&qp);
		sc_imp_pair_free(&q);
	}
	if (rc) {
		sc_imp_pair_free(p);
		sc_dmat_free(pred);
	}
	return rc;
}

static int write_scores(sc_step_ctx *c, const sc_imp_pair *p, const sc_imp_gene_score *s,
			const double *sparsity_sc)
{
	sc_buf b;
	sc_buf_init(&b);
	sc_buf_puts(&b, "gene\t" SC_IMP_SPARSITY_PREFIX "_sp\t" SC_IMP_SPARSITY_PREFIX "_sc\tcosine\tpearson\tpearson_p\tspearman\n");
	for (size_t j = 0; j < p->n_test; j++)
		sc_buf_printf(&b, "%s\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n", p->test_names[j],
			      s[j].sparsity, sparsity_sc[j], s[j].cosine, s[j].pearson, s[j].pearson_p,
			      s[j].spearman);
	char *path = sc_step_out(c, SC_IMP_GENE_SCORES_FILE);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	sc_buf_free(&b);
	return rc;
}

/* name_mean and name_median of one score over the genes where it is defined. */
static void emit_summary(sc_step_ctx *c, const char *name, const double *v, size_t n,
			 const char *what)
{
	double *tmp = sc_xmalloc((n ? n : 1) * sizeof(double));
	double sum = 0;
	size_t k = 0;
	for (size_t j = 0; j < n; j++)
		if (isfinite(v[j])) {
			sum += v[j];
			tmp[k++] = v[j];
		}
	char *m = sc_xasprintf("%s_mean", name), *md = sc_xasprintf("%s_median", name);
	char *d = sc_xasprintf("%s per held-out gene across spots; over the %zu of %zu genes where it "
			       "is defined", what, k, n);
	sc_step_metric(c, m, k ? sum / (double)k : NAN, 1, d);
	sc_step_metric(c, md, sc_imp_median(tmp, k), 1, d);
	free(m);
	free(md);
	free(d);
	free(tmp);
}

static int imputation_spatial_eval(sc_step_ctx *c)
{
	const char *psp = sc_step_need(c, "spatial"), *pref = sc_step_need(c, "reference");
	if (!psp || !pref)
		return c->err->code;
	sc_imp_pair p;
	sc_dmat pred = { 0 }, xy = { 0 };
	int rc = load_folds(c, &p, &pred, psp, pref);
	if (rc)
		return rc;
	size_t nt = p.n_test;
	sc_imp_gene_score *s = sc_xcalloc(nt ? nt : 1, sizeof(*s));
	double *col = sc_xmalloc(4 * (nt ? nt : 1) * sizeof(double));
	double *cos = col, *pr = col + nt, *sp = col + 2 * nt, *ssc = col + 3 * nt;
	if ((rc = sc_imp_coords(&xy, psp, c->err)))
		goto out;
	size_t significant = 0, tested = 0;
	for (size_t j = 0; j < nt; j++) {
		sc_imp_score_gene(&s[j], pred.v + j, p.sp_test.v + j, p.n_spots, nt, nt);
		cos[j] = s[j].cosine;
		pr[j] = s[j].pearson;
		sp[j] = s[j].spearman;
		size_t z = 0;
		for (size_t i = 0; i < p.n_cells; i++)
			z += p.ref_test.v[i * nt + j] == 0;
		ssc[j] = p.n_cells ? (double)z / (double)p.n_cells : NAN;
		if (!isnan(s[j].pearson_p)) {
			tested++;
			significant += s[j].pearson_p < PEARSON_ALPHA;
		}
	}
	emit_summary(c, "cosine", cos, nt, "cosine similarity (Tangram's score)");
	emit_summary(c, "pearson", pr, nt, "Pearson correlation");
	emit_summary(c, "spearman", sp, nt, "Spearman correlation");
	char *d = sc_xasprintf("share of the %zu held-out genes with a defined Pearson r (of %zu) whose "
			       "two-sided p-value is below 0.005", tested, nt);
	sc_step_metric(c, "pearson_significant", tested ? (double)significant / (double)tested : NAN, 1, d);
	free(d);
	if ((rc = write_scores(c, &p, s, ssc)))
		goto out;
	rc = sc_imp_spatial_figures(c, &p, &pred, &xy, s);
out:
	free(s);
	free(col);
	sc_dmat_free(&pred);
	sc_dmat_free(&xy);
	sc_imp_pair_free(&p);
	return rc;
}

const sc_step_kind sc_imputation_spatial_eval_kind = {
	.name = "imputation.spatial_eval",
	.version = "1",
	.run = imputation_spatial_eval,
	.summary = "score each held-out gene across spots: cosine, Pearson, Spearman, sparsity",
};
