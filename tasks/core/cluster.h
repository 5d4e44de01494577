/*
 * cluster.h - k-means (k-means++ initialisation, Lloyd iterations, best of
 * n_init, seeded), as sklearn's KMeans. Leiden is in leiden.h.
 */
#ifndef SC_CLUSTER_H
#define SC_CLUSTER_H

#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

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
