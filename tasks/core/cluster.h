/*
 * cluster.h - clustering: Leiden on a weighted graph (igraph, modularity with
 * a resolution, as scanpy.tl.leiden with RBConfiguration) and k-means
 * (k-means++ initialisation, Lloyd iterations, best of n_init), both seeded.
 */
#ifndef SC_CLUSTER_H
#define SC_CLUSTER_H

#include <stdint.h>
#include "tasks/core/mat.h"
#include "util/err.h"

/* membership[i] in [0, *n_clusters), clusters numbered by decreasing size
 * (ties by lowest member), as scanpy relabels them. graph: symmetric weights. */
int sc_leiden(int32_t *membership, size_t *n_clusters, const sc_csr *graph, double resolution,
	      uint64_t seed, sc_err *err) SC_WUR;

typedef struct sc_kmeans_opts {
	size_t k;
	size_t n_init;   /* sklearn default 10 */
	size_t max_iter; /* 300 */
	double tol;      /* 1e-4, relative to the mean feature variance, as sklearn */
	uint64_t seed;
} sc_kmeans_opts;

/* assign: rows entries; centers (optional): k x cols; inertia (optional). */
int sc_kmeans(int32_t *assign, double *centers, double *inertia, const sc_dmat *x,
	      const sc_kmeans_opts *o, sc_err *err) SC_WUR;

#endif
