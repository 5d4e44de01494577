/*
 * integration.h - the batch-integration and multi-omics tasks' step kinds.
 */
#ifndef SC_INTEGRATION_H
#define SC_INTEGRATION_H

#include "tasks/step.h"

extern const sc_step_kind sc_batch_embed_kind;
extern const sc_step_kind sc_multiomics_embed_kind;
extern const sc_step_kind sc_integration_eval_kind;

#endif
