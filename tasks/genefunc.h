/*
 * genefunc.h - the gene-function prediction task's step kinds.
 */
#ifndef SC_GENEFUNC_H
#define SC_GENEFUNC_H

#include "tasks/step.h"

extern const sc_step_kind sc_genefunc_features_kind;
extern const sc_step_kind sc_genefunc_cv_kind;

#endif
