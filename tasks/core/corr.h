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

#endif
