/*
 * summary.h - metric tables over runs: one row per (task, dataset, method
 * variant), one column per metric, mean and sd over seeds (sceval compare,
 * sceval runs --metrics).
 *
 * A variant is what a method was run with: the parameters, implementation
 * versions and root inputs (datasets, files) of its own steps and of the
 * task's shared steps (preparation). Rows of several runs whose variants are
 * equal are one row (their seeds pooled); variants of one method that differ
 * are labelled by what differs ("knn k=15", "knn k=30"), never by run.
 */
#ifndef SC_SUMMARY_H
#define SC_SUMMARY_H

#include <jansson.h>
#include <stddef.h>
#include "store/store.h"

typedef struct sc_summary_opts {
	const char *const *metrics; /* only these columns, in this order (NULL: all) */
	size_t n_metrics;
	int per_run; /* one row per (run, task, dataset, method): nothing pooled */
} sc_summary_opts;

/*
 * refs: RUN or RESULT refs. *out (caller decrefs):
 * {"sources": [{ref, run, result, spec_path}],
 *  "metrics": [{name, higher_is_better}],
 *  "rows": [{task, dataset, method, variant, differs: {name: value},
 *            runs: [id], sources: [index into refs], seeds: [s], values: {metric: {mean, sd, n, missing,
 *            best, values: [v per seed]}}}]}
 * mean and sd over the seeds whose value is a number (sd: sample standard
 * deviation, n - 1 in the denominator; null when n < 2); best: the best
 * mean of the column within its (task, dataset) block (of its run too with
 * per_run), by the metric's declared direction. Rows: blocks in order of
 * first appearance, a method's variants together.
 * With metrics named, rows that have none of them are left out.
 * SC_ENOTFOUND for an unknown ref or a metric none of the runs has.
 */
int sc_summary(sc_store *s, const char *const *refs, size_t n, const sc_summary_opts *o,
	       json_t **out, sc_err *err) SC_WUR;

#endif
