/*
 * loess.h - one-dimensional local polynomial regression (Cleveland's loess)
 * evaluated directly at every data point, as netlib's dloess does with
 * surface = "direct" (seurat_v3 highly variable genes need it).
 */
#ifndef SC_LOESS_H
#define SC_LOESS_H

#include <stddef.h>
#include "util/err.h"

/* fitted[i] = value at x[i] of the weighted least-squares polynomial of
 * the given degree (0..2) fitted to the floor(n * span) nearest points
 * with tricube weights (span in (0, 1]). */
int sc_loess_fit(double *fitted, const double *x, const double *y, size_t n, double span,
		 int degree, sc_err *err) SC_WUR;

#endif
