/*
 * wnn.h - weighted nearest neighbours of two modalities (Hao et al. 2021,
 * Seurat v4 FindMultiModalNeighbors with its defaults), for the multiomics
 * task's joint graph. Exact Euclidean kNN replaces Seurat's Annoy search;
 * otherwise each step is Seurat's:
 *
 *  1. each modality's embedding is L2-normalised per cell;
 *  2. per modality m, the k nearest cells (self included) and rho_m(i), the
 *     distance to the nearest other cell;
 *  3. within- and cross-modality predictions of cell i's embedding in m:
 *     the mean of m over i's k-1 neighbours in m, resp. in the other
 *     modality; their distances to the cell, minus rho_m(i), clipped at 0;
 *  4. a bandwidth sigma_m(i): in the shared-nearest-neighbour graph of m
 *     (Jaccard c / (2k - c) of the k-neighbour sets), the k cells with the
 *     smallest nonzero similarity (all cells tied with the k-th included),
 *     their distances to i minus rho_m(i) (clipped at 0), the mean of the k
 *     largest;
 *  5. affinities exp(-d / sigma_m(i)); score_m = within / (cross + 1e-4),
 *     clipped to [0, 200]; weights = softmax(score_1, score_2);
 *  6. joint neighbours: among the union of each modality's knn_range - 1
 *     nearest other cells, the k with the largest
 *     sum_m w_m(i) exp(-max(d_m(i, j) - rho_m(i), 0) / sigma_m(i)),
 *     at distance sqrt((1 - affinity) / 2).
 * The joint graph for scIB's graph metrics is scanpy's UMAP connectivity
 * graph of those neighbours (self prepended at distance 0), as muon builds
 * its multimodal connectivities. WNN gives a graph, not an embedding.
 */
#ifndef SC_WNN_H
#define SC_WNN_H

#include <stddef.h>
#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

typedef struct sc_wnn_opts {
	size_t k;              /* 20 (Seurat's k.nn) */
	size_t knn_range;      /* 200 candidates per modality (self included) */
	double cross_constant; /* 1e-4 */
	int l2_norm;           /* 1 */
} sc_wnn_opts;

void sc_wnn_opts_default(sc_wnn_opts *o);

typedef struct sc_wnn_graph {
	size_t n, k;
	double *weight;        /* n x 2: modality weights, each row sums to 1 */
	double *sigma, *rho;   /* n x 2: bandwidths, nearest-neighbour distances */
	int32_t *idx;          /* n x k: joint neighbours, self excluded, best first */
	double *dist;          /* n x k: sqrt((1 - affinity) / 2), ascending */
	sc_csr connectivities; /* n x n, symmetric */
} sc_wnn_graph;

/* m1, m2: the two modalities' embeddings of the same cells (rows), e.g. RNA
 * PCs and protein PCs or ATAC LSI. k <= cells - 1. Release with sc_wnn_graph_free. */
int sc_wnn_build(sc_wnn_graph *out, const sc_dmat *m1, const sc_dmat *m2, const sc_wnn_opts *o,
	   sc_err *err) SC_WUR;
void sc_wnn_graph_free(sc_wnn_graph *w);

#endif
