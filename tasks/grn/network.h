/*
 * tasks/grn/network.h - the numerical core of the gene-network task between
 * an embedding and its scores:
 *
 *   programs   scanpy's recipe on the genes: cosine kNN (each gene its own
 *              first neighbour), UMAP connectivities, Leiden (leidenalg's
 *              RBConfiguration, as scanpy.tl.leiden) at a resolution;
 *              clusters of at least min_size genes are the programs.
 *   enrich     each program against each gene set sharing a gene with it:
 *              the one-sided hypergeometric test over the background of
 *              embedded and annotated genes (gseapy's enrich), BH over a
 *              family of tests, and the Jaccard index.
 *   edges      gene pairs ranked by cosine against a reference network:
 *              AUROC, average precision, early precision ratio.
 */
#ifndef SC_GRN_NETWORK_H
#define SC_GRN_NETWORK_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
#include "util/mat.h"

/* cluster: x->rows entries, Leiden's numbering (0 = largest). */
int sc_grn_cluster_genes(int32_t *cluster, size_t *n_clusters, const sc_dmat *x, size_t k,
			 double resolution, uint64_t seed, sc_err *err) SC_WUR;

/* One test of a program against a gene set. */
typedef struct sc_grn_test {
	int32_t program, set;
	int32_t overlap, program_size, set_size; /* sizes within the background */
	double log_p, p, q, jaccard;
} sc_grn_test;

typedef struct sc_grn_enrichment {
	size_t n_programs, background;
	int32_t *program_size; /* n_programs: genes in the background */
	sc_grn_test *tests;    /* by program, then set */
	size_t n_tests;
	double *best_jaccard;  /* n_programs: 0 when no set shares a gene */
	int32_t *best_jaccard_set; /* -1 when none */
} sc_grn_enrichment;

enum { SC_GRN_FDR_ALL, SC_GRN_FDR_PER_PROGRAM };

/* program: n_genes entries, -1 for genes in no program. Sets as gene
 * indices (set_off: n_sets + 1). The background is the genes in a set. */
int sc_grn_enrich(sc_grn_enrichment *out, const int32_t *program, size_t n_programs,
		  size_t n_genes, const size_t *set_off, const int32_t *set_genes, size_t n_sets,
		  int fdr_family, sc_err *err) SC_WUR;
void sc_grn_enrichment_free(sc_grn_enrichment *e);

/* Pairs (i < j) of the genes in universe (sorted indices), i.e. n(n-1)/2
 * scores: y[p] = truth, score[p] = cosine of the rows. */
typedef struct sc_grn_pairs {
	size_t n;
	int32_t *y;
	double *score;
} sc_grn_pairs;
/* truth(i, j, ctx) for genes i < j of x. */
typedef int (*sc_grn_truth_fn)(int32_t i, int32_t j, void *ctx);
void sc_grn_pairs_build(sc_grn_pairs *out, const sc_dmat *x, const int32_t *universe, size_t nu,
			sc_grn_truth_fn truth, void *ctx);
void sc_grn_pairs_free(sc_grn_pairs *p);

#endif
