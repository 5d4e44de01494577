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
#include "tasks/task.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "?? path": an untracked file in the recorded list. */
static json_t *untracked_entry(const char *path)
{
	char *t = sc_xasprintf("?? %s", path);
	json_t *j = json_string(t);
	free(t);
	return j;
}

static char *json_str(json_t *j)
{
	char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
	return s ? s : sc_xstrdup("null");
}

int sc_run_begin(sc_store *s, const sc_oid *spec, const char *spec_path, int argc,
		 char *const *argv, int jobs, int64_t *out_id, sc_err *err)
{
	sc_provenance p;
	int rc = sc_provenance_get(&p, spec_path, err);
	if (rc) {
		sc_provenance_free(&p);
		return rc;
	}
	sc_oid diff;
	int has_diff = p.in_repo && p.diff_len;
	if (has_diff && (rc = sc_store_put_buf(s, p.diff, p.diff_len, &diff, err))) {
		sc_provenance_free(&p);
		return rc;
	}
	json_t *av = json_array(), *files = json_array();
	for (int i = 0; i < argc; i++)
		json_array_append_new(av, json_string(argv[i]));
	for (size_t i = 0; i < p.n_files; i++)
		json_array_append_new(files, json_string(p.files[i]));
	/* untracked files are listed apart, as git status --porcelain does */
	for (size_t i = 0; i < p.n_untracked; i++)
		json_array_append_new(files, untracked_entry(p.untracked[i]));
	json_t *build = sc_env_build(), *libs = sc_env_libraries(), *mach = sc_env_machine();
	char *s_av = json_str(av), *s_build = json_str(build), *s_libs = json_str(libs),
	     *s_mach = json_str(mach), *s_files = json_str(files);
	char *cwd = getcwd(NULL, 0);
	sc_catalog_run_start r = {
		.spec = *spec,
		.spec_path = spec_path,
		.argv_json = s_av,
		.cwd = cwd,
		.sceval_version = sc_env_version(),
		.build_json = s_build,
		.libraries_json = s_libs,
		.machine_json = s_mach,
		.host = sc_json_str(mach, "host", ""),
		.threads = sc_json_int(mach, "openblas_threads", 0),
		.jobs = jobs,
		.pid = (int64_t)getpid(),
		.started_at = sc_now_ns(),
		.repo = p.repo,
		.commit = p.commit,
		.branch = p.branch,
		.remote = p.remote,
		.dirty = p.dirty,
		.dirty_files_json = s_files,
		.diff = has_diff ? &diff : NULL,
		.diff_size = p.diff_len,
		.note = p.in_repo ? (p.detached ? "detached HEAD" : NULL)
				  : "the spec is not in a git repository",
	};
	rc = sc_catalog_run_begin(s, &r, out_id, err);
	free(cwd);
	free(s_av);
	free(s_build);
	free(s_libs);
	free(s_mach);
	free(s_files);
	json_decref(av);
	json_decref(files);
	json_decref(build);
	json_decref(libs);
	json_decref(mach);
	sc_provenance_free(&p);
	return rc;
}

int sc_run_finish(sc_store *s, int64_t run, const char *status, const sc_oid *result,
		  size_t n_steps, size_t n_cached, size_t n_failed, sc_err *err)
{
	return sc_catalog_run_finish(s, run, status, result, sc_now_ns(), n_steps, n_cached,
				     n_failed, err);
}

/* The (role, object) pairs of a JSON object role -> "sha256:<hex>". */
static sc_catalog_io *io_of(json_t *obj, size_t *n)
{
	sc_catalog_io *v = sc_xcalloc(json_object_size(obj) + 1, sizeof(*v));
	const char *role;
	json_t *o;
	*n = 0;
	json_object_foreach(obj, role, o)
		v[(*n)++] = (sc_catalog_io){ .role = role, .object = json_string_value(o) };
	return v;
}

/* The step's metrics with the declarations of the task it ran for. */
static sc_catalog_metric *metrics_of(const sc_plan_step *st, size_t *n)
{
	const sc_task *task = st->task_kind ? sc_task_find(st->task_kind) : NULL;
	sc_catalog_metric *v = sc_xcalloc(json_object_size(st->metrics) + 1, sizeof(*v));
	const char *name;
	json_t *m;
	*n = 0;
	json_object_foreach(st->metrics, name, m)
	{
		json_t *val = json_object_get(m, "value");
		const sc_metric_desc *d = task ? sc_task_metric_find(task, name) : NULL;
		v[(*n)++] = (sc_catalog_metric){
			.name = name,
			.has_value = json_is_number(val),
			.value = json_number_value(val),
			.higher_is_better = json_is_true(json_object_get(m, "higher_is_better")),
			.detail = sc_json_str(m, "detail", NULL),
			.declared = d != NULL,
			.declared_higher_is_better = d ? d->higher_is_better : 0,
			.group = d ? d->group : NULL,
			.primary = d ? d->primary : 0,
		};
	}
	return v;
}

int sc_step_record(sc_store *s, int64_t run, const sc_plan_step *st, int ord, sc_err *err)
{
	sc_catalog_io *in = sc_xcalloc(st->n_in + 1, sizeof(*in));
	char (*ids)[SC_OID_IDLEN] = sc_xcalloc(st->n_in + 1, sizeof(*ids));
	for (size_t k = 0; k < st->n_in; k++) {
		sc_oid_id(&st->in[k].oid, ids[k]);
		in[k] = (sc_catalog_io){ .role = st->in[k].role, .object = ids[k] };
	}
	size_t n_out = 0, n_met = 0;
	sc_catalog_io *out = io_of(st->outputs, &n_out);
	sc_catalog_metric *met = metrics_of(st, &n_met);
	char *env = st->environment ? json_str(st->environment) : NULL;
	char *notes = json_array_size(st->notes) ? json_str(st->notes) : NULL;
	char *executor = st->executor && !st->cached ? json_str(st->executor) : NULL;
	sc_catalog_step entry = {
		.key = st->key,
		.kind = st->kind,
		.version = st->version,
		.key_json = st->key_json,
		.done = st->state == SC_STEP_DONE,
		.exit_status = st->exit_status,
		.error = st->error,
		.deterministic = st->deterministic,
		.wall = st->wall,
		.cpu = st->cpu,
		.maxrss_kb = st->maxrss_kb,
		.log_out = st->log_out,
		.log_err = st->log_err,
		.environment_json = env,
		.notes_json = notes,
		.created_at = sc_now_ns(),
		.inputs = in,
		.n_inputs = st->n_in,
		.outputs = out,
		.n_outputs = n_out,
		.metrics = met,
		.n_metrics = n_met,
	};
	static const char *const states[] = { "pending", "pending", "running", "done", "failed",
					      "skipped" };
	/* A step skipped before its key was known is recorded by position. */
	char unkeyed[40];
	snprintf(unkeyed, sizeof(unkeyed), "unkeyed-%d", ord);
	char *label = sc_plan_step_label(st);
	sc_catalog_run_step rs = {
		.run = run,
		.step = st->key[0] ? st->key : unkeyed,
		.ord = ord,
		.label = label,
		.task = st->task,
		.task_kind = st->task_kind,
		.dataset = st->dataset,
		.method = st->method,
		.has_seed = st->has_seed,
		.seed = st->seed,
		.cached = st->cached,
		.status = states[st->state],
		.error = st->error,
		.wall = st->wall,
		.cpu = st->cpu,
		.maxrss_kb = st->maxrss_kb,
		.log_out = st->log_out,
		.log_err = st->log_err,
		.executor_json = executor,
	};
	int rc = sc_catalog_step_record(s, !st->cached && st->key[0] ? &entry : NULL,
					run > 0 ? &rs : NULL, err);
	free(label);
	free(env);
	free(notes);
	free(executor);
	free(in);
	free(ids);
	free(out);
	free(met);
	return rc;
}

int sc_cache_lookup(sc_store *s, sc_plan_step *st, int *hit, sc_err *err)
{
	*hit = 0;
	sc_catalog_cached *c = NULL;
	int rc = sc_catalog_step_lookup(s, st->key, &c, err);
	if (rc || !c)
		return rc;
	snprintf(st->log_out, sizeof(st->log_out), "%s", c->log_out ? c->log_out : "");
	snprintf(st->log_err, sizeof(st->log_err), "%s", c->log_err ? c->log_err : "");
	json_t *outs = json_object(), *mets = json_object();
	int complete = 1;
	for (size_t i = 0; i < c->n_outputs; i++) {
		sc_oid o;
		if (sc_oid_parse(&o, c->out_object[i]) || !sc_store_has(s, &o))
			complete = 0;
		json_object_set_new(outs, c->out_role[i], json_string(c->out_object[i]));
	}
	for (size_t i = 0; i < c->n_metrics; i++) {
		json_t *m = json_object();
		json_object_set_new(m, "value",
				    c->m_value[i].set ? json_real(c->m_value[i].d) : json_null());
		json_object_set_new(m, "higher_is_better", json_boolean(c->m_hib[i]));
		if (c->m_detail[i])
			json_object_set_new(m, "detail", json_string(c->m_detail[i]));
		json_object_set_new(mets, c->m_name[i], m);
	}
	if (complete) {
		*hit = 1;
		json_decref(st->outputs);
		json_decref(st->metrics);
		st->outputs = outs;
		st->metrics = mets;
		outs = mets = NULL;
		st->wall = c->wall;
		st->cpu = c->cpu;
		st->maxrss_kb = (long)c->maxrss_kb;
	}
	json_decref(outs);
	json_decref(mets);
	sc_catalog_cached_free(c);
	return 0;
}

int sc_runs_mark_stale(sc_store *s, sc_err *err)
{
	return sc_catalog_runs_mark_stale(s, err);
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
