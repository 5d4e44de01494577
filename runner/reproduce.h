/*
 * reproduce.h - re-execute every step of a result, without the cache, and
 * compare what comes out with what was recorded.
 *
 * Each step is re-run on its recorded inputs (not on its predecessors'
 * re-computed outputs), so a difference is pinned to the step that made it.
 */
#ifndef SC_REPRODUCE_H
#define SC_REPRODUCE_H

#include <jansson.h>
#include "store/store.h"

typedef struct sc_repro_opts {
	/* Outputs' floats: |a - b| <= tol * the array's largest |value| (compare.h);
	 * metrics: |a - b| <= tol * max(1, |a|, |b|). SC_CMP_DEFAULT_TOLERANCE
	 * unless the user says otherwise. */
	double tolerance;
	int exact; /* only identical bytes (and bit-equal metrics) pass */
	int jobs;
	int progress;
} sc_repro_opts;

/* *out: {"result", "steps": [{key, label, deterministic, status, error, note,
 * outputs: [{name, recorded, reproduced, verdict, detail, format, max_abs,
 * max_abs_at, max_rel, max_rel_at, max_scaled}], metrics: [{name, recorded,
 * reproduced, verdict, abs_diff}]}], "identical", "equivalent", "within"
 * (the same count as equivalent, kept for readers of schema 1), "different",
 * "failed", "tolerance", "exact", "environment": {"recorded_by_runs",
 * "changes": [{what, a, b}]}, "cause": text or null}.
 * verdict: "identical", "equivalent" (within the tolerance), "different".
 * detail, format and the max_* keys appear only for outputs that are not
 * identical; max_* only when some float differs. */
int sc_reproduce(sc_store *s, const sc_oid *result, const sc_repro_opts *o, json_t **out,
		 sc_err *err) SC_WUR;
/* *out = 1 when a run recorded any step of the result in portable mode
 * (runner/portable.h): reproducing it then needs portable mode too. */
int sc_reproduce_portable(sc_store *s, const sc_oid *result, int *out, sc_err *err) SC_WUR;

#endif
