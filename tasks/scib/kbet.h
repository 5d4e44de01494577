/*
 * kbet.h - kBET per label as scib's kBET() wrapper runs the kBET R package,
 * with every cell tested (the variant named kbet_all_cells).
 *
 * scib, per label with >= 10 cells and more than one batch:
 *  - k0 = min(70, max(10, floor(mean cells per batch present / 4)));
 *  - the label's subgraph of the 50-neighbour connectivity graph; if it is
 *    connected, neighbours by diffusion (diffusion_nn: M = T + T^2 + T^3
 *    with T the row-normalised subgraph, more powers while some row has
 *    fewer than k0 + 1 non-zeros, up to T^25; the k0 largest off-diagonal
 *    entries of each row); if it is not, the same on the components of at
 *    least 3 k0 cells when they hold >= 75% of the label (other cells get no
 *    neighbours), else the label scores 1 (all rejected); a failed diffusion
 *    scores 1 too;
 *  - kBET (R) with that neighbour matrix: the neighbourhood of a cell is
 *    itself plus the first k0 - 1 columns; Pearson's chi-square of its batch
 *    counts against k0 times the label's batch frequencies, df = batches -
 *    1, rejected when 1 - pchisq < alpha (0.05).
 * The score is 1 - the mean rejection rate over labels (higher is better).
 *
 * What differs, and why it is named kbet_all_cells:
 *  - R kBET averages the rejection rate of 100 random subsets of 10% of the
 *    cells (at least 25) drawn with R's generator; every cell is tested
 *    here, which is the expectation of that estimate, without its noise.
 *  - scib hands R the k0 neighbours in numpy argpartition's order and R
 *    drops the last column, i.e. an arbitrary one of the k0 (it depends on
 *    numpy's selection algorithm and CPU features); here the neighbourhood
 *    is the k0 - 1 largest diffusion scores (ties: lower index first).
 * The diffusion sums are formed in scipy's order (T^2 by sparse product,
 * later powers as T times the previous one, M = ((T^2 + T) + T^3) + ...), so
 * the scores that rank the neighbours are scipy's to the last bit.
 */
#ifndef SC_SCIB_KBET_H
#define SC_SCIB_KBET_H

#include "tasks/scib/common.h"

typedef struct sc_scib_kbet {
	size_t n, ncat;         /* cells; label categories (labels->ncat) */
	double score;           /* 1 - mean rejection rate, NaN with a reason if no label qualifies */
	double *rejection;      /* ncat: each label's rejection rate, NaN if skipped */
	int *k0;                /* ncat: neighbourhood size used, 0 if skipped */
	char (*note)[96];       /* ncat: why a label was skipped or scored 1, "" otherwise */
	double *pvalue;         /* n: p-value of each cell's test, NaN when not tested */
	sc_scib_why why;
} sc_scib_kbet;

void sc_scib_kbet_free(sc_scib_kbet *k);

/* conn: the n x n symmetric connectivities of scanpy's 50-neighbour UMAP
 * graph on the embedding (what scib's kBET computes for embeddings). */
int sc_scib_kbet_all_cells(sc_scib_kbet *out, const sc_csr *conn, const sc_labels *labels,
			   const sc_labels *batches, double alpha, int n_threads,
			   sc_err *err) SC_WUR;

/*
 * scib-metrics' kbet() on a given neighbour table (idx: n x k, used as is,
 * so a self column counts as a neighbour, as it does there): for each cell
 * the chi-square statistic of its neighbours' batch counts against k times
 * the batch frequencies of all n cells, p = 1 - chi2.cdf; acceptance = the
 * share of cells with p >= alpha (higher is better). pvalue (optional): n.
 * scib-metrics' per-label wrapper (diffusion maps + approximate neighbours)
 * is not reproduced.
 */
int sc_scib_kbet_knn(double *acceptance, double *pvalue, const int32_t *idx, size_t n, size_t k,
		     const sc_labels *batches, double alpha, sc_err *err) SC_WUR;

/*
 * scib's diffusion_nn on one connected cell-by-cell graph (m x m, no empty
 * rows): the k largest entries of each row of M (diagonal excluded), ordered
 * by decreasing score, ties by lower index. nn: m x k. Returns SC_ENOTFOUND
 * (scib's NeighborsError) when some row has fewer than k + 1 non-zeros
 * after 25 powers. Exposed for tests.
 */
int sc_scib_diffusion_nn(int32_t *nn, double *score, const sc_csr *g, size_t k, int n_threads,
			 sc_err *err) SC_WUR;

#endif
