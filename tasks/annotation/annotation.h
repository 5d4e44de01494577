/*
 * tasks/annotation/annotation.h - the cell-type annotation task: its
 * descriptor (task.c), its step kinds (steps.c) and its planner (plan.c).
 */
#ifndef SC_ANNOTATION_H
#define SC_ANNOTATION_H

#include "tasks/step.h"
#include "tasks/task.h"

extern const sc_task sc_annotation_task;
extern const sc_step_kind sc_annotation_fit_kind;
extern const sc_step_kind sc_annotation_eval_kind;

struct sc_plan_ctx;
struct sc_spec_task;
int sc_annotation_plan(struct sc_plan_ctx *x, const struct sc_spec_task *t);

#endif
