/*
 * catalog.c - opening the SQLite catalog, running the schema migrations of
 * catalog_schema.c, and the statement helpers of db.h; the typed
 * transaction calls of catalog.h.
 */
#include "db.h"
#include "store/catalog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


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
	size_t n_mig;
	const char *const *migrations = sc_catalog_migrations(&n_mig);
	int v;
	if (user_version(db, &v, err))
		return SC_ERR;
	if (v == (int)n_mig)
		return 0;
	if (v > (int)n_mig)
		return sc_errf(err, SC_EINVAL,
			       "'%s': catalog schema version %d is newer than this sceval "
			       "understands (%d); upgrade sceval",
			       path, v, (int)n_mig);
	if (sc_db_begin(db, err))
		return SC_ERR;
	/* Re-read inside the write transaction: another process may have migrated. */
	if (user_version(db, &v, err))
		goto fail;
	for (; v < (int)n_mig; v++) {
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

int sc_catalog_begin(sc_store *s, sc_err *err)
{
	return sc_db_begin(sc_store_db(s), err);
}

int sc_catalog_commit(sc_store *s, sc_err *err)
{
	return sc_db_commit(sc_store_db(s), err);
}

void sc_catalog_rollback(sc_store *s)
{
	sc_db_rollback(sc_store_db(s));
}

const char *sc_catalog_library_version(void)
{
	return sqlite3_libversion();
}

void sc_db_bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

char *sc_db_col_dup(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	return t ? sc_xstrdup(t) : NULL;
}
