/*
 * diff.h - what differs between two runs or results: metric deltas, then
 * the inputs, parameters, code and environment that could explain them.
 */
#ifndef SC_DIFF_H
#define SC_DIFF_H

#include <jansson.h>
#include "store/store.h"

/* a, b: RUN or RESULT refs; a metric with |b - a| <= threshold counts as
 * the same. *out:
 * {"a": {ref, run, result}, "b": {...},
 *  "summary": {improved, regressed, same, changed, only_a, only_b, threshold},
 *  "metrics": [{task, dataset, method, seed, metric, a, b, delta, relative,
 *               higher_is_better, change: "same"|"better"|"worse"|"changed"|"only a"|"only b"}],
 *  "inputs": [{what, a, b}], "params": [{step, key, a, b}],
 *  "code": [{what, a, b}], "environment": [{what, a, b}]} */
int sc_diff(sc_store *s, const char *a, const char *b, double threshold, json_t **out,
	    sc_err *err) SC_WUR;

#endif
