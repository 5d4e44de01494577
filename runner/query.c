/*
 * query.c - reading runs and results (see query.h). The queries use the
 * catalog's indexes (runs by start time, run_steps by run, metrics by
 * step), so listing and showing stay fast with tens of thousands of runs.
 */
#include "query.h"
#include "store/catalog.h"
#include "util/fmt.h"
#include "util/json.h"
#include "util/proc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *col_json(sqlite3_stmt *q, int i)
{
	switch (sqlite3_column_type(q, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(q, i));
	case SQLITE_FLOAT:
		return sc_json_real(sqlite3_column_double(q, i));
	case SQLITE_NULL:
		return json_null();
	default:
		return json_string((const char *)sqlite3_column_text(q, i));
	}
}

/* A JSON text column parsed (or null). */
static json_t *col_parsed(sqlite3_stmt *q, int i)
{
	const char *t = (const char *)sqlite3_column_text(q, i);
	if (!t)
		return json_null();
	json_t *j = json_loads(t, JSON_DECODE_ANY, NULL);
	return j ? j : json_string(t);
}

/* "sha256:<hex>" column as bare hex (or null). */
static json_t *col_hash(sqlite3_stmt *q, int i)
{
	const char *t = (const char *)sqlite3_column_text(q, i);
	if (!t || strncmp(t, "sha256:", 7))
		return json_null();
	return json_string(t + 7);
}

int sc_query_resolve(sc_store *s, const char *ref, int64_t *run, sc_oid *result, int *has_result,
		     sc_err *err)
{
	*run = 0;
	*has_result = 0;
	const char *num = !strncmp(ref, "run:", 4) ? ref + 4 : ref;
	int digits = *num != 0;
	for (const char *p = num; *p; p++)
		digits &= *p >= '0' && *p <= '9';
	sqlite3 *db = sc_store_db(s);
	if (digits && strlen(num) < 19) {
		sqlite3_stmt *q;
		int rc = sc_db_prepare(db, &q, "SELECT id, result FROM runs WHERE id = ?", err);
		if (rc)
			return rc;
		sqlite3_bind_int64(q, 1, strtoll(num, NULL, 10));
		int r = sc_db_row(db, q, err, "cannot read the runs");
		if (r < 0) {
			sqlite3_finalize(q);
			return r;
		}
		if (r > 0) {
			*run = sqlite3_column_int64(q, 0);
			const char *r = (const char *)sqlite3_column_text(q, 1);
			if (r && !sc_oid_parse(result, r))
				*has_result = 1;
			sqlite3_finalize(q);
			return 0;
		}
		sqlite3_finalize(q);
		if (num != ref || strlen(num) < 6)
			return sc_errf(err, SC_ENOTFOUND, "no run %s", num);
	}
	int rc = sc_store_resolve(s, ref, result, err);
	if (rc)
		return rc;
	*has_result = 1;
	return 0;
}

static const char run_cols[] =
	"r.id, r.status, r.started_at, r.ended_at, r.spec_path, r.result, r.n_steps, r.n_cached, "
	"r.n_failed, p.commit_id, p.branch, p.dirty";

/* A run recorded 'running' whose process on this host is gone (killed)
 * shows as 'interrupted' at once, before the next run records it so. */
static int live_status(sc_store *s, json_t *row, sc_err *err)
{
	if (strcmp(sc_json_str(row, "status", ""), "running"))
		return 0;
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q, "SELECT pid, host, started_at FROM runs WHERE id = ?", err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, sc_json_int(row, "id", 0));
	int r = sc_db_row(db, q, err, "cannot read the run");
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	const char *h = r > 0 ? (const char *)sqlite3_column_text(q, 1) : NULL;
	if (h && !strcmp(h, host) &&
	    !sc_pid_alive_since((pid_t)sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 2)))
		json_object_set_new(row, "status", json_string("interrupted"));
	sqlite3_finalize(q);
	return r < 0 ? r : 0;
}

static json_t *run_row(sqlite3_stmt *q)
{
	char t[32];
	json_t *j = json_object();
	json_object_set_new(j, "id", json_integer(sqlite3_column_int64(q, 0)));
	json_object_set_new(j, "status", json_string((const char *)sqlite3_column_text(q, 1)));
	int64_t st = sqlite3_column_int64(q, 2);
	json_object_set_new(j, "started", json_string(sc_fmt_time_utc(st, t)));
	json_object_set_new(j, "started_ns", json_integer(st));
	if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
		int64_t en = sqlite3_column_int64(q, 3);
		json_object_set_new(j, "ended", json_string(sc_fmt_time_utc(en, t)));
		json_object_set_new(j, "seconds", json_real((double)(en - st) * 1e-9));
	} else {
		json_object_set_new(j, "ended", json_null());
		json_object_set_new(j, "seconds", json_null());
	}
	json_object_set_new(j, "spec_path", col_json(q, 4));
	json_object_set_new(j, "result", col_hash(q, 5));
	json_object_set_new(j, "steps", col_json(q, 6));
	json_object_set_new(j, "cached", col_json(q, 7));
	json_object_set_new(j, "failed", col_json(q, 8));
	json_object_set_new(j, "commit", col_json(q, 9));
	json_object_set_new(j, "branch", col_json(q, 10));
	json_object_set_new(j, "dirty", sqlite3_column_type(q, 11) == SQLITE_NULL
						? json_null()
						: json_boolean(sqlite3_column_int(q, 11)));
	return j;
}

int sc_query_runs(sc_store *s, size_t limit, json_t **out, sc_err *err)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM runs r LEFT JOIN provenance p ON p.run = r.id "
		 "ORDER BY r.started_at DESC, r.id DESC LIMIT %lld",
		 run_cols, limit ? (long long)limit : -1LL);
	sqlite3_stmt *q;
	int rc = sc_db_prepare(sc_store_db(s), &q, sql, err);
	if (rc)
		return rc;
	json_t *arr = json_array();
	int r;
	while ((r = sc_db_row(sc_store_db(s), q, err, "cannot read the runs")) > 0) {
		json_t *row = run_row(q);
		json_array_append_new(arr, row);
		if ((r = live_status(s, row, err)) < 0)
			break;
	}
	sqlite3_finalize(q);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

int sc_query_run(sc_store *s, int64_t run, json_t **out, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "SELECT %s, r.argv, r.cwd, r.sceval_version, r.build, r.libraries, r.machine, "
		 "p.repo, p.remote, p.dirty_files, p.diff, p.note, r.spec, r.jobs "
		 "FROM runs r LEFT JOIN provenance p ON p.run = r.id WHERE r.id = ?",
		 run_cols);
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q, sql, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, run);
	int r = sc_db_row(db, q, err, "cannot read the run");
	if (r <= 0) {
		sqlite3_finalize(q);
		return r < 0 ? r : sc_errf(err, SC_ENOTFOUND, "no run %lld", (long long)run);
	}
	json_t *j = run_row(q);
	json_object_set_new(j, "argv", col_parsed(q, 12));
	json_object_set_new(j, "cwd", col_json(q, 13));
	json_object_set_new(j, "sceval_version", col_json(q, 14));
	json_object_set_new(j, "build", col_parsed(q, 15));
	json_object_set_new(j, "libraries", col_parsed(q, 16));
	json_object_set_new(j, "machine", col_parsed(q, 17));
	json_t *prov = json_object();
	json_object_set_new(prov, "repo", col_json(q, 18));
	json_object_set(prov, "commit", json_object_get(j, "commit"));
	json_object_set(prov, "branch", json_object_get(j, "branch"));
	json_object_set(prov, "dirty", json_object_get(j, "dirty"));
	json_object_set_new(prov, "remote", col_json(q, 19));
	json_object_set_new(prov, "dirty_files", col_parsed(q, 20));
	json_object_set_new(prov, "diff", col_hash(q, 21));
	json_object_set_new(prov, "note", col_json(q, 22));
	json_object_set_new(j, "provenance", prov);
	json_object_set_new(j, "spec", col_hash(q, 23));
	json_object_set_new(j, "jobs", col_json(q, 24));
	sqlite3_finalize(q);
	if ((rc = live_status(s, j, err))) {
		json_decref(j);
		return rc;
	}
	if ((rc = sc_db_prepare(db, &q,
				"SELECT rs.step, s.kind, rs.label, rs.task, rs.dataset, rs.method, "
				"rs.seed, rs.cached, rs.status, rs.error, rs.wall_s, rs.cpu_s, "
				"rs.maxrss_kb, s.key_json, rs.stdout_log, rs.stderr_log, s.deterministic, "
				"s.environment, s.impl_version, s.notes "
				"FROM run_steps rs LEFT JOIN steps s ON s.key = rs.step "
				"WHERE rs.run = ? ORDER BY rs.ord",
				err))) {
		json_decref(j);
		return rc;
	}
	sqlite3_bind_int64(q, 1, run);
	json_t *steps = json_array();
	while ((r = sc_db_row(db, q, err, "cannot read the run's steps")) > 0) {
		json_t *st = json_object();
		const char *key = (const char *)sqlite3_column_text(q, 0);
		json_object_set_new(st, "key", json_string(key));
		json_object_set_new(st, "kind", col_json(q, 1));
		json_object_set_new(st, "label", col_json(q, 2));
		json_object_set_new(st, "task", col_json(q, 3));
		json_object_set_new(st, "dataset", col_json(q, 4));
		json_object_set_new(st, "method", col_json(q, 5));
		json_object_set_new(st, "seed", col_json(q, 6));
		json_object_set_new(st, "cached", json_boolean(sqlite3_column_int(q, 7)));
		json_object_set_new(st, "status", col_json(q, 8));
		json_object_set_new(st, "error", col_json(q, 9));
		json_object_set_new(st, "wall", col_json(q, 10));
		json_object_set_new(st, "cpu", col_json(q, 11));
		json_object_set_new(st, "maxrss_kb", col_json(q, 12));
		json_t *kj = col_parsed(q, 13);
		json_object_set(st, "params", json_object_get(kj, "params"));
		json_object_set(st, "inputs", json_object_get(kj, "inputs"));
		json_object_set(st, "version", json_object_get(kj, "version"));
		json_decref(kj);
		json_object_set_new(st, "stdout_log", col_hash(q, 14));
		json_object_set_new(st, "stderr_log", col_hash(q, 15));
		json_object_set_new(st, "deterministic",
				    json_boolean(sqlite3_column_type(q, 16) == SQLITE_NULL ||
						 sqlite3_column_int(q, 16)));
		json_object_set_new(st, "environment", col_parsed(q, 17));
		json_t *notes = col_parsed(q, 19);
		json_object_set_new(st, "notes", json_is_array(notes) ? notes : json_array());
		if (!json_is_array(notes))
			json_decref(notes);
		/* Outputs of the step. */
		json_t *outs = json_object();
		sqlite3_stmt *q2;
		if ((r = sc_db_prepare(db, &q2, "SELECT role, object FROM step_outputs WHERE step = ?",
				       err)) == 0) {
			sqlite3_bind_text(q2, 1, key, -1, SQLITE_TRANSIENT);
			while ((r = sc_db_row(db, q2, err, "cannot read a step's outputs")) > 0)
				json_object_set_new(outs, (const char *)sqlite3_column_text(q2, 0),
						    json_string((const char *)sqlite3_column_text(q2, 1) + 7));
			sqlite3_finalize(q2);
		}
		json_object_set_new(st, "outputs", outs);
		json_array_append_new(steps, st);
		if (r < 0)
			break;
	}
	sqlite3_finalize(q);
	json_object_set_new(j, "step_list", steps);
	if (r < 0) {
		json_decref(j);
		return r;
	}
	*out = j;
	return 0;
}

int sc_query_run_metrics(sc_store *s, int64_t run, json_t **out, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(sc_store_db(s), &q,
			       "SELECT task, dataset, method, seed, metric, value, higher_is_better, "
			       "detail, step FROM metrics WHERE run = ? "
			       "ORDER BY task, dataset, method, seed, metric",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, run);
	json_t *arr = json_array();
	int row;
	while ((row = sc_db_row(sc_store_db(s), q, err, "cannot read the metrics")) > 0) {
		json_t *r = json_object();
		json_object_set_new(r, "task", col_json(q, 0));
		json_object_set_new(r, "dataset", col_json(q, 1));
		json_object_set_new(r, "method", col_json(q, 2));
		json_object_set_new(r, "seed", col_json(q, 3));
		json_object_set_new(r, "metric", col_json(q, 4));
		json_object_set_new(r, "value", col_json(q, 5));
		json_object_set_new(r, "higher_is_better", json_boolean(sqlite3_column_int(q, 6)));
		json_object_set_new(r, "detail", col_json(q, 7));
		json_object_set_new(r, "step", col_json(q, 8));
		json_array_append_new(arr, r);
	}
	sqlite3_finalize(q);
	if (row < 0) {
		json_decref(arr);
		return row;
	}
	*out = arr;
	return 0;
}

int sc_query_result(sc_store *s, const sc_oid *result, json_t **out, sc_err *err)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	int rc = sc_store_read(s, result, &b, err);
	if (rc) {
		sc_buf_free(&b);
		return rc;
	}
	json_error_t je;
	json_t *j = json_loadb(b.s, b.len, 0, &je);
	sc_buf_free(&b);
	char hex[SC_OID_HEXLEN + 1];
	sc_oid_hex(result, hex);
	if (!j || strcmp(sc_json_str(j, "format", ""), "sceval-result")) {
		json_decref(j);
		return sc_errf(err, SC_EINVAL, "%.12s is not a result", hex);
	}
	*out = j;
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	static const char *const keys[] = { "task", "dataset", "method" };
	for (int i = 0; i < 3; i++) {
		int c = strcmp(sc_json_str(x, keys[i], ""), sc_json_str(y, keys[i], ""));
		if (c)
			return c;
	}
	long long sx = sc_json_int(x, "seed", -1), sy = sc_json_int(y, "seed", -1);
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return strcmp(sc_json_str(x, "metric", ""), sc_json_str(y, "metric", ""));
}

json_t *sc_query_result_metrics(const json_t *manifest)
{
	json_t *rows = json_array();
	size_t i;
	json_t *st;
	json_array_foreach(json_object_get(manifest, "steps"), i, st)
	{
		const char *m;
		json_t *v;
		json_object_foreach(json_object_get(st, "metrics"), m, v)
		{
			json_t *r = json_object();
			json_object_set(r, "task", json_object_get(st, "task"));
			json_object_set(r, "dataset", json_object_get(st, "dataset"));
			json_object_set(r, "method", json_object_get(st, "method"));
			json_object_set(r, "seed", json_object_get(st, "seed"));
			json_object_set_new(r, "metric", json_string(m));
			json_t *val = json_object_get(v, "value");
			json_object_set(r, "value", val ? val : json_null());
			json_object_set_new(r, "higher_is_better",
					    json_boolean(json_is_true(json_object_get(v, "higher_is_better"))));
			json_t *det = json_object_get(v, "detail");
			json_object_set(r, "detail", det ? det : json_null());
			json_object_set(r, "step", json_object_get(st, "key"));
			json_array_append_new(rows, r);
		}
	}
	/* Sort like the run's rows. */
	size_t n = json_array_size(rows);
	json_t **v = sc_xcalloc(n ? n : 1, sizeof(json_t *));
	for (size_t k = 0; k < n; k++)
		v[k] = json_incref(json_array_get(rows, k));
	if (n > 1)
		qsort(v, n, sizeof(json_t *), row_cmp);
	json_t *sorted = json_array();
	for (size_t k = 0; k < n; k++)
		json_array_append_new(sorted, v[k]);
	free(v);
	json_decref(rows);
	return sorted;
}

int sc_query_step_env(sc_store *s, const char *key, json_t **out, sc_err *err)
{
	*out = NULL;
	sqlite3_stmt *q;
	/* The first run that computed the step (not a cache hit) made its bits. */
	int rc = sc_db_prepare(sc_store_db(s), &q,
			       "SELECT r.id, r.libraries, r.machine FROM run_steps rs "
			       "JOIN runs r ON r.id = rs.run WHERE rs.step = ? AND rs.cached = 0 "
			       "AND rs.status = 'done' ORDER BY r.id LIMIT 1",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) == SQLITE_ROW)
		*out = json_pack("{s:I, s:o, s:o}", "run", (json_int_t)sqlite3_column_int64(q, 0),
				 "libraries", col_parsed(q, 1), "machine", col_parsed(q, 2));
	sqlite3_finalize(q);
	return 0;
}
