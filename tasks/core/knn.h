/*
 * knn.h - exact k-nearest neighbours by blocked matrix products, equal to a
 * brute-force sklearn NearestNeighbors apart from exact ties (ties broken by
 * the lower index, deterministically).
 *
 * idx and dist are n_query x k row-major arrays, sorted by distance. With
 * include_self the query point is its own first neighbour (scanpy's
 * convention); without, it is excluded (sklearn's kneighbors() with X=None).
 * Cosine distance is 1 - cos (a zero row is at distance 1 from everything);
 * Euclidean distances are true distances (not squared), recomputed exactly
 * for the chosen neighbours. The result is the exact k nearest under the
 * order (distance, index), so it does not depend on the thread count.
 * Threads: sc_par_default_threads() (core/par.h); OpenBLAS runs serially
 * for the duration of the call.
 */
#ifndef SC_KNN_H
#define SC_KNN_H

#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

typedef enum { SC_METRIC_EUCLIDEAN, SC_METRIC_COSINE } sc_metric;

/* Neighbours of every row of x among the rows of x. k <= rows - !include_self. */
int sc_knn_self(int32_t *idx, double *dist, const sc_dmat *x, size_t k, sc_metric metric,
		int include_self, sc_err *err) SC_WUR;
/* Neighbours of each row of q among the rows of ref. */
int sc_knn_query(int32_t *idx, double *dist, const sc_dmat *q, const sc_dmat *ref, size_t k,
		 sc_metric metric, sc_err *err) SC_WUR;

#endif
