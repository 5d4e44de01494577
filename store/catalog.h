/*
 * catalog.h - the catalog's typed interface: what the runner, the reports
 * and the commands read from and write to .sceval/catalog.db, as C structs
 * and functions. The SQL, the schema and its migrations stay in store/
 * (catalog_schema.c, catalog_runs.c, catalog_objects.c); no other layer
 * holds SQL text or calls sqlite3 (tests/cli/t0016-catalog-sql.sh).
 *
 * Conventions:
 * - Ids: objects as sc_oid (or, in rows read back, the recorded
 *   "sha256:<hex>" text, NULL when the column is empty); runs as int64.
 * - Strings in rows read back are owned by the row and released by the
 *   row type's free function (each accepts NULL and an empty list).
 * - A nullable number is an sc_catalog_num: .set says whether the column
 *   held a value.
 * - Every row loop checks how it ended: a catalog error is returned as an
 *   error (SC_EIO, SC_EBUSY, SC_ECORRUPT, SC_ERR with err filled), never
 *   taken for "no more rows".
 * - Writes happen in one transaction per call unless the caller opened one
 *   with sc_catalog_begin (a batch of step records is then one commit).
 */
#ifndef SC_CATALOG_H
#define SC_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* The schema version this sceval writes (PRAGMA user_version). */
#define SC_CATALOG_VERSION 3

typedef struct sc_catalog_num {
	int set;
	int64_t i;
	double d; /* for REAL columns */
} sc_catalog_num;

/* ---- transactions ---------------------------------------------------------- */

int sc_catalog_begin(sc_store *s, sc_err *err) SC_WUR;
int sc_catalog_commit(sc_store *s, sc_err *err) SC_WUR;
void sc_catalog_rollback(sc_store *s);
/* The SQLite library's version (for `sceval version` and run records). */
const char *sc_catalog_library_version(void);

/* ---- runs: writing ---------------------------------------------------------- */

/* A run as it starts, with the git provenance of its spec. JSON fields are
 * JSON text; NULL or "" text columns are recorded as NULL. */
typedef struct sc_catalog_run_start {
	sc_oid spec;
	const char *spec_path;
	const char *argv_json;
	const char *cwd;
	const char *sceval_version;
	const char *build_json, *libraries_json, *machine_json;
	const char *host;
	int64_t threads, jobs, pid, started_at;
	/* provenance */
	const char *repo, *commit, *branch, *remote;
	int dirty;
	const char *dirty_files_json;
	const sc_oid *diff; /* the stored diff object, or NULL */
	uint64_t diff_size;
	const char *note;
} sc_catalog_run_start;

/* Record a run (status 'running') and its provenance in one transaction;
 * the diff object gets its catalog row there too. */
int sc_catalog_run_begin(sc_store *s, const sc_catalog_run_start *r, int64_t *out_id,
			 sc_err *err) SC_WUR;
/* Close a run: status, end time, counts and its result (recorded as a
 * 'result' object; NULL when there is none). */
int sc_catalog_run_finish(sc_store *s, int64_t run, const char *status, const sc_oid *result,
			  int64_t ended_at, size_t n_steps, size_t n_cached, size_t n_failed,
			  sc_err *err) SC_WUR;
/* Runs of this host left 'running' by a process that no longer exists
 * (a pid reused by a later process counts as gone) become 'interrupted'. */
int sc_catalog_runs_mark_stale(sc_store *s, sc_err *err) SC_WUR;

/* One (role, object) of a step. */
typedef struct sc_catalog_io {
	const char *role;
	const char *object; /* "sha256:<hex>" */
} sc_catalog_io;

/* One metric of a step, with the declaration of the task the step ran for
 * (declared = 0 when the task declares no metric of that name, or the step
 * ran for no task). */
typedef struct sc_catalog_metric {
	const char *name;
	int has_value;
	double value;
	int higher_is_better; /* as the step emitted it */
	const char *detail;
	int declared;
	int declared_higher_is_better;
	const char *group;
	int primary;
} sc_catalog_metric;

/* A computed step: its cache entry (replacing a failed attempt of the same
 * key whole). Outputs and metrics are recorded only for a done step. */
typedef struct sc_catalog_step {
	const char *key, *kind, *version, *key_json;
	int done;
	int exit_status;
	const char *error;
	int deterministic;
	double wall, cpu;
	int64_t maxrss_kb;
	const char *log_out, *log_err; /* "sha256:<hex>" or "" */
	const char *environment_json, *notes_json;
	int64_t created_at;
	const sc_catalog_io *inputs, *outputs;
	size_t n_inputs, n_outputs;
	const sc_catalog_metric *metrics;
	size_t n_metrics;
} sc_catalog_step;

/* A step as one run used it (computed, cached, failed or skipped). */
typedef struct sc_catalog_run_step {
	int64_t run;
	const char *step; /* the key, or a placeholder for a step never keyed */
	int ord;
	const char *label, *task, *task_kind, *dataset, *method;
	int has_seed;
	int64_t seed;
	int cached;
	const char *status, *error;
	double wall, cpu;
	int64_t maxrss_kb;
	const char *log_out, *log_err;
	const char *executor_json; /* where it was computed (a batch job), or NULL */
} sc_catalog_run_step;

/* Record a step: its cache entry when entry is non-NULL, and its row for
 * the run when rs is non-NULL; inside the caller's transaction or one of
 * its own. */
int sc_catalog_step_record(sc_store *s, const sc_catalog_step *entry,
			   const sc_catalog_run_step *rs, sc_err *err) SC_WUR;

/* ---- runs: reading ---------------------------------------------------------- */

/* A successful cache entry: times, logs, outputs and metrics. */
typedef struct sc_catalog_cached {
	double wall, cpu;
	int64_t maxrss_kb;
	char *log_out, *log_err; /* NULL when none */
	size_t n_outputs;
	char **out_role, **out_object;
	size_t n_metrics;
	char **m_name, **m_detail; /* detail NULL when none */
	sc_catalog_num *m_value;   /* .d */
	int *m_hib;
} sc_catalog_cached;
/* *out NULL when the key has no successful entry. */
int sc_catalog_step_lookup(sc_store *s, const char *key, sc_catalog_cached **out,
			   sc_err *err) SC_WUR;
void sc_catalog_cached_free(sc_catalog_cached *c);

/* A run's row with its provenance. The first group is what lists show;
 * the rest is filled by sc_catalog_run_get only. */
typedef struct sc_catalog_run {
	int64_t id;
	char *status;
	int64_t started_at;
	sc_catalog_num ended_at;
	char *spec_path, *result;
	sc_catalog_num n_steps, n_cached, n_failed;
	char *commit, *branch;
	sc_catalog_num dirty;
	char *host;
	sc_catalog_num pid;
	/* sc_catalog_run_get */
	char *argv_json, *cwd, *sceval_version, *build_json, *libraries_json, *machine_json;
	char *repo, *remote, *dirty_files_json, *diff, *note, *spec;
	sc_catalog_num jobs;
} sc_catalog_run;

/* Newest first; limit 0: all. */
int sc_catalog_runs_list(sc_store *s, size_t limit, sc_catalog_run **out, size_t *n,
			 sc_err *err) SC_WUR;
/* One run; SC_ENOTFOUND ("no run N") when there is none. */
int sc_catalog_run_get(sc_store *s, int64_t id, sc_catalog_run *out, sc_err *err) SC_WUR;
/* Does run id exist (*found), and its result id (NULL when none; caller frees). */
int sc_catalog_run_exists(sc_store *s, int64_t id, int *found, char **result, sc_err *err) SC_WUR;
/* The first run (lowest id) whose result is this object; 0 when none. */
int sc_catalog_run_of_result(sc_store *s, const sc_oid *result, int64_t *run, sc_err *err) SC_WUR;
void sc_catalog_run_clear(sc_catalog_run *r);
void sc_catalog_runs_free(sc_catalog_run *v, size_t n);

/* A run's step with its cache entry's fields (NULL / unset when the entry
 * is gone) and its outputs. */
typedef struct sc_catalog_run_step_row {
	char *step, *kind, *label, *task, *task_kind, *dataset, *method;
	sc_catalog_num seed;
	int cached;
	char *status, *error;
	sc_catalog_num wall, cpu, maxrss_kb;
	char *key_json, *log_out, *log_err;
	sc_catalog_num deterministic;
	char *environment_json, *impl_version, *notes_json;
	char *executor_json; /* NULL when computed by the run itself or cached */
	size_t n_outputs;
	char **out_role, **out_object;
} sc_catalog_run_step_row;
/* In the run's order. */
int sc_catalog_run_steps(sc_store *s, int64_t run, sc_catalog_run_step_row **out, size_t *n,
			 sc_err *err) SC_WUR;
void sc_catalog_run_steps_free(sc_catalog_run_step_row *v, size_t n);

/* A metric of a run: its labels, value and the recorded declaration. */
typedef struct sc_catalog_metric_row {
	char *task, *task_kind, *dataset, *method, *metric, *detail, *step;
	sc_catalog_num seed, value; /* value: .d */
	int higher_is_better;
	int declared; /* the columns below hold the task's declaration */
	int declared_higher_is_better;
	char *group;
	int primary;
} sc_catalog_metric_row;
/* Ordered by task, dataset, method, seed, metric. */
int sc_catalog_run_metrics(sc_store *s, int64_t run, sc_catalog_metric_row **out, size_t *n,
			   sc_err *err) SC_WUR;
void sc_catalog_metric_rows_free(sc_catalog_metric_row *v, size_t n);

/* A cache entry's times (*found 0 when the key has none). */
int sc_catalog_step_times(sc_store *s, const char *key, int *found, sc_catalog_num *wall,
			  sc_catalog_num *cpu, sc_catalog_num *maxrss_kb, sc_err *err) SC_WUR;
/* The first run that computed a step (not from the cache): its id and
 * environment JSON texts; *run 0 when no run of this store did. */
int sc_catalog_step_origin(sc_store *s, const char *key, int64_t *run, char **libraries_json,
			   char **machine_json, sc_err *err) SC_WUR;

/* A step as `sceval show STEP` and `sceval log STEP` find it: its cache
 * entry and the runs that used it. */
typedef struct sc_catalog_step_info {
	char *key, *kind, *impl_version, *key_json, *status, *error;
	char *log_out, *log_err; /* "sha256:<hex>" or NULL */
	char *environment_json, *notes_json;
	sc_catalog_num wall, cpu, maxrss_kb, created_at;
	char *label;   /* as the newest run that used it labelled it, or NULL */
	int64_t *runs; /* the runs that used it, oldest first */
	size_t n_runs;
} sc_catalog_step_info;
/* The step whose key is prefix or starts with it (at least 6 hex digits):
 * SC_ENOTFOUND "no step 'x'", SC_EAMBIGUOUS when several match. */
int sc_catalog_step_find(sc_store *s, const char *prefix, sc_catalog_step_info *out,
			 sc_err *err) SC_WUR;
void sc_catalog_step_info_clear(sc_catalog_step_info *i);

/* ---- objects and names ------------------------------------------------------ */

typedef struct sc_catalog_object {
	char *id; /* "sha256:<hex>" */
	char *type, *kind;
	uint64_t size;
	int64_t added_at;
	char **names; /* sorted */
	size_t n_names;
} sc_catalog_object;
/* Recorded objects, newest first: of a kind (NULL: any), listed ones only
 * unless all; each with its names. */
int sc_catalog_objects_list(sc_store *s, const char *kind, int all, sc_catalog_object **out,
			    size_t *n, sc_err *err) SC_WUR;
/* One object's record (*found 0 when it has none; names are read either way). */
int sc_catalog_object_get(sc_store *s, const sc_oid *id, sc_catalog_object *out, int *found,
			  sc_err *err) SC_WUR;
void sc_catalog_object_clear(sc_catalog_object *o);
void sc_catalog_objects_free(sc_catalog_object *v, size_t n);

typedef struct sc_catalog_source {
	char *path, *host;
	int64_t added_at;
} sc_catalog_source;
/* Where an object was ingested from, oldest first. */
int sc_catalog_object_sources(sc_store *s, const sc_oid *id, sc_catalog_source **out, size_t *n,
			      sc_err *err) SC_WUR;
void sc_catalog_sources_free(sc_catalog_source *v, size_t n);

typedef enum sc_catalog_use_kind {
	SC_CATALOG_USE_INPUT,  /* step, role */
	SC_CATALOG_USE_OUTPUT, /* step, role */
	SC_CATALOG_USE_RESULT, /* run */
	SC_CATALOG_USE_SPEC,   /* run */
} sc_catalog_use_kind;
typedef struct sc_catalog_use {
	sc_catalog_use_kind kind;
	char *step, *role;
	int64_t run;
} sc_catalog_use;
/* What refers to an object (at most limit uses): why gc keeps it. */
int sc_catalog_object_uses(sc_store *s, const sc_oid *id, size_t limit, sc_catalog_use **out,
			   size_t *n, sc_err *err) SC_WUR;
void sc_catalog_uses_free(sc_catalog_use *v, size_t n);

typedef struct sc_catalog_name {
	char *name, *object; /* object: "sha256:<hex>" */
} sc_catalog_name;
/* Every name, sorted. */
int sc_catalog_names_list(sc_store *s, sc_catalog_name **out, size_t *n, sc_err *err) SC_WUR;
void sc_catalog_names_free(sc_catalog_name *v, size_t n);
/* Give an object a name (sc_store_tag's rules) or remove one (SC_ENOTFOUND
 * "no name 'x'" when there is none), each under the store lock (shared:
 * gc, which holds it exclusive, never sees a name half-changed) and in one
 * transaction. */
int sc_catalog_name_set(sc_store *s, const sc_oid *id, const char *name, int force,
			sc_err *err) SC_WUR;
int sc_catalog_name_delete(sc_store *s, const char *name, sc_err *err) SC_WUR;

/* ---- gc and bundles (store/ only) -------------------------------------------- */

/* Every object the catalog refers to (names, runs, provenance, steps, run
 * steps): the roots of gc's live set. cb is called once per reference. */
int sc_catalog_roots(sc_store *s, void (*cb)(void *ctx, const sc_oid *id), void *ctx,
		     sc_err *err) SC_WUR;

/* The tables a bundle carries, and the columns of each it imports. */
typedef enum sc_catalog_table {
	SC_CATALOG_STEPS,
	SC_CATALOG_STEP_IO,      /* step_inputs and step_outputs */
	SC_CATALOG_STEP_METRICS,
	SC_CATALOG_RUNS,         /* without id: a run gets a new id in the store importing it */
	SC_CATALOG_PROVENANCE,
	SC_CATALOG_RUN_STEPS,
} sc_catalog_table;
/* NULL-terminated column names. */
const char *const *sc_catalog_columns(sc_catalog_table t);

#endif
