/*
 * catalog_runs.c - the runner's records in the catalog (see catalog.h):
 * runs and their provenance, steps (the cache) with their inputs, outputs
 * and metrics, the steps each run used, and reading them back.
 *
 * Built for tens of thousands of runs: every read uses an index (runs by
 * start time, run_steps by run, outputs and metrics by step); a computed
 * step is recorded in one transaction with its run's row, so an
 * interrupted run keeps every step it finished.
 */
#include "store/catalog.h"
#include "store/db.h"
#include "util/proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- small helpers ------------------------------------------------------------ */

static sc_catalog_num col_int(sqlite3_stmt *q, int i)
{
	sc_catalog_num n = { 0 };
	if (sqlite3_column_type(q, i) != SQLITE_NULL) {
		n.set = 1;
		n.i = sqlite3_column_int64(q, i);
		n.d = sqlite3_column_double(q, i);
	}
	return n;
}

static void bind_oid(sqlite3_stmt *q, int i, const sc_oid *id)
{
	char s[SC_OID_IDLEN];
	sc_oid_id(id, s);
	sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
}

/* Prepare, bind one text, step to done, finalize. */
static int exec_text(sqlite3 *db, const char *sql, const char *arg, const char *what, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q, sql, err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, arg, -1, SQLITE_TRANSIENT);
	rc = sc_db_done(db, q, err, what);
	sqlite3_finalize(q);
	return rc;
}

/* An object an output or log refers to gets a catalog row with its kind. */
static int note_ref(sc_store *s, const char *id, const char *kind, sc_err *err)
{
	sc_oid o;
	if (!id || !*id || sc_oid_parse(&o, id))
		return 0;
	int type;
	uint64_t size;
	int rc = sc_store_stat(s, &o, &type, &size, err);
	return rc ? rc : sc_store_note(s, &o, type, size, kind, 0, NULL, err);
}

/* ---- runs: writing ------------------------------------------------------------- */

static int insert_run(sqlite3 *db, const sc_catalog_run_start *r, int64_t *out_id, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q,
			       "INSERT INTO runs (spec, spec_path, argv, cwd, status, started_at, "
			       "sceval_version, build, libraries, machine, host, threads, jobs, pid) "
			       "VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       err);
	if (rc)
		return rc;
	bind_oid(q, 1, &r->spec);
	sqlite3_bind_text(q, 2, r->spec_path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, r->argv_json, -1, SQLITE_TRANSIENT);
	sc_db_bind_text_or_null(q, 4, r->cwd);
	sqlite3_bind_int64(q, 5, r->started_at);
	sqlite3_bind_text(q, 6, r->sceval_version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 7, r->build_json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 8, r->libraries_json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 9, r->machine_json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 10, r->host ? r->host : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 11, r->threads);
	sqlite3_bind_int64(q, 12, r->jobs);
	sqlite3_bind_int64(q, 13, r->pid);
	rc = sc_db_done(db, q, err, "cannot record the run");
	sqlite3_finalize(q);
	if (!rc)
		*out_id = sqlite3_last_insert_rowid(db);
	return rc;
}

static int insert_provenance(sqlite3 *db, int64_t run, const sc_catalog_run_start *r, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q,
			       "INSERT INTO provenance (run, repo, commit_id, branch, remote, dirty, "
			       "dirty_files, diff, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, run);
	sc_db_bind_text_or_null(q, 2, r->repo);
	sc_db_bind_text_or_null(q, 3, r->commit);
	sc_db_bind_text_or_null(q, 4, r->branch);
	sc_db_bind_text_or_null(q, 5, r->remote);
	sqlite3_bind_int(q, 6, r->dirty);
	sqlite3_bind_text(q, 7, r->dirty_files_json, -1, SQLITE_TRANSIENT);
	if (r->diff)
		bind_oid(q, 8, r->diff);
	else
		sqlite3_bind_null(q, 8);
	sc_db_bind_text_or_null(q, 9, r->note);
	rc = sc_db_done(db, q, err, "cannot record provenance");
	sqlite3_finalize(q);
	return rc;
}

int sc_catalog_run_begin(sc_store *s, const sc_catalog_run_start *r, int64_t *out_id, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	int rc = sc_db_begin(db, err);
	if (rc)
		return rc;
	if ((r->diff && (rc = sc_store_note(s, r->diff, SC_OBJ_BLOB, r->diff_size, "diff", 0, NULL,
					    err))) ||
	    (rc = insert_run(db, r, out_id, err)) || (rc = insert_provenance(db, *out_id, r, err))) {
		sc_db_rollback(db);
		return rc;
	}
	return sc_db_commit(db, err);
}

int sc_catalog_run_finish(sc_store *s, int64_t run, const char *status, const sc_oid *result,
			  int64_t ended_at, size_t n_steps, size_t n_cached, size_t n_failed,
			  sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	int rc = sc_db_begin(db, err);
	if (rc)
		return rc;
	if (result) {
		int type;
		uint64_t size;
		if ((rc = sc_store_stat(s, result, &type, &size, err)) ||
		    (rc = sc_store_note(s, result, SC_OBJ_BLOB, size, "result", 0, NULL, err)))
			goto fail;
	}
	sqlite3_stmt *q;
	if ((rc = sc_db_prepare(db, &q,
				"UPDATE runs SET status = ?, ended_at = ?, result = ?, n_steps = ?, "
				"n_cached = ?, n_failed = ? WHERE id = ?",
				err)))
		goto fail;
	sqlite3_bind_text(q, 1, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, ended_at);
	if (result)
		bind_oid(q, 3, result);
	else
		sqlite3_bind_null(q, 3);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)n_steps);
	sqlite3_bind_int64(q, 5, (sqlite3_int64)n_cached);
	sqlite3_bind_int64(q, 6, (sqlite3_int64)n_failed);
	sqlite3_bind_int64(q, 7, run);
	rc = sc_db_done(db, q, err, "cannot update the run");
	sqlite3_finalize(q);
	if (rc)
		goto fail;
	return sc_db_commit(db, err);
fail:
	sc_db_rollback(db);
	return rc;
}

int sc_catalog_runs_mark_stale(sc_store *s, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	int rc = sc_db_prepare(db, &q,
			       "SELECT id, pid, started_at FROM runs WHERE status = 'running' AND "
			       "host = ?",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, host, -1, SQLITE_TRANSIENT);
	int64_t *stale = NULL;
	size_t n = 0;
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read the runs")) > 0) {
		pid_t pid = (pid_t)sqlite3_column_int64(q, 1);
		if (!sc_pid_alive_since(pid, sqlite3_column_int64(q, 2))) {
			stale = sc_xrealloc(stale, (n + 1) * sizeof(*stale));
			stale[n++] = sqlite3_column_int64(q, 0);
		}
	}
	sqlite3_finalize(q);
	if (r < 0 || !n) {
		free(stale);
		return r;
	}
	if ((rc = sc_db_begin(db, err)))
		goto out;
	for (size_t i = 0; i < n && !rc; i++) {
		if ((rc = sc_db_prepare(db, &q,
					"UPDATE runs SET status = 'interrupted' WHERE id = ? AND "
					"status = 'running'",
					err)))
			break;
		sqlite3_bind_int64(q, 1, stale[i]);
		rc = sc_db_done(db, q, err, "cannot mark a run interrupted");
		sqlite3_finalize(q);
	}
	if (rc)
		sc_db_rollback(db);
	else
		rc = sc_db_commit(db, err);
out:
	free(stale);
	return rc;
}

/* ---- steps: writing -------------------------------------------------------------- */

static int insert_step_row(sqlite3 *db, const sc_catalog_step *e, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q,
			       "INSERT INTO steps (key, kind, impl_version, key_json, status, "
			       "exit_status, error, deterministic, wall_s, cpu_s, maxrss_kb, "
			       "stdout_log, stderr_log, environment, notes, created_at) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, e->key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, e->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, e->version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 4, e->key_json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 5, e->done ? "done" : "failed", -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 6, e->exit_status);
	sc_db_bind_text_or_null(q, 7, e->error);
	sqlite3_bind_int(q, 8, e->deterministic);
	sqlite3_bind_double(q, 9, e->wall);
	sqlite3_bind_double(q, 10, e->cpu);
	sqlite3_bind_int64(q, 11, e->maxrss_kb);
	sc_db_bind_text_or_null(q, 12, e->log_out);
	sc_db_bind_text_or_null(q, 13, e->log_err);
	sc_db_bind_text_or_null(q, 14, e->environment_json);
	sc_db_bind_text_or_null(q, 15, e->notes_json);
	sqlite3_bind_int64(q, 16, e->created_at);
	rc = sc_db_done(db, q, err, "cannot record a step");
	sqlite3_finalize(q);
	return rc;
}

static int insert_io(sqlite3 *db, const char *table, const char *key, const sc_catalog_io *v,
		     size_t n, sc_err *err)
{
	char sql[96];
	snprintf(sql, sizeof(sql), "INSERT INTO %s (step, role, object) VALUES (?, ?, ?)", table);
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q, sql, err);
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 2, v[i].role, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 3, v[i].object, -1, SQLITE_TRANSIENT);
		rc = sc_db_done(db, q, err, "cannot record a step's inputs and outputs");
	}
	sqlite3_finalize(q);
	return rc;
}

static int insert_metrics(sqlite3 *db, const sc_catalog_step *e, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q,
			       "INSERT INTO step_metrics (step, name, value, higher_is_better, "
			       "detail, declared_higher_is_better, metric_group, is_primary) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			       err);
	for (size_t i = 0; i < e->n_metrics && !rc; i++) {
		const sc_catalog_metric *m = &e->metrics[i];
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
		sqlite3_bind_text(q, 1, e->key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 2, m->name, -1, SQLITE_TRANSIENT);
		if (m->has_value)
			sqlite3_bind_double(q, 3, m->value);
		sqlite3_bind_int(q, 4, m->higher_is_better);
		sc_db_bind_text_or_null(q, 5, m->detail);
		if (m->declared) {
			sqlite3_bind_int(q, 6, m->declared_higher_is_better);
			sc_db_bind_text_or_null(q, 7, m->group);
			sqlite3_bind_int(q, 8, m->primary);
		}
		rc = sc_db_done(db, q, err, "cannot record a metric");
	}
	sqlite3_finalize(q);
	return rc;
}

static int record_entry(sc_store *s, const sc_catalog_step *e, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	/* A failed attempt of the same key may be there: replace it whole. */
	static const char *const del[] = { "DELETE FROM step_inputs WHERE step = ?",
					   "DELETE FROM step_outputs WHERE step = ?",
					   "DELETE FROM step_metrics WHERE step = ?",
					   "DELETE FROM steps WHERE key = ?" };
	int rc = 0;
	for (size_t i = 0; i < 4 && !rc; i++)
		rc = exec_text(db, del[i], e->key, "cannot update the step cache", err);
	if (rc || (rc = note_ref(s, e->log_out, "log", err)) ||
	    (rc = note_ref(s, e->log_err, "log", err)) || (rc = insert_step_row(db, e, err)) ||
	    (rc = insert_io(db, "step_inputs", e->key, e->inputs, e->n_inputs, err)))
		return rc;
	if (!e->done)
		return 0;
	for (size_t i = 0; i < e->n_outputs; i++)
		if ((rc = note_ref(s, e->outputs[i].object, "output", err)))
			return rc;
	if ((rc = insert_io(db, "step_outputs", e->key, e->outputs, e->n_outputs, err)))
		return rc;
	return insert_metrics(db, e, err);
}

static int record_run_step(sqlite3 *db, const sc_catalog_run_step *r, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q,
			       "INSERT OR REPLACE INTO run_steps (run, step, ord, label, task, "
			       "task_kind, dataset, method, seed, cached, status, error, wall_s, "
			       "cpu_s, maxrss_kb, stdout_log, stderr_log) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, r->run);
	sqlite3_bind_text(q, 2, r->step, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 3, r->ord);
	sqlite3_bind_text(q, 4, r->label, -1, SQLITE_TRANSIENT);
	sc_db_bind_text_or_null(q, 5, r->task);
	sc_db_bind_text_or_null(q, 6, r->task_kind);
	sc_db_bind_text_or_null(q, 7, r->dataset);
	sc_db_bind_text_or_null(q, 8, r->method);
	if (r->has_seed)
		sqlite3_bind_int64(q, 9, r->seed);
	else
		sqlite3_bind_null(q, 9);
	sqlite3_bind_int(q, 10, r->cached);
	sqlite3_bind_text(q, 11, r->status, -1, SQLITE_TRANSIENT);
	sc_db_bind_text_or_null(q, 12, r->error);
	sqlite3_bind_double(q, 13, r->wall);
	sqlite3_bind_double(q, 14, r->cpu);
	sqlite3_bind_int64(q, 15, r->maxrss_kb);
	sc_db_bind_text_or_null(q, 16, r->log_out);
	sc_db_bind_text_or_null(q, 17, r->log_err);
	rc = sc_db_done(db, q, err, "cannot record a run step");
	sqlite3_finalize(q);
	return rc;
}

int sc_catalog_step_record(sc_store *s, const sc_catalog_step *entry, const sc_catalog_run_step *rs,
			   sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	/* Inside the caller's transaction (a batch of cache hits) or our own. */
	int own = sqlite3_get_autocommit(db);
	int rc = own ? sc_db_begin(db, err) : 0;
	if (rc)
		return rc;
	if ((entry && (rc = record_entry(s, entry, err))) || (rs && (rc = record_run_step(db, rs, err)))) {
		if (own)
			sc_db_rollback(db);
		return rc;
	}
	return own ? sc_db_commit(db, err) : 0;
}

/* ---- steps: reading ---------------------------------------------------------------- */

void sc_catalog_cached_free(sc_catalog_cached *c)
{
	if (!c)
		return;
	free(c->log_out);
	free(c->log_err);
	for (size_t i = 0; i < c->n_outputs; i++) {
		free(c->out_role[i]);
		free(c->out_object[i]);
	}
	free(c->out_role);
	free(c->out_object);
	for (size_t i = 0; i < c->n_metrics; i++) {
		free(c->m_name[i]);
		free(c->m_detail[i]);
	}
	free(c->m_name);
	free(c->m_detail);
	free(c->m_value);
	free(c->m_hib);
	free(c);
}

/* Outputs (role, object) of a step into growing arrays. */
static int read_outputs(sqlite3 *db, const char *key, char ***role, char ***object, size_t *n,
			sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q, "SELECT role, object FROM step_outputs WHERE step = ?", err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read a step's outputs")) > 0) {
		*role = sc_xrealloc(*role, (*n + 1) * sizeof(char *));
		*object = sc_xrealloc(*object, (*n + 1) * sizeof(char *));
		(*role)[*n] = sc_db_col_dup(q, 0);
		(*object)[*n] = sc_db_col_dup(q, 1);
		(*n)++;
	}
	sqlite3_finalize(q);
	return r;
}

static int read_metrics(sqlite3 *db, const char *key, sc_catalog_cached *c, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q,
			       "SELECT name, value, higher_is_better, detail FROM step_metrics "
			       "WHERE step = ?",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read the step cache")) > 0) {
		size_t k = c->n_metrics++;
		c->m_name = sc_xrealloc(c->m_name, c->n_metrics * sizeof(char *));
		c->m_detail = sc_xrealloc(c->m_detail, c->n_metrics * sizeof(char *));
		c->m_value = sc_xrealloc(c->m_value, c->n_metrics * sizeof(sc_catalog_num));
		c->m_hib = sc_xrealloc(c->m_hib, c->n_metrics * sizeof(int));
		c->m_name[k] = sc_db_col_dup(q, 0);
		c->m_value[k] = col_int(q, 1);
		c->m_hib[k] = sqlite3_column_int(q, 2);
		c->m_detail[k] = sc_db_col_dup(q, 3);
	}
	sqlite3_finalize(q);
	return r;
}

int sc_catalog_step_lookup(sc_store *s, const char *key, sc_catalog_cached **out, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*out = NULL;
	int rc = sc_db_prepare(db, &q,
			       "SELECT wall_s, cpu_s, maxrss_kb, stdout_log, stderr_log FROM steps "
			       "WHERE key = ? AND status = 'done'",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
	int r = sc_db_row(db, q, err, "cannot read the step cache");
	if (r <= 0) {
		sqlite3_finalize(q);
		return r;
	}
	sc_catalog_cached *c = sc_xcalloc(1, sizeof(*c));
	c->wall = sqlite3_column_double(q, 0);
	c->cpu = sqlite3_column_double(q, 1);
	c->maxrss_kb = sqlite3_column_int64(q, 2);
	c->log_out = sc_db_col_dup(q, 3);
	c->log_err = sc_db_col_dup(q, 4);
	sqlite3_finalize(q);
	if ((rc = read_outputs(db, key, &c->out_role, &c->out_object, &c->n_outputs, err)) ||
	    (rc = read_metrics(db, key, c, err))) {
		sc_catalog_cached_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int sc_catalog_step_times(sc_store *s, const char *key, int *found, sc_catalog_num *wall,
			  sc_catalog_num *cpu, sc_catalog_num *maxrss_kb, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*found = 0;
	int rc = sc_db_prepare(db, &q, "SELECT wall_s, cpu_s, maxrss_kb FROM steps WHERE key = ?", err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
	int r = sc_db_row(db, q, err, "cannot read a step's times");
	if (r > 0) {
		*found = 1;
		*wall = col_int(q, 0);
		*cpu = col_int(q, 1);
		*maxrss_kb = col_int(q, 2);
	}
	sqlite3_finalize(q);
	return r < 0 ? r : 0;
}

int sc_catalog_step_origin(sc_store *s, const char *key, int64_t *run, char **libraries_json,
			   char **machine_json, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*run = 0;
	*libraries_json = *machine_json = NULL;
	/* The first run that computed the step (not a cache hit) made its bits. */
	int rc = sc_db_prepare(db, &q,
			       "SELECT r.id, r.libraries, r.machine FROM run_steps rs "
			       "JOIN runs r ON r.id = rs.run WHERE rs.step = ? AND rs.cached = 0 "
			       "AND rs.status = 'done' ORDER BY r.id LIMIT 1",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
	int r = sc_db_row(db, q, err, "cannot read the runs that computed a step");
	if (r > 0) {
		*run = sqlite3_column_int64(q, 0);
		*libraries_json = sc_db_col_dup(q, 1);
		*machine_json = sc_db_col_dup(q, 2);
	}
	sqlite3_finalize(q);
	return r < 0 ? r : 0;
}
