/*
 * plan_tasks.h - the planning interface a task's planner works with
 * (tasks/<task>/plan.c): the context, the spec's options read through the
 * task's descriptor (tasks/task.h), the generic option checker, checks of
 * a dataset's columns, method instances and external steps.
 *
 * This is the one place where tasks/ calls into runner/: a task's planner
 * decides its chain of steps, the runner owns plans and specs. Everything a
 * planner needs from the runner is declared here and nowhere else.
 */
#ifndef SC_PLAN_TASKS_H
#define SC_PLAN_TASKS_H

#include "runner/plan.h"
#include "runner/spec.h"
#include "store/store.h"
#include "tasks/task.h"

typedef struct sc_plan_ctx {
	sc_store *s;
	const sc_spec *spec;
	sc_plan *plan;
	sc_oid *data_oid; /* per spec dataset */
	char **data_path; /* per spec dataset: the file to open for checks */
	int dry;          /* checking pass: nothing is written to the store */
	size_t n_evaluations; /* planned so far, all tasks (bounded by the planner) */
	sc_err *err;
} sc_plan_ctx;

/* One method with one combination of its grid. */
typedef struct sc_method_inst {
	char *label;                /* "logreg" or "logreg[C=0.1]" */
	const sc_spec_method *spec; /* NULL for a built-in named directly */
	char *builtin;              /* NULL for an external command */
	const sc_method_desc *desc; /* the built-in's descriptor; NULL for an external command */
	json_t *params;             /* merged params (owned) */
} sc_method_inst;

typedef struct sc_method_list {
	sc_method_inst *v;
	size_t n;
} sc_method_list;

/* ---- options (plan_tasks.c) ---- */

/* Check a task's options against its descriptor: unknown keys (with the
 * nearest known one suggested), types, ranges, allowed values, required
 * options. Called by the runner before the task's planner. */
int sc_plan_check_options(sc_plan_ctx *x, const sc_spec_task *t, const sc_task *task) SC_WUR;
/* The option as written, or NULL. */
const json_t *sc_plan_opt(const sc_spec_task *t, const char *key);
/* A checked option's value, else its descriptor default (NULL when none). */
const char *sc_plan_opt_str(const sc_spec_task *t, const char *key);
double sc_plan_opt_num(const sc_spec_task *t, const char *key);
/* A number inside a mapping option (e.g. split: {test_size: F}). */
int sc_plan_num_in(sc_plan_ctx *x, const json_t *obj, const char *key, double lo, double hi,
		   double dflt, double *out) SC_WUR;
/* The name in names nearest to word by edit distance, when close enough
 * to be a typo of it; else NULL. */
const char *sc_plan_nearest(const char *word, const char *const *names, size_t n);
/* "; did you mean 'NAME'?" for that nearest name, written into buf, or "". */
const char *sc_plan_hint(char *buf, size_t size, const char *word, const char *const *names,
			 size_t n);
/* The label a task's steps carry: its 'name', else its kind. */
const char *sc_plan_task_label(const sc_spec_task *t);

/* ---- dataset checks (plan_tasks.c) ---- */

/* An error of the .h5ad reader about dataset ds, said with the dataset's
 * name where it names an element (elem, e.g. ": obs/"). */
int sc_plan_dataset_err(sc_plan_ctx *x, const json_t *node, const char *ds, const char *msg,
			const char *elem) SC_WUR;
/* The obs column exists in the task's dataset; with names (an array of
 * strings), each is a category of the column that has cells. */
int sc_plan_check_obs_values(sc_plan_ctx *x, const sc_spec_task *t, const json_t *node,
			     const char *col, const json_t *names) SC_WUR;
int sc_plan_check_obs_column(sc_plan_ctx *x, const sc_spec_task *t, const json_t *node,
			     const char *col) SC_WUR;
/* The column named by option key (when given) exists. */
int sc_plan_check_obs_option(sc_plan_ctx *x, const sc_spec_task *t, const char *key) SC_WUR;

/* ---- datasets, methods, external steps (planner.c) ---- */

const sc_oid *sc_plan_ctx_dataset(const sc_plan_ctx *x, const char *name);
/* The file to open to check a dataset's content (source path or object). */
const char *sc_plan_ctx_dataset_path(const sc_plan_ctx *x, const char *name);
char *sc_plan_ctx_dataset_file(const sc_plan_ctx *x, const char *name);
/* The task's methods over their grids; built-ins are the descriptor's. */
int sc_plan_methods(sc_plan_ctx *x, const sc_spec_task *t, const sc_task *task,
		    sc_method_list *out) SC_WUR;
void sc_method_list_free(sc_method_list *l);
/* The external step of a method for a dataset (NULL: the task's) and seed. */
int sc_plan_external(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *mi,
		     const char *dataset, int64_t seed, size_t *out) SC_WUR;
/* The same with other steps' outputs as further inputs, which the
 * command names as {input:ROLE} (e.g. a split the model must follow). An
 * extra input in the role "data" replaces the dataset as {input}: the
 * command then never gets the dataset itself. */
typedef struct sc_plan_step_input {
	const char *role;
	size_t from;        /* the step */
	const char *output; /* its output file */
} sc_plan_step_input;
int sc_plan_external_with(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *mi,
			  const char *dataset, int64_t seed, const sc_plan_step_input *extra,
			  size_t n_extra, size_t *out) SC_WUR;

#endif
