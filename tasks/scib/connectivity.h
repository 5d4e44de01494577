/*
 * connectivity.h - scib's graph connectivity: for each label, the share of
 * its cells in the largest connected component of the neighbour graph
 * restricted to that label; mean over labels. In [0, 1], higher is better.
 */
#ifndef SC_SCIB_CONNECTIVITY_H
#define SC_SCIB_CONNECTIVITY_H

#include "tasks/scib/common.h"

/*
 * graph: n x n connectivities (scanpy's obsp["connectivities"], symmetric);
 * every stored entry is an edge, as scipy's connected_components reads the
 * sparsity pattern. per_label (optional, labels->ncat entries by label
 * code): each label's share, NaN for labels without cells (scib iterates
 * pandas categories and would turn an unused one into a NaN mean; here
 * unused categories are skipped).
 */
int sc_scib_graph_connectivity(double *out, double *per_label, const sc_csr *graph,
			       const sc_labels *labels, sc_err *err) SC_WUR;

/* Shared checks of a cell-by-cell graph: square, n rows, indices in range,
 * indptr monotone. */
int sc_scib_check_graph(const sc_csr *g, size_t n, const char *what, sc_err *err) SC_WUR;

#endif
