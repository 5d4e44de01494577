/*
 * fidelity.h - how real simulated cells look, measured against the real
 * cells they imitate:
 *
 *  - the two-sample Kolmogorov-Smirnov statistic (scipy.stats.ks_2samp's
 *    statistic: the largest distance between the two empirical CDFs);
 *  - per-gene and per-cell summaries of a count matrix (mean, variance
 *    with ddof 1, coefficient of variation sd / mean over genes with a
 *    non-zero mean, zero fraction; library size, zero fraction), overall
 *    and per cell type, accumulated in one streaming pass over the cells;
 *  - binned mean-variance and mean-zero curves and their mean absolute
 *    difference;
 *  - the distance between two Spearman correlation matrices.
 */
#ifndef SC_SIM_FIDELITY_H
#define SC_SIM_FIDELITY_H

#include <stddef.h>
#include <stdint.h>
#include "io/h5ad.h"
#include "util/err.h"

/* sup |F_a - F_b| of the empirical CDFs; NaN values are left out; NaN
 * when either side is empty. */
double sc_sim_ks(const double *a, size_t na, const double *b, size_t nb);

/* The summaries of one count matrix: per group (0 = all cells, 1 + t =
 * cell type t) the gene sums, and per cell its library size and zero
 * fraction. */
typedef struct sc_sim_summary {
	size_t n, genes, groups;
	double *s1, *s2;     /* groups x genes: sum and sum of squares of counts */
	double *nz;          /* groups x genes: non-zero counts */
	double *ncells;      /* groups */
	double *lib, *zero;  /* n: library size, fraction of genes at zero */
	double *lnvar;       /* genes: variance of log1p(CP10k), ddof 1 */
	int32_t *type;       /* n: cell type codes (borrowed) */
} sc_sim_summary;

/* One pass over X (or the counts path) of h. type: n codes in [0, ntypes). */
int sc_sim_summarize(sc_sim_summary *out, sc_h5ad *h, const char *counts, const int32_t *type,
		     size_t ntypes, sc_err *err) SC_WUR;
void sc_sim_summary_free(sc_sim_summary *s);

/* The gene statistics of group grp: kind 0 mean, 1 variance, 2 CV, 3 zero
 * fraction, into out (genes entries; CV is NaN where the mean is 0). */
enum { SC_SIM_GENE_MEAN, SC_SIM_GENE_VAR, SC_SIM_GENE_CV, SC_SIM_GENE_ZERO, SC_SIM_GENE_NSTATS };
void sc_sim_gene_stat(double *out, const sc_sim_summary *s, size_t grp, int kind);

/* Binned curves over log10 gene mean (genes with mean > 0): nbins equal
 * bins spanning the real genes' range; in each bin the mean of y (log10
 * variance, or zero fraction). The mean absolute difference over the bins
 * where both sides have genes; NaN when none. */
double sc_sim_curve_mad(const double *mean_a, const double *y_a, size_t na,
			const double *mean_b, const double *y_b, size_t nb, size_t nbins);

/* Spearman correlations of the columns of x (n x k, row-major): ranks with
 * ties averaged, then Pearson; a constant column correlates 0 with every
 * other. out: k x k. */
void sc_sim_spearman(double *out, const double *x, size_t n, size_t k);
/* Over the off-diagonal entries: mean |A - B| and ||A - B||_F / ||A||_F. */
void sc_sim_corr_distance(double *mad, double *rel_frob, const double *A, const double *B,
			  size_t k);

#endif
