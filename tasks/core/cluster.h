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
 * (ties by lowest member), as scanpy relabels them. graph: symmetric
 * non-negative weights; the upper triangle and diagonal are read. Modularity
 * with the resolution (igraph_community_leiden, beta 0.01, iterated until
 * stable), igraph's generator replaced during the call by a PCG32 seeded
 * from seed; calls are serialised by a lock (igraph's RNG is global). */
int sc_leiden(int32_t *membership, size_t *n_clusters, const sc_csr *graph, double resolution,
	      uint64_t seed, sc_err *err) SC_WUR;

typedef struct sc_kmeans_opts {
	size_t k;
	size_t n_init;   /* sklearn default 10 */
	size_t max_iter; /* 300 */
	double tol;      /* 1e-4, relative to the mean feature variance, as sklearn */
	uint64_t seed;
} sc_kmeans_opts;

/* assign: rows entries, labels in [0, k) as k-means++/Lloyd leave them (not
 * renumbered, as sklearn); centers (optional): k x cols; inertia (optional).
 * Run i of n_init draws from sc_rng_stream(seed, i). n_init 0 means 1,
 * max_iter 0 means 300. */
int sc_kmeans(int32_t *assign, double *centers, double *inertia, const sc_dmat *x,
	      const sc_kmeans_opts *o, sc_err *err) SC_WUR;

#endif
