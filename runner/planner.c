/*
 * planner.c - spec to plan (see planner.h): what is common to every task.
 * The per-task chains are the tasks' planners (tasks/<task>/plan.c), found
 * through the table of tasks (tasks/tasks.c).
 */
#include "planner.h"
#include "io/h5ad.h"
#include "runner/plan_tasks.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- datasets and files into the store ---------------------------------- */

static int ingest_path(sc_store *s, const char *path, const char *kind, sc_oid *out, sc_err *err)
{
	sc_ingest_list l = { 0 };
	int rc = sc_store_ingest(s, path, &l, out, err);
	if (!rc)
		rc = sc_store_record(s, &l, kind, NULL, 0, err);
	sc_ingest_list_free(&l);
	return rc;
}

/* In the checking pass a dataset given by path is only checked for being
 * readable (its content is opened from the source for column checks); in
 * the real pass it is hashed into the store. */
static int resolve_datasets(sc_plan_ctx *x)
{
	const sc_spec *sp = x->spec;
	x->data_oid = sc_xcalloc(sp->n_datasets ? sp->n_datasets : 1, sizeof(sc_oid));
	x->data_path = sc_xcalloc(sp->n_datasets ? sp->n_datasets : 1, sizeof(char *));
	for (size_t i = 0; i < sp->n_datasets; i++) {
		const sc_spec_dataset *d = &sp->datasets[i];
		sc_err e;
		int rc = 0;
		/* The checks below open .h5ad files in this process: a file that
		 * crashes or hangs libhdf5 is refused first, before it is stored. */
		if (d->ref) {
			rc = sc_store_resolve(x->s, d->ref, &x->data_oid[i], &e);
			if (!rc)
				x->data_path[i] = sc_store_object_path(x->s, &x->data_oid[i]);
			if (!rc)
				rc = sc_h5ad_probe(x->data_path[i], &e);
		} else if ((rc = sc_h5ad_probe(d->path, &e))) {
			/* said below */
		} else if (x->dry) {
			if (access(d->path, R_OK) < 0)
				rc = sc_errsys(&e, errno, "cannot read '%s'", d->path);
			else
				rc = sc_check_file(d->path, 1, &e);
			x->data_path[i] = sc_xstrdup(d->path);
		} else {
			rc = ingest_path(x->s, d->path, "dataset", &x->data_oid[i], &e);
			if (!rc)
				x->data_path[i] = sc_store_object_path(x->s, &x->data_oid[i]);
		}
		if (rc)
			return sc_spec_errf(sp, d->node, x->err, "dataset '%s': %s", d->name, e.msg);
	}
	return 0;
}

const char *sc_plan_ctx_dataset_path(const sc_plan_ctx *x, const char *name)
{
	for (size_t i = 0; i < x->spec->n_datasets; i++)
		if (!strcmp(x->spec->datasets[i].name, name))
			return x->data_path[i];
	return NULL;
}

const sc_oid *sc_plan_ctx_dataset(const sc_plan_ctx *x, const char *name)
{
	for (size_t i = 0; i < x->spec->n_datasets; i++)
		if (!strcmp(x->spec->datasets[i].name, name))
			return &x->data_oid[i];
	return NULL;
}

/* A dataset's file name when materialised for an external command: the
 * basename of its path, or NAME.h5ad for a store ref. */
char *sc_plan_ctx_dataset_file(const sc_plan_ctx *x, const char *name)
{
	const sc_spec_dataset *d = sc_spec_find_dataset(x->spec, name);
	if (d && d->path)
		return sc_xstrdup(sc_path_basename(d->path));
	return sc_xasprintf("%s.h5ad", name);
}

/* ---- method instances: grids ------------------------------------------- */

static void add_instance(sc_method_list *l, const char *label, const sc_spec_method *m,
			 const char *builtin, const sc_method_desc *desc, json_t *params)
{
	l->v = sc_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	sc_method_inst *mi = &l->v[l->n++];
	mi->label = sc_xstrdup(label);
	mi->spec = m;
	mi->builtin = builtin ? sc_xstrdup(builtin) : NULL;
	mi->desc = desc;
	mi->params = params;
}

void sc_method_list_free(sc_method_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].label);
		free(l->v[i].builtin);
		json_decref(l->v[i].params);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* "name[C=0.1,k=5]" */
static char *grid_label(const char *name, const json_t *combo)
{
	if (!json_object_size(combo))
		return sc_xstrdup(name);
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_printf(&b, "%s[", name);
	const char **keys = sc_xcalloc(json_object_size(combo), sizeof(char *));
	size_t nk = 0;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)combo, k, v)
		keys[nk++] = k;
	/* Sorted for a stable label. */
	for (size_t a = 1; a < nk; a++)
		for (size_t c = a; c > 0 && strcmp(keys[c - 1], keys[c]) > 0; c--) {
			const char *t = keys[c];
			keys[c] = keys[c - 1];
			keys[c - 1] = t;
		}
	for (size_t i = 0; i < nk; i++) {
		char *val = json_dumps(json_object_get(combo, keys[i]),
				       JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(12));
		size_t vl = strlen(val);
		if (vl >= 2 && val[0] == '"') {
			val[vl - 1] = 0;
			sc_buf_printf(&b, "%s%s=%s", i ? "," : "", keys[i], val + 1);
		} else {
			sc_buf_printf(&b, "%s%s=%s", i ? "," : "", keys[i], val);
		}
		free(val);
	}
	free(keys);
	sc_buf_putc(&b, ']');
	return sc_buf_detach(&b);
}

/* ---- method parameters ---------------------------------------------------- */

/* The parameters a built-in method reads are its descriptor's (tasks/task.h):
 * anything else in 'params' or a 'grid' would be silently ignored, yet
 * change the step's key. */
static const char *type_problem(sc_param_type type, const json_t *v)
{
	double d = json_is_number(v) ? json_number_value(v) : NAN;
	switch (type) {
	case SC_PARAM_POSITIVE:
		return isfinite(d) && d > 0 ? NULL : "a finite number > 0";
	case SC_PARAM_NONNEG:
		return isfinite(d) && d >= 0 ? NULL : "a finite number >= 0";
	case SC_PARAM_UNIT:
		return isfinite(d) && d > 0 && d < 1 ? NULL : "a number between 0 and 1";
	case SC_PARAM_COUNT:
		return json_is_integer(v) && json_integer_value(v) >= 1 ? NULL : "an integer >= 1";
	case SC_PARAM_STRING:
		break;
	}
	return json_is_string(v) ? NULL : "a string";
}

/* One parameter (or grid value) of a built-in method: known, well typed.
 * at is the value as written in the spec (for its position). */
static int check_param(sc_plan_ctx *x, const sc_spec_method *m, const sc_method_desc *d,
		       const char *name, const json_t *v, const json_t *at)
{
	const sc_method_param *r = sc_method_param_find(d, name);
	if (!r) {
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		size_t n = 0;
		for (const sc_method_param *q = d->params; q->name; q++, n++)
			sc_buf_printf(&b, "%s%s", b.len ? ", " : "", q->name);
		const char **names = sc_xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			names[i] = d->params[i].name;
		char hint[160];
		int rc = sc_spec_errf(x->spec, m->node, x->err,
				      "method '%s': unknown parameter '%s' for %s (known: %s)%s", m->name,
				      name, d->name, b.len ? b.s : "none",
				      sc_plan_hint(hint, sizeof(hint), name, names, n));
		free(names);
		sc_buf_free(&b);
		return rc;
	}
	const char *want = type_problem(r->type, v);
	if (want)
		return sc_spec_errf(x->spec, at ? at : m->node, x->err,
				    "method '%s': parameter '%s' must be %s", m->name, name, want);
	return 0;
}

static int check_params(sc_plan_ctx *x, const sc_spec_method *m, const sc_method_desc *d)
{
	const char *k;
	json_t *v;
	int rc = 0;
	/* m->params and m->grid are copies: positions are in m->node. */
	const json_t *pn = json_is_object(m->node) ? json_object_get(m->node, "params") : NULL,
		     *gn = json_is_object(m->node) ? json_object_get(m->node, "grid") : NULL;
	json_object_foreach(m->params, k, v)
		if ((rc = check_param(x, m, d, k, v, json_object_get(pn, k))))
			return rc;
	json_object_foreach(m->grid, k, v)
	{
		size_t i;
		json_t *g;
		json_array_foreach(v, i, g)
			if ((rc = check_param(x, m, d, k, g, json_array_get(json_object_get(gn, k), i))))
				return rc;
	}
	return 0;
}

/* Planned evaluations (methods x grid points x seeds) a task may ask for:
 * a grid of 10^9 points would exhaust memory long before running. */
#define SC_MAX_EVALUATIONS 100000

/* The task's method instances times its seeds, saturating at SIZE_MAX. */
static size_t count_evaluations(const sc_plan_ctx *x, const sc_spec_task *t)
{
	size_t total = 0;
	for (size_t i = 0; i < t->n_methods; i++) {
		const sc_spec_method *m = sc_spec_find_method(x->spec, t->methods[i]);
		size_t n = 1;
		const char *k;
		json_t *v;
		if (m && m->grid)
			json_object_foreach(m->grid, k, v)
			{
				size_t g = json_array_size(v);
				n = g && n > SIZE_MAX / g ? SIZE_MAX : n * g;
			}
		total = total > SIZE_MAX - n ? SIZE_MAX : total + n;
	}
	size_t seeds = t->n_seeds ? t->n_seeds : 1;
	return total > SIZE_MAX / seeds ? SIZE_MAX : total * seeds;
}

/* Expand the task's methods over their grids (cartesian product, keys in
 * sorted order, values in the order given). Names that are not defined in
 * 'methods' are built-ins with default parameters. At most
 * SC_MAX_EVALUATIONS over all tasks of a spec. */
int sc_plan_methods(sc_plan_ctx *x, const sc_spec_task *t, const sc_task *task,
		    sc_method_list *out)
{
	memset(out, 0, sizeof(*out));
	const json_t *mnode = json_object_get(t->node, "methods");
	if (!t->n_methods)
		return sc_spec_errf(x->spec, t->node, x->err, "task '%s' lists no methods", t->task);
	size_t n_eval = count_evaluations(x, t);
	n_eval = n_eval > SIZE_MAX - x->n_evaluations ? SIZE_MAX : n_eval + x->n_evaluations;
	if (n_eval > SC_MAX_EVALUATIONS) {
		char n[32] = "more than 2^64";
		if (n_eval < SIZE_MAX)
			snprintf(n, sizeof(n), "%zu", n_eval);
		return sc_spec_errf(x->spec, mnode ? mnode : t->node, x->err,
				    "task '%s' would bring the plan to %s evaluations (methods x grid "
				    "points x seeds), more than %d",
				    t->task, n, SC_MAX_EVALUATIONS);
	}
	x->n_evaluations = n_eval;
	for (size_t i = 0; i < t->n_methods; i++) {
		const char *name = t->methods[i];
		const sc_spec_method *m = sc_spec_find_method(x->spec, name);
		const char *builtin = m ? m->builtin : name;
		const sc_method_desc *desc = builtin ? sc_task_method_find(task, builtin) : NULL;
		if (builtin && !desc) {
			sc_buf b = SC_BUF_INIT;
			sc_buf_init(&b);
			const char *names[64];
			size_t nn = 0;
			for (const sc_method_desc *const *k = task->methods; *k; k++) {
				sc_buf_printf(&b, "%s%s", k == task->methods ? "" : ", ", (*k)->name);
				if (nn < 64)
					names[nn++] = (*k)->name;
			}
			char hint[160];
			sc_plan_hint(hint, sizeof(hint), builtin, names, nn);
			int rc = sc_spec_errf(
				x->spec, m ? m->node : (mnode ? mnode : t->node), x->err,
				m ? "method '%s': '%s' is not a built-in method of task '%s'%s "
				    "(built-ins: %s)"
				  : "%sunknown method '%s' for task '%s'%s (define it under 'methods', "
				    "or use a built-in: %s)",
				m ? name : "", builtin, t->task, hint, b.s);
			sc_buf_free(&b);
			sc_method_list_free(out);
			return rc;
		}
		int prc = m && desc ? check_params(x, m, desc) : 0;
		if (prc) {
			sc_method_list_free(out);
			return prc;
		}
		json_t *params = m ? m->params : NULL;
		json_t *grid = m ? m->grid : NULL;
		if (!grid) {
			add_instance(out, name, m, builtin, desc,
				     params ? json_deep_copy(params) : json_object());
			continue;
		}
		/* Odometer over the grid's keys. */
		size_t nk = json_object_size(grid);
		const char **keys = sc_xcalloc(nk, sizeof(char *));
		size_t *pos = sc_xcalloc(nk, sizeof(size_t)), kk = 0;
		const char *k;
		json_t *v;
		json_object_foreach(grid, k, v)
			keys[kk++] = k;
		for (size_t a = 1; a < nk; a++)
			for (size_t c = a; c > 0 && strcmp(keys[c - 1], keys[c]) > 0; c--) {
				const char *tmp = keys[c];
				keys[c] = keys[c - 1];
				keys[c - 1] = tmp;
			}
		for (;;) {
			json_t *p = params ? json_deep_copy(params) : json_object();
			json_t *combo = json_object();
			for (size_t g = 0; g < nk; g++) {
				json_t *val = json_array_get(json_object_get(grid, keys[g]), pos[g]);
				json_object_set(p, keys[g], val);
				json_object_set(combo, keys[g], val);
			}
			char *label = grid_label(name, combo);
			add_instance(out, label, m, builtin, desc, p);
			free(label);
			json_decref(combo);
			size_t g = nk;
			while (g > 0) {
				g--;
				if (++pos[g] < json_array_size(json_object_get(grid, keys[g])))
					break;
				pos[g] = 0;
				if (g == 0)
					goto done;
			}
		}
	done:
		free(keys);
		free(pos);
	}
	return 0;
}

/* ---- external commands --------------------------------------------------- */

/* Resolve argv[0] like execvp and, for a Python interpreter, ask its version:
 * both are recorded with the step and are part of its key. */
static json_t *describe_interpreter_uncached(const char *argv0);

/* Planning runs twice (a checking pass, then the real one) and specs name
 * the same interpreter for many methods: ask each interpreter once. */
static json_t *describe_interpreter(const char *argv0)
{
	static json_t *seen;
	if (!seen)
		seen = json_object();
	json_t *j = json_object_get(seen, argv0);
	if (!j) {
		j = describe_interpreter_uncached(argv0);
		if (!j)
			return NULL;
		json_object_set_new(seen, argv0, j);
	}
	return json_deep_copy(j);
}

static json_t *describe_interpreter_uncached(const char *argv0)
{
	char *path = NULL;
	if (strchr(argv0, '/')) {
		path = realpath(argv0, NULL);
	} else {
		const char *pe = getenv("PATH");
		char *dirs = sc_xstrdup(pe ? pe : "/usr/bin:/bin");
		for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d && !path;
		     d = strtok_r(NULL, ":", &save)) {
			char *cand = sc_path_join(*d ? d : ".", argv0);
			if (access(cand, X_OK) == 0)
				path = realpath(cand, NULL);
			free(cand);
		}
		free(dirs);
	}
	if (!path)
		return NULL;
	json_t *j = json_pack("{s:s}", "path", path);
	const char *base = sc_path_basename(path);
	if (!strncmp(base, "python", 6)) {
		int fd[2];
		if (pipe(fd) == 0) {
			pid_t pid = fork();
			if (pid == 0) {
				dup2(fd[1], 1);
				dup2(fd[1], 2);
				close(fd[0]);
				execl(path, path, "--version", (char *)NULL);
				_exit(127);
			}
			close(fd[1]);
			char buf[256];
			ssize_t n = pid > 0 ? read(fd[0], buf, sizeof(buf) - 1) : -1;
			close(fd[0]);
			if (pid > 0)
				waitpid(pid, NULL, 0);
			if (n > 0) {
				buf[n] = 0;
				buf[strcspn(buf, "\n")] = 0;
				json_object_set_new(j, "version", json_string(buf));
			}
		}
	}
	free(path);
	return j;
}

int sc_plan_external(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *mi,
		     const char *dataset, int64_t seed, size_t *out)
{
	return sc_plan_external_with(x, t, mi, dataset, seed, NULL, 0, out);
}

int sc_plan_external_with(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *mi,
			  const char *dataset, int64_t seed, const sc_plan_step_input *extra,
			  size_t n_extra, size_t *out)
{
	if (!dataset)
		dataset = t->dataset;
	const sc_spec_method *m = mi->spec;
	/* Placeholders must name inputs this step will have. */
	size_t i;
	json_t *a;
	json_array_foreach(m->command, i, a)
	{
		const char *s = json_string_value(a);
		for (const char *p = strchr(s, '{'); p; p = strchr(p + 1, '{')) {
			if (p[1] == '{') {
				p++;
				continue;
			}
			const char *e = strchr(p, '}');
			if (!e)
				return sc_spec_errf(x->spec, m->node, x->err,
						    "method '%s': unclosed '{' in '%s'", m->name, s);
			char ph[128];
			snprintf(ph, sizeof(ph), "%.*s", (int)(e - p - 1), p + 1);
			int ok = !strcmp(ph, "input") || !strcmp(ph, "output") || !strcmp(ph, "outdir") ||
				 !strcmp(ph, "seed") || !strcmp(ph, "scratch");
			if (!strncmp(ph, "file:", 5))
				for (size_t f = 0; f < m->n_files; f++)
					if (!strcmp(m->files[f].name, ph + 5))
						ok = 1;
			if (!strncmp(ph, "input:", 6) && sc_spec_find_dataset(x->spec, ph + 6))
				ok = 1;
			for (size_t q = 0; q < n_extra; q++)
				if (!strncmp(ph, "input:", 6) && !strcmp(ph + 6, extra[q].role))
					ok = 1;
			if (!ok)
				return sc_spec_errf(x->spec, m->node, x->err,
						    "method '%s': unknown placeholder '{%s}' (use {input}, "
						    "{input:DATASET}, {file:NAME}, {output}, {outdir}, "
						    "{seed}, {scratch})",
						    m->name, ph);
		}
	}
	const char *argv0 = json_string_value(json_array_get(m->command, 0));
	json_t *interp = strchr(argv0, '{') ? json_null() : describe_interpreter(argv0);
	if (!interp)
		return sc_spec_errf(x->spec, m->node, x->err,
				    "method '%s': command '%s' not found in PATH", m->name, argv0);
	json_t *params = json_pack("{s:O, s:s, s:O, s:o, s:o}", "command", m->command, "output",
				   m->output, "provides", m->provides, "env",
				   m->env ? json_incref(m->env) : json_object(), "interpreter", interp);
	if (json_object_size(mi->params))
		json_object_set(params, "params", mi->params);
	size_t st = sc_plan_add(x->plan, "external", params, 1, seed);
	/* An extra input in the role "data" is the command's {input} in place of
	 * the dataset (a model that must see only part of it, e.g. the training
	 * molecules of a split). */
	int data_given = 0;
	for (size_t q = 0; q < n_extra; q++)
		data_given |= !strcmp(extra[q].role, "data");
	if (!data_given) {
		const sc_oid *d = sc_plan_ctx_dataset(x, dataset);
		char *dname = sc_plan_ctx_dataset_file(x, dataset);
		sc_plan_input_obj(x->plan, st, "data", d, dname);
		free(dname);
	}
	for (size_t q = 0; q < n_extra; q++)
		sc_plan_input_step(x->plan, st, extra[q].role, extra[q].from, extra[q].output,
				   extra[q].output);
	/* Other datasets named by {input:NAME}. */
	json_array_foreach(m->command, i, a)
	{
		const char *s = json_string_value(a);
		for (const char *p = strstr(s, "{input:"); p; p = strstr(p + 1, "{input:")) {
			const char *e = strchr(p, '}');
			char nm[128];
			snprintf(nm, sizeof(nm), "%.*s", (int)(e - p - 7), p + 7);
			int have = 0;
			for (size_t k = 0; k < x->plan->v[st].n_in; k++)
				if (!strcmp(x->plan->v[st].in[k].role, nm))
					have = 1;
			if (!have) {
				char *fn = sc_plan_ctx_dataset_file(x, nm);
				sc_plan_input_obj(x->plan, st, nm, sc_plan_ctx_dataset(x, nm), fn);
				free(fn);
			}
		}
	}
	for (size_t f = 0; f < m->n_files; f++) {
		sc_oid fo = { { 0 } };
		sc_err e;
		if (x->dry ? ((access(m->files[f].path, R_OK) < 0 &&
			       sc_errsys(&e, errno, "cannot read '%s'", m->files[f].path)) ||
			      sc_check_file(m->files[f].path, 1, &e))
			   : ingest_path(x->s, m->files[f].path, "config", &fo, &e))
			return sc_spec_errf(x->spec, m->files[f].node, x->err, "method '%s': file '%s': %s",
					    m->name, m->files[f].name, e.msg);
		char *role = sc_xasprintf("file:%s", m->files[f].name);
		sc_plan_input_obj(x->plan, st, role, &fo, sc_path_basename(m->files[f].path));
		free(role);
	}
	sc_plan_step *ps = &x->plan->v[st];
	/* The names inputs get in the command's folder are part of what it sees,
	 * so they are parameters (and reproduce restores them). */
	json_t *names = json_object();
	for (size_t k = 0; k < ps->n_in; k++)
		json_object_set_new(names, ps->in[k].role, json_string(ps->in[k].name));
	json_object_set_new(ps->params, "input_names", names);
	ps->timeout = m->timeout;
	ps->deterministic = m->deterministic;
	ps->environment = json_pack("{s:O, s:O}", "interpreter", json_object_get(params, "interpreter"),
				    "env", json_object_get(params, "env"));
	const json_t *tn = json_object_get(t->node, "name");
	sc_plan_label(x->plan, st, json_is_string(tn) ? json_string_value(tn) : t->task, dataset,
		      mi->label);
	*out = sc_plan_dedupe_last(x->plan);
	return 0;
}

/* ---- the whole spec ------------------------------------------------------ */

/* The batch resources of the steps a task added from first on: the task's
 * 'slurm' keys, overridden by those of the step's method. A step shared
 * with an earlier task keeps what that task gave it. */
static void assign_resources(const sc_spec *spec, const sc_spec_task *t, sc_plan *plan,
			     size_t first)
{
	for (size_t i = first; i < plan->n; i++) {
		sc_plan_step *st = &plan->v[i];
		if (st->resources)
			continue;
		const sc_spec_method *m = NULL;
		for (size_t k = 0; st->method && k < t->n_methods && !m; k++) {
			size_t n = strlen(t->methods[k]);
			if (!strncmp(st->method, t->methods[k], n) &&
			    (st->method[n] == 0 || st->method[n] == '['))
				m = sc_spec_find_method(spec, t->methods[k]);
		}
		if (!t->slurm && !(m && m->slurm))
			continue;
		st->resources = t->slurm ? json_deep_copy(t->slurm) : json_object();
		if (m && m->slurm)
			json_object_update(st->resources, (json_t *)m->slurm);
	}
}

static int build(sc_store *s, const sc_spec *spec, sc_plan *plan, int dry, sc_err *err)
{
	sc_plan_ctx x = { .s = s, .spec = spec, .plan = plan, .dry = dry, .err = err };
	int rc = resolve_datasets(&x);
	for (size_t i = 0; i < spec->n_tasks && !rc; i++) {
		const sc_spec_task *t = &spec->tasks[i];
		const sc_task *tp = sc_task_find(t->task);
		if (!tp) {
			const char *names[64];
			size_t n = 0;
			for (const sc_task *const *k = sc_tasks; *k && n < 64; k++)
				names[n++] = (*k)->name;
			char hint[160];
			rc = sc_spec_errf(spec, json_object_get(t->node, "task"), err,
					  "unknown task '%s'%s (have: %s)", t->task,
					  sc_plan_hint(hint, sizeof(hint), t->task, names, n), sc_task_names());
			break;
		}
		const json_t *nm = json_object_get(t->node, "name");
		if (nm && (!json_is_string(nm) || !*json_string_value(nm))) {
			rc = sc_spec_errf(spec, t->node, err, "a task's 'name' must be a string");
			break;
		}
		/* Metric rows are told apart by (task label, dataset, method, seed):
		 * two tasks of one kind on one dataset need distinct names. */
		const char *label = nm ? json_string_value(nm) : t->task;
		for (size_t k = 0; k < i && !rc; k++) {
			const sc_spec_task *o = &spec->tasks[k];
			const json_t *on = json_object_get(o->node, "name");
			const char *ol = json_is_string(on) ? json_string_value(on) : o->task;
			if (!strcmp(ol, label) && !strcmp(o->dataset, t->dataset))
				rc = sc_spec_errf(spec, t->node, err,
						  "task %zu and task %zu are both '%s' on dataset '%s': "
						  "give them distinct 'name's",
						  k + 1, i + 1, label, t->dataset);
		}
		if (!rc)
			rc = sc_plan_check_options(&x, t, tp);
		if (!rc) {
			plan->task_kind = tp->name;
			size_t first = plan->n;
			rc = tp->plan(&x, t);
			plan->task_kind = NULL;
			if (!rc)
				assign_resources(spec, t, plan, first);
		}
	}
	for (size_t i = 0; x.data_path && i < spec->n_datasets; i++)
		free(x.data_path[i]);
	free(x.data_path);
	free(x.data_oid);
	return rc;
}

int sc_planner_build(sc_store *s, const sc_spec *spec, sc_plan *plan, sc_err *err)
{
	/* Check everything first, writing nothing: a bad spec leaves the store
	 * exactly as it was. Then hash the inputs in and build the real plan. */
	sc_plan dry = { 0 };
	int rc = build(s, spec, &dry, 1, err);
	sc_plan_free(&dry);
	if (rc)
		return rc;
	return build(s, spec, plan, 0, err);
}
