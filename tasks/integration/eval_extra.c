/*
 * tasks/integration/eval_extra.c - the scIB metrics of integration.eval that
 * need more than an embedding, labels and batches: cell-cycle conservation
 * (the dataset's expression and a cell-cycle gene table), HVG overlap (a
 * method's corrected features); trajectory conservation, which needs only
 * the graph and a pseudotime, is the suite's. Each is computed only when
 * its inputs are given; otherwise it
 * is reported as NaN with the reason, so a table always has the column.
 */
#include "integration.h"
#include "io/h5ad.h"
#include "io/npy.h"
#include "tasks/core/preprocess.h"
#include "tasks/rep.h"
#include "tasks/scib/cellcycle.h"
#include "tasks/scib/hvg_overlap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* log1p(normalize_total(counts, 1e4)) of the kept rows: scib's adata_pre. */
static int lognorm_rows(sc_csr *out, sc_h5ad *h, const char *counts, const size_t *rows, size_t n,
			sc_err *err)
{
	sc_csr m = { 0 };
	int rc = sc_rep_read_counts(&m, h, counts, err);
	if (rc)
		return rc;
	csr_rows(out, &m, rows, n);
	sc_csr_free(&m);
	if ((rc = sc_normalize_total_csr(out, 1e4, err)))
		return rc;
	sc_log1p_csr(out);
	return 0;
}

static int cell_cycle(double *out, sc_step_ctx *c, sc_h5ad *h, const size_t *rows, size_t n,
		      const sc_dmat *emb, const sc_labels *bat)
{
	*out = NAN;
	const char *genes = sc_step_input(c, "cc_genes");
	if (!genes) {
		sc_step_metric(c, SC_M_CELL_CYCLE, NAN, 1,
			       "undefined: no cell-cycle gene table given (option cell_cycle_genes)");
		return 0;
	}
	char **var = NULL;
	size_t nvar = 0;
	sc_csr pre = { 0 };
	sc_scib_cc_genes g = { 0 };
	sc_scib_cc_result r = { 0 };
	sc_scib_why why = { { 0 } };
	int rc;
	if ((rc = sc_rep_gene_ids(&var, &nvar, h, NULL, c->err)) ||
	    (rc = sc_scib_cc_genes_read(&g, genes, var, nvar, c->err)) ||
	    (rc = lognorm_rows(&pre, h, sc_step_str(c, "counts", "X"), rows, n, c->err)) ||
	    (rc = sc_scib_cell_cycle(&r, &pre, emb, bat, &g, 50, &why, c->err)))
		goto out;
	char detail[512];
	int o = snprintf(detail, sizeof(detail), "%zu S and %zu G2/M genes (by %s); per batch:", g.ns,
			 g.ng2m, g.s_by_id ? "gene_id" : "gene_name");
	for (size_t k = 0; k < r.k && o > 0 && (size_t)o < sizeof(detail); k++)
		o += snprintf(detail + o, sizeof(detail) - (size_t)o, " %.4g->%.4g", r.before[k],
			      r.after[k]);
	if (isnan(r.score) && why.msg[0])
		snprintf(detail, sizeof(detail), "undefined: %s", why.msg);
	sc_step_metric(c, SC_M_CELL_CYCLE, r.score, 1, detail);
	*out = r.score;
out:
	sc_scib_cc_result_free(&r);
	sc_scib_cc_genes_free(&g);
	sc_csr_free(&pre);
	sc_h5ad_strings_free(var, nvar);
	return rc;
}

/* The method's corrected features (X of its output, with var names), or
 * nothing (*nvar 0) when it gives only an embedding. */
static int corrected_features(sc_csr *out, char ***var, size_t *nvar, const char *path,
			      const size_t *rows, size_t n, sc_err *err)
{
	*nvar = 0;
	if (!path || sc_npy_is(path))
		return 0;
	sc_h5ad *h = NULL;
	size_t n_obs = 0, n_vars = 0;
	sc_csr m = { 0 };
	int rc = sc_h5ad_open(&h, path, err);
	if (!rc)
		sc_h5ad_shape(h, &n_obs, &n_vars);
	if (!rc && n_vars && !(rc = sc_h5ad_read_index(var, nvar, h, "var", err)) &&
	    !(rc = sc_h5ad_read_csr(&m, h, "X", 0, err))) {
		csr_rows(out, &m, rows, n);
		sc_csr_free(&m);
	}
	sc_h5ad_close(h);
	return rc;
}

static int hvg_overlap(double *out, sc_step_ctx *c, sc_h5ad *h, const size_t *rows, size_t n,
		       const sc_labels *bat)
{
	*out = NAN;
	char **var = NULL, **fvar = NULL;
	size_t nvar = 0, nf = 0;
	sc_csr pre = { 0 }, post = { 0 };
	sc_scib_why why = { { 0 } };
	const char *pe = sc_step_input(c, "embedding"), *pd = sc_step_input(c, "data");
	/* a 'given' embedding is in the dataset itself, whose X is not corrected */
	int rc = pe && pd && strcmp(pe, pd)
			 ? corrected_features(&post, &fvar, &nf, pe, rows, n, c->err)
			 : 0;
	if (rc || !nf) {
		if (!rc)
			sc_step_metric(c, SC_M_HVG, NAN, 1,
				       "undefined: the method gives an embedding, not corrected features");
		goto out;
	}
	if ((rc = sc_rep_gene_ids(&var, &nvar, h, NULL, c->err)) ||
	    (rc = lognorm_rows(&pre, h, sc_step_str(c, "counts", "X"), rows, n, c->err)) ||
	    (rc = sc_scib_hvg_overlap(out, &pre, var, nvar, &post, fvar, nf, bat, 500, &why, c->err)))
		goto out;
	char detail[320];
	if (isnan(*out))
		snprintf(detail, sizeof(detail), "undefined: %s", why.msg);
	else
		snprintf(detail, sizeof(detail), "%zu corrected features, up to 500 HVGs per batch", nf);
	sc_step_metric(c, SC_M_HVG, *out, 1, detail);
out:
	sc_csr_free(&pre);
	sc_csr_free(&post);
	sc_h5ad_strings_free(var, nvar);
	sc_h5ad_strings_free(fvar, nf);
	return rc;
}

int sc_integration_eval_extra(sc_step_ctx *c, const size_t *rows, size_t n,
			      const sc_dmat *emb, const sc_labels *lab, const sc_labels *bat,
			      double *agg_v, sc_scib_class *agg_c, size_t *nagg)
{
	(void)lab;
	if (!sc_step_str(c, "batch_key", NULL) || sc_step_bool(c, "graph_only", 0))
		return 0; /* these compare batches, on the task's embedding */
	double v;
	sc_h5ad *h = NULL;
	int rc = sc_h5ad_open(&h, sc_step_input(c, "data"), c->err);
	if (!rc)
		rc = cell_cycle(&v, c, h, rows, n, emb, bat);
	if (!rc) {
		agg_v[*nagg] = v;
		agg_c[(*nagg)++] = SC_SCIB_BIO;
		rc = hvg_overlap(&v, c, h, rows, n, bat);
	}
	if (!rc) {
		agg_v[*nagg] = v;
		agg_c[(*nagg)++] = SC_SCIB_BIO;
	}
	sc_h5ad_close(h);
	return rc;
}
