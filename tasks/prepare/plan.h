/*
 * tasks/prepare/plan.h - planning the shared `prepare` steps: the standard
 * preprocessing of a task's dataset, read from the task's options counts,
 * n_top_genes and n_comps (which its descriptor must declare).
 */
#ifndef SC_PREPARE_PLAN_H
#define SC_PREPARE_PLAN_H

#include "runner/plan_tasks.h"

/* Standard preprocessing of the task's dataset (deduplicated in the plan):
 * the step's index in *out, its output prepared.h5ad. */
int sc_plan_prepare(sc_plan_ctx *x, const sc_spec_task *t, size_t *out) SC_WUR;
/* The same learnt on the task's dataset and applied to dataset test too:
 * outputs prepared.h5ad and prepared_test.h5ad. */
int sc_plan_prepare_pair(sc_plan_ctx *x, const sc_spec_task *t, const char *test,
			 size_t *out) SC_WUR;

#endif
