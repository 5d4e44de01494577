/*
 * combat.h - ComBat batch-effect correction, as scanpy.pp.combat computes it
 * (Johnson et al. 2007, parametric empirical Bayes; scanpy's port of
 * brentp/combat.py).
 *
 * Input: a dense cells x genes matrix (log-normalised expression, typically
 * the highly variable genes) corrected in place, per-cell batch labels and
 * optional numeric covariates (cells x q, appended to the design as scanpy
 * appends numeric obs columns). Categorical covariates are the caller's to
 * encode: pass their dummy columns without a reference level collinear with
 * the batch one-hot (scanpy's own full dummy coding makes the design singular).
 *
 * Genes with zero pooled variance are kept, as scanpy keeps them: they leave
 * the correction as their standardisation mean. They also enter the prior
 * estimates with gamma_hat = delta_hat = 0, and make scanpy's relative-change
 * test 0/0 = NaN, which ends the empirical-Bayes iteration of every batch
 * after one step; sceval reproduces that, so results equal scanpy's.
 */
#ifndef SC_COMBAT_H
#define SC_COMBAT_H

#include <stddef.h>
#include "util/mat.h"
#include "util/err.h"

typedef struct sc_combat_info {
	size_t n_batches;      /* batches with at least one cell */
	size_t n_zero_var;     /* genes with zero pooled variance */
	size_t max_iterations; /* largest EB iteration count over the batches */
} sc_combat_info;

/* Correct x (cells x genes) in place. batch: x->rows labels, no missing
 * codes; every non-empty category needs >= 2 cells. covariates: NULL or
 * x->rows x q. info may be NULL. On error x is unchanged. */
int sc_combat(sc_dmat *x, const sc_labels *batch, const sc_dmat *covariates,
	      sc_combat_info *info, sc_err *err) SC_WUR;

#endif
