/*
 * splat_fit.h - the Splatter-style simulator (tasks/core/splat.h) with its
 * parameters estimated from real counts as Splatter's splatEstimate does:
 * gene means' gamma shape and rate (library-size-normalised means,
 * winsorised at 10%), library size log-normal, expression outliers
 * (share, log-normal location and scale), BCV (common and degrees of
 * freedom) and the logistic dropout's midpoint and shape.
 *
 * Deviations from splatEstimate, stated: the gamma is fitted by maximum
 * likelihood (Splatter: maximum goodness-of-fit estimation, CvM); the
 * BCV is matched to per-gene ML NB dispersions of the cell-type model
 * through the simulator's own law phi = (bcv + 1/sqrt(mu))^2 df/chi2_df,
 * over genes with mean count >= 1 (Splatter calls edgeR's estimateDisp).
 */
#ifndef SC_SIM_SPLAT_FIT_H
#define SC_SIM_SPLAT_FIT_H

#include "tasks/core/splat.h"
#include "tasks/simulation/model.h"
#include "tasks/step.h"

/* Estimate p's mean, library, outlier, BCV and dropout parameters from d
 * (p's other fields are left as they are). */
int sc_sim_splat_estimate(sc_splat_params *p, const sc_sim_data *d, sc_err *err) SC_WUR;

/* The splat_fit method: estimate, simulate d->n cells with d's cell types
 * and batches, write out_data (and the parameters, out_params). */
int sc_sim_splat_fit_step(sc_step_ctx *c, const sc_sim_data *d, const char *out_data,
			  const char *out_params) SC_WUR;

#endif
