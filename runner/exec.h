/*
 * exec.h - executing a plan: cache lookups, per-step locks shared by every
 * sceval process on the store, up to N steps at once in child processes,
 * external commands with timeouts, and clean interruption.
 */
#ifndef SC_EXEC_H
#define SC_EXEC_H

#include <stdint.h>
#include "runner/plan.h"
#include "store/store.h"

typedef struct sc_exec_opts {
	int jobs;          /* steps at once (>= 1) */
	int force;         /* recompute even when cached */
	int keep_going;    /* run the independent rest after a failure */
	int no_record;     /* reproduce: compute into scratch, record nothing */
	int64_t run;       /* run id for run_steps rows (0: none) */
	int progress;      /* per-step lines on stderr */
	struct sc_slurm *slurm; /* submit each step as a Slurm job (exec_slurm.h);
				 * NULL: compute them in child processes here */
	/* reproduce: keep outputs out of the store, report their hashes only */
} sc_exec_opts;

typedef struct sc_exec_stats {
	size_t done, cached, failed, skipped;
	int interrupted;
} sc_exec_stats;

/* Run every step of the plan. Returns 0 when the plan could be executed
 * (step failures are in the stats and in each step's state), SC_EINTR when
 * interrupted, another code on an error of the runner itself. */
int sc_exec_plan(sc_store *s, sc_plan *p, const sc_exec_opts *o, sc_exec_stats *stats,
		 sc_err *err) SC_WUR;

/* Compute one step whose inputs are all known objects, in a child process
 * with its scratch folder under scratch_base (NULL: the store's tmp/),
 * writing its outputs and logs as objects without touching the catalog:
 * `sceval step` on a batch node. The step's state, outputs, metrics, logs
 * and times are filled; every object written is appended to objects as
 * {"id", "type", "size", "kind"} for the catalog's writer to record. */
int sc_exec_step_alone(sc_store *s, sc_plan_step *st, const char *scratch_base, json_t *objects,
		       sc_err *err) SC_WUR;

/* Install SIGINT/SIGTERM/SIGHUP handlers that ask the executor to stop. */
void sc_exec_install_signals(void);
int sc_exec_interrupted(void);

/* The last non-empty line of a log file (at most 300 bytes), for error
 * messages; NULL when there is none. Free it. */
char *sc_exec_log_last_line(const char *path);

#endif
