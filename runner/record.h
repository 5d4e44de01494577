/*
 * record.h - what the runner writes to and reads from the catalog: runs,
 * steps (the cache), their inputs, outputs, metrics and logs, and result
 * manifests.
 */
#ifndef SC_RECORD_H
#define SC_RECORD_H

#include <jansson.h>
#include <stdint.h>
#include "runner/plan.h"
#include "store/store.h"

/* Start a run record (status 'running'), with the environment and the git
 * provenance of the spec's folder (its diff stored as an object). The spec
 * object must already be stored and recorded. */
int sc_run_begin(sc_store *s, const sc_oid *spec, const char *spec_path, int argc,
		 char *const *argv, int jobs, int64_t *out_id, sc_err *err) SC_WUR;
int sc_run_finish(sc_store *s, int64_t run, const char *status, const sc_oid *result,
		  size_t n_steps, size_t n_cached, size_t n_failed, sc_err *err) SC_WUR;
/* Record a finished step (computed or cached, done or failed) for a run:
 * for a computed step also its cache entry. run <= 0: cache entry only. */
int sc_step_record(sc_store *s, int64_t run, const sc_plan_step *st, int ord, sc_err *err) SC_WUR;
/* Look the step's key up in the cache: *hit = 1 with outputs, metrics and
 * logs filled when a successful entry exists and all its outputs are stored. */
int sc_cache_lookup(sc_store *s, sc_plan_step *st, int *hit, sc_err *err) SC_WUR;
/* Runs of this host left 'running' by a process that no longer exists
 * (killed; a pid reused by a later process counts as gone) become
 * 'interrupted'. */
int sc_runs_mark_stale(sc_store *s, sc_err *err) SC_WUR;
/* The result manifest of the done steps of a plan (canonical JSON). */
char *sc_result_manifest(const sc_plan *p);

#endif
