/*
 * plan.h - a run as a graph of steps. Each step names its kind (a built-in
 * one a task's descriptor declares, tasks/tasks.c, or "external"), its
 * parameters and seed, and its inputs: objects known before the run (datasets, files) or outputs of
 * earlier steps. A step's cache key can only be computed once the steps it
 * depends on are done, because it covers the hashes of all its inputs.
 *
 * Ownership: the plan owns everything in it; sc_plan_free releases it.
 */
#ifndef SC_PLAN_H
#define SC_PLAN_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>
#include "store/hash.h"
#include "store/store.h"
#include "util/err.h"

enum { SC_STEP_PENDING, SC_STEP_WAITLOCK, SC_STEP_RUNNING, SC_STEP_DONE, SC_STEP_FAILED,
       SC_STEP_SKIPPED };

typedef struct sc_plan_input {
	char *role;
	int from;          /* index of the producing step, or -1 */
	char *from_output; /* output role of that step (when from >= 0) */
	sc_oid oid;        /* the object (known up front, or filled when from is done) */
	char *name;        /* file name when materialised for an external command */
} sc_plan_input;

typedef struct sc_plan_step {
	/* what (fixed when planned) */
	char *kind;
	char *version;
	json_t *params;
	int64_t seed;
	int has_seed;
	sc_plan_input *in;
	size_t n_in;
	char *task, *dataset, *method; /* labels for records and reports */
	const char *task_kind;         /* the descriptor name of the task it was planned
					* for (static), or NULL (recorded in the catalog) */
	int deterministic;
	double timeout;
	json_t *environment; /* external: interpreter and env, recorded */
	/* state (filled when run) */
	int state;
	int cached;
	char key[SC_OID_HEXLEN + 1];
	char *key_json;
	json_t *outputs; /* role -> "sha256:<hex>" */
	json_t *metrics; /* name -> {value, higher_is_better, detail} */
	json_t *notes;
	double wall, cpu;
	long maxrss_kb;
	int exit_status;
	char *error;
	char log_out[SC_OID_IDLEN], log_err[SC_OID_IDLEN];
	/* execution bookkeeping */
	pid_t pid;
	int lock_fd;
	char *scratch;
	double started;
	int timed_out;
	double kill_at;
} sc_plan_step;

typedef struct sc_plan {
	sc_plan_step *v;
	size_t n, cap;
	/* The task being planned (its descriptor's name, static): steps
	 * labelled while it is set record it as their task kind. */
	const char *task_kind;
} sc_plan;

/* The version of external steps' implementation (the runner's own code). */
#define SC_EXTERNAL_VERSION "1"
/* A step kind's implementation version (from the registry): part of every key. */
const char *sc_plan_kind_version(const char *kind);
/* Append a step (params owned by the plan from now on). Returns its index. */
size_t sc_plan_add(sc_plan *p, const char *kind, json_t *params, int has_seed, int64_t seed);
/* Inputs: an object known now, or another step's output. */
void sc_plan_input_obj(sc_plan *p, size_t step, const char *role, const sc_oid *oid,
		       const char *name);
void sc_plan_input_step(sc_plan *p, size_t step, const char *role, size_t from,
			const char *output, const char *name);
/* Label a step for records and reports; it takes p->task_kind too. */
void sc_plan_label(sc_plan *p, size_t step, const char *task, const char *dataset,
		   const char *method);
void sc_plan_free(sc_plan *p);
/* If the last step added equals an earlier one (kind, version, params,
 * seed, inputs), drop it and return the earlier index; else its own. */
size_t sc_plan_dedupe_last(sc_plan *p);
/* The canonical key JSON and its SHA-256 (all inputs must be resolved). */
void sc_plan_compute_key(sc_plan_step *st);
/* A step's display label: "annotation.fit pbmc/logreg seed=0". Caller frees. */
char *sc_plan_step_label(const sc_plan_step *st);

#endif
