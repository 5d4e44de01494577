/*
 * query.h - reading runs and results back: the run list, one run with its
 * provenance and environment, metric rows of a run or of a result manifest.
 * Everything comes back as jansson values so the CLI, diff and the report
 * pages render the same data.
 */
#ifndef SC_QUERY_H
#define SC_QUERY_H

#include <jansson.h>
#include <stdint.h>
#include "store/store.h"

/* A RUN (a run number, or "run:N") or a RESULT (a ref to a result object).
 * *run > 0 for a run (with *result set when it has one), else *run = 0. */
int sc_query_resolve(sc_store *s, const char *ref, int64_t *run, sc_oid *result, int *has_result,
		     sc_err *err) SC_WUR;
/* Newest first; limit 0 = all. Each: id, status, started, ended, seconds,
 * spec_path, result, steps, cached, failed, commit, branch, dirty. */
int sc_query_runs(sc_store *s, size_t limit, json_t **out, sc_err *err) SC_WUR;
/* One run: the row above plus argv, cwd, sceval_version, build, libraries,
 * machine, provenance {repo, commit, branch, remote, dirty, dirty_files,
 * diff, note}, and steps [{key, kind, label, task, dataset, method, seed,
 * cached, status, error, wall, cpu, maxrss_kb, params, inputs, outputs,
 * stdout_log, stderr_log}]. */
int sc_query_run(sc_store *s, int64_t run, json_t **out, sc_err *err) SC_WUR;
/* Metric rows [{task, dataset, method, seed, metric, value, higher_is_better,
 * detail, step}] of a run, ordered by task, dataset, method, seed, metric. */
int sc_query_run_metrics(sc_store *s, int64_t run, json_t **out, sc_err *err) SC_WUR;
/* The parsed manifest of a result object. */
int sc_query_result(sc_store *s, const sc_oid *result, json_t **out, sc_err *err) SC_WUR;
/* Metric rows of a result manifest (same shape as the run's). */
json_t *sc_query_result_metrics(const json_t *manifest);
/* The environment a step was computed in: {"run", "libraries", "machine"}
 * of the first run that computed it (not from the cache); *out NULL when no
 * run in this store did (a manifest without its runs). */
int sc_query_step_env(sc_store *s, const char *key, json_t **out, sc_err *err) SC_WUR;

/* What a RUN or RESULT ref recorded, in one shape for both: its steps
 * [{key, kind, version, task, dataset, method, seed, params, inputs,
 * outputs}] and its metric rows; info is the run (sc_query_run) or NULL for
 * a bare result. sc_query_ref_clear releases the JSON (accepts a zeroed
 * struct). */
typedef struct sc_query_ref {
	int64_t run; /* > 0 for a run */
	sc_oid result;
	int has_result;
	json_t *steps, *metrics, *info;
} sc_query_ref;
int sc_query_ref_load(sc_store *s, const char *ref, sc_query_ref *out, sc_err *err) SC_WUR;
void sc_query_ref_clear(sc_query_ref *x);

#endif
