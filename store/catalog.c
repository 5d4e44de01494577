/*
 * catalog.c - opening the SQLite catalog and its schema migrations.
 *
 * The schema is written for the questions users ask of thousands of runs:
 * "which metrics did method M get on dataset D across runs", "what did run
 * A and run B compute differently". Steps are content-addressed by their
 * cache key and shared by every run that used them; run_steps says which
 * runs used which steps under which (task, dataset, method) labels; the
 * metrics view joins them. Objects are referenced as "sha256:<hex>" ids.
 */
#include "catalog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Migration i brings user_version from i to i + 1. Never edit a released
 * migration: append a new one. */
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
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

int sc_db_err(sqlite3 *db, sc_err *err, const char *what)
{
	int rc = sqlite3_errcode(db);
	int code = SC_ERR;
	if (rc == SQLITE_FULL || rc == SQLITE_IOERR || rc == SQLITE_CANTOPEN ||
	    rc == SQLITE_READONLY)
		code = SC_EIO;
	else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		code = SC_EBUSY;
	else if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		code = SC_ECORRUPT;
	return sc_errf(err, code, "catalog: %s: %s", what, sqlite3_errmsg(db));
}

int sc_db_exec(sqlite3 *db, const char *sql, sc_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = sc_db_err(db, err, "cannot update");
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

int sc_db_prepare(sqlite3 *db, sqlite3_stmt **out, const char *sql, sc_err *err)
{
	if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK)
		return sc_db_err(db, err, "cannot prepare a query");
	return 0;
}

int sc_db_begin(sqlite3 *db, sc_err *err)
{
	int rc = sc_db_exec(db, "BEGIN IMMEDIATE", err);
	/* An interrupted BEGIN can leave the transaction open: the caller,
	 * seeing a failure, will not end it. */
	if (rc)
		sc_db_rollback(db);
	return rc;
}

int sc_db_commit(sqlite3 *db, sc_err *err)
{
	if (sc_db_exec(db, "COMMIT", err)) {
		sc_db_rollback(db);
		return err ? err->code : SC_ERR;
	}
	return 0;
}

void sc_db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int sc_db_row(sqlite3 *db, sqlite3_stmt *st, sc_err *err, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return sc_db_err(db, err, what);
}

int sc_db_done(sqlite3 *db, sqlite3_stmt *st, sc_err *err, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sc_db_err(db, err, what);
	return 0;
}

static int user_version(sqlite3 *db, int *out, sc_err *err)
{
	sqlite3_stmt *st;
	if (sc_db_prepare(db, &st, "PRAGMA user_version", err))
		return SC_ERR;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return sc_db_err(db, err, "cannot read the schema version");
	}
	*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int migrate(sqlite3 *db, const char *path, sc_err *err)
{
	int v;
	if (user_version(db, &v, err))
		return SC_ERR;
	if (v == (int)N_MIGRATIONS)
		return 0;
	if (v > (int)N_MIGRATIONS)
		return sc_errf(err, SC_EINVAL,
			       "'%s': catalog schema version %d is newer than this sceval "
			       "understands (%d); upgrade sceval",
			       path, v, (int)N_MIGRATIONS);
	if (sc_db_begin(db, err))
		return SC_ERR;
	/* Re-read inside the write transaction: another process may have migrated. */
	if (user_version(db, &v, err))
		goto fail;
	for (; v < (int)N_MIGRATIONS; v++) {
		if (sc_db_exec(db, migrations[v], err))
			goto fail;
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (sc_db_exec(db, sql, err))
			goto fail;
	}
	return sc_db_commit(db, err);
fail:
	sc_db_rollback(db);
	return err ? err->code : SC_ERR;
}

/* SQLite's allocator, made to end the process when memory runs out, as
 * sc_xmalloc does. SQLite itself recovers, but its callers here would not:
 * a failed sqlite3_bind_text leaves the parameter NULL (a lookup then finds
 * nothing, an insert stores less), a failed sqlite3_column_text reads as
 * NULL. Stopping is the one answer that never records a wrong value. */
static sqlite3_mem_methods sqlite_mem;

static void *sqlite_malloc_or_die(int n)
{
	void *p = sqlite_mem.xMalloc(n);
	if (!p && n > 0) {
		fprintf(stderr, "sceval: out of memory allocating %d bytes for the catalog\n", n);
		abort();
	}
	return p;
}

static void *sqlite_realloc_or_die(void *old, int n)
{
	void *p = sqlite_mem.xRealloc(old, n);
	if (!p && n > 0) {
		fprintf(stderr, "sceval: out of memory allocating %d bytes for the catalog\n", n);
		abort();
	}
	return p;
}

static void sqlite_alloc_policy(void)
{
	sqlite3_mem_methods m;
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_mem) != SQLITE_OK)
		return;
	m = sqlite_mem;
	m.xMalloc = sqlite_malloc_or_die;
	m.xRealloc = sqlite_realloc_or_die;
	/* Fails harmlessly (SQLITE_MISUSE) once SQLite is initialised. */
	(void)sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
}

int sc_catalog_open(sqlite3 **out, const char *path, int create, sc_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_alloc_policy);
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		int rc = sc_errf(err, SC_EIO, "cannot open catalog '%s': %s", path,
				 db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return rc;
	}
	/* SQLite opens read-only when it cannot open for writing, and says
	 * "attempt to write a readonly database" only at the first write. */
	if (sqlite3_db_readonly(db, "main") == 1) {
		int fd = open(path, O_RDWR | O_CLOEXEC);
		int rc = sc_errf(err, SC_EIO, "cannot open catalog '%s' for writing: %s", path,
				 fd < 0 ? strerror(errno) : "opened read-only");
		if (fd >= 0)
			close(fd);
		sqlite3_close(db);
		return rc;
	}
	sqlite3_busy_timeout(db, 60000);
	sqlite3_extended_result_codes(db, 0);
	if (sc_db_exec(db,
		       "PRAGMA journal_mode = WAL;"
		       "PRAGMA synchronous = FULL;"
		       "PRAGMA foreign_keys = ON;",
		       err) ||
	    migrate(db, path, err)) {
		sqlite3_close(db);
		return err ? (err->code ? err->code : SC_ERR) : SC_ERR;
	}
	*out = db;
	return 0;
}

void sc_catalog_close(sqlite3 *db)
{
	if (db)
		sqlite3_close(db);
}
