/*
 * multiomics.h - per-modality preprocessing and the concatenated joint
 * embedding of the multiomics task (two modalities measured in the same
 * cells: RNA + surface protein (CITE-seq) or RNA + chromatin (ATAC)).
 * The weighted-nearest-neighbour joint graph is in wnn.h.
 *
 * Modality pipelines (sc_modality_embedding):
 *   RNA      the standard embedding (standard.h): CP10k, log1p, 2000 HVGs
 *            (seurat flavour), scale (clip 10), PCA.
 *   protein  CLR per cell (muon.prot.pp.clr(axis=1), Seurat's CLR with
 *            margin 2), scale (clip 10), PCA (at most n_proteins - 1 PCs).
 *   ATAC     TF-IDF (muon.atac.pp.tfidf defaults), LSI (muon.atac.tl.lsi:
 *            uncentred truncated SVD, z-scored left singular vectors) with
 *            the first component dropped (it tracks sequencing depth).
 */
#ifndef SC_MULTIOMICS_H
#define SC_MULTIOMICS_H

#include <stddef.h>
#include "util/mat.h"
#include "util/err.h"

/* CLR in place: x <- log1p(x / exp(mean(log1p(x)))), the mean taken over each
 * cell's features (per_cell = 1) or over each feature's cells (per_cell = 0,
 * muon's default axis). Values must be >= 0. */
int sc_clr_dense(sc_dmat *x, int per_cell, sc_err *err) SC_WUR;

/* TF-IDF in place on the stored values, as muon: tf = x / cell total *
 * scale_factor, log1p(tf) * log1p(n_cells / peak total); values that come
 * out NaN (cells or peaks without counts) become 0. Values must be >= 0. */
int sc_tfidf_csr(sc_csr *x, double scale_factor, sc_err *err) SC_WUR;

/* LSI as muon: the n_comps leading left singular vectors of x (uncentred),
 * in decreasing singular value order, each z-scored over cells (population
 * sd); sign fixed so that each vector's largest-magnitude entry is positive.
 * drop_first removes component 1. out: cells x (n_comps - drop_first),
 * allocated here; sv (optional, n_comps): the singular values.
 * Computed exactly from the peaks x peaks Gram matrix, so x may have at most
 * SC_LSI_MAX_FEATURES columns (select peaks first beyond that). */
#define SC_LSI_MAX_FEATURES 12000
int sc_lsi(sc_dmat *out, double *sv, const sc_csr *x, size_t n_comps, int drop_first,
	   sc_err *err) SC_WUR;

/* Joint embedding by concatenation: block m (cells x d_m) is scaled by
 * sqrt(w_m / V_m), V_m its total variance (sum of column variances, ddof 1),
 * so that it carries total variance w_m (weights NULL: all 1, i.e. equal
 * blocks whatever their dimension or scale). out: cells x sum d_m. */
int sc_concat_embeddings(sc_dmat *out, const sc_dmat *blocks, const double *weights,
			 size_t n_blocks, sc_err *err) SC_WUR;

typedef enum { SC_MODALITY_RNA, SC_MODALITY_PROTEIN, SC_MODALITY_ATAC } sc_modality;

/* counts: cells x features raw counts (not modified). n_comps: PCs for RNA
 * and protein (clipped as the PCA clips), LSI components computed for ATAC
 * (n_comps - 1 are returned). out allocated here. */
int sc_modality_embedding(sc_dmat *out, const sc_csr *counts, sc_modality kind, size_t n_comps,
			  sc_err *err) SC_WUR;

#endif
