/*
 * plan_tasks.c - what every task's planner shares: the one checker of a
 * task's options against its descriptor (tasks/task.h), typed access to
 * them with the descriptor's defaults, and checks of a dataset's columns.
 *
 * Options are checked against the dataset itself where that is cheap (does
 * the label column exist?), so a typo is reported with the spec's line and
 * column before anything runs.
 */
#include "plan_tasks.h"
#include "io/h5ad.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- options --------------------------------------------------------------- */

/* Keys every task takes (runner/spec.c reads them). */
static const char *const common_keys[] = { "task", "name", "dataset", "methods", "seeds",
					   "description", NULL };

const json_t *sc_plan_opt(const sc_spec_task *t, const char *key)
{
	return json_object_get(t->node, key);
}

static const sc_task_option *option_of(const sc_spec_task *t, const char *key)
{
	const sc_task *task = sc_task_find(t->task);
	const sc_task_option *o = task ? sc_task_option_find(task, key) : NULL;
	assert(o && "a planner reads an option its descriptor does not declare");
	return o;
}

const char *sc_plan_opt_str(const sc_spec_task *t, const char *key)
{
	const json_t *v = sc_plan_opt(t, key);
	return json_is_string(v) ? json_string_value(v) : option_of(t, key)->dflt;
}

double sc_plan_opt_num(const sc_spec_task *t, const char *key)
{
	const json_t *v = sc_plan_opt(t, key);
	return json_is_number(v) ? json_number_value(v) : option_of(t, key)->dnum;
}

int sc_plan_num_in(sc_plan_ctx *x, const json_t *obj, const char *key, double lo, double hi,
		   double dflt, double *out)
{
	const json_t *v = json_object_get(obj, key);
	if (!v) {
		*out = dflt;
		return 0;
	}
	if (!json_is_number(v) || !(json_number_value(v) >= lo && json_number_value(v) <= hi))
		return sc_spec_errf(x->spec, json_is_number(v) || json_is_string(v) ? v : obj, x->err,
				    "'%s' must be a number in [%g, %g]", key, lo, hi);
	*out = json_number_value(v);
	return 0;
}

const char *sc_plan_task_label(const sc_spec_task *t)
{
	const json_t *n = json_object_get(t->node, "name");
	return json_is_string(n) ? json_string_value(n) : t->task;
}

/* Levenshtein distance, for "did you mean": option names are short. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return (size_t)-1;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *sc_plan_nearest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t bd = (size_t)-1, len = strlen(word);
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, names[i]);
		if (d < bd) {
			bd = d;
			best = names[i];
		}
	}
	/* A suggestion only when it is plausibly a typo of the word. */
	return best && bd <= (len < 6 ? 2 : len / 3) ? best : NULL;
}

const char *sc_plan_hint(char *buf, size_t size, const char *word, const char *const *names,
			 size_t n)
{
	const char *near = sc_plan_nearest(word, names, n);
	snprintf(buf, size, near ? "; did you mean '%s'?" : "", near);
	return buf;
}

static int check_value(sc_plan_ctx *x, const sc_spec_task *t, const sc_task_option *o,
		       const json_t *v)
{
	switch (o->type) {
	case SC_OPT_STRING:
		if (!json_is_string(v) || !*json_string_value(v))
			return sc_spec_errf(x->spec, json_is_number(v) ? v : t->node, x->err,
					    "'%s' must be a string", o->name);
		if (o->allowed) {
			for (size_t i = 0; o->allowed[i]; i++)
				if (!strcmp(o->allowed[i], json_string_value(v)))
					return 0;
			sc_buf b = SC_BUF_INIT;
			sc_buf_init(&b);
			for (size_t i = 0; o->allowed[i]; i++)
				sc_buf_printf(&b, "%s%s", i ? ", " : "", o->allowed[i]);
			int rc = sc_spec_errf(x->spec, v, x->err, "'%s' must be one of %s, not '%s'",
					      o->name, b.s, json_string_value(v));
			sc_buf_free(&b);
			return rc;
		}
		return 0;
	case SC_OPT_INT:
	case SC_OPT_NUMBER: {
		double d = json_is_number(v) ? json_number_value(v) : NAN;
		int ok = d >= o->lo && d <= o->hi && (o->type == SC_OPT_NUMBER || d == floor(d));
		if (!ok)
			return sc_spec_errf(x->spec, json_is_number(v) || json_is_string(v) ? v : t->node,
					    x->err, "'%s' must be %s in [%g, %g]", o->name,
					    o->type == SC_OPT_INT ? "an integer" : "a number", o->lo, o->hi);
		return 0;
	}
	case SC_OPT_MAP:
		if (!json_is_object(v))
			return sc_spec_errf(x->spec, v, x->err, "'%s' must be a mapping: %s", o->name,
					    o->doc);
		return 0;
	case SC_OPT_ANY:
		return 0;
	}
	return 0;
}

int sc_plan_check_options(sc_plan_ctx *x, const sc_spec_task *t, const sc_task *task)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)t->node, k, v)
	{
		int common = 0;
		for (size_t i = 0; common_keys[i] && !common; i++)
			common = !strcmp(common_keys[i], k);
		if (common)
			continue;
		const sc_task_option *o = sc_task_option_find(task, k);
		if (o) {
			int rc = check_value(x, t, o, v);
			if (rc)
				return rc;
			continue;
		}
		size_t n = 0;
		while (task->options[n].name)
			n++;
		const char **names = sc_xcalloc(n + 1, sizeof(char *));
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		for (size_t i = 0; i < n; i++) {
			names[i] = task->options[i].name;
			sc_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
		}
		char hint[160];
		int rc = sc_yaml_key_errf(x->spec->doc, t->node, k, x->err,
					  "unknown option '%s' for task '%s'%s (options: %s)", k, t->task,
					  sc_plan_hint(hint, sizeof(hint), k, names, n), b.s);
		sc_buf_free(&b);
		free(names);
		return rc;
	}
	for (const sc_task_option *o = task->options; o->name; o++)
		if (o->required && !sc_plan_opt(t, o->name))
			return sc_spec_errf(x->spec, t->node, x->err, "task '%s' needs '%s'", t->task,
					    o->name);
	return 0;
}

/* ---- dataset checks ---------------------------------------------------------- */

/* An error of the .h5ad reader about a task's dataset, which names the file
 * by its base name ("d.h5ad: obs/x: no such column"): said with the
 * dataset's name instead where it names an element, else with the file's
 * name quoted: "dataset 'd': 'd.h5ad': not an HDF5 file". */
int sc_plan_dataset_err(sc_plan_ctx *x, const json_t *node, const char *ds, const char *msg,
		       const char *elem)
{
	const char *m = elem ? strstr(msg, elem) : NULL;
	if (m)
		return sc_spec_errf(x->spec, node, x->err, "dataset '%s'%s", ds, m);
	const char *path = sc_plan_ctx_dataset_path(x, ds);
	const char *base = path ? sc_path_basename(path) : NULL;
	size_t n = base ? strlen(base) : 0;
	if (n && !strncmp(msg, base, n) && !strncmp(msg + n, ": ", 2))
		return sc_spec_errf(x->spec, node, x->err, "dataset '%s': '%s': %s", ds, base,
				    msg + n + 2);
	return sc_spec_errf(x->spec, node, x->err, "dataset '%s': %s", ds, msg);
}

/* The dataset's object path, opened to check a column: errors from the
 * reader ("file: obs/x: no such column; have: ...") get the option's place.
 * With names, each must be a category of the column that has cells. */
int sc_plan_check_obs_values(sc_plan_ctx *x, const sc_spec_task *t, const json_t *node,
			    const char *col, const json_t *names)
{
	const char *path = sc_plan_ctx_dataset_path(x, t->dataset);
	sc_h5ad *h = NULL;
	sc_err e;
	int rc = sc_h5ad_open(&h, path, &e);
	if (!rc) {
		sc_labels l;
		rc = sc_h5ad_read_labels(&l, h, "obs", col, &e);
		if (!rc) {
			size_t *cnt = sc_xcalloc(l.ncat + 1, sizeof(size_t));
			sc_labels_counts(&l, cnt);
			size_t i;
			json_t *nm;
			json_array_foreach((json_t *)names, i, nm)
			{
				size_t k;
				for (k = 0; k < l.ncat; k++)
					if (cnt[k] && !strcmp(l.names[k], json_string_value(nm)))
						break;
				if (k < l.ncat)
					continue;
				sc_buf b = SC_BUF_INIT;
				sc_buf_init(&b);
				size_t shown = 0;
				for (k = 0; k < l.ncat && shown < 40; k++)
					if (cnt[k])
						sc_buf_printf(&b, "%s%s", shown++ ? ", " : "", l.names[k]);
				rc = sc_spec_errf(x->spec, node, x->err,
						  "dataset '%s': column '%s' has no cells in '%s'; have: %s",
						  t->dataset, col, json_string_value(nm), b.s);
				sc_buf_free(&b);
				break;
			}
			free(cnt);
			sc_labels_free(&l);
			if (rc) {
				sc_h5ad_close(h);
				return rc;
			}
		}
	}
	sc_h5ad_close(h);
	if (rc) {
		/* The reader names the file (an object's hash): say the dataset's name. */
		return sc_plan_dataset_err(x, node, t->dataset, e.msg, ": obs/");
	}
	return 0;
}

int sc_plan_check_obs_column(sc_plan_ctx *x, const sc_spec_task *t, const json_t *node,
			    const char *col)
{
	return sc_plan_check_obs_values(x, t, node, col, NULL);
}

int sc_plan_check_obs_option(sc_plan_ctx *x, const sc_spec_task *t, const char *key)
{
	const json_t *v = sc_plan_opt(t, key);
	return v ? sc_plan_check_obs_column(x, t, v, json_string_value(v)) : 0;
}
