/*
 * spec.c - loading and checking experiment specs (see spec.h for the
 * format). Only the structure common to every task is checked here; each
 * task's planner checks its own options, with the same positioned errors.
 */
#include "spec.h"
#include "util/buf.h"
#include "util/fs.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sc_spec_errf(const sc_spec *s, const json_t *node, sc_err *err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sc_yaml_errf(s->doc, node, err, "%s", msg);
}

static char *abs_path(const sc_spec *s, const char *p)
{
	if (p[0] == '/')
		return sc_xstrdup(p);
	return sc_path_join(s->dir, p);
}

/* Keys of obj must be among allowed (NULL-terminated); names the offender. */
static int only_keys(const sc_spec *s, const json_t *obj, const char *const *allowed,
		     const char *what, sc_err *err)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v)
	{
		int ok = 0;
		for (int i = 0; allowed[i]; i++)
			if (!strcmp(k, allowed[i]))
				ok = 1;
		if (!ok) {
			sc_buf b = SC_BUF_INIT;
			sc_buf_init(&b);
			for (int i = 0; allowed[i]; i++)
				sc_buf_printf(&b, "%s%s", i ? ", " : "", allowed[i]);
			int rc = sc_yaml_key_errf(s->doc, obj, k, err,
						  "unknown key '%s' in %s (allowed: %s)", k, what, b.s);
			sc_buf_free(&b);
			return rc;
		}
	}
	return 0;
}

static int valid_ident(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr("._-+", *s)))
			return 0;
	return 1;
}

static int load_datasets(sc_spec *s, const json_t *ds, sc_err *err)
{
	if (!json_is_object(ds) || !json_object_size(ds))
		return sc_spec_errf(s, ds, err, "'datasets' must be a mapping of name: path");
	s->datasets = sc_xcalloc(json_object_size(ds), sizeof(*s->datasets));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)ds, k, v)
	{
		sc_spec_dataset *d = &s->datasets[s->n_datasets++];
		d->name = sc_xstrdup(k);
		d->node = v;
		if (!valid_ident(k))
			return sc_spec_errf(s, v, err,
					    "dataset name '%s': use letters, digits and ._-+", k);
		if (json_is_string(v)) {
			d->path = abs_path(s, json_string_value(v));
			continue;
		}
		static const char *const allowed[] = { "path", "ref", "description", NULL };
		if (!json_is_object(v))
			return sc_spec_errf(s, v, err, "dataset '%s' must be a path or {path: ...} or "
						       "{ref: ...}", k);
		int rc = only_keys(s, v, allowed, "a dataset", err);
		if (rc)
			return rc;
		json_t *p = json_object_get(v, "path"), *r = json_object_get(v, "ref");
		if ((p != NULL) == (r != NULL))
			return sc_spec_errf(s, v, err, "dataset '%s' needs exactly one of 'path' or 'ref'",
					    k);
		if (p && !json_is_string(p))
			return sc_spec_errf(s, p, err, "dataset '%s': 'path' must be a string", k);
		if (r && !json_is_string(r))
			return sc_spec_errf(s, r, err, "dataset '%s': 'ref' must be a string", k);
		if (p)
			d->path = abs_path(s, json_string_value(p));
		else
			d->ref = sc_xstrdup(json_string_value(r));
	}
	return 0;
}

/* Whether path (symlinks resolved) lies outside the spec's folder. A
 * method's files are hashed into the store, which others may read and
 * which bundles carry away: a spec from elsewhere must not be able to pick
 * up ~/.ssh/id_rsa or /etc/shadow as a "script". Datasets may be anywhere
 * (they are the data being evaluated, and shared data lives beside the
 * specs, as examples/ uses ../shared/data). A path that does not resolve
 * is left to the check that reads it. */
static int outside(const sc_spec *s, const char *path)
{
	char *real = realpath(path, NULL);
	if (!real)
		return 0;
	size_t n = strlen(s->dir);
	int in = !strncmp(real, s->dir, n) && (real[n] == '/' || (n == 1 && s->dir[0] == '/'));
	free(real);
	return !in;
}

/* A 'slurm' mapping of a method or a task: what its steps' batch jobs ask
 * for. Values are handed to sbatch as they are, so only their shape is
 * checked here; sbatch judges the rest when the run submits. */
static int load_slurm(sc_spec *s, const json_t *v, const char *owner, const json_t **out,
		      sc_err *err)
{
	static const char *const keys[] = { "partition", "account", "time", "mem", "cpus",
					    "gres", NULL };
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_object(v))
		return sc_spec_errf(s, v, err, "%s: 'slurm' must be a mapping (partition, account, "
					       "time, mem, cpus, gres)", owner);
	int rc = only_keys(s, v, keys, "'slurm'", err);
	if (rc)
		return rc;
	const char *k;
	json_t *a;
	json_object_foreach((json_t *)v, k, a)
	{
		if (!strcmp(k, "cpus") ? !json_is_integer(a) || json_integer_value(a) < 1
				       : !json_is_string(a) || !*json_string_value(a) ||
						 strpbrk(json_string_value(a), " \t\n"))
			return sc_spec_errf(s, a, err, "%s: slurm.%s must be %s", owner, k,
					    !strcmp(k, "cpus") ? "a positive integer"
							       : "one word, as sbatch takes it");
	}
	*out = v;
	return 0;
}

static int load_method(sc_spec *s, sc_spec_method *m, const char *name, const json_t *v,
		       sc_err *err)
{
	static const char *const allowed[] = { "builtin", "params", "grid", "command", "files",
					       "output", "provides", "env", "timeout",
					       "deterministic", "description", "slurm", NULL };
	m->name = sc_xstrdup(name);
	m->node = v;
	m->deterministic = 1;
	if (!valid_ident(name))
		return sc_spec_errf(s, v, err, "method name '%s': use letters, digits and ._-+", name);
	if (json_is_string(v)) {
		m->builtin = sc_xstrdup(json_string_value(v));
		m->params = json_object();
		return 0;
	}
	if (!json_is_object(v))
		return sc_spec_errf(s, v, err, "method '%s' must be a mapping", name);
	int rc = only_keys(s, v, allowed, "a method", err);
	if (rc)
		return rc;
	json_t *b = json_object_get(v, "builtin"), *c = json_object_get(v, "command");
	if ((b != NULL) == (c != NULL))
		return sc_spec_errf(s, v, err, "method '%s' needs exactly one of 'builtin' or 'command'",
				    name);
	json_t *p = json_object_get(v, "params");
	if (p && !json_is_object(p))
		return sc_spec_errf(s, p, err, "method '%s': 'params' must be a mapping", name);
	m->params = p ? json_deep_copy(p) : json_object();
	char *owner = sc_xasprintf("method '%s'", name);
	rc = load_slurm(s, json_object_get(v, "slurm"), owner, &m->slurm, err);
	free(owner);
	if (rc)
		return rc;
	json_t *g = json_object_get(v, "grid");
	if (g) {
		if (!json_is_object(g) || !json_object_size(g))
			return sc_spec_errf(s, g, err, "method '%s': 'grid' must map parameter names "
						       "to lists of values", name);
		const char *gk;
		json_t *gv;
		json_object_foreach(g, gk, gv)
		{
			if (!json_is_array(gv) || !json_array_size(gv))
				return sc_spec_errf(s, json_is_array(gv) || json_is_object(gv) ? gv : g,
						    err, "method '%s': grid '%s' must be a non-empty list",
						    name, gk);
			if (json_object_get(m->params, gk))
				return sc_spec_errf(s, gv, err,
						    "method '%s': '%s' is both a param and a grid", name, gk);
		}
		m->grid = json_deep_copy(g);
	}
	if (b) {
		if (!json_is_string(b))
			return sc_spec_errf(s, b, err, "method '%s': 'builtin' must be a name", name);
		m->builtin = sc_xstrdup(json_string_value(b));
		static const char *const ext_only[] = { "files", "output", "provides", "env",
							"timeout", NULL };
		for (int i = 0; ext_only[i]; i++)
			if (json_object_get(v, ext_only[i]))
				return sc_spec_errf(s, json_object_get(v, ext_only[i]), err,
						    "method '%s': '%s' is only for external commands",
						    name, ext_only[i]);
		return 0;
	}
	/* An external command. */
	if (!json_is_array(c) || !json_array_size(c))
		return sc_spec_errf(s, c, err, "method '%s': 'command' must be a non-empty list "
					       "(an argv, no shell)", name);
	size_t i;
	json_t *a;
	json_array_foreach(c, i, a)
	{
		if (!json_is_string(a) && !json_is_number(a))
			return sc_spec_errf(s, c, err, "method '%s': command item %zu is not a string",
					    name, i + 1);
	}
	m->command = json_array();
	json_array_foreach(c, i, a)
	{
		if (json_is_string(a)) {
			json_array_append(m->command, a);
		} else {
			char *t = json_dumps(a, JSON_ENCODE_ANY);
			json_array_append_new(m->command, json_string(t));
			free(t);
		}
	}
	json_t *f = json_object_get(v, "files");
	if (f) {
		if (!json_is_object(f))
			return sc_spec_errf(s, f, err, "method '%s': 'files' must map names to paths",
					    name);
		m->files = sc_xcalloc(json_object_size(f) ? json_object_size(f) : 1, sizeof(*m->files));
		const char *fk;
		json_t *fv;
		json_object_foreach(f, fk, fv)
		{
			if (!json_is_string(fv))
				return sc_spec_errf(s, f, err, "method '%s': file '%s' must be a path",
						    name, fk);
			sc_spec_file *sf = &m->files[m->n_files++];
			sf->name = sc_xstrdup(fk);
			sf->path = abs_path(s, json_string_value(fv));
			sf->node = fv;
			if (!s->allow_outside && outside(s, sf->path))
				return sc_spec_errf(s, fv, err,
						    "method '%s': file '%s': '%s' is outside the spec's "
						    "folder (allow_outside: true or --allow-outside "
						    "allows it)",
						    name, fk, json_string_value(fv));
		}
	}
	json_t *o = json_object_get(v, "output");
	if (!json_is_string(o) || !*json_string_value(o) || strchr(json_string_value(o), '/'))
		return sc_spec_errf(s, o ? o : v, err,
				    "method '%s': 'output' must name the file the command writes "
				    "(a plain file name)",
				    name);
	m->output = sc_xstrdup(json_string_value(o));
	json_t *pr = json_object_get(v, "provides");
	static const char *const prov[] = { "obsm", "obs", "varm", "file", NULL };
	if (!json_is_object(pr) || json_object_size(pr) != 1)
		return sc_spec_errf(s, pr ? pr : v, err,
				    "method '%s': 'provides' must be one of {obsm: KEY}, {obs: COLUMN}, "
				    "{varm: KEY}, {file: gene-features}",
				    name);
	if ((rc = only_keys(s, pr, prov, "'provides'", err)))
		return rc;
	const char *pk;
	json_t *pv;
	json_object_foreach(pr, pk, pv)
	{
		if (!json_is_string(pv))
			return sc_spec_errf(s, pr, err, "method '%s': provides.%s must be a string", name,
					    pk);
	}
	m->provides = json_deep_copy(pr);
	json_t *e = json_object_get(v, "env");
	if (e) {
		if (!json_is_object(e))
			return sc_spec_errf(s, e, err, "method '%s': 'env' must map names to strings",
					    name);
		const char *ek;
		json_t *ev;
		json_object_foreach(e, ek, ev)
		{
			if (!json_is_string(ev))
				return sc_spec_errf(s, e, err, "method '%s': env '%s' must be a string",
						    name, ek);
		}
		m->env = json_deep_copy(e);
	}
	json_t *t = json_object_get(v, "timeout");
	if (t) {
		if (!json_is_number(t) || json_number_value(t) <= 0 || isinf(json_number_value(t)))
			return sc_spec_errf(s, t, err, "method '%s': 'timeout' must be a positive "
						       "number of seconds", name);
		m->timeout = json_number_value(t);
	}
	json_t *d = json_object_get(v, "deterministic");
	if (d) {
		if (!json_is_boolean(d))
			return sc_spec_errf(s, v, err, "method '%s': 'deterministic' must be true or "
						       "false", name);
		m->deterministic = json_is_true(d);
	}
	return 0;
}

static int load_methods(sc_spec *s, const json_t *ms, sc_err *err)
{
	if (!ms)
		return 0;
	if (!json_is_object(ms))
		return sc_spec_errf(s, ms, err, "'methods' must be a mapping of name: method");
	s->methods = sc_xcalloc(json_object_size(ms) ? json_object_size(ms) : 1, sizeof(*s->methods));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)ms, k, v)
	{
		int rc = load_method(s, &s->methods[s->n_methods++], k, v, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int load_task(sc_spec *s, sc_spec_task *t, const json_t *v, size_t idx, sc_err *err)
{
	t->node = v;
	if (!json_is_object(v))
		return sc_spec_errf(s, v, err, "task %zu must be a mapping with 'task', 'dataset', "
					       "'methods'", idx + 1);
	json_t *k = json_object_get(v, "task");
	if (!json_is_string(k))
		return sc_spec_errf(s, k ? k : v, err, "task %zu: 'task' must name a task kind", idx + 1);
	t->task = sc_xstrdup(json_string_value(k));
	json_t *d = json_object_get(v, "dataset");
	if (!json_is_string(d))
		return sc_spec_errf(s, d ? d : v, err, "task %zu: 'dataset' must name a dataset",
				    idx + 1);
	t->dataset = sc_xstrdup(json_string_value(d));
	if (!sc_spec_find_dataset(s, t->dataset)) {
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		for (size_t i = 0; i < s->n_datasets; i++)
			sc_buf_printf(&b, "%s%s", i ? ", " : "", s->datasets[i].name);
		int rc = sc_spec_errf(s, d, err, "unknown dataset '%s' (have: %s)", t->dataset, b.s);
		sc_buf_free(&b);
		return rc;
	}
	json_t *m = json_object_get(v, "methods");
	if (m) {
		/* A bare name is refused, not taken as a list of one: 'methods:
		 * logreg, knn' would otherwise run a method called "logreg, knn". */
		if (!json_is_array(m) || !json_array_size(m))
			return sc_spec_errf(s, m, err,
					    "task %zu: 'methods' must be a list of method names, "
					    "e.g. [logreg]",
					    idx + 1);
		t->methods = sc_xcalloc(json_array_size(m), sizeof(char *));
		size_t i;
		json_t *a;
		json_array_foreach(m, i, a)
		{
			if (!json_is_string(a))
				return sc_spec_errf(s, m, err, "task %zu: method %zu is not a name", idx + 1,
						    i + 1);
			t->methods[t->n_methods++] = sc_xstrdup(json_string_value(a));
		}
	}
	json_t *sd = json_object_get(v, "seeds");
	if (sd) {
		if (json_is_integer(sd)) {
			t->seeds = sc_xcalloc(1, sizeof(int64_t));
			t->seeds[t->n_seeds++] = json_integer_value(sd);
		} else {
			if (!json_is_array(sd) || !json_array_size(sd))
				return sc_spec_errf(s, sd, err, "task %zu: 'seeds' must be a list of integers",
						    idx + 1);
			t->seeds = sc_xcalloc(json_array_size(sd), sizeof(int64_t));
			size_t i;
			json_t *a;
			json_array_foreach(sd, i, a)
			{
				if (!json_is_integer(a) || json_integer_value(a) < 0)
					return sc_spec_errf(s, json_is_integer(a) ? a : sd, err,
							    "task %zu: seed %zu is not a non-negative integer",
							    idx + 1, i + 1);
				for (size_t k = 0; k < t->n_seeds; k++)
					if (t->seeds[k] == json_integer_value(a))
						return sc_spec_errf(s, a, err,
								    "task %zu: seed %lld is listed twice",
								    idx + 1,
								    (long long)json_integer_value(a));
				t->seeds[t->n_seeds++] = json_integer_value(a);
			}
		}
	} else {
		t->seeds = sc_xcalloc(1, sizeof(int64_t));
		t->seeds[t->n_seeds++] = 0;
	}
	t->opts = v;
	char owner[32];
	snprintf(owner, sizeof(owner), "task %zu", idx + 1);
	return load_slurm(s, json_object_get(v, "slurm"), owner, &t->slurm, err);
}

const sc_spec_dataset *sc_spec_find_dataset(const sc_spec *s, const char *name)
{
	for (size_t i = 0; i < s->n_datasets; i++)
		if (!strcmp(s->datasets[i].name, name))
			return &s->datasets[i];
	return NULL;
}

const sc_spec_method *sc_spec_find_method(const sc_spec *s, const char *name)
{
	for (size_t i = 0; i < s->n_methods; i++)
		if (!strcmp(s->methods[i].name, name))
			return &s->methods[i];
	return NULL;
}

int sc_spec_load(sc_spec **out, const char *path, int allow_outside, sc_err *err)
{
	sc_spec *s = sc_xcalloc(1, sizeof(*s));
	int rc = 0;
	s->path = sc_realpath(path, err);
	if (!s->path) {
		rc = sc_errsys(err, errno, "cannot read spec '%s'", path);
		goto out;
	}
	s->dir = sc_path_dirname(s->path);
	if ((rc = sc_yaml_load(&s->doc, path, err)))
		goto out;
	json_t *root = sc_yaml_root(s->doc);
	if (!json_is_object(root)) {
		rc = sc_spec_errf(s, root, err, "a spec must be a mapping with 'datasets' and 'tasks'");
		goto out;
	}
	static const char *const top[] = { "version", "name", "description", "portable",
					   "datasets", "methods", "tasks", "allow_outside", NULL };
	if ((rc = only_keys(s, root, top, "the spec", err)))
		goto out;
	json_t *ao = json_object_get(root, "allow_outside");
	if (ao && !json_is_boolean(ao)) {
		rc = sc_spec_errf(s, ao, err, "'allow_outside' must be true or false");
		goto out;
	}
	s->allow_outside = allow_outside || json_is_true(ao);
	json_t *ver = json_object_get(root, "version");
	if (ver && !(json_is_integer(ver) && json_integer_value(ver) == 1)) {
		rc = sc_spec_errf(s, ver, err, "unsupported spec version (this sceval reads version 1)");
		goto out;
	}
	json_t *nm = json_object_get(root, "name");
	if (nm && !json_is_string(nm)) {
		rc = sc_spec_errf(s, nm, err, "'name' must be a string");
		goto out;
	}
	s->name = sc_xstrdup(nm ? json_string_value(nm) : sc_path_basename(s->path));
	json_t *pm = json_object_get(root, "portable");
	if (pm && !json_is_boolean(pm)) {
		rc = sc_spec_errf(s, pm, err, "'portable' must be true or false");
		goto out;
	}
	s->portable = json_is_true(pm);
	json_t *ds = json_object_get(root, "datasets");
	if (!ds) {
		rc = sc_spec_errf(s, root, err, "the spec has no 'datasets'");
		goto out;
	}
	if ((rc = load_datasets(s, ds, err)) ||
	    (rc = load_methods(s, json_object_get(root, "methods"), err)))
		goto out;
	json_t *ts = json_object_get(root, "tasks");
	if (!json_is_array(ts) || !json_array_size(ts)) {
		rc = sc_spec_errf(s, ts ? ts : root, err, "'tasks' must be a non-empty list");
		goto out;
	}
	s->tasks = sc_xcalloc(json_array_size(ts), sizeof(*s->tasks));
	size_t i;
	json_t *t;
	json_array_foreach(ts, i, t)
	{
		if ((rc = load_task(s, &s->tasks[s->n_tasks++], t, i, err)))
			goto out;
	}
out:
	if (rc) {
		sc_spec_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void sc_spec_free(sc_spec *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_datasets; i++) {
		free(s->datasets[i].name);
		free(s->datasets[i].path);
		free(s->datasets[i].ref);
	}
	free(s->datasets);
	for (size_t i = 0; i < s->n_methods; i++) {
		sc_spec_method *m = &s->methods[i];
		free(m->name);
		free(m->builtin);
		json_decref(m->params);
		json_decref(m->grid);
		json_decref(m->command);
		for (size_t k = 0; k < m->n_files; k++) {
			free(m->files[k].name);
			free(m->files[k].path);
		}
		free(m->files);
		free(m->output);
		json_decref(m->provides);
		json_decref(m->env);
	}
	free(s->methods);
	for (size_t i = 0; i < s->n_tasks; i++) {
		sc_spec_task *t = &s->tasks[i];
		free(t->task);
		free(t->dataset);
		for (size_t k = 0; k < t->n_methods; k++)
			free(t->methods[k]);
		free(t->methods);
		free(t->seeds);
	}
	free(s->tasks);
	sc_yaml_free(s->doc);
	free(s->path);
	free(s->dir);
	free(s->name);
	free(s);
}
