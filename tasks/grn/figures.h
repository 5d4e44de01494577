/*
 * tasks/grn/figures.h - the gene-network task's figures (io/svg.h): the
 * program size histogram of a clustering, and the top programs with their
 * best gene sets (-log10 FDR bars labelled with the set and the overlap).
 */
#ifndef SC_GRN_FIGURES_H
#define SC_GRN_FIGURES_H

#include <stddef.h>
#include <stdint.h>
#include "network.h"
#include "util/err.h"

/* Each program's best test (by FDR, then p), an index into the
 * enrichment's tests or -1; alpha: the FDR threshold of the metrics. */
typedef struct sc_grn_summary {
	size_t n;
	int32_t *best;
	double alpha;
} sc_grn_summary;

/* size: n_clusters cluster sizes (Leiden's order, decreasing). */
int sc_grn_figure_sizes(const char *path, const size_t *size, size_t n_clusters, size_t min_size,
			double resolution, sc_err *err) SC_WUR;
/* The top (at most) `top` programs by the FDR of their best set. */
int sc_grn_figure_top(const char *path, const sc_grn_summary *s, const sc_grn_enrichment *en,
		      char *const *set_names, size_t top, sc_err *err) SC_WUR;

#endif
