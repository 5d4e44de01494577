/*
 * exec_slurm.h - computing a run's steps as Slurm batch jobs, against a
 * store on a filesystem every node sees.
 *
 * The submitting `sceval run` keeps its scheduling loop (runner/exec.c:
 * cache, per-step locks, dependencies, --keep-going): starting a step
 * writes the step's definition as an object and submits `sceval step DEF`
 * with sbatch; polling (squeue, then sacct or scontrol for jobs that left
 * the queue) finds the jobs that ended, whose result records (objects
 * written by the job, named in .sceval/jobs/JOBID.result) fill the steps.
 * Only the submitter writes the catalog. Each step's record gets the job
 * id, node and Slurm state; a job that ends without a result (failed,
 * timed out, preempted, cancelled) is a failed step with its Slurm state
 * and the job's log.
 */
#ifndef SC_EXEC_SLURM_H
#define SC_EXEC_SLURM_H

#include <jansson.h>
#include <stddef.h>
#include "runner/plan.h"
#include "store/store.h"

typedef struct sc_slurm sc_slurm;

/* What every job asks for unless its task or method says otherwise (NULL
 * or 0: sbatch's default). */
typedef struct sc_slurm_opts {
	const char *partition, *account, *time, *mem, *gres;
	int cpus;
	double poll_s; /* seconds between squeue calls (0: 2 s) */
} sc_slurm_opts;

/* Check that sbatch and squeue can be run; *out freed by sc_slurm_free. */
int sc_slurm_create(sc_slurm **out, const sc_slurm_opts *o, sc_err *err) SC_WUR;
void sc_slurm_free(sc_slurm *sl);

/* Submit a step whose inputs are known: state RUNNING on success, FAILED
 * with the reason (sbatch's message) when sbatch refused it. */
int sc_slurm_submit(sc_slurm *sl, sc_store *s, sc_plan_step *st, sc_err *err) SC_WUR;
/* Steps whose jobs ended since the last call, filled from their result
 * records (DONE or FAILED), as plan indices in *ended (caller frees). Polls
 * Slurm at most every poll_s seconds; between polls it returns none. */
int sc_slurm_poll(sc_slurm *sl, sc_store *s, sc_plan *p, size_t **ended, size_t *n,
		  sc_err *err) SC_WUR;
/* scancel every job of this run still queued or running; their steps go
 * back to PENDING with their locks released. */
void sc_slurm_cancel_all(sc_slurm *sl, sc_store *s, sc_plan *p);

/* `sceval step DEF` inside a job: compute the step a definition object
 * describes, write its result record as an object and name it in
 * .sceval/jobs/$SLURM_JOB_ID.result (or print it when not in a job).
 * *step_failed says whether the step failed (the record says why). */
int sc_slurm_step_run(sc_store *s, const char *def, int *step_failed, sc_err *err) SC_WUR;

#endif
