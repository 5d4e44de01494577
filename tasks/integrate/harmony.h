/*
 * harmony.h - Harmony integration of a PCA embedding (Korsunsky et al. 2019),
 * as harmonypy computes it (slowkow/harmonypy harmony.py, the NumPy releases
 * up to 0.0.10 that scanpy.external and scib call): soft k-means on the
 * cosine-normalised embedding with a batch-diversity penalty, then a
 * mixture-of-experts ridge regression that removes each cluster's batch
 * effect, repeated to convergence. One batch variable.
 *
 * The two places where harmonypy draws random numbers are replaced by
 * sceval's generator, and can be overridden to reproduce a given run:
 *   - initial centroids: k-means (k-means++, 10 inits, 25 iterations, as
 *     harmonypy's sklearn call) on the cosine-normalised embedding;
 *   - the order in which cells are visited in blocks: one Fisher-Yates
 *     shuffle of 0..n-1 per soft-clustering step, from sc_rng stream 1 of
 *     the seed (k-means uses the seed itself).
 * Same input and seed give the same bytes whatever the thread count.
 */
#ifndef SC_HARMONY_H
#define SC_HARMONY_H

#include <stddef.h>
#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

typedef struct sc_harmony_opts {
	double theta;          /* diversity penalty, 2 */
	double lambda;         /* ridge penalty, 1 */
	double sigma;          /* soft-clustering bandwidth, 0.1 */
	size_t nclust;         /* 0: min(round(n / 30), 100), numpy's round */
	double tau;            /* 0: no protection of small batches */
	double block_size;     /* share of cells per block, 0.05 */
	size_t max_iter_harmony; /* 10 */
	size_t max_iter_kmeans;  /* 20 */
	double epsilon_cluster;  /* 1e-5 */
	double epsilon_harmony;  /* 1e-4 */
	uint64_t seed;
	/* Overrides for reproducing another run (NULL: drawn from seed). */
	const double *init_centroids; /* nclust x dims, before normalisation */
	const size_t *block_orders;   /* n_block_orders permutations of 0..n-1 */
	size_t n_block_orders;
} sc_harmony_opts;

void sc_harmony_opts_default(sc_harmony_opts *o);

typedef struct sc_harmony_info {
	size_t nclust;
	size_t iterations;     /* Harmony rounds run */
	int converged;
	size_t *kmeans_rounds; /* per round: harmonypy's kmeans_rounds (last loop index) */
	double *objective;     /* objective_harmony: iterations + 1 values */
	size_t n_objective;
} sc_harmony_info;

void sc_harmony_info_free(sc_harmony_info *info);

/* out: corrected embedding, pcs->rows x pcs->cols (allocated here).
 * batch: pcs->rows labels, none missing; at least 2 non-empty batches.
 * info may be NULL; else release it with sc_harmony_info_free. */
int sc_harmony(sc_dmat *out, sc_harmony_info *info, const sc_dmat *pcs, const sc_labels *batch,
	       const sc_harmony_opts *o, sc_err *err) SC_WUR;

#endif
