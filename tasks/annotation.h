/*
 * annotation.h - the cell-type annotation task's step kinds.
 */
#ifndef SC_ANNOTATION_H
#define SC_ANNOTATION_H

#include "tasks/step.h"

extern const sc_step_kind sc_annotation_fit_kind;
extern const sc_step_kind sc_annotation_eval_kind;

#endif
