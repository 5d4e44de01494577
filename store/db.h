/*
 * db.h - the SQLite connection under the catalog (.sceval/catalog.db), for
 * the files of store/ only: every other layer reads and writes the catalog
 * through the typed functions of store/catalog.h, and no SQL text or
 * sqlite3 call lives outside store/ (tests/cli/t0016-catalog-sql.sh).
 *
 * WAL mode, a busy timeout (concurrent sceval processes wait for each other
 * rather than fail), foreign keys on, synchronous=FULL (a committed row
 * survives power loss). The schema version lives in PRAGMA user_version and
 * is brought forward by the migrations in catalog.c, each in a transaction.
 * Every write happens inside a transaction begun with sc_db_begin
 * (BEGIN IMMEDIATE, so two writers queue instead of deadlocking).
 */
#ifndef SC_DB_H
#define SC_DB_H

#include <sqlite3.h>
#include "store/store.h"
#include "util/err.h"

/* The store's catalog connection. */
sqlite3 *sc_store_db(sc_store *s);

/* The schema's migrations (catalog_schema.c): entry i brings user_version
 * from i to i + 1; *n is their number, the current version. */
const char *const *sc_catalog_migrations(size_t *n);

/* Open (and with create, create) the catalog at path and migrate it. */
int sc_catalog_open(sqlite3 **out, const char *path, int create, sc_err *err) SC_WUR;
void sc_catalog_close(sqlite3 *db);

int sc_db_exec(sqlite3 *db, const char *sql, sc_err *err) SC_WUR;
int sc_db_prepare(sqlite3 *db, sqlite3_stmt **out, const char *sql, sc_err *err) SC_WUR;
int sc_db_begin(sqlite3 *db, sc_err *err) SC_WUR;
int sc_db_commit(sqlite3 *db, sc_err *err) SC_WUR;
void sc_db_rollback(sqlite3 *db);
/* Fill err from the connection's last error; returns SC_EIO for disk
 * problems (full, I/O), SC_EBUSY for locks, SC_ERR otherwise. */
int sc_db_err(sqlite3 *db, sc_err *err, const char *what);
/* Step a query: 1 with a row, 0 at its end, or a negative code with err
 * filled. Loops are written
 *     while ((r = sc_db_row(db, q, err, what)) > 0) ...;
 *     if (r < 0) fail;
 * so that an I/O error, a corrupt page or a busy lock is never taken for
 * the end of the rows (gc would then delete what it did not see). */
int sc_db_row(sqlite3 *db, sqlite3_stmt *st, sc_err *err, const char *what) SC_WUR;
/* Step a statement expected to finish (INSERT/UPDATE): 0 or an error. */
int sc_db_done(sqlite3 *db, sqlite3_stmt *st, sc_err *err, const char *what) SC_WUR;
/* Bind text, or NULL for a NULL or empty string. */
void sc_db_bind_text_or_null(sqlite3_stmt *st, int i, const char *s);
/* A text column as a malloc'd copy (NULL for SQL NULL). */
char *sc_db_col_dup(sqlite3_stmt *st, int i);

#endif
