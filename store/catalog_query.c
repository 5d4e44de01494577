/*
 * catalog_query.c - reading recorded runs back (see catalog.h): the run
 * list, one run with its provenance, its steps with their outputs, and its
 * metric rows with the declarations recorded with them. Each read is one
 * indexed query (plus one per step for its outputs), so listing and showing
 * stay fast with tens of thousands of runs.
 */
#include "store/catalog.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sc_catalog_num col_num(sqlite3_stmt *q, int i)
{
	sc_catalog_num n = { 0 };
	if (sqlite3_column_type(q, i) != SQLITE_NULL) {
		n.set = 1;
		n.i = sqlite3_column_int64(q, i);
		n.d = sqlite3_column_double(q, i);
	}
	return n;
}

/* ---- runs ----------------------------------------------------------------------- */

/* The columns every run row reads (fill_run_row's order). */
#define RUN_COLS                                                                              \
	"r.id, r.status, r.started_at, r.ended_at, r.spec_path, r.result, r.n_steps, "        \
	"r.n_cached, r.n_failed, p.commit_id, p.branch, p.dirty, r.host, r.pid"
#define RUN_NCOLS 14

static void fill_run_row(sc_catalog_run *r, sqlite3_stmt *q)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(q, 0);
	r->status = sc_db_col_dup(q, 1);
	r->started_at = sqlite3_column_int64(q, 2);
	r->ended_at = col_num(q, 3);
	r->spec_path = sc_db_col_dup(q, 4);
	r->result = sc_db_col_dup(q, 5);
	r->n_steps = col_num(q, 6);
	r->n_cached = col_num(q, 7);
	r->n_failed = col_num(q, 8);
	r->commit = sc_db_col_dup(q, 9);
	r->branch = sc_db_col_dup(q, 10);
	r->dirty = col_num(q, 11);
	r->host = sc_db_col_dup(q, 12);
	r->pid = col_num(q, 13);
}

void sc_catalog_run_clear(sc_catalog_run *r)
{
	if (!r)
		return;
	char *const strs[] = { r->status, r->spec_path, r->result, r->commit, r->branch, r->host,
			       r->argv_json, r->cwd, r->sceval_version, r->build_json,
			       r->libraries_json, r->machine_json, r->repo, r->remote,
			       r->dirty_files_json, r->diff, r->note, r->spec };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(strs[i]);
	memset(r, 0, sizeof(*r));
}

void sc_catalog_runs_free(sc_catalog_run *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sc_catalog_run_clear(&v[i]);
	free(v);
}

int sc_catalog_runs_list(sc_store *s, size_t limit, sc_catalog_run **out, size_t *n, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*out = NULL;
	*n = 0;
	int rc = sc_db_prepare(db, &q,
			       "SELECT " RUN_COLS " FROM runs r LEFT JOIN provenance p ON p.run = r.id "
			       "ORDER BY r.started_at DESC, r.id DESC LIMIT ?",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, limit ? (sqlite3_int64)limit : -1);
	sc_catalog_run *v = NULL;
	size_t k = 0;
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read the runs")) > 0) {
		v = sc_xrealloc(v, (k + 1) * sizeof(*v));
		fill_run_row(&v[k++], q);
	}
	sqlite3_finalize(q);
	if (r < 0) {
		sc_catalog_runs_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

int sc_catalog_run_get(sc_store *s, int64_t id, sc_catalog_run *out, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	memset(out, 0, sizeof(*out));
	int rc = sc_db_prepare(db, &q,
			       "SELECT " RUN_COLS ", r.argv, r.cwd, r.sceval_version, r.build, "
			       "r.libraries, r.machine, p.repo, p.remote, p.dirty_files, p.diff, "
			       "p.note, r.spec, r.jobs "
			       "FROM runs r LEFT JOIN provenance p ON p.run = r.id WHERE r.id = ?",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, id);
	int r = sc_db_row(db, q, err, "cannot read the run");
	if (r <= 0) {
		sqlite3_finalize(q);
		return r < 0 ? r : sc_errf(err, SC_ENOTFOUND, "no run %lld", (long long)id);
	}
	fill_run_row(out, q);
	int c = RUN_NCOLS;
	out->argv_json = sc_db_col_dup(q, c++);
	out->cwd = sc_db_col_dup(q, c++);
	out->sceval_version = sc_db_col_dup(q, c++);
	out->build_json = sc_db_col_dup(q, c++);
	out->libraries_json = sc_db_col_dup(q, c++);
	out->machine_json = sc_db_col_dup(q, c++);
	out->repo = sc_db_col_dup(q, c++);
	out->remote = sc_db_col_dup(q, c++);
	out->dirty_files_json = sc_db_col_dup(q, c++);
	out->diff = sc_db_col_dup(q, c++);
	out->note = sc_db_col_dup(q, c++);
	out->spec = sc_db_col_dup(q, c++);
	out->jobs = col_num(q, c++);
	sqlite3_finalize(q);
	return 0;
}

int sc_catalog_run_exists(sc_store *s, int64_t id, int *found, char **result, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*found = 0;
	*result = NULL;
	int rc = sc_db_prepare(db, &q, "SELECT result FROM runs WHERE id = ?", err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, id);
	int r = sc_db_row(db, q, err, "cannot read the runs");
	if (r > 0) {
		*found = 1;
		*result = sc_db_col_dup(q, 0);
	}
	sqlite3_finalize(q);
	return r < 0 ? r : 0;
}

int sc_catalog_run_of_result(sc_store *s, const sc_oid *result, int64_t *run, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*run = 0;
	int rc = sc_db_prepare(db, &q, "SELECT id FROM runs WHERE result = ? ORDER BY id LIMIT 1", err);
	if (rc)
		return rc;
	char id[SC_OID_IDLEN];
	sc_oid_id(result, id);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	int r = sc_db_row(db, q, err, "cannot read the runs");
	if (r > 0)
		*run = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return r < 0 ? r : 0;
}

/* ---- a run's steps ------------------------------------------------------------------ */

void sc_catalog_run_steps_free(sc_catalog_run_step_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sc_catalog_run_step_row *r = &v[i];
		char *const strs[] = { r->step, r->kind, r->label, r->task, r->task_kind, r->dataset,
				       r->method, r->status, r->error, r->key_json, r->log_out,
				       r->log_err, r->environment_json, r->impl_version,
				       r->notes_json };
		for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
			free(strs[k]);
		for (size_t k = 0; k < r->n_outputs; k++) {
			free(r->out_role[k]);
			free(r->out_object[k]);
		}
		free(r->out_role);
		free(r->out_object);
	}
	free(v);
}

static void fill_step_row(sc_catalog_run_step_row *r, sqlite3_stmt *q)
{
	memset(r, 0, sizeof(*r));
	r->step = sc_db_col_dup(q, 0);
	r->kind = sc_db_col_dup(q, 1);
	r->label = sc_db_col_dup(q, 2);
	r->task = sc_db_col_dup(q, 3);
	r->dataset = sc_db_col_dup(q, 4);
	r->method = sc_db_col_dup(q, 5);
	r->seed = col_num(q, 6);
	r->cached = sqlite3_column_int(q, 7);
	r->status = sc_db_col_dup(q, 8);
	r->error = sc_db_col_dup(q, 9);
	r->wall = col_num(q, 10);
	r->cpu = col_num(q, 11);
	r->maxrss_kb = col_num(q, 12);
	r->key_json = sc_db_col_dup(q, 13);
	r->log_out = sc_db_col_dup(q, 14);
	r->log_err = sc_db_col_dup(q, 15);
	r->deterministic = col_num(q, 16);
	r->environment_json = sc_db_col_dup(q, 17);
	r->impl_version = sc_db_col_dup(q, 18);
	r->notes_json = sc_db_col_dup(q, 19);
	r->task_kind = sc_db_col_dup(q, 20);
}

static int step_outputs(sqlite3 *db, sc_catalog_run_step_row *r, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q, "SELECT role, object FROM step_outputs WHERE step = ?", err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, r->step, -1, SQLITE_TRANSIENT);
	int row;
	while ((row = sc_db_row(db, q, err, "cannot read a step's outputs")) > 0) {
		r->out_role = sc_xrealloc(r->out_role, (r->n_outputs + 1) * sizeof(char *));
		r->out_object = sc_xrealloc(r->out_object, (r->n_outputs + 1) * sizeof(char *));
		r->out_role[r->n_outputs] = sc_db_col_dup(q, 0);
		r->out_object[r->n_outputs++] = sc_db_col_dup(q, 1);
	}
	sqlite3_finalize(q);
	return row;
}

int sc_catalog_run_steps(sc_store *s, int64_t run, sc_catalog_run_step_row **out, size_t *n,
			 sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*out = NULL;
	*n = 0;
	int rc = sc_db_prepare(db, &q,
			       "SELECT rs.step, s.kind, rs.label, rs.task, rs.dataset, rs.method, "
			       "rs.seed, rs.cached, rs.status, rs.error, rs.wall_s, rs.cpu_s, "
			       "rs.maxrss_kb, s.key_json, rs.stdout_log, rs.stderr_log, s.deterministic, "
			       "s.environment, s.impl_version, s.notes, rs.task_kind "
			       "FROM run_steps rs LEFT JOIN steps s ON s.key = rs.step "
			       "WHERE rs.run = ? ORDER BY rs.ord",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, run);
	sc_catalog_run_step_row *v = NULL;
	size_t k = 0;
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read the run's steps")) > 0) {
		v = sc_xrealloc(v, (k + 1) * sizeof(*v));
		fill_step_row(&v[k], q);
		if ((r = step_outputs(db, &v[k++], err)) < 0)
			break;
	}
	sqlite3_finalize(q);
	if (r < 0) {
		sc_catalog_run_steps_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

/* ---- a run's metrics -------------------------------------------------------------------- */

void sc_catalog_metric_rows_free(sc_catalog_metric_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sc_catalog_metric_row *r = &v[i];
		char *const strs[] = { r->task, r->task_kind, r->dataset, r->method,
				       r->metric, r->detail, r->step, r->group };
		for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
			free(strs[k]);
	}
	free(v);
}

int sc_catalog_run_metrics(sc_store *s, int64_t run, sc_catalog_metric_row **out, size_t *n,
			   sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*out = NULL;
	*n = 0;
	int rc = sc_db_prepare(db, &q,
			       "SELECT task, dataset, method, seed, metric, value, higher_is_better, "
			       "detail, step, task_kind, declared_higher_is_better, metric_group, "
			       "is_primary FROM metrics WHERE run = ? "
			       "ORDER BY task, dataset, method, seed, metric",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, run);
	sc_catalog_metric_row *v = NULL;
	size_t k = 0;
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read the metrics")) > 0) {
		v = sc_xrealloc(v, (k + 1) * sizeof(*v));
		sc_catalog_metric_row *m = &v[k++];
		memset(m, 0, sizeof(*m));
		m->task = sc_db_col_dup(q, 0);
		m->dataset = sc_db_col_dup(q, 1);
		m->method = sc_db_col_dup(q, 2);
		m->seed = col_num(q, 3);
		m->metric = sc_db_col_dup(q, 4);
		m->value = col_num(q, 5);
		m->higher_is_better = sqlite3_column_int(q, 6);
		m->detail = sc_db_col_dup(q, 7);
		m->step = sc_db_col_dup(q, 8);
		m->task_kind = sc_db_col_dup(q, 9);
		m->declared = sqlite3_column_type(q, 10) != SQLITE_NULL;
		m->declared_higher_is_better = sqlite3_column_int(q, 10);
		m->group = sc_db_col_dup(q, 11);
		m->primary = sqlite3_column_int(q, 12);
	}
	sqlite3_finalize(q);
	if (r < 0) {
		sc_catalog_metric_rows_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}
