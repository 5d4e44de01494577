/*
 * lisi.h - the Local Inverse Simpson's Index as scib computes it on a graph
 * (ilisi_graph, clisi_graph) and as scib-metrics computes it on Euclidean
 * nearest neighbours (ilisi_knn, clisi_knn).
 *
 * Graph LISI (scib lisi.py + knn_graph/knn_graph.cpp): the k0 = 90 cells
 * nearest to each cell by shortest path on the connectivity graph, edge
 * length = the connectivity value itself (not its inverse), found exactly
 * as the C++ program finds them (including which of several equally distant
 * cells it keeps); distances pass through the C++ program's text output,
 * which keeps 6 significant digits, and are rounded here the same way.
 * perplexity = floor(k0 / 3); per cell P = exp(-D beta) normalised, beta by
 * bisection until |H - log(perplexity)| <= 1e-5 (at most 50 steps); Simpson
 * = sum over categories of (P mass in the category)^2; LISI = 1 / Simpson.
 * scib's special values are kept: a cell whose entropy ends at exactly 0
 * gets LISI -1, a cell with fewer than k0 reachable cells gets LISI 1, a cell
 * without any edge is left out (NaN here). iLISI = (median - 1) / (B - 1),
 * cLISI = (L - median) / (L - 1), B and L the numbers of batches and labels.
 * Both in [0, 1] in practice, higher is better.
 *
 * Deviation (documented, not replicated): scib reads the C++ output with
 * pandas, which fails outright when the first cell has fewer than k0
 * reachable cells and a later one has more; here such cells simply get 1.
 */
#ifndef SC_SCIB_LISI_H
#define SC_SCIB_LISI_H

#include "tasks/scib/common.h"

typedef struct sc_scib_lisi {
	size_t n;
	double ilisi, clisi;               /* scaled scores, NaN with a reason if undefined */
	double ilisi_median, clisi_median; /* unscaled medians */
	double *ilisi_cell, *clisi_cell;   /* n per-cell LISI (NaN: cell left out) */
	sc_scib_why ilisi_why, clisi_why;
} sc_scib_lisi;

void sc_scib_lisi_free(sc_scib_lisi *l);

/*
 * knn_graph.cpp's neighbour search: for each cell the k nearest other cells
 * by shortest path (edge length = stored value), in the order found
 * (ascending distance). idx/dist: n x k (unused slots -1 / NaN); found[i]:
 * how many were found (0 when the cell has no edge). dist is as the C++
 * computes it, before any rounding. Threads split the cells; results do not
 * depend on their number.
 */
int sc_scib_graph_knn(int32_t *idx, double *dist, size_t *found, const sc_csr *g, size_t k,
		      int n_threads, sc_err *err) SC_WUR;

/* The value as the C++ prints it with default ostream precision (%.6g) and
 * pandas reads it back. */
double sc_scib_round6(double v);

/*
 * Graph iLISI and cLISI (scib defaults: k0 = 90). graph: symmetric
 * connectivities (scanpy's 15-neighbour UMAP graph). batches or labels may
 * be NULL to skip that score.
 */
int sc_scib_lisi_graph(sc_scib_lisi *out, const sc_csr *graph, const sc_labels *batches,
		       const sc_labels *labels, size_t k0, int n_threads, sc_err *err) SC_WUR;

/*
 * scib-metrics lisi_knn / ilisi_knn / clisi_knn: the same index on given
 * nearest neighbours (idx/dist n x k, Euclidean distances; a column equal to
 * the cell itself is masked out as scib-metrics does), perplexity =
 * floor(k / 3), bisection while |H - log(perplexity)| >= 1e-5. Computed in
 * double precision (scib-metrics runs in JAX's default float32).
 */
int sc_scib_lisi_knn(sc_scib_lisi *out, const int32_t *idx, const double *dist, size_t n,
		     size_t k, const sc_labels *batches, const sc_labels *labels, int n_threads,
		     sc_err *err) SC_WUR;

#endif
