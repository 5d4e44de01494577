/*
 * aggregate.h - the scIB summary scores of a benchmark table: bio
 * conservation = mean of the bio metrics, batch correction = mean of the
 * batch metrics, overall = 0.6 bio + 0.4 batch (scib-reproducibility and
 * scib-metrics' Benchmarker). Optionally each metric is first min-max
 * scaled across the methods, as Benchmarker.get_results(min_max_scale=True)
 * does with sklearn's MinMaxScaler (a constant column becomes 0).
 * Means skip NaN (pandas); a class without any value is NaN.
 */
#ifndef SC_SCIB_AGGREGATE_H
#define SC_SCIB_AGGREGATE_H

#include "tasks/scib/common.h"

typedef enum {
	SC_SCIB_BIO = 0,   /* bio conservation */
	SC_SCIB_BATCH = 1, /* batch correction */
	SC_SCIB_NONE = 2,  /* reported, not aggregated (e.g. raw PCR) */
} sc_scib_class;

/*
 * table: n_methods x n_metrics, row-major, metrics already oriented so
 * that higher is better (every scib metric used in aggregates is). bio,
 * batch, overall: n_methods outputs. scaled (optional, n_methods x
 * n_metrics): the table actually averaged (scaled when min_max).
 */
int sc_scib_aggregate(double *bio, double *batch, double *overall, double *scaled,
		      const double *table, size_t n_methods, size_t n_metrics,
		      const sc_scib_class *cls, int min_max, sc_err *err) SC_WUR;

#endif
