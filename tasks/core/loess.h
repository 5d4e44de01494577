/*
 * loess.h - one-dimensional local polynomial regression (Cleveland's loess)
 * as netlib's dloess computes it: either directly at every data point
 * (surface = "direct") or on a k-d tree of vertices blended by cubic
 * Hermite interpolation (surface = "interpolate", the default of R's
 * loess() and of skmisc.loess, which scanpy's seurat_v3 calls).
 *
 * Both fit, around each point x0, the weighted least-squares polynomial of
 * the given degree (0..2) to the nf = floor(n * span + 1e-5) nearest points
 * with tricube weights (span in (0, 1]); family gaussian, no robustness
 * iterations.
 */
#ifndef SC_LOESS_H
#define SC_LOESS_H

#include <stddef.h>
#include "util/err.h"

typedef enum {
	SC_LOESS_INTERPOLATE = 0, /* dloess's default surface: vertices + Hermite blending */
	SC_LOESS_DIRECT = 1,      /* a local fit at every point */
} sc_loess_surface;

/* What the interpolated fit ran into; dloess warns (R) or raises (skmisc)
 * when either count is non-zero, but the fitted values are still defined. */
typedef struct sc_loess_info {
	size_t nvert;   /* vertices of the k-d tree */
	size_t ncell;   /* cells of the k-d tree, leaves and inner */
	size_t nsing;   /* vertices whose local fit needed the pseudo-inverse */
	int limited;    /* the tree reached its size limit (max(200, n) vertices) */
} sc_loess_info;

/* The direct surface: fitted[i] = value at x[i] of the local polynomial
 * fitted to the floor(n * span) nearest points. */
int sc_loess_fit(double *fitted, const double *x, const double *y, size_t n, double span,
		 int degree, sc_err *err) SC_WUR;

/* The interpolated surface with dloess's cell = 0.2: the local fit's value
 * and slope at the vertices of a k-d tree whose cells hold at most
 * floor(n * span * 0.2) points, cubic Hermite interpolation in between.
 * Equal to R's loess(y ~ x, span, degree)$fitted up to rounding. info may
 * be NULL. Refuses fewer than degree + 2 neighbours (skmisc raises there)
 * and neighbourhoods of zero width. */
int sc_loess_fit_interpolate(double *fitted, sc_loess_info *info, const double *x, const double *y,
			     size_t n, double span, int degree, sc_err *err) SC_WUR;

#endif
