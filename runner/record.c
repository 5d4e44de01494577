/*
 * record.c - catalog records of runs and steps, and result manifests.
 *
 * A computed step is recorded in one transaction with its run's row, so an
 * interrupted run keeps every step it finished: the next run finds them in
 * the cache.
 */
#include "record.h"
#include "runner/env.h"
#include "runner/provenance.h"
#include "store/catalog.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void bind_text_or_null(sqlite3_stmt *q, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, i);
}

static char *json_str(json_t *j)
{
	char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
	return s ? s : sc_xstrdup("null");
}

int sc_run_begin(sc_store *s, const sc_oid *spec, const char *spec_path, int argc,
		 char *const *argv, int jobs, int64_t *out_id, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sc_provenance p;
	int rc = sc_provenance_get(&p, spec_path, err);
	if (rc) {
		sc_provenance_free(&p);
		return rc;
	}
	char diff_id[SC_OID_IDLEN] = "";
	if (p.in_repo && p.diff_len) {
		sc_oid d;
		if ((rc = sc_store_put_buf(s, p.diff, p.diff_len, &d, err))) {
			sc_provenance_free(&p);
			return rc;
		}
		sc_oid_id(&d, diff_id);
	}
	json_t *av = json_array();
	for (int i = 0; i < argc; i++)
		json_array_append_new(av, json_string(argv[i]));
	json_t *build = sc_env_build(), *libs = sc_env_libraries(), *mach = sc_env_machine();
	char *s_av = json_str(av), *s_build = json_str(build), *s_libs = json_str(libs),
	     *s_mach = json_str(mach);
	char *cwd = getcwd(NULL, 0);
	char sid[SC_OID_IDLEN];
	sc_oid_id(spec, sid);
	sqlite3_stmt *q = NULL;
	if ((rc = sc_db_begin(db, err)))
		goto out;
	if (diff_id[0]) {
		sc_oid d;
		sc_oid_parse(&d, diff_id);
		if ((rc = sc_store_note(s, &d, SC_OBJ_BLOB, p.diff_len, "diff", 0, NULL, err)))
			goto fail;
	}
	if ((rc = sc_db_prepare(db, &q,
				"INSERT INTO runs (spec, spec_path, argv, cwd, status, started_at, "
				"sceval_version, build, libraries, machine, host, threads, jobs, pid) "
				"VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				err)))
		goto fail;
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, spec_path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, s_av, -1, SQLITE_TRANSIENT);
	bind_text_or_null(q, 4, cwd);
	sqlite3_bind_int64(q, 5, sc_now_ns());
	sqlite3_bind_text(q, 6, sc_env_version(), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 7, s_build, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 8, s_libs, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 9, s_mach, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 10, sc_json_str(mach, "host", ""), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 11, sc_json_int(mach, "openblas_threads", 0));
	sqlite3_bind_int(q, 12, jobs);
	sqlite3_bind_int64(q, 13, (sqlite3_int64)getpid());
	if ((rc = sc_db_done(db, q, err, "cannot record the run")))
		goto fail;
	*out_id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(q);
	q = NULL;
	if ((rc = sc_db_prepare(db, &q,
				"INSERT INTO provenance (run, repo, commit_id, branch, remote, dirty, "
				"dirty_files, diff, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				err)))
		goto fail;
	json_t *files = json_array();
	for (size_t i = 0; i < p.n_files; i++)
		json_array_append_new(files, json_string(p.files[i]));
	char *s_files = json_str(files);
	json_decref(files);
	sqlite3_bind_int64(q, 1, *out_id);
	bind_text_or_null(q, 2, p.repo);
	bind_text_or_null(q, 3, p.commit);
	bind_text_or_null(q, 4, p.branch);
	bind_text_or_null(q, 5, p.remote);
	sqlite3_bind_int(q, 6, p.dirty);
	sqlite3_bind_text(q, 7, s_files, -1, SQLITE_TRANSIENT);
	bind_text_or_null(q, 8, diff_id);
	bind_text_or_null(q, 9, p.in_repo ? (p.detached ? "detached HEAD" : NULL)
					  : "the spec is not in a git repository");
	free(s_files);
	if ((rc = sc_db_done(db, q, err, "cannot record provenance")))
		goto fail;
	sqlite3_finalize(q);
	q = NULL;
	rc = sc_db_commit(db, err);
	goto out;
fail:
	sc_db_rollback(db);
out:
	sqlite3_finalize(q);
	free(cwd);
	free(s_av);
	free(s_build);
	free(s_libs);
	free(s_mach);
	json_decref(av);
	json_decref(build);
	json_decref(libs);
	json_decref(mach);
	sc_provenance_free(&p);
	return rc;
}

int sc_run_finish(sc_store *s, int64_t run, const char *status, const sc_oid *result,
		  size_t n_steps, size_t n_cached, size_t n_failed, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	int rc = sc_db_begin(db, err);
	if (rc)
		return rc;
	char rid[SC_OID_IDLEN] = "";
	if (result) {
		sc_oid_id(result, rid);
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
	sqlite3_bind_int64(q, 2, sc_now_ns());
	bind_text_or_null(q, 3, rid);
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

/* Objects an output or log refers to get a catalog row with their kind. */
static int note_ref(sc_store *s, const char *id, const char *kind, sc_err *err)
{
	sc_oid o;
	if (!id || !*id || sc_oid_parse(&o, id))
		return 0;
	int type;
	uint64_t size;
	if (sc_store_stat(s, &o, &type, &size, err))
		return err->code;
	return sc_store_note(s, &o, type, size, kind, 0, NULL, err);
}

static int record_cache_entry(sc_store *s, const sc_plan_step *st, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q = NULL;
	int rc;
	/* A failed attempt of the same key may be there: replace it whole. */
	static const char *const del[] = { "DELETE FROM step_inputs WHERE step = ?",
					   "DELETE FROM step_outputs WHERE step = ?",
					   "DELETE FROM step_metrics WHERE step = ?",
					   "DELETE FROM steps WHERE key = ?" };
	for (size_t i = 0; i < 4; i++) {
		if ((rc = sc_db_prepare(db, &q, del[i], err)))
			return rc;
		sqlite3_bind_text(q, 1, st->key, -1, SQLITE_TRANSIENT);
		rc = sc_db_done(db, q, err, "cannot update the step cache");
		sqlite3_finalize(q);
		if (rc)
			return rc;
	}
	if ((rc = note_ref(s, st->log_out, "log", err)) || (rc = note_ref(s, st->log_err, "log", err)))
		return rc;
	if ((rc = sc_db_prepare(db, &q,
				"INSERT INTO steps (key, kind, impl_version, key_json, status, "
				"exit_status, error, deterministic, wall_s, cpu_s, maxrss_kb, "
				"stdout_log, stderr_log, environment, notes, created_at) "
				"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				err)))
		return rc;
	char *env = st->environment ? json_str(st->environment) : NULL;
	sqlite3_bind_text(q, 1, st->key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, st->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, st->version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 4, st->key_json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 5, st->state == SC_STEP_DONE ? "done" : "failed", -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 6, st->exit_status);
	bind_text_or_null(q, 7, st->error);
	sqlite3_bind_int(q, 8, st->deterministic);
	sqlite3_bind_double(q, 9, st->wall);
	sqlite3_bind_double(q, 10, st->cpu);
	sqlite3_bind_int64(q, 11, st->maxrss_kb);
	bind_text_or_null(q, 12, st->log_out);
	bind_text_or_null(q, 13, st->log_err);
	bind_text_or_null(q, 14, env);
	char *notes = json_array_size(st->notes) ? json_str(st->notes) : NULL;
	bind_text_or_null(q, 15, notes);
	sqlite3_bind_int64(q, 16, sc_now_ns());
	rc = sc_db_done(db, q, err, "cannot record a step");
	sqlite3_finalize(q);
	free(env);
	free(notes);
	if (rc)
		return rc;
	for (size_t k = 0; k < st->n_in; k++) {
		char id[SC_OID_IDLEN];
		sc_oid_id(&st->in[k].oid, id);
		if ((rc = sc_db_prepare(db, &q, "INSERT INTO step_inputs (step, role, object) "
						"VALUES (?, ?, ?)", err)))
			return rc;
		sqlite3_bind_text(q, 1, st->key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 2, st->in[k].role, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 3, id, -1, SQLITE_TRANSIENT);
		rc = sc_db_done(db, q, err, "cannot record a step input");
		sqlite3_finalize(q);
		if (rc)
			return rc;
	}
	if (st->state != SC_STEP_DONE)
		return 0;
	const char *role;
	json_t *v;
	json_object_foreach(st->outputs, role, v)
	{
		if ((rc = note_ref(s, json_string_value(v), "output", err)))
			return rc;
		if ((rc = sc_db_prepare(db, &q, "INSERT INTO step_outputs (step, role, object) "
						"VALUES (?, ?, ?)", err)))
			return rc;
		sqlite3_bind_text(q, 1, st->key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 2, role, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 3, json_string_value(v), -1, SQLITE_TRANSIENT);
		rc = sc_db_done(db, q, err, "cannot record a step output");
		sqlite3_finalize(q);
		if (rc)
			return rc;
	}
	const char *name;
	json_object_foreach(st->metrics, name, v)
	{
		if ((rc = sc_db_prepare(db, &q, "INSERT INTO step_metrics (step, name, value, "
						"higher_is_better, detail) VALUES (?, ?, ?, ?, ?)",
					err)))
			return rc;
		json_t *val = json_object_get(v, "value");
		sqlite3_bind_text(q, 1, st->key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_TRANSIENT);
		if (json_is_number(val))
			sqlite3_bind_double(q, 3, json_number_value(val));
		else
			sqlite3_bind_null(q, 3);
		sqlite3_bind_int(q, 4, json_is_true(json_object_get(v, "higher_is_better")));
		bind_text_or_null(q, 5, sc_json_str(v, "detail", NULL));
		rc = sc_db_done(db, q, err, "cannot record a metric");
		sqlite3_finalize(q);
		if (rc)
			return rc;
	}
	return 0;
}

int sc_step_record(sc_store *s, int64_t run, const sc_plan_step *st, int ord, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	/* Inside the caller's transaction (a batch of cache hits) or our own. */
	int own = sqlite3_get_autocommit(db);
	int rc = own ? sc_db_begin(db, err) : 0;
	if (rc)
		return rc;
	if (!st->cached && st->key[0] && (rc = record_cache_entry(s, st, err)))
		goto fail;
	if (run > 0) {
		sqlite3_stmt *q;
		if ((rc = sc_db_prepare(db, &q,
					"INSERT OR REPLACE INTO run_steps (run, step, ord, label, task, "
					"dataset, method, seed, cached, status, error, wall_s, cpu_s, "
					"maxrss_kb, stdout_log, stderr_log) "
					"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
					err)))
			goto fail;
		char *label = sc_plan_step_label(st);
		static const char *const states[] = { "pending", "pending", "running", "done",
						      "failed", "skipped" };
		sqlite3_bind_int64(q, 1, run);
		/* A step skipped before its key was known is recorded by position. */
		char tmp[40];
		snprintf(tmp, sizeof(tmp), "unkeyed-%d", ord);
		sqlite3_bind_text(q, 2, st->key[0] ? st->key : tmp, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(q, 3, ord);
		sqlite3_bind_text(q, 4, label, -1, SQLITE_TRANSIENT);
		bind_text_or_null(q, 5, st->task);
		bind_text_or_null(q, 6, st->dataset);
		bind_text_or_null(q, 7, st->method);
		if (st->has_seed)
			sqlite3_bind_int64(q, 8, st->seed);
		else
			sqlite3_bind_null(q, 8);
		sqlite3_bind_int(q, 9, st->cached);
		sqlite3_bind_text(q, 10, states[st->state], -1, SQLITE_STATIC);
		bind_text_or_null(q, 11, st->error);
		sqlite3_bind_double(q, 12, st->wall);
		sqlite3_bind_double(q, 13, st->cpu);
		sqlite3_bind_int64(q, 14, st->maxrss_kb);
		bind_text_or_null(q, 15, st->log_out);
		bind_text_or_null(q, 16, st->log_err);
		rc = sc_db_done(db, q, err, "cannot record a run step");
		sqlite3_finalize(q);
		free(label);
		if (rc)
			goto fail;
	}
	return own ? sc_db_commit(db, err) : 0;
fail:
	if (own)
		sc_db_rollback(db);
	return rc;
}

int sc_cache_lookup(sc_store *s, sc_plan_step *st, int *hit, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	*hit = 0;
	int rc = sc_db_prepare(db, &q,
			       "SELECT wall_s, cpu_s, maxrss_kb, stdout_log, stderr_log FROM steps "
			       "WHERE key = ? AND status = 'done'",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, st->key, -1, SQLITE_TRANSIENT);
	int r = sc_db_row(db, q, err, "cannot read the step cache");
	if (r <= 0) {
		sqlite3_finalize(q);
		return r;
	}
	double wall = sqlite3_column_double(q, 0), cpu = sqlite3_column_double(q, 1);
	long rss = (long)sqlite3_column_int64(q, 2);
	const char *lo = (const char *)sqlite3_column_text(q, 3);
	const char *le = (const char *)sqlite3_column_text(q, 4);
	snprintf(st->log_out, sizeof(st->log_out), "%s", lo ? lo : "");
	snprintf(st->log_err, sizeof(st->log_err), "%s", le ? le : "");
	sqlite3_finalize(q);
	json_t *outs = json_object(), *mets = json_object();
	int complete = 1;
	if ((rc = sc_db_prepare(db, &q, "SELECT role, object FROM step_outputs WHERE step = ?", err)))
		goto out;
	sqlite3_bind_text(q, 1, st->key, -1, SQLITE_TRANSIENT);
	while ((r = sc_db_row(db, q, err, "cannot read the step cache")) > 0) {
		const char *id = (const char *)sqlite3_column_text(q, 1);
		sc_oid o;
		if (sc_oid_parse(&o, id) || !sc_store_has(s, &o))
			complete = 0;
		json_object_set_new(outs, (const char *)sqlite3_column_text(q, 0), json_string(id));
	}
	sqlite3_finalize(q);
	if ((rc = r) < 0)
		goto out;
	if ((rc = sc_db_prepare(db, &q,
				"SELECT name, value, higher_is_better, detail FROM step_metrics "
				"WHERE step = ?",
				err)))
		goto out;
	sqlite3_bind_text(q, 1, st->key, -1, SQLITE_TRANSIENT);
	while ((r = sc_db_row(db, q, err, "cannot read the step cache")) > 0) {
		json_t *m = json_object();
		json_object_set_new(m, "value", sqlite3_column_type(q, 1) == SQLITE_NULL
							? json_null()
							: json_real(sqlite3_column_double(q, 1)));
		json_object_set_new(m, "higher_is_better", json_boolean(sqlite3_column_int(q, 2)));
		if (sqlite3_column_type(q, 3) != SQLITE_NULL)
			json_object_set_new(m, "detail",
					    json_string((const char *)sqlite3_column_text(q, 3)));
		json_object_set_new(mets, (const char *)sqlite3_column_text(q, 0), m);
	}
	sqlite3_finalize(q);
	if ((rc = r) < 0)
		goto out;
	if (complete) {
		*hit = 1;
		json_decref(st->outputs);
		json_decref(st->metrics);
		st->outputs = outs;
		st->metrics = mets;
		outs = mets = NULL;
		st->wall = wall;
		st->cpu = cpu;
		st->maxrss_kb = rss;
	}
out:
	json_decref(outs);
	json_decref(mets);
	return rc;
}

int sc_runs_mark_stale(sc_store *s, sc_err *err)
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

char *sc_result_manifest(const sc_plan *p)
{
	/* Steps sorted by key: the manifest does not depend on planning order. */
	size_t *ord = sc_xmalloc((p->n ? p->n : 1) * sizeof(size_t));
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].state == SC_STEP_DONE)
			ord[n++] = i;
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && strcmp(p->v[ord[b - 1]].key, p->v[ord[b]].key) > 0; b--) {
			size_t t = ord[b];
			ord[b] = ord[b - 1];
			ord[b - 1] = t;
		}
	json_t *steps = json_array();
	for (size_t k = 0; k < n; k++) {
		const sc_plan_step *st = &p->v[ord[k]];
		json_t *in = json_object(), *mv = json_object();
		for (size_t i = 0; i < st->n_in; i++) {
			char id[SC_OID_IDLEN];
			sc_oid_id(&st->in[i].oid, id);
			json_object_set_new(in, st->in[i].role, json_string(id));
		}
		const char *name;
		json_t *m;
		json_object_foreach(st->metrics, name, m)
			json_object_set(mv, name, m);
		json_t *e = json_pack("{s:s, s:s, s:s, s:O, s:o, s:O, s:o, s:b}", "key", st->key,
				      "kind", st->kind, "version", st->version, "params", st->params,
				      "inputs", in, "outputs", st->outputs, "metrics", mv,
				      "deterministic", st->deterministic);
		json_object_set_new(e, "task", st->task ? json_string(st->task) : json_null());
		json_object_set_new(e, "dataset", st->dataset ? json_string(st->dataset) : json_null());
		json_object_set_new(e, "method", st->method ? json_string(st->method) : json_null());
		json_object_set_new(e, "seed", st->has_seed ? json_integer(st->seed) : json_null());
		json_array_append_new(steps, e);
	}
	free(ord);
	json_t *j = json_pack("{s:s, s:i, s:o}", "format", "sceval-result", "version", 1, "steps",
			      steps);
	char *s = sc_json_canonical(j);
	json_decref(j);
	return s;
}
