/*
 * registry.c - the table of built-in step kinds the runner can execute.
 * Adding a step kind = one line here plus its definition in its task's file.
 */
#include "step.h"
#include "tasks/annotation.h"
#include "tasks/genefunc.h"
#include "tasks/integration.h"
#include "tasks/prepare.h"

#include <string.h>

const sc_step_kind *const sc_step_kinds[] = {
	&sc_prepare_kind,
	&sc_prepare_pair_kind,
	&sc_annotation_fit_kind,
	&sc_annotation_eval_kind,
	&sc_genefunc_features_kind,
	&sc_genefunc_cv_kind,
	&sc_batch_embed_kind,
	&sc_multiomics_embed_kind,
	&sc_integration_eval_kind,
	NULL,
};

const sc_step_kind *sc_step_kind_find(const char *name)
{
	for (const sc_step_kind *const *k = sc_step_kinds; *k; k++)
		if (!strcmp((*k)->name, name))
			return *k;
	return NULL;
}
