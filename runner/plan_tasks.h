/*
 * plan_tasks.h - what a task's planner gets to work with, and the table of
 * task planners. Each planner checks its task's options (with positioned
 * errors) and appends its chain of steps to the plan.
 */
#ifndef SC_PLAN_TASKS_H
#define SC_PLAN_TASKS_H

#include "runner/plan.h"
#include "runner/spec.h"
#include "store/store.h"

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
	json_t *params;             /* merged params (owned) */
} sc_method_inst;

typedef struct sc_method_list {
	sc_method_inst *v;
	size_t n;
} sc_method_list;

typedef struct sc_task_planner {
	const char *name;
	int (*plan)(sc_plan_ctx *x, const sc_spec_task *t);
	const char *summary;
} sc_task_planner;

const sc_task_planner *sc_task_planner_find(const char *name);

/* Shared helpers (planner.c). */
const sc_oid *sc_plan_ctx_dataset(const sc_plan_ctx *x, const char *name);
/* The file to open to check a dataset's content (source path or object). */
const char *sc_plan_ctx_dataset_path(const sc_plan_ctx *x, const char *name);
char *sc_plan_ctx_dataset_file(const sc_plan_ctx *x, const char *name);
int sc_plan_methods(sc_plan_ctx *x, const sc_spec_task *t, const char *const *builtins,
		    sc_method_list *out) SC_WUR;
void sc_method_list_free(sc_method_list *l);
/* The external step of a method for a dataset (NULL: the task's) and seed. */
int sc_plan_external(sc_plan_ctx *x, const sc_spec_task *t, const sc_method_inst *mi,
		     const char *dataset, int64_t seed, size_t *out) SC_WUR;

#endif
