/*
 * lbfgs.h - unconstrained limited-memory BFGS with a More-Thuente line
 * search, following the conventions of L-BFGS-B 3.0 as scipy's
 * minimize(method="L-BFGS-B") runs it without bounds: the same memory size,
 * line-search constants (sufficient decrease 1e-3, curvature 0.9, interval
 * tolerance 0.1), first step 1/||d||, skipped updates on weak curvature,
 * and stopping rules (max |g_i| <= gtol, relative decrease <= ftol).
 *
 * Why these conventions: sklearn's LogisticRegression(solver="lbfgs") stops
 * where scipy's rules say (usually the relative-decrease test, long before
 * the gradient tolerance it is given), so a solver that is to give sklearn's
 * coefficients must walk the same path and stop by the same rules. With
 * ftol = 0 and a small gtol it converges to the optimum instead.
 *
 * The objective is called with x and fills grad (same length); it must be
 * deterministic. Dot products here run in a fixed order (no threaded BLAS
 * reductions), so the iterates do not depend on the thread count.
 */
#ifndef SC_CLASSIFY_LBFGS_H
#define SC_CLASSIFY_LBFGS_H

#include <stddef.h>
#include "util/err.h"

typedef double (*sc_lbfgs_fn)(void *ctx, const double *x, double *grad);

typedef struct sc_lbfgs_opts {
	int m;        /* correction pairs kept (scipy's maxcor): 10 */
	int max_iter; /* iterations (scipy's maxiter): 15000 */
	int max_ls;   /* evaluations per line search (scipy's maxls): 20 */
	double gtol;  /* stop when max |g_i| <= gtol (scipy's gtol/pgtol): 1e-5 */
	/* stop when f_old - f <= ftol * max(|f_old|, |f|, 1): 2.220446049250313e-09,
	 * scipy's default (factr 1e7 times the machine epsilon) */
	double ftol;
} sc_lbfgs_opts;

void sc_lbfgs_opts_init(sc_lbfgs_opts *o);

enum {
	SC_LBFGS_GTOL = 1,  /* converged: gradient small */
	SC_LBFGS_FTOL = 2,  /* converged: relative decrease small */
	SC_LBFGS_MAXITER = 3,
	SC_LBFGS_LSFAIL = 4, /* line search failed with steepest descent: at the precision limit */
};

typedef struct sc_lbfgs_result {
	int status;  /* one of the SC_LBFGS_* above */
	int iters;   /* accepted steps (scipy's nit) */
	int nfev;    /* objective evaluations */
	double f;    /* final objective */
	double gmax; /* final max |g_i| */
} sc_lbfgs_result;

/* Minimise fn from x (overwritten with the result). Fails only on bad
 * options or a non-finite objective at the start. */
int sc_lbfgs_minimize(double *x, size_t n, sc_lbfgs_fn fn, void *ctx, const sc_lbfgs_opts *o,
		      sc_lbfgs_result *res, sc_err *err) SC_WUR;

#endif
