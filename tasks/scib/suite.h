/*
 * suite.h - the whole scIB metric suite on one integrated embedding: every
 * metric with its direction, class (bio conservation / batch correction),
 * wall time and, when it is undefined, NaN and the reason; plus the
 * per-cell and per-label values a report needs to show where integration
 * fails.
 *
 * What it computes, as scib's metrics() does for an embedding output:
 *  - the Euclidean kNN of the embedding (90 neighbours with the cell itself
 *    first), its first 15 and 50 columns turned into UMAP connectivities
 *    (scanpy's neighbors with n_neighbors 15 and 50);
 *  - on the 15-neighbour graph: the Leiden sweep (NMI-optimal resolution)
 *    for NMI, ARI and the isolated-label F1; graph connectivity; graph iLISI
 *    and cLISI;
 *  - on the 50-neighbour graph: kBET (kbet_all_cells, see kbet.h);
 *  - trajectory conservation on the 15-neighbour graph, when a pseudotime
 *    is given (trajectory.h);
 *  - on the embedding: label ASW, batch ASW, isolated-label ASW, and the PC
 *    regression after integration (before: the unintegrated PCA, if given);
 *  - scib-metrics' Euclidean-kNN iLISI/cLISI as extra metrics (class NONE:
 *    reported, not aggregated, so nothing is counted twice).
 * Precomputed kNN or graphs may be passed in (borrowed, not freed); tests
 * use that to run the suite on an oracle's graphs.
 */
#ifndef SC_SCIB_SUITE_H
#define SC_SCIB_SUITE_H

#include "tasks/scib/aggregate.h"
#include "tasks/scib/common.h"

typedef struct sc_scib_metric {
	const char *name;     /* static: scib's names (names.h) */
	sc_scib_class cls;
	int higher_is_better;
	double value;         /* NaN when undefined */
	double seconds;       /* wall time of this metric's own computation */
	long peak_rss_kb;     /* with opts->measure_rss: the process's peak
			       * resident memory during the stage computing it */
	char detail[160];     /* e.g. "resolution 0.8, 12 clusters" */
	char why[256];        /* why the value is NaN, "" otherwise */
} sc_scib_metric;

typedef struct sc_scib_step {
	const char *name;     /* shared work: "knn", "graph15", "graph50", "leiden_sweep" */
	double seconds;
	long peak_rss_kb;     /* as sc_scib_metric's */
} sc_scib_step;

typedef struct sc_scib_opts {
	int n_threads;                /* 0: all CPUs (results do not depend on it) */
	uint64_t seed;                /* Leiden seed, scanpy's random_state (0) */
	const double *resolutions;    /* NULL: scib's get_resolutions(n=10, max=2) */
	size_t n_resolutions;
	size_t lisi_k0;               /* 90 */
	double kbet_alpha;            /* 0.05 */
	size_t pcr_comps;             /* 50 */
	size_t iso_threshold;         /* 0: scib's default (fewest batches) */
	/* unintegrated data for the PCR comparison: PC scores + variances (NULL
	 * variances: the scores' column variances, sc_scib_column_variances),
	 * or a representation whose PCR is computed (NULL: comparison is NaN) */
	const sc_dmat *pre_scores;
	const double *pre_variance;
	const sc_dmat *pre_x;
	/* precomputed inputs (optional) */
	const int32_t *knn_idx;       /* n x knn_k, self first, Euclidean */
	const double *knn_dist;
	size_t knn_k;
	const sc_csr *conn15, *conn50;
	/* trajectory conservation: a pseudotime per cell (NaN where none; NULL:
	 * the metric is NaN), averaged per batch when trajectory_by_batch
	 * (scib's batch_key; its metrics() passes none) */
	const double *pseudotime;
	int trajectory_by_batch;
	/* benchmarks only (Linux): reset the process's peak RSS before each
	 * stage (/proc/self/clear_refs) and record each stage's peak; the
	 * process's own peak (getrusage, the runner's record) is lost */
	int measure_rss;
} sc_scib_opts;

void sc_scib_opts_default(sc_scib_opts *o);

typedef struct sc_scib_result {
	size_t n_metrics;
	sc_scib_metric *metric;
	size_t n_steps;
	sc_scib_step step[8];
	double bio, batch, overall;   /* aggregates of the raw values (NaN-skipping means) */
	double total_seconds;

	size_t n, n_labels, n_batches; /* cells; labels->ncat; batches->ncat */
	/* per cell (n), NaN where undefined */
	double *asw_label_cell;   /* silhouette by label, unscaled in [-1, 1] */
	double *asw_batch_cell;   /* 1 - |silhouette by batch within the label| */
	double *ilisi_cell, *clisi_cell;         /* graph LISI */
	double *ilisi_knn_cell, *clisi_knn_cell; /* scib-metrics LISI */
	double *kbet_pvalue_cell;
	double *dpt_cell;         /* the graph's diffusion pseudotime (trajectory) */
	int32_t *cluster;         /* the NMI-optimal Leiden clustering (-1 if none) */
	/* per label (n_labels, by label code), NaN where skipped */
	double *asw_batch_label, *graph_conn_label, *kbet_rejection_label, *iso_f1_label,
		*iso_asw_label;
	int *kbet_k0_label;
	/* the resolution sweep */
	size_t n_res;
	double *res, *res_nmi;
	size_t *res_clusters;
} sc_scib_result;

/* out is filled even for metrics that are undefined; an error is returned
 * only for bad input (NaN in the embedding, mismatched lengths, a missing
 * label) or a failure of a building block. */
/* The phases sc_scib_suite_run announces with sc_progress_line (kNN,
 * Leiden, silhouette, batch silhouette, graph LISI, trajectory, kBET): a
 * caller may
 * count them with sc_progress_stages. */
#define SC_SCIB_SUITE_STAGES 7
int sc_scib_suite_run(sc_scib_result *out, const sc_dmat *emb, const sc_labels *labels,
		      const sc_labels *batches, const sc_scib_opts *opts, sc_err *err) SC_WUR;
void sc_scib_result_free(sc_scib_result *r);
/* The entry of a metric by name, or NULL. */
const sc_scib_metric *sc_scib_result_get(const sc_scib_result *r, const char *name);
/* The class of a suite metric by name (for reports that only have the
 * recorded names): 0, or SC_ENOTFOUND for a name the suite does not emit. */
int sc_scib_metric_class(const char *name, sc_scib_class *out) SC_WUR;

#endif
