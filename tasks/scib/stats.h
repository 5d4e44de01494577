/*
 * stats.h - the distribution functions the scIB metrics need: the
 * regularised incomplete gamma functions and the chi-square upper tail
 * (kBET's test), written out here rather than pulled from a statistics
 * library: a power series below x = a + 1, a continued fraction (modified
 * Lentz) above, both to double precision.
 */
#ifndef SC_SCIB_STATS_H
#define SC_SCIB_STATS_H

/* P(a, x) = gamma(a, x) / Gamma(a), the lower regularised incomplete gamma,
 * for a > 0, x >= 0 (NaN otherwise). */
double sc_scib_gamma_p(double a, double x);
/* Q(a, x) = 1 - P(a, x), computed directly where it is small. */
double sc_scib_gamma_q(double a, double x);
/* scipy.stats.chi2.sf(x, dof) = Q(dof / 2, x / 2); 1 for x <= 0. */
double sc_scib_chi2_sf(double x, double dof);

#endif
