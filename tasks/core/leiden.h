/*
 * leiden.h - Leiden community detection as leidenalg runs it for scanpy.
 *
 * scanpy.tl.leiden (and so scib's resolution sweep) calls
 * leidenalg.find_partition(g, RBConfigurationVertexPartition,
 * resolution_parameter=res, weights=w, n_iterations=-1, seed=random_state) on
 * the graph get_igraph_from_adjacency builds from the connectivities: one
 * edge per stored non-zero, in CSR storage order, directed by default. This
 * module reproduces that computation, membership for membership, for the
 * leidenalg 0.9 / libigraph 0.10 that Debian ships: same quality function,
 * same random stream (libigraph's MT19937 through igraph_rng_get_integer on
 * a generator private to the call), same visiting orders, tie-breaks and
 * floating-point operation order.
 */
#ifndef SC_LEIDEN_H
#define SC_LEIDEN_H

#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

typedef struct sc_leiden_opts {
	double resolution; /* RBConfiguration's gamma, > 0 */
	uint64_t seed;     /* leidenalg's seed= (scanpy's random_state), < 2^31 */
	int directed;      /* scanpy's directed=True: one arc per stored entry */
	int n_iterations;  /* < 0: repeat until an iteration improves nothing (scanpy) */
} sc_leiden_opts;

/* scanpy 1.9's tl.leiden defaults: resolution 1, random_state 0,
 * directed=True, n_iterations=-1. */
#define SC_LEIDEN_OPTS_SCANPY { 1.0, 0, 1, -1 }

/* membership: adj->rows entries, as leidenalg's partition.membership:
 * clusters numbered 0.. by decreasing size, ties by leidenalg's previous
 * label. *n_clusters: the number of clusters. adj: square, weights finite
 * and >= 0; explicit zeros are skipped (scipy's nonzero() drops them);
 * the matrix need not be symmetric. Thread-safe: no global state is used. */
int sc_leiden_run(int32_t *membership, size_t *n_clusters, const sc_csr *adj,
		  const sc_leiden_opts *o, sc_err *err) SC_WUR;

/* A graph in igraph's layout, built once for several runs (a resolution
 * sweep): 70-odd bytes per stored entry. Runs only read it, so several
 * threads may run the same graph at once. Free with sc_leiden_graph_free
 * (NULL is fine). */
typedef struct sc_leiden_graph sc_leiden_graph;
int sc_leiden_graph_new(sc_leiden_graph **out, const sc_csr *adj, int directed,
			sc_err *err) SC_WUR;
void sc_leiden_graph_free(sc_leiden_graph *g);
/* sc_leiden_run on a prepared graph; o->directed is the graph's, not read. */
int sc_leiden_graph_run(int32_t *membership, size_t *n_clusters, const sc_leiden_graph *g,
			const sc_leiden_opts *o, sc_err *err) SC_WUR;

/* sc_leiden_run with scanpy.tl.leiden's defaults (directed, iterated until
 * stable) at this resolution and random_state: what scib's sweep calls. */
int sc_leiden(int32_t *membership, size_t *n_clusters, const sc_csr *adj, double resolution,
	      uint64_t seed, sc_err *err) SC_WUR;

#endif
