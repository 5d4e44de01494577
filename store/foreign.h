/*
 * foreign.h - reading SQLite files that other tools ship (annotation
 * databases such as Bioconductor's org.Hs.eg.db and GO.db), read-only and
 * by table and column names, so that the SQL stays in store/ like the
 * catalog's (tests/cli/t0018-catalog-sql.sh) while a task reads what such
 * a file holds. The file is never written: it is opened read-only and
 * immutable (no journal, no lock file beside it).
 *
 * Ownership: sc_foreign_open's handle is released by sc_foreign_close
 * (NULL is a no-op). The strings a row callback receives live until it
 * returns.
 */
#ifndef SC_FOREIGN_H
#define SC_FOREIGN_H

#include <stddef.h>
#include "util/err.h"

typedef struct sc_foreign_db sc_foreign_db;

/* Open path read-only. A missing file, or one that is not an SQLite
 * database, is an error naming it. */
int sc_foreign_open(sc_foreign_db **out, const char *path, sc_err *err) SC_WUR;
void sc_foreign_close(sc_foreign_db *db);

/* Called once per row with the values of the requested columns (NULL for
 * SQL NULL, numbers as their text). A non-zero return stops the scan and
 * becomes sc_foreign_rows's result (fill err first). */
typedef int (*sc_foreign_row_fn)(void *arg, const char *const *vals, sc_err *err);

/* Every row of table's columns cols[0..n_cols), in the table's rowid
 * order. Table and column names are plain identifiers ([A-Za-z_][A-Za-z0-9_]*);
 * a table or column the file lacks is an error naming the file and it. */
int sc_foreign_rows(sc_foreign_db *db, const char *table, const char *const *cols,
		    size_t n_cols, sc_foreign_row_fn fn, void *arg, sc_err *err) SC_WUR;

#endif
