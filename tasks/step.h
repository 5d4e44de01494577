/*
 * step.h - the interface between the runner and the built-in evaluation
 * steps. A step is a pure function of its parameters, seed and input files:
 * it reads its inputs (read-only paths), writes its outputs as files into
 * outdir (each file becomes an output object named by its file name), and
 * reports metrics. The runner runs each step in a child process, so a step
 * may use all the memory and threads it likes and may fail by returning an
 * error; it must not touch the store or the catalog.
 *
 * Determinism contract: the same params, seed and input bytes give the same
 * output bytes and metric values, whatever the thread count. A step's
 * version string changes whenever that would not hold across versions (so
 * old cache entries are not reused for new code).
 */
#ifndef SC_STEP_H
#define SC_STEP_H

#include <jansson.h>
#include <stdint.h>
#include "util/err.h"
#include "io/svg.h"

typedef struct sc_step_ctx {
	const json_t *params; /* object */
	int64_t seed;
	size_t n_inputs;
	const char *const *in_roles;
	const char *const *in_paths;
	const char *outdir;
	json_t *metrics; /* name -> {"value": number|null, "higher_is_better": bool, "detail": str} */
	json_t *notes;   /* array of strings: things the user must hear (dropped classes, ...) */
	sc_err *err;
} sc_step_ctx;

/* Path of the input with this role, or NULL. */
const char *sc_step_input(const sc_step_ctx *c, const char *role);
/* Like sc_step_input, but a missing role is an error (filled into c->err). */
const char *sc_step_need(const sc_step_ctx *c, const char *role);
/* Path for an output file in the output folder (caller frees). */
char *sc_step_out(const sc_step_ctx *c, const char *name);
/* Write the figure s as the output file NAME and free it (s may be NULL
 * after a failed drawing: nothing is written, 0 returned). */
int sc_step_write_svg(sc_step_ctx *c, sc_svg *s, const char *name);
/* Record a metric; NaN is stored as null with the detail saying why. */
void sc_step_metric(sc_step_ctx *c, const char *name, double value, int higher_is_better,
		    const char *detail);
void sc_step_note(sc_step_ctx *c, const char *fmt, ...) SC_PRINTF(2, 3);
/* Typed parameter access with defaults. */
const char *sc_step_str(const sc_step_ctx *c, const char *key, const char *dflt);
double sc_step_num(const sc_step_ctx *c, const char *key, double dflt);
long long sc_step_int(const sc_step_ctx *c, const char *key, long long dflt);
int sc_step_bool(const sc_step_ctx *c, const char *key, int dflt);

typedef int (*sc_step_fn)(sc_step_ctx *c);

typedef struct sc_step_kind {
	const char *name;    /* e.g. "annotation.eval" */
	const char *version; /* implementation version, part of every cache key */
	sc_step_fn run;
	const char *summary;
} sc_step_kind;

/* The registry: the step kinds the tasks' descriptors declare
 * (tasks/tasks.c); NULL for a name none declares. */
const sc_step_kind *sc_step_kind_find(const char *name);

#endif
