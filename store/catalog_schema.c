/*
 * catalog_schema.c - the one place that knows the catalog's tables: the
 * schema and its migrations, the columns a bundle carries, and the columns
 * that refer to objects (gc's roots). A new column that refers to an object
 * is added here to both the migration and the roots, so gc can never
 * delete what a record still names.
 *
 * The schema is written for the questions users ask of thousands of runs:
 * "which metrics did method M get on dataset D across runs", "what did run
 * A and run B compute differently". Steps are content-addressed by their
 * cache key and shared by every run that used them; run_steps says which
 * runs used which steps under which (task, dataset, method) labels; the
 * metrics view joins them. Objects are referenced as "sha256:<hex>" ids.
 */
#include "store/catalog.h"
#include "store/db.h"

#include <stdio.h>

/* Migration i brings user_version from i to i + 1. Never edit a released
 * migration: append a new one (and bring the column lists and the roots
 * below along). */
static const char *const migrations[] = {
	/* 0 -> 1: everything the store and the runner need. */
	"CREATE TABLE objects ("
	"  id TEXT PRIMARY KEY,"
	"  type TEXT NOT NULL CHECK (type IN ('blob', 'tree')),"
	"  kind TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  listed INTEGER NOT NULL DEFAULT 1,"
	"  added_at INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX objects_kind ON objects (kind, added_at);"
	"CREATE TABLE object_sources ("
	"  object TEXT NOT NULL REFERENCES objects (id) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"
	"  host TEXT NOT NULL,"
	"  added_at INTEGER NOT NULL,"
	"  PRIMARY KEY (object, path, host)"
	");"
	"CREATE TABLE names ("
	"  name TEXT PRIMARY KEY,"
	"  object TEXT NOT NULL REFERENCES objects (id),"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE INDEX names_object ON names (object);"
	"CREATE TABLE stat_cache ("
	"  dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
	"  size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,"
	"  object TEXT NOT NULL,"
	"  PRIMARY KEY (dev, ino)"
	");"
	"CREATE INDEX stat_cache_object ON stat_cache (object);"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  spec TEXT REFERENCES objects (id),"
	"  spec_path TEXT,"
	"  argv TEXT NOT NULL,"
	"  cwd TEXT,"
	"  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'interrupted')),"
	"  started_at INTEGER NOT NULL,"
	"  ended_at INTEGER,"
	"  result TEXT REFERENCES objects (id),"
	"  sceval_version TEXT NOT NULL,"
	"  build TEXT,"
	"  libraries TEXT,"
	"  machine TEXT,"
	"  host TEXT,"
	"  threads INTEGER,"
	"  jobs INTEGER,"
	"  pid INTEGER,"
	"  n_steps INTEGER, n_cached INTEGER, n_failed INTEGER"
	");"
	"CREATE INDEX runs_result ON runs (result);"
	"CREATE INDEX runs_started ON runs (started_at);"
	"CREATE TABLE provenance ("
	"  run INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,"
	"  repo TEXT, commit_id TEXT, branch TEXT, remote TEXT,"
	"  dirty INTEGER, dirty_files TEXT,"
	"  diff TEXT REFERENCES objects (id),"
	"  note TEXT"
	");"
	"CREATE TABLE steps ("
	"  key TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  impl_version TEXT NOT NULL,"
	"  key_json TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('done', 'failed')),"
	"  exit_status INTEGER,"
	"  error TEXT,"
	"  deterministic INTEGER NOT NULL DEFAULT 1,"
	"  wall_s REAL, cpu_s REAL, maxrss_kb INTEGER,"
	"  stdout_log TEXT REFERENCES objects (id),"
	"  stderr_log TEXT REFERENCES objects (id),"
	"  environment TEXT,"
	"  notes TEXT,"
	"  created_at INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE step_inputs ("
	"  step TEXT NOT NULL REFERENCES steps (key) ON DELETE CASCADE,"
	"  role TEXT NOT NULL,"
	"  object TEXT NOT NULL REFERENCES objects (id),"
	"  PRIMARY KEY (step, role)"
	") WITHOUT ROWID;"
	"CREATE INDEX step_inputs_object ON step_inputs (object);"
	"CREATE TABLE step_outputs ("
	"  step TEXT NOT NULL REFERENCES steps (key) ON DELETE CASCADE,"
	"  role TEXT NOT NULL,"
	"  object TEXT NOT NULL REFERENCES objects (id),"
	"  PRIMARY KEY (step, role)"
	") WITHOUT ROWID;"
	"CREATE INDEX step_outputs_object ON step_outputs (object);"
	"CREATE TABLE step_metrics ("
	"  step TEXT NOT NULL REFERENCES steps (key) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  value REAL,"
	"  higher_is_better INTEGER,"
	"  detail TEXT,"
	"  PRIMARY KEY (step, name)"
	") WITHOUT ROWID;"
	"CREATE INDEX step_metrics_name ON step_metrics (name);"
	"CREATE TABLE run_steps ("
	"  run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	"  step TEXT NOT NULL,"
	"  ord INTEGER NOT NULL,"
	"  label TEXT,"
	"  task TEXT, dataset TEXT, method TEXT, seed INTEGER,"
	"  cached INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL,"
	"  error TEXT,"
	"  wall_s REAL, cpu_s REAL, maxrss_kb INTEGER,"
	"  stdout_log TEXT, stderr_log TEXT,"
	"  PRIMARY KEY (run, step)"
	");"
	"CREATE INDEX run_steps_step ON run_steps (step);"
	"CREATE INDEX run_steps_tdm ON run_steps (task, dataset, method);"
	"CREATE VIEW metrics AS"
	"  SELECT rs.run AS run, rs.step AS step, rs.task AS task, rs.dataset AS dataset,"
	"         rs.method AS method, m.name AS metric, m.value AS value, rs.seed AS seed,"
	"         m.higher_is_better AS higher_is_better, m.detail AS detail"
	"  FROM run_steps rs JOIN step_metrics m ON m.step = rs.step;",
	/* 1 -> 2: the task kind a run used each step for (run_steps.task: its
	 * label, the spec's 'name' or the task kind), and the declaration of
	 * each metric by that task (direction, group, primary): the report
	 * reads them instead of telling tasks apart by step kinds. NULL in
	 * rows recorded before. */
	"ALTER TABLE run_steps ADD COLUMN task_kind TEXT;"
	"ALTER TABLE step_metrics ADD COLUMN declared_higher_is_better INTEGER;"
	"ALTER TABLE step_metrics ADD COLUMN metric_group TEXT;"
	"ALTER TABLE step_metrics ADD COLUMN is_primary INTEGER;"
	"DROP VIEW metrics;"
	"CREATE VIEW metrics AS"
	"  SELECT rs.run AS run, rs.step AS step, rs.task AS task, rs.dataset AS dataset,"
	"         rs.method AS method, m.name AS metric, m.value AS value, rs.seed AS seed,"
	"         m.higher_is_better AS higher_is_better, m.detail AS detail,"
	"         rs.task_kind AS task_kind,"
	"         m.declared_higher_is_better AS declared_higher_is_better,"
	"         m.metric_group AS metric_group, m.is_primary AS is_primary"
	"  FROM run_steps rs JOIN step_metrics m ON m.step = rs.step;",
};

const char *const *sc_catalog_migrations(size_t *n)
{
	*n = sizeof(migrations) / sizeof(migrations[0]);
	return migrations;
}

static const char *const steps_cols[] = { "key", "kind", "impl_version", "key_json", "status",
					  "exit_status", "error", "deterministic", "wall_s", "cpu_s",
					  "maxrss_kb", "stdout_log", "stderr_log", "environment",
					  "notes", "created_at", NULL };
static const char *const io_cols[] = { "step", "role", "object", NULL };
static const char *const metric_cols[] = { "step", "name", "value", "higher_is_better", "detail",
					   "declared_higher_is_better", "metric_group",
					   "is_primary", NULL };
static const char *const runs_cols[] = { "spec", "spec_path", "argv", "cwd", "status",
					 "started_at", "ended_at", "result", "sceval_version", "build",
					 "libraries", "machine", "host", "threads", "jobs", "pid",
					 "n_steps", "n_cached", "n_failed", NULL };
static const char *const prov_cols[] = { "run", "repo", "commit_id", "branch", "remote", "dirty",
					 "dirty_files", "diff", "note", NULL };
static const char *const run_steps_cols[] = { "run", "step", "ord", "label", "task", "dataset",
					      "method", "seed", "cached", "status", "error",
					      "wall_s", "cpu_s", "maxrss_kb", "stdout_log",
					      "stderr_log", "task_kind", NULL };

const char *const *sc_catalog_columns(sc_catalog_table t)
{
	switch (t) {
	case SC_CATALOG_STEPS: return steps_cols;
	case SC_CATALOG_STEP_IO: return io_cols;
	case SC_CATALOG_STEP_METRICS: return metric_cols;
	case SC_CATALOG_RUNS: return runs_cols;
	case SC_CATALOG_PROVENANCE: return prov_cols;
	case SC_CATALOG_RUN_STEPS: return run_steps_cols;
	}
	return NULL;
}

/* Every column holding an object id. */
static const char *const roots[] = {
	"SELECT object FROM names",
	"SELECT spec FROM runs",
	"SELECT result FROM runs",
	"SELECT diff FROM provenance",
	"SELECT object FROM step_inputs",
	"SELECT object FROM step_outputs",
	"SELECT stdout_log FROM steps",
	"SELECT stderr_log FROM steps",
	"SELECT stdout_log FROM run_steps",
	"SELECT stderr_log FROM run_steps",
};

int sc_catalog_roots(sc_store *s, void (*cb)(void *ctx, const sc_oid *id), void *ctx,
		     sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		sqlite3_stmt *q;
		int rc = sc_db_prepare(db, &q, roots[i], err);
		if (rc)
			return rc;
		int r;
		while ((r = sc_db_row(db, q, err, "cannot read what is in use")) > 0) {
			const char *t = (const char *)sqlite3_column_text(q, 0);
			sc_oid id;
			if (t && !sc_oid_parse(&id, t))
				cb(ctx, &id);
		}
		sqlite3_finalize(q);
		if (r < 0)
			return r;
	}
	return 0;
}
