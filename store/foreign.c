/*
 * foreign.c - read-only scans of SQLite files other tools ship (see
 * foreign.h). The workload is an annotation database of a few hundred MB
 * read once by an import command: one sequential scan per table, a
 * million rows at most, values copied out by the callback.
 */
#include "store/foreign.h"
#include "util/buf.h"
#include "util/fs.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct sc_foreign_db {
	sqlite3 *db;
	char *name; /* the file's base name, for messages */
};

/* A file: URI for path: the characters a URI gives a meaning escaped. */
static char *file_uri(const char *path)
{
	sc_buf b;
	sc_buf_init(&b);
	sc_buf_puts(&b, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p >= 0x7f)
			sc_buf_printf(&b, "%%%02X", *p);
		else
			sc_buf_putc(&b, (char)*p);
	sc_buf_puts(&b, "?mode=ro&immutable=1");
	return sc_buf_detach(&b);
}

int sc_foreign_open(sc_foreign_db **out, const char *path, sc_err *err)
{
	*out = NULL;
	struct stat st;
	if (stat(path, &st) != 0)
		return sc_errsys(err, errno, "cannot read '%s'", path);
	if (!S_ISREG(st.st_mode))
		return sc_errf(err, SC_EINVAL, "'%s' is not a file", path);
	/* immutable=1: the file may sit in a read-only directory (/usr/lib)
	 * and nothing else writes it while we read. */
	char *uri = file_uri(path);
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		sc_errf(err, SC_EIO, "cannot open '%s': %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return SC_EIO;
	}
	/* The header is checked at the first read: read the schema now. */
	rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sc_errf(err, SC_EINVAL, "'%s' is not an SQLite database (%s)", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return SC_EINVAL;
	}
	sc_foreign_db *f = sc_xcalloc(1, sizeof(*f));
	f->db = db;
	f->name = sc_xstrdup(sc_path_basename(path));
	*out = f;
	return 0;
}

void sc_foreign_close(sc_foreign_db *f)
{
	if (!f)
		return;
	sqlite3_close(f->db);
	free(f->name);
	free(f);
}

static int is_ident(const char *s)
{
	if (!s || !(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return 0;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

/* Does table exist, and has it every column? Names the first missing one. */
static int check_columns(sc_foreign_db *f, const char *table, const char *const *cols,
			 size_t n_cols, sc_err *err)
{
	int found_table = 0, rc = 0;
	unsigned char *seen = sc_xcalloc(n_cols + 1, 1);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(f->db, "SELECT name FROM pragma_table_info(?1)", -1, &q, NULL) != SQLITE_OK) {
		rc = sc_errf(err, SC_EIO, "'%s': %s", f->name, sqlite3_errmsg(f->db));
		goto out;
	}
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		found_table = 1;
		const char *name = (const char *)sqlite3_column_text(q, 0);
		for (size_t i = 0; i < n_cols; i++)
			seen[i] |= name && !strcmp(name, cols[i]);
	}
	if (r != SQLITE_DONE) {
		rc = sc_errf(err, SC_ECORRUPT, "'%s': %s", f->name, sqlite3_errmsg(f->db));
		goto out;
	}
	if (!found_table) {
		rc = sc_errf(err, SC_ENOTFOUND, "'%s' has no table '%s'", f->name, table);
		goto out;
	}
	for (size_t i = 0; i < n_cols && !rc; i++)
		if (!seen[i])
			rc = sc_errf(err, SC_ENOTFOUND, "'%s': table '%s' has no column '%s'", f->name,
				     table, cols[i]);
out:
	sqlite3_finalize(q);
	free(seen);
	return rc;
}

int sc_foreign_rows(sc_foreign_db *f, const char *table, const char *const *cols, size_t n_cols,
		    sc_foreign_row_fn fn, void *arg, sc_err *err)
{
	if (!is_ident(table))
		return sc_errf(err, SC_EINVAL, "'%s' is not a table name", table);
	for (size_t i = 0; i < n_cols; i++)
		if (!is_ident(cols[i]))
			return sc_errf(err, SC_EINVAL, "'%s' is not a column name", cols[i]);
	int rc = check_columns(f, table, cols, n_cols, err);
	if (rc)
		return rc;
	sc_buf sql;
	sc_buf_init(&sql);
	sc_buf_puts(&sql, "SELECT ");
	for (size_t i = 0; i < n_cols; i++)
		sc_buf_printf(&sql, "%s\"%s\"", i ? ", " : "", cols[i]);
	sc_buf_printf(&sql, " FROM \"%s\"", table);
	sqlite3_stmt *q = NULL;
	const char **vals = sc_xcalloc(n_cols + 1, sizeof(char *));
	if (sqlite3_prepare_v2(f->db, sql.s, -1, &q, NULL) != SQLITE_OK) {
		rc = sc_errf(err, SC_EINVAL, "'%s': table '%s': %s", f->name, table, sqlite3_errmsg(f->db));
		goto out;
	}
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		for (size_t i = 0; i < n_cols; i++)
			vals[i] = (const char *)sqlite3_column_text(q, (int)i);
		if ((rc = fn(arg, vals, err)))
			goto out;
	}
	if (r != SQLITE_DONE)
		rc = sc_errf(err, SC_ECORRUPT, "'%s': table '%s': %s", f->name, table, sqlite3_errmsg(f->db));
out:
	sqlite3_finalize(q);
	free(vals);
	sc_buf_free(&sql);
	return rc;
}
