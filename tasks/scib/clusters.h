/*
 * clusters.h - agreement between a clustering and the labels: NMI and ARI
 * as sklearn computes them, the per-cluster F1 of scib's isolated-label
 * score, and scib's cluster_optimal_resolution (Leiden over a grid of
 * resolutions, keeping the clustering with the highest NMI).
 *
 * Partitions are code arrays of n non-negative integers (any values; only
 * which cells share a code matters).
 */
#ifndef SC_SCIB_CLUSTERS_H
#define SC_SCIB_CLUSTERS_H

#include "tasks/scib/common.h"

/* sklearn normalized_mutual_info_score(a, b, average_method="arithmetic"):
 * 1 when both partitions are a single block, 0 when the mutual information
 * is 0. In [0, 1], higher is better. scib calls it as (clusters, labels). */
int sc_scib_nmi(double *out, const int32_t *a, const int32_t *b, size_t n, sc_err *err) SC_WUR;

/* sklearn adjusted_rand_score(a, b): 1 for identical partitions (also when
 * both are trivial, where scib's own formula gives 0/0), about 0 for random
 * ones, may be negative. Higher is better. */
int sc_scib_ari(double *out, const int32_t *a, const int32_t *b, size_t n, sc_err *err) SC_WUR;

/* scib's max_f1: for the cells of label code `label`, the best sklearn
 * f1_score(cluster == c, label == L) over the clusters c, 0 if no cluster
 * overlaps. best_cluster (optional) gets the arg-max, -1 when none. */
int sc_scib_max_f1(double *out, int32_t *best_cluster, const int32_t *clusters,
		   const int32_t *labels, int32_t label, size_t n, sc_err *err) SC_WUR;

/* scib.metrics.get_resolutions(n=10, max=2): 0.2, 0.4, ..., 2.0 computed as
 * scib computes them (2 * (i + 1) / 10). Returns the count (10). */
size_t sc_scib_default_resolutions(double res[10]);

/*
 * The resolution sweep: Leiden (sc_leiden: leidenalg as scanpy.tl.leiden
 * runs it, directed, seed as scanpy's random_state, so the memberships are
 * scib's own) on the connectivity graph at each resolution; scib keeps the
 * first clustering whose NMI(clusters, labels) is strictly above every
 * earlier one (starting from 0). All memberships are kept because the
 * isolated-label F1 sweeps the same clusterings. n_threads (0: one per core)
 * runs resolutions concurrently; the result does not depend on it.
 */
typedef struct sc_scib_sweep {
	size_t n, nres;
	double *res;          /* nres resolutions */
	double *nmi;          /* nres NMI values against the labels */
	size_t *n_clusters;   /* nres */
	int32_t *membership;  /* nres x n, row r for res[r] */
	size_t best;          /* index of the kept clustering, or nres if none (all NMI 0) */
} sc_scib_sweep;

int sc_scib_sweep_run(sc_scib_sweep *out, const sc_csr *graph, const sc_labels *labels,
		      const double *res, size_t nres, uint64_t seed, int n_threads,
		      sc_err *err) SC_WUR;
void sc_scib_sweep_free(sc_scib_sweep *s);

/*
 * NMI and ARI on the NMI-optimal clustering (scib metrics(): nmi and ari at
 * cluster_optimal_resolution). The chosen resolution and cluster count are
 * returned through res_out / nclust_out (optional). NaN with a reason when
 * every clustering has NMI 0 (scib then scores a missing clustering).
 */
int sc_scib_nmi_ari_optimal(double *nmi, double *ari, double *res_out, size_t *nclust_out,
			    const sc_scib_sweep *sw, const sc_labels *labels, sc_scib_why *why,
			    sc_err *err) SC_WUR;

#endif
