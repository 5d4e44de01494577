/*
 * corr.h - correlation coefficients as scipy.stats defines them, shared by
 * the tasks that score predicted against measured profiles.
 */
#ifndef SC_CORE_CORR_H
#define SC_CORE_CORR_H

#include <stddef.h>

/* Pearson's r of x and y (two passes: means, then centred sums), clamped
 * to [-1, 1]. NaN when n < 2 or either vector is constant (all values
 * equal), where scipy.stats.pearsonr warns and returns NaN. */
double sc_pearson(const double *x, const double *y, size_t n);

/* The 1-based ranks of x, ties sharing the mean of their ranks (scipy's
 * rankdata(method='average')); x has no NaN. */
void sc_average_ranks(double *rank, const double *x, size_t n);
/* Spearman's rho as scipy.stats.spearmanr (and pandas' corr(method=
 * 'spearman')): Pearson's r of the average ranks; NaN as sc_pearson. */
double sc_spearman(const double *x, const double *y, size_t n);

#endif
