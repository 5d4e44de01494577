/*
 * task.h - what a task is: one descriptor per task, in one table.
 *
 * A task's folder (tasks/<task>/) holds its steps, its planner and a
 * `const sc_task` built with designated initialisers: its options (typed,
 * with defaults and a doc line, checked by the runner's one generic
 * checker), its built-in methods (their parameters and whether they draw
 * from the seed), the step kinds it runs and the metrics it reports (each
 * with its direction, its group and whether it is the task's primary one).
 * Everything else reads these: the runner finds a task's planner here and
 * the step registry is the union of the tasks' step kinds; `sceval tasks`
 * and `sceval help TASK` print them; the report takes primary metrics and
 * directions from them. Adding a task is one line in tasks/tasks.c.
 *
 * Invariants (checked by tests/unit/test_tasks.c): every name is unique in
 * its list, every step kind has a version, every option, parameter and
 * metric has a doc line, every task has exactly one primary metric.
 */
#ifndef SC_TASK_H
#define SC_TASK_H

#include "tasks/step.h"

#include <stddef.h>

/* The types of a task's options in a spec. */
typedef enum sc_opt_type {
	SC_OPT_STRING, /* a non-empty string */
	SC_OPT_INT,    /* an integer in [lo, hi] */
	SC_OPT_NUMBER, /* a number in [lo, hi] */
	SC_OPT_MAP,    /* a mapping, checked further by the task's planner */
	SC_OPT_ANY,    /* anything, checked by the step (e.g. a name or a list) */
} sc_opt_type;

typedef struct sc_task_option {
	const char *name;
	sc_opt_type type;
	int required;
	const char *dflt;            /* a string option's default; NULL: none */
	double dnum, lo, hi;         /* a number's default and range */
	const char *const *allowed;  /* NULL-terminated; NULL: any value */
	const char *doc;
} sc_task_option;

/* The types of a built-in method's parameters ('params' and 'grid'). */
typedef enum sc_param_type {
	SC_PARAM_POSITIVE, /* a finite number > 0 */
	SC_PARAM_NONNEG,   /* a finite number >= 0 (0 may mean off) */
	SC_PARAM_UNIT,     /* a number in (0, 1) */
	SC_PARAM_COUNT,    /* an integer >= 1 */
	SC_PARAM_STRING,
} sc_param_type;

typedef struct sc_method_param {
	const char *name;
	sc_param_type type;
	const char *dflt; /* as printed; NULL: none (required where the method says) */
	const char *doc;
} sc_method_param;

typedef struct sc_method_desc {
	const char *name;
	const char *summary;
	/* The seed changes what the method's own step computes (a split, an
	 * initialisation, k-means): its step key holds the seed. An unseeded
	 * method's step is shared by every seed of the spec. */
	int seeded;
	const char *provides; /* what its step gives the evaluation */
	const sc_method_param *params; /* { NULL }-terminated */
	/* How the planner wires it (all 0 for an ordinary method): */
	int given;                  /* its result is already in the dataset (params say where) */
	int graph;                  /* it gives a graph (obsp/connectivities), no embedding */
	const char *alias_of;       /* another name of that method */
	const char *representation; /* annotation: what it trains on by default ("pca") */
} sc_method_desc;

/* What a metric needs of the evaluated result (sc_metric_desc.needs): a
 * step that lacks it leaves the metric out or reports it undefined. */
enum {
	SC_METRIC_NEEDS_BATCHES = 1 << 0,   /* two batches or more to compare */
	SC_METRIC_NEEDS_EMBEDDING = 1 << 1, /* coordinates, not only a graph */
};

typedef struct sc_metric_desc {
	const char *name;
	int higher_is_better;
	const char *group; /* "classification", "bio", "batch", "score", "spread", ... */
	int primary;       /* the task's ranking metric (one per task) */
	const char *doc;
	unsigned needs;    /* SC_METRIC_NEEDS_* */
} sc_metric_desc;

struct sc_plan_ctx;
struct sc_spec_task;

typedef struct sc_task {
	const char *name;
	const char *summary;
	const sc_task_option *options;        /* { NULL }-terminated */
	const sc_method_desc *const *methods; /* NULL-terminated */
	const sc_step_kind *const *steps;     /* NULL-terminated */
	const sc_metric_desc *metrics;        /* { NULL }-terminated */
	/* Append the task's steps to the plan (runner/plan_tasks.h): options
	 * have passed the generic check when this is called. */
	int (*plan)(struct sc_plan_ctx *x, const struct sc_spec_task *t);
} sc_task;

/* The table of tasks (tasks/tasks.c): NULL-terminated. */
extern const sc_task *const sc_tasks[];

const sc_task *sc_task_find(const char *name);
const sc_task_option *sc_task_option_find(const sc_task *t, const char *name);
const sc_method_desc *sc_task_method_find(const sc_task *t, const char *name);
const sc_method_param *sc_method_param_find(const sc_method_desc *m, const char *name);
/* The numeric default m's descriptor documents for a parameter (its .dflt
 * parsed), NAN when it documents none or not a number ("the task's"). */
double sc_method_param_default(const sc_method_desc *m, const char *name);
/* A built-in method's numeric parameter as its step reads it: the step's
 * value, else the default m's descriptor documents, so that each default
 * is written once (t0515 runs every method with its defaults written out).
 * Naming a parameter m does not declare with a numeric default is a
 * programmer error. Counts come back as doubles: cast them. */
double sc_step_param(const sc_step_ctx *c, const sc_method_desc *m, const char *name);
const sc_metric_desc *sc_task_metric_find(const sc_task *t, const char *name);
/* The task's primary metric's name, or NULL. */
const char *sc_task_primary_metric(const sc_task *t);
/* The task names, ", "-separated (for messages and help). */
const char *sc_task_names(void);

#endif
