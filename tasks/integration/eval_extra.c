/*
 * tasks/integration/eval_extra.c - the scIB metrics of integration.eval that
 * need more than an embedding, labels and batches: cell-cycle conservation
 * (the dataset's expression and a cell-cycle gene table), HVG overlap (a
 * method's corrected features), trajectory conservation (a pseudotime
 * column). Each is computed only when its inputs are given; otherwise it
 * is reported as NaN with the reason, so a table always has the column.
 */
#include "integration.h"
#include "io/h5ad.h"
#include "tasks/core/preprocess.h"
#include "tasks/rep.h"
#include "tasks/scib/cellcycle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* log1p(normalize_total(counts, 1e4)) of the kept rows: scib's adata_pre. */
static int lognorm_rows(sc_csr *out, sc_h5ad *h, const char *counts, const size_t *rows, size_t n,
			sc_err *err)
{
	sc_csr m = { 0 };
	int rc = sc_rep_read_counts(&m, h, counts, err);
	if (rc)
		return rc;
	size_t nnz = 0;
	for (size_t i = 0; i < n; i++)
		nnz += (size_t)(m.indptr[rows[i] + 1] - m.indptr[rows[i]]);
	sc_csr_alloc(out, n, m.cols, nnz);
	size_t p = 0;
	for (size_t i = 0; i < n; i++) {
		for (int64_t q = m.indptr[rows[i]]; q < m.indptr[rows[i] + 1]; q++) {
			out->indices[p] = m.indices[q];
			out->data[p++] = m.data[q];
		}
		out->indptr[i + 1] = (int64_t)p;
	}
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

int sc_integration_eval_extra(sc_step_ctx *c, sc_h5ad *h, const size_t *rows, size_t n,
			      const sc_dmat *emb, const sc_labels *lab, const sc_labels *bat,
			      double *agg_v, sc_scib_class *agg_c, size_t *nagg)
{
	(void)lab;
	if (!sc_step_str(c, "batch_key", NULL) || sc_step_bool(c, "graph_only", 0))
		return 0; /* these compare batches, on the task's embedding */
	double v;
	int rc = cell_cycle(&v, c, h, rows, n, emb, bat);
	if (!rc) {
		agg_v[*nagg] = v;
		agg_c[(*nagg)++] = SC_SCIB_BIO;
	}
	return rc;
}
