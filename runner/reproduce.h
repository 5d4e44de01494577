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
	double tolerance; /* metrics within |a - b| <= tol * max(1, |a|) */
	int jobs;
	int progress;
} sc_repro_opts;

/* *out: {"result", "steps": [{key, label, deterministic, status, error,
 * outputs: [{name, recorded, reproduced, verdict}], metrics: [{name,
 * recorded, reproduced, verdict}]}], "identical", "within", "different",
 * "failed"}. verdict: "identical", "within tolerance", "different". */
int sc_reproduce(sc_store *s, const sc_oid *result, const sc_repro_opts *o, json_t **out,
		 sc_err *err) SC_WUR;

#endif
