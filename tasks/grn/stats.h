/*
 * tasks/grn/stats.h - the statistics of the gene-network task: the one-sided
 * hypergeometric (Fisher) test in log space, Benjamini-Hochberg adjusted
 * p-values, the adjusted mutual information of two partitions, and the
 * early precision ratio of a ranking.
 *
 * Enrichment p-values reach 1e-300 and below for large programs that match
 * a gene set well, so the tail is computed as a logarithm: the pmf at the
 * first term from log-factorials in extended precision, times the sum of
 * the following terms relative to it (each from the previous by the exact
 * ratio of the pmf), which keeps the relative error near 1e-13 whatever the
 * size of the p-value.
 */
#ifndef SC_GRN_STATS_H
#define SC_GRN_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

/* log P(X >= x) for X ~ Hypergeometric(population N, K successes in it,
 * n draws): scipy.stats.hypergeom.sf(x - 1, N, K, n), and the one-sided
 * Fisher exact test fisher_exact([[x, n - x], [K - x, N - K - n + x]],
 * alternative='greater'). 0 when x is at or below the support, -INFINITY
 * above it. Requires K <= N and n <= N. */
double sc_grn_hypergeom_logsf(int64_t x, int64_t N, int64_t K, int64_t n);

/* Benjamini-Hochberg adjusted p-values (statsmodels' multipletests
 * method='fdr_bh'): q_(i) = min over j >= i of p_(j) * m / j, capped at 1,
 * in the order of the input. NaN p-values are an error. */
int sc_grn_bh(double *q, const double *p, size_t m, sc_err *err) SC_WUR;

/* sklearn's adjusted_mutual_info_score(a, b) with the arithmetic mean of
 * the entropies: (MI - E[MI]) / (mean(H(a), H(b)) - E[MI]), E[MI] under the
 * permutation model (the hypergeometric sums of Vinh et al. 2010). 1 when
 * both partitions are one block (or empty). Codes: any non-negative
 * integers. */
int sc_grn_ami(double *out, const int32_t *a, const int32_t *b, size_t n, sc_err *err) SC_WUR;

/* BEELINE's early precision ratio: the share of true pairs among the k
 * highest scores (k = the number of true pairs; ties broken by the lower
 * index), over the share of true pairs among all. NaN without a true or
 * without a false pair. */
double sc_grn_epr(const uint8_t *is_true, const double *score, size_t n);

#endif
