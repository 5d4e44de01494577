/*
 * graph.h - neighbour graphs as scanpy builds them, and connected components.
 * Graphs are n x n CSR matrices (symmetric where stated).
 */
#ifndef SC_GRAPH_H
#define SC_GRAPH_H

#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

/* scanpy.pp.neighbors(method='umap') connectivities from a kNN result that
 * includes each point as its own first neighbour (idx/dist n x k): UMAP's
 * fuzzy simplicial set (smooth-kNN sigma/rho search, symmetrised with
 * a + a^T - a * a^T, set_op_mix_ratio 1, local_connectivity 1). Symmetric. */
int sc_umap_connectivities(sc_csr *out, const int32_t *idx, const double *dist, size_t n,
			   size_t k, sc_err *err) SC_WUR;
/* scanpy's 'distances' graph: row i holds the distances to its k-1 nearest
 * neighbours other than itself (not symmetrised). idx/dist as above. */
void sc_knn_distance_graph(sc_csr *out, const int32_t *idx, const double *dist, size_t n,
			   size_t k);
/* Connected components of the undirected graph (an edge in either direction
 * joins). comp[i] in [0, n_comp), numbered by first appearance. */
size_t sc_connected_components(int32_t *comp, const sc_csr *g);

#endif
