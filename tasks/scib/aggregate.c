/*
 * aggregate.c - bio / batch / overall scores from a methods x metrics table,
 * raw or min-max scaled per metric the way sklearn's MinMaxScaler does it
 * (x * scale + min_, scale = 1 / (max - min) with a zero range read as 1,
 * NaN ignored in the extremes and kept in place).
 */
#include "aggregate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sc_scib_aggregate(double *bio, double *batch, double *overall, double *scaled,
		      const double *table, size_t n_methods, size_t n_metrics,
		      const sc_scib_class *cls, int min_max, sc_err *err)
{
	if (!n_methods || !n_metrics)
		return sc_errf(err, SC_EINVAL, "empty results table (%zu methods, %zu metrics)",
			       n_methods, n_metrics);
	for (size_t j = 0; j < n_metrics; j++)
		if (cls[j] != SC_SCIB_BIO && cls[j] != SC_SCIB_BATCH && cls[j] != SC_SCIB_NONE)
			return sc_errf(err, SC_EINVAL, "metric %zu has an unknown class %d", j,
				       (int)cls[j]);
	size_t nm = n_methods, nk = n_metrics;
	double *t = sc_xmalloc(sizeof(double) * nm * nk);
	memcpy(t, table, sizeof(double) * nm * nk);
	if (min_max) {
		for (size_t j = 0; j < nk; j++) {
			double lo = INFINITY, hi = -INFINITY;
			for (size_t i = 0; i < nm; i++) {
				double v = t[i * nk + j];
				if (isnan(v))
					continue;
				if (v < lo)
					lo = v;
				if (v > hi)
					hi = v;
			}
			if (lo > hi)
				continue; /* all NaN */
			double range = hi - lo;
			double sc = 1. / (range == 0 ? 1. : range), mn = 0 - lo * sc;
			for (size_t i = 0; i < nm; i++)
				t[i * nk + j] = t[i * nk + j] * sc + mn;
		}
	}
	double *v = sc_xmalloc(sizeof(double) * (nk + 1));
	for (size_t i = 0; i < nm; i++) {
		double cls_mean[2];
		for (int c = 0; c < 2; c++) {
			size_t m = 0;
			for (size_t j = 0; j < nk; j++)
				if ((int)cls[j] == c)
					v[m++] = t[i * nk + j];
			cls_mean[c] = sc_scib_nanmean(v, m);
		}
		bio[i] = cls_mean[SC_SCIB_BIO];
		batch[i] = cls_mean[SC_SCIB_BATCH];
		overall[i] = 0.4 * batch[i] + 0.6 * bio[i];
	}
	if (scaled)
		memcpy(scaled, t, sizeof(double) * nm * nk);
	free(v);
	free(t);
	return 0;
}
