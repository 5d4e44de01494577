/*
 * standard.h - the standard (unintegrated) single-cell embedding that the
 * tasks share as their baseline: scanpy's
 *   normalize_total -> log1p -> highly_variable_genes -> scale -> pca.
 *
 * Split in two so that a correction can sit in between (ComBat works on the
 * log-normalised HVG matrix, before scaling):
 *   sc_standard_lognorm_hvg   counts -> dense log-normalised HVG matrix
 *   sc_standard_pca           scale (in place) -> PCA scores
 * and sc_standard_embedding runs both. The counts are never modified.
 * Memory: the _sparse and _take forms never hold the cells x genes matrix
 * dense (16 GB at 10^6 cells x 2000 genes): the log-normalised HVG matrix
 * stays CSR and the PCA scales it block by block of rows (sc_pca_rows), to
 * the same bytes as the dense form. The dense sc_standard_lognorm_hvg
 * remains for ComBat, which corrects the dense matrix.
 */
#ifndef SC_STANDARD_H
#define SC_STANDARD_H

#include <stdint.h>
#include "util/mat.h"
#include "tasks/core/preprocess.h"
#include "util/err.h"

typedef struct sc_standard_opts {
	double target_sum;    /* 1e4 (CP10k); <= 0: median cell total, scanpy's default */
	sc_hvg_flavor flavor; /* SC_HVG_SEURAT (seurat_v3 is given the raw counts) */
	size_t n_top_genes;   /* 2000; 0 or >= the gene count: keep every gene */
	double max_value;     /* 10: scale clips to [-10, 10]; <= 0: no clipping */
	size_t n_comps;       /* 50, clipped to min(cells, genes) - 1 */
} sc_standard_opts;

void sc_standard_opts_default(sc_standard_opts *o);

/* out: cells x selected genes, log1p(normalised counts), dense (allocated
 * here). selected (optional, counts->cols bytes): 1 for the kept genes. */
int sc_standard_lognorm_hvg(sc_dmat *out, uint8_t *selected, const sc_csr *counts,
			    const sc_standard_opts *o, sc_err *err) SC_WUR;
/* Scale x in place (zero mean, unit variance, clipped), then its PCA scores
 * into scores (cells x n_comps, allocated here). */
int sc_standard_pca(sc_dmat *scores, sc_dmat *x, const sc_standard_opts *o, sc_err *err) SC_WUR;
/* out: as sc_standard_lognorm_hvg, but CSR in canonical form (ascending
 * columns, no stored zeros: the entries of the dense matrix). Takes x, the
 * counts: normalised in place and freed (also on error), so the counts are
 * never copied; when every gene is kept, out reuses x's arrays. */
int sc_standard_lognorm_hvg_sparse(sc_csr *out, uint8_t *selected, sc_csr *x,
				   const sc_standard_opts *o, sc_err *err) SC_WUR;
/* sc_standard_pca of the dense form of x, without making it: x is not
 * modified. Memory: one block of rows plus genes^2. */
int sc_standard_pca_sparse(sc_dmat *scores, const sc_csr *x, const sc_standard_opts *o,
			   sc_err *err) SC_WUR;
/* sc_standard_embedding taking counts (freed, as by the _sparse form). */
int sc_standard_embedding_take(sc_dmat *out, sc_csr *counts, const sc_standard_opts *o,
			       sc_err *err) SC_WUR;
/* Both steps: counts (cells x genes) -> PCA scores. */
int sc_standard_embedding(sc_dmat *out, const sc_csr *counts, const sc_standard_opts *o,
			  sc_err *err) SC_WUR;

#endif
