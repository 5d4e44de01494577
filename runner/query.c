/*
 * query.c - reading runs and results (see query.h) as JSON, from the typed
 * rows of the catalog (store/catalog.h), so the CLI, diff and the report
 * pages render the same data.
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

/* Nullable catalog values as JSON. */
static json_t *j_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *j_int(sc_catalog_num n)
{
	return n.set ? json_integer(n.i) : json_null();
}

static json_t *j_real(sc_catalog_num n)
{
	return n.set ? sc_json_real(n.d) : json_null();
}

/* A JSON text column parsed (or null). */
static json_t *j_parsed(const char *t)
{
	if (!t)
		return json_null();
	json_t *j = json_loads(t, JSON_DECODE_ANY, NULL);
	return j ? j : json_string(t);
}

/* A recorded "sha256:<hex>" id as bare hex (or null). */
static json_t *j_hash(const char *t)
{
	const char *hex = sc_oid_hex_of(t);
	return t && hex != t ? json_string(hex) : json_null();
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
	if (digits && strlen(num) < 19) {
		int64_t id = strtoll(num, NULL, 10);
		int found;
		char *res = NULL;
		int rc = sc_catalog_run_exists(s, id, &found, &res, err);
		if (rc)
			return rc;
		if (found) {
			*run = id;
			if (res && !sc_oid_parse(result, res))
				*has_result = 1;
			free(res);
			return 0;
		}
		if (num != ref || strlen(num) < 6)
			return sc_errf(err, SC_ENOTFOUND, "no run %s", num);
	}
	int rc = sc_store_resolve(s, ref, result, err);
	if (rc)
		return rc;
	*has_result = 1;
	return 0;
}

/* A run recorded 'running' whose process on this host is gone (killed)
 * shows as 'interrupted' at once, before the next run records it so. */
static const char *live_status(const sc_catalog_run *r)
{
	if (strcmp(r->status ? r->status : "", "running"))
		return r->status;
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	if (r->host && !strcmp(r->host, host) &&
	    !sc_pid_alive_since((pid_t)r->pid.i, r->started_at))
		return "interrupted";
	return r->status;
}

static json_t *run_row(const sc_catalog_run *r)
{
	char t[32];
	json_t *j = json_object();
	json_object_set_new(j, "id", json_integer(r->id));
	json_object_set_new(j, "status", j_str(live_status(r)));
	json_object_set_new(j, "started", json_string(sc_fmt_time_utc(r->started_at, t)));
	json_object_set_new(j, "started_ns", json_integer(r->started_at));
	if (r->ended_at.set) {
		json_object_set_new(j, "ended", json_string(sc_fmt_time_utc(r->ended_at.i, t)));
		json_object_set_new(j, "seconds",
				    json_real((double)(r->ended_at.i - r->started_at) * 1e-9));
	} else {
		json_object_set_new(j, "ended", json_null());
		json_object_set_new(j, "seconds", json_null());
	}
	json_object_set_new(j, "spec_path", j_str(r->spec_path));
	json_object_set_new(j, "result", j_hash(r->result));
	json_object_set_new(j, "steps", j_int(r->n_steps));
	json_object_set_new(j, "cached", j_int(r->n_cached));
	json_object_set_new(j, "failed", j_int(r->n_failed));
	json_object_set_new(j, "commit", j_str(r->commit));
	json_object_set_new(j, "branch", j_str(r->branch));
	json_object_set_new(j, "dirty", r->dirty.set ? json_boolean(r->dirty.i) : json_null());
	return j;
}

int sc_query_runs(sc_store *s, size_t limit, json_t **out, sc_err *err)
{
	sc_catalog_run *v;
	size_t n;
	int rc = sc_catalog_runs_list(s, limit, &v, &n, err);
	if (rc)
		return rc;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, run_row(&v[i]));
	sc_catalog_runs_free(v, n);
	*out = arr;
	return 0;
}

static json_t *step_json(const sc_catalog_run_step_row *r)
{
	json_t *st = json_object();
	json_object_set_new(st, "key", json_string(r->step));
	json_object_set_new(st, "kind", j_str(r->kind));
	json_object_set_new(st, "label", j_str(r->label));
	json_object_set_new(st, "task", j_str(r->task));
	json_object_set_new(st, "task_kind", j_str(r->task_kind));
	json_object_set_new(st, "dataset", j_str(r->dataset));
	json_object_set_new(st, "method", j_str(r->method));
	json_object_set_new(st, "seed", j_int(r->seed));
	json_object_set_new(st, "cached", json_boolean(r->cached));
	json_object_set_new(st, "status", j_str(r->status));
	json_object_set_new(st, "error", j_str(r->error));
	json_object_set_new(st, "wall", j_real(r->wall));
	json_object_set_new(st, "cpu", j_real(r->cpu));
	json_object_set_new(st, "maxrss_kb", j_int(r->maxrss_kb));
	json_t *kj = j_parsed(r->key_json);
	json_object_set(st, "params", json_object_get(kj, "params"));
	json_object_set(st, "inputs", json_object_get(kj, "inputs"));
	json_object_set(st, "version", json_object_get(kj, "version"));
	json_decref(kj);
	json_object_set_new(st, "stdout_log", j_hash(r->log_out));
	json_object_set_new(st, "stderr_log", j_hash(r->log_err));
	json_object_set_new(st, "deterministic",
			    json_boolean(!r->deterministic.set || r->deterministic.i));
	json_object_set_new(st, "environment", j_parsed(r->environment_json));
	json_object_set_new(st, "executor", j_parsed(r->executor_json));
	json_t *notes = j_parsed(r->notes_json);
	json_object_set_new(st, "notes", json_is_array(notes) ? notes : json_array());
	if (!json_is_array(notes))
		json_decref(notes);
	json_t *outs = json_object();
	for (size_t k = 0; k < r->n_outputs; k++)
		json_object_set_new(outs, r->out_role[k], j_str(sc_oid_hex_of(r->out_object[k])));
	json_object_set_new(st, "outputs", outs);
	return st;
}

int sc_query_run(sc_store *s, int64_t run, json_t **out, sc_err *err)
{
	sc_catalog_run r;
	int rc = sc_catalog_run_get(s, run, &r, err);
	if (rc)
		return rc;
	json_t *j = run_row(&r);
	json_object_set_new(j, "argv", j_parsed(r.argv_json));
	json_object_set_new(j, "cwd", j_str(r.cwd));
	json_object_set_new(j, "sceval_version", j_str(r.sceval_version));
	json_object_set_new(j, "build", j_parsed(r.build_json));
	json_object_set_new(j, "libraries", j_parsed(r.libraries_json));
	json_object_set_new(j, "machine", j_parsed(r.machine_json));
	json_t *prov = json_object();
	json_object_set_new(prov, "repo", j_str(r.repo));
	json_object_set(prov, "commit", json_object_get(j, "commit"));
	json_object_set(prov, "branch", json_object_get(j, "branch"));
	json_object_set(prov, "dirty", json_object_get(j, "dirty"));
	json_object_set_new(prov, "remote", j_str(r.remote));
	json_object_set_new(prov, "dirty_files", j_parsed(r.dirty_files_json));
	json_object_set_new(prov, "diff", j_hash(r.diff));
	json_object_set_new(prov, "note", j_str(r.note));
	json_object_set_new(j, "provenance", prov);
	json_object_set_new(j, "spec", j_hash(r.spec));
	json_object_set_new(j, "jobs", j_int(r.jobs));
	sc_catalog_run_clear(&r);
	sc_catalog_run_step_row *v;
	size_t n;
	if ((rc = sc_catalog_run_steps(s, run, &v, &n, err))) {
		json_decref(j);
		return rc;
	}
	json_t *steps = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(steps, step_json(&v[i]));
	sc_catalog_run_steps_free(v, n);
	json_object_set_new(j, "step_list", steps);
	*out = j;
	return 0;
}

int sc_query_run_metrics(sc_store *s, int64_t run, json_t **out, sc_err *err)
{
	sc_catalog_metric_row *v;
	size_t n;
	int rc = sc_catalog_run_metrics(s, run, &v, &n, err);
	if (rc)
		return rc;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const sc_catalog_metric_row *m = &v[i];
		json_t *r = json_object();
		json_object_set_new(r, "task", j_str(m->task));
		json_object_set_new(r, "dataset", j_str(m->dataset));
		json_object_set_new(r, "method", j_str(m->method));
		json_object_set_new(r, "seed", j_int(m->seed));
		json_object_set_new(r, "metric", j_str(m->metric));
		json_object_set_new(r, "value", j_real(m->value));
		json_object_set_new(r, "higher_is_better", json_boolean(m->higher_is_better));
		json_object_set_new(r, "detail", j_str(m->detail));
		json_object_set_new(r, "step", j_str(m->step));
		json_object_set_new(r, "task_kind", j_str(m->task_kind));
		json_object_set_new(r, "declaration",
				    m->declared ? json_pack("{s:b, s:s?, s:b}", "higher_is_better",
							    m->declared_higher_is_better, "group",
							    m->group, "primary", m->primary)
						: json_null());
		json_array_append_new(arr, r);
	}
	sc_catalog_metric_rows_free(v, n);
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
	int64_t run;
	char *libs, *mach;
	int rc = sc_catalog_step_origin(s, key, &run, &libs, &mach, err);
	if (!rc && run)
		*out = json_pack("{s:I, s:o, s:o}", "run", (json_int_t)run, "libraries",
				 j_parsed(libs), "machine", j_parsed(mach));
	free(libs);
	free(mach);
	return rc;
}

void sc_query_ref_clear(sc_query_ref *x)
{
	json_decref(x->metrics);
	json_decref(x->steps);
	json_decref(x->info);
	memset(x, 0, sizeof(*x));
}

int sc_query_ref_load(sc_store *s, const char *ref, sc_query_ref *x, sc_err *err)
{
	memset(x, 0, sizeof(*x));
	int rc = sc_query_resolve(s, ref, &x->run, &x->result, &x->has_result, err);
	if (rc)
		return rc;
	if (x->run > 0) {
		if ((rc = sc_query_run(s, x->run, &x->info, err)) ||
		    (rc = sc_query_run_metrics(s, x->run, &x->metrics, err))) {
			sc_query_ref_clear(x);
			return rc;
		}
		x->steps = json_incref(json_object_get(x->info, "step_list"));
		return 0;
	}
	json_t *m;
	if ((rc = sc_query_result(s, &x->result, &m, err)))
		return rc;
	x->metrics = sc_query_result_metrics(m);
	x->steps = json_incref(json_object_get(m, "steps"));
	json_decref(m);
	return 0;
}
