/*
 * cellcycle.h - scib's cell-cycle conservation (metrics/cell_cycle.py):
 * per batch, scanpy's score_genes_cell_cycle on the unintegrated
 * log-normalised expression gives S and G2/M scores; the share of variance
 * those two scores explain (a PC regression, scib's linreg "numpy") is
 * computed on the batch's unintegrated expression (before) and on its cells
 * in the integrated embedding (after); the batch scores
 * 1 - |after - before| / before, 0 when negative; the metric is their
 * NaN-skipping mean.
 *
 * The gene lists are a table with columns gene_name, gene_id and phase (S
 * or G2/M), as scib's resources/cell_cycle_genes_*.tsv; like scib, each
 * phase's genes are matched by whichever column overlaps the dataset's var
 * names more (symbols first on a tie).
 */
#ifndef SC_SCIB_CELLCYCLE_H
#define SC_SCIB_CELLCYCLE_H

#include "tasks/scib/common.h"

typedef struct sc_scib_cc_genes {
	size_t ns, ng2m;
	size_t *s, *g2m;  /* column indices into the var names matched */
	int s_by_id, g2m_by_id; /* 1 when matched by gene_id, 0 by gene_name */
} sc_scib_cc_genes;

/* Read the gene table at path and match it against the n var names. An
 * error names the file when a phase matches no gene. Free with
 * sc_scib_cc_genes_free. */
int sc_scib_cc_genes_read(sc_scib_cc_genes *out, const char *path, char *const *var, size_t n,
			  sc_err *err) SC_WUR;
void sc_scib_cc_genes_free(sc_scib_cc_genes *g);

/* scanpy's score_genes_cell_cycle (defaults: 25 expression bins, ctrl_size
 * = the smaller list's length, random_state 0: numpy's legacy MT19937 and
 * pandas' sample, reproduced draw for draw) on x, the log-normalised
 * expression of one batch (cells x genes). s and g2m get one score per cell. */
int sc_scib_score_cell_cycle(double *s, double *g2m, const sc_csr *x, const sc_scib_cc_genes *g,
			     sc_err *err) SC_WUR;

/* scib's pc_regression(data, covariates, n_comps) with numeric covariates
 * (cov: n x p, row-major) and the numpy regression: PCA of the data (CSR x
 * or dense d, one of them), each component's R^2 of a least-squares fit on
 * the covariates with an intercept, weighted by the components' variances.
 * When n_comps >= min(rows, cols) every component is kept and the weighted
 * sum is the covariates' share of the total sum of squares, computed
 * without a PCA. */
int sc_scib_pcr_covariates(double *out, const sc_csr *x, const sc_dmat *d, const double *cov,
			   size_t p, size_t n_comps, sc_err *err) SC_WUR;

typedef struct sc_scib_cc_result {
	double score;     /* the metric: NaN-skipping mean of the batches' scores */
	size_t k;         /* batches (categories of the batch labels that occur) */
	double *before, *after, *batch_score; /* k each, by compact batch code */
} sc_scib_cc_result;

/* The metric on pre (unintegrated log-normalised expression, cells x genes)
 * and emb (the integrated embedding, same cells), batches per cell. n_comps
 * is scib's 50. A batch with too few genes or cells for the scoring gets a
 * NaN with the reason in why. */
int sc_scib_cell_cycle(sc_scib_cc_result *out, const sc_csr *pre, const sc_dmat *emb,
		       const sc_labels *batches, const sc_scib_cc_genes *g, size_t n_comps,
		       sc_scib_why *why, sc_err *err) SC_WUR;
void sc_scib_cc_result_free(sc_scib_cc_result *r);

#endif
