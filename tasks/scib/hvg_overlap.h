/*
 * hvg_overlap.h - scib's HVG overlap (metrics/highly_variable_genes.py), a
 * bio-conservation metric of methods that output corrected features: per
 * batch, scanpy's cell_ranger HVGs of the unintegrated data (restricted to
 * the method's features, genes without a positive value dropped, at most
 * min(n_hvg, half the genes) of them) against as many HVGs of the corrected
 * features; the batch scores |both| / min(|before|, |after|); the metric is
 * the mean over batches. In [0, 1], higher is better.
 */
#ifndef SC_SCIB_HVG_OVERLAP_H
#define SC_SCIB_HVG_OVERLAP_H

#include "tasks/scib/common.h"

/* pre: unintegrated log-normalised expression (cells x npre genes, names
 * pre_var); post: corrected features (cells x npost, names post_var), each
 * of which must be a gene of pre (an error names the first that is not).
 * n_hvg is scib's 500. A batch whose genes are too few for any HVG gets no
 * score; *out is NaN with the reason when no batch has one. */
int sc_scib_hvg_overlap(double *out, const sc_csr *pre, char *const *pre_var, size_t npre,
			const sc_csr *post, char *const *post_var, size_t npost,
			const sc_labels *batches, size_t n_hvg, sc_scib_why *why,
			sc_err *err) SC_WUR;

#endif
