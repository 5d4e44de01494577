/*
 * prepare.h - the `prepare` step: the standard preprocessing of a dataset's
 * counts, shared by every method of a spec that asks for PCA or HVG input.
 */
#ifndef SC_PREPARE_H
#define SC_PREPARE_H

#include "tasks/step.h"

extern const sc_step_kind sc_prepare_kind;
extern const sc_step_kind sc_prepare_pair_kind;

#endif
