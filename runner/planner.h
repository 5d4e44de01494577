/*
 * planner.h - turning a spec into a plan: datasets hashed into the store,
 * methods expanded over their parameter grids and the task's seeds,
 * external commands resolved, and each task's chain of built-in steps
 * (preparation, fit or embedding, evaluation).
 */
#ifndef SC_PLANNER_H
#define SC_PLANNER_H

#include "runner/plan.h"
#include "runner/spec.h"
#include "store/store.h"

/* Build the plan of a spec. Datasets and method files are added to the
 * store (recorded with kind dataset / config). Errors about the spec carry
 * its file, line and column. */
int sc_planner_build(sc_store *s, const sc_spec *spec, sc_plan *plan, sc_err *err) SC_WUR;

#endif
