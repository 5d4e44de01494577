/*
 * run.h - `sceval run`: a spec becomes a plan, the plan is executed, and
 * the run is recorded with its result manifest, whose hash is the result.
 */
#ifndef SC_RUN_H
#define SC_RUN_H

#include <stdint.h>
#include "runner/exec_slurm.h"
#include "store/store.h"

typedef struct sc_run_opts {
	int jobs, force, keep_going, progress;
	int allow_outside; /* methods' files may lie outside the spec's folder */
	const sc_slurm_opts *slurm; /* --executor slurm: submit steps as jobs; NULL: local */
	int argc;
	char *const *argv;
} sc_run_opts;

typedef struct sc_run_result {
	int64_t run;
	int has_result; /* only a run whose every step succeeded has a result */
	sc_oid result;
	size_t steps, cached, computed, failed, skipped;
	int interrupted;
	double seconds;
	char status[16];
} sc_run_result;

/* Returns 0 when the run was recorded (whatever its steps did; see the
 * result), SC_EINTR when interrupted (recorded as such), another code when
 * nothing could be run (a bad spec: nothing recorded). */
int sc_run_spec(sc_store *s, const char *spec_path, const sc_run_opts *o, sc_run_result *r,
		sc_err *err) SC_WUR;

#endif
