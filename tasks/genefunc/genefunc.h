/*
 * tasks/genefunc/genefunc.h - the gene-function prediction task: its
 * descriptor (task.c), its step kinds (steps.c) and its planner (plan.c).
 */
#ifndef SC_GENEFUNC_H
#define SC_GENEFUNC_H

#include "tasks/step.h"
#include "tasks/task.h"

extern const sc_task sc_genefunc_task;
extern const sc_step_kind sc_genefunc_features_kind;
extern const sc_step_kind sc_genefunc_cv_kind;

struct sc_plan_ctx;
struct sc_spec_task;
int sc_genefunc_plan(struct sc_plan_ctx *x, const struct sc_spec_task *t);

#endif
