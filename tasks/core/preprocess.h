/*
 * preprocess.h - the standard single-cell preprocessing, matching scanpy:
 * normalize_total, log1p, highly variable genes (seurat, cell_ranger,
 * seurat_v3 flavours) and scale (with clipping).
 *
 * Matrices are cells x genes. In-place functions keep the sparsity pattern
 * (no densification). Where scanpy computes in float32 these compute in
 * double; tests state the tolerance that difference needs.
 */
#ifndef SC_PREPROCESS_H
#define SC_PREPROCESS_H

#include <stdint.h>
#include "tasks/core/loess.h"
#include "util/mat.h"
#include "util/err.h"

/* scanpy.pp.normalize_total: scale each row to sum to target_sum; target_sum
 * <= 0 means the median of the non-zero row sums (scanpy's default). Rows
 * summing to 0 stay 0. */
int sc_normalize_total_csr(sc_csr *m, double target_sum, sc_err *err) SC_WUR;
int sc_normalize_total_dense(sc_dmat *m, double target_sum, sc_err *err) SC_WUR;
/* natural log1p of every stored value */
void sc_log1p_csr(sc_csr *m);
void sc_log1p_dense(sc_dmat *m);

typedef enum { SC_HVG_SEURAT, SC_HVG_CELL_RANGER, SC_HVG_SEURAT_V3 } sc_hvg_flavor;

typedef struct sc_hvg_opts {
	sc_hvg_flavor flavor;
	size_t n_top_genes;    /* 0: use the mean/dispersion cut-offs (seurat, cell_ranger) */
	double min_mean, max_mean, min_disp, max_disp; /* scanpy defaults 0.0125, 3, 0.5, inf */
	size_t n_bins;         /* 20 */
	double span;           /* seurat_v3 loess span, 0.3 */
	sc_loess_surface surface; /* seurat_v3 loess: interpolate (skmisc's default, 0) or direct */
	const sc_labels *batch; /* NULL, or per-cell batches (scanpy's batch_key) */
} sc_hvg_opts;

void sc_hvg_opts_default(sc_hvg_opts *o, sc_hvg_flavor flavor);
/* selected[j] = 1 for the chosen genes. Input as scanpy expects it: log-
 * normalised data for seurat and cell_ranger, raw counts for seurat_v3.
 * Ties of the ranking statistics are broken by gene index; seurat_v3's
 * loess is skmisc's (R's) interpolated surface by default (loess.h), and
 * like skmisc it refuses inputs where a local fit needs the pseudo-inverse;
 * cells with batch code -1 belong to no batch.
 * score (optional, n_vars): normalised dispersion or, for seurat_v3, the
 * normalised variance used for ranking (scanpy's variances_norm). */
int sc_hvg(uint8_t *selected, double *score, const sc_csr *m, const sc_hvg_opts *o,
	   sc_err *err) SC_WUR;
/* The same, with rank (optional, n_vars): seurat_v3's highly_variable_rank,
 * the median over batches of a gene's 0-based ranks that fall below
 * n_top_genes, NaN when none does (and for the other flavours). */
int sc_hvg_ranked(uint8_t *selected, double *score, double *rank, const sc_csr *m,
		  const sc_hvg_opts *o, sc_err *err) SC_WUR;

/* scanpy.pp.scale: per-column z-score (sd with ddof=1, as scanpy), zero
 * sd -> 1; when max_value > 0, values above max_value are clipped, and
 * below -max_value too when zero_center (scanpy clips below only then). */
void sc_scale_dense(sc_dmat *m, int zero_center, double max_value);
/* Keep the listed columns of a CSR matrix (order as given). */
void sc_csr_select_cols(sc_csr *out, const sc_csr *m, const uint8_t *keep);

#endif
