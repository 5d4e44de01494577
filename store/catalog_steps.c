/*
 * catalog_steps.c - finding one step by its key or a prefix of it, with
 * the runs that used it (see catalog.h): what `sceval show STEP` and
 * `sceval log STEP` read. A prefix is matched as a range of the primary
 * key (hex digits sort below 'g'), so a lookup is one index seek.
 */
#include "store/catalog.h"
#include "store/db.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sc_catalog_num num_col(sqlite3_stmt *q, int i)
{
	sc_catalog_num n = { 0 };
	if (sqlite3_column_type(q, i) != SQLITE_NULL) {
		n.set = 1;
		n.i = sqlite3_column_int64(q, i);
		n.d = sqlite3_column_double(q, i);
	}
	return n;
}

void sc_catalog_step_info_clear(sc_catalog_step_info *i)
{
	if (!i)
		return;
	free(i->key);
	free(i->kind);
	free(i->impl_version);
	free(i->key_json);
	free(i->status);
	free(i->error);
	free(i->log_out);
	free(i->log_err);
	free(i->environment_json);
	free(i->notes_json);
	free(i->label);
	free(i->runs);
	memset(i, 0, sizeof(*i));
}

/* The one key starting with prefix (lowercase hex). */
static int find_key(sqlite3 *db, const char *prefix, char **key, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q, "SELECT key FROM steps WHERE key >= ?1 AND key < ?1 || 'g' "
				       "ORDER BY key LIMIT 2",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, prefix, -1, SQLITE_TRANSIENT);
	int n = 0, r;
	while ((r = sc_db_row(db, q, err, "cannot read the steps")) > 0)
		if (n++ == 0)
			*key = sc_db_col_dup(q, 0);
	sqlite3_finalize(q);
	if (r < 0) {
		free(*key);
		*key = NULL;
		return r;
	}
	if (n == 0)
		return sc_errf(err, SC_ENOTFOUND, "no step '%s'", prefix);
	if (n > 1) {
		free(*key);
		*key = NULL;
		return sc_errf(err, SC_EAMBIGUOUS, "step prefix '%s' is ambiguous", prefix);
	}
	return 0;
}

static int read_entry(sqlite3 *db, sc_catalog_step_info *o, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q,
			       "SELECT kind, impl_version, key_json, status, error, stdout_log, "
			       "stderr_log, environment, notes, wall_s, cpu_s, maxrss_kb, created_at "
			       "FROM steps WHERE key = ?",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, o->key, -1, SQLITE_TRANSIENT);
	int r = sc_db_row(db, q, err, "cannot read the step");
	if (r > 0) {
		o->kind = sc_db_col_dup(q, 0);
		o->impl_version = sc_db_col_dup(q, 1);
		o->key_json = sc_db_col_dup(q, 2);
		o->status = sc_db_col_dup(q, 3);
		o->error = sc_db_col_dup(q, 4);
		o->log_out = sc_db_col_dup(q, 5);
		o->log_err = sc_db_col_dup(q, 6);
		o->environment_json = sc_db_col_dup(q, 7);
		o->notes_json = sc_db_col_dup(q, 8);
		o->wall = num_col(q, 9);
		o->cpu = num_col(q, 10);
		o->maxrss_kb = num_col(q, 11);
		o->created_at = num_col(q, 12);
	}
	sqlite3_finalize(q);
	return r < 0 ? r : 0;
}

static int read_runs(sqlite3 *db, sc_catalog_step_info *o, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q, "SELECT run, label FROM run_steps WHERE step = ? ORDER BY run",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, o->key, -1, SQLITE_TRANSIENT);
	size_t cap = 0;
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read the runs of a step")) > 0) {
		if (o->n_runs == cap) {
			cap = cap ? 2 * cap : 8;
			o->runs = sc_xrealloc(o->runs, cap * sizeof(int64_t));
		}
		o->runs[o->n_runs++] = sqlite3_column_int64(q, 0);
		if (sqlite3_column_type(q, 1) != SQLITE_NULL) {
			free(o->label);
			o->label = sc_db_col_dup(q, 1);
		}
	}
	sqlite3_finalize(q);
	return r < 0 ? r : 0;
}

int sc_catalog_step_find(sc_store *s, const char *prefix, sc_catalog_step_info *out, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	size_t n = strlen(prefix);
	char lower[65];
	if (n < 6 || n > 64)
		return sc_errf(err, SC_ENOTFOUND, "no step '%s' (a key prefix needs 6 to 64 hex digits)",
			       prefix);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && !isxdigit((unsigned char)prefix[i]))
			return sc_errf(err, SC_ENOTFOUND, "no step '%s'", prefix);
		lower[i] = (char)tolower((unsigned char)prefix[i]);
	}
	sqlite3 *db = sc_store_db(s);
	int rc = find_key(db, lower, &out->key, err);
	if (!rc)
		rc = read_entry(db, out, err);
	if (!rc)
		rc = read_runs(db, out, err);
	if (rc)
		sc_catalog_step_info_clear(out);
	return rc;
}
