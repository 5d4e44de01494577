/*
 * tasks.c - the table of tasks, and the step registry derived from it.
 * Adding a task = its folder (tasks/<task>/: steps, planner, descriptor)
 * plus one line in the table below. The runner finds a step kind through
 * the tasks that declare it, so a step no task declares cannot run.
 */
#include "task.h"
#include "tasks/annotation/annotation.h"
#include "tasks/genefunc/genefunc.h"
#include "tasks/imputation/imputation.h"
#include "tasks/integration/integration.h"
#include "tasks/perturbation/perturbation.h"
#include "tasks/grn/grn.h"
#include "tasks/simulation/simulation.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const sc_task *const sc_tasks[] = {
	&sc_annotation_task,
	&sc_genefunc_task,
	&sc_batch_task,
	&sc_multiomics_task,
	&sc_perturbation_task,
	&sc_grn_task,
	&sc_simulation_task,
	&sc_imputation_task,
	NULL,
};

const sc_task *sc_task_find(const char *name)
{
	for (const sc_task *const *t = sc_tasks; *t; t++)
		if (!strcmp((*t)->name, name))
			return *t;
	return NULL;
}

const sc_task_option *sc_task_option_find(const sc_task *t, const char *name)
{
	for (const sc_task_option *o = t->options; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

const sc_method_desc *sc_task_method_find(const sc_task *t, const char *name)
{
	for (const sc_method_desc *const *m = t->methods; *m; m++)
		if (!strcmp((*m)->name, name))
			return *m;
	return NULL;
}

const sc_method_param *sc_method_param_find(const sc_method_desc *m, const char *name)
{
	for (const sc_method_param *p = m->params; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

double sc_method_param_default(const sc_method_desc *m, const char *name)
{
	const sc_method_param *p = sc_method_param_find(m, name);
	if (!p || !p->dflt)
		return NAN;
	char *end;
	double v = strtod(p->dflt, &end);
	return end != p->dflt && *end == 0 ? v : NAN;
}

double sc_step_param(const sc_step_ctx *c, const sc_method_desc *m, const char *name)
{
	double d = sc_method_param_default(m, name);
	assert(!isnan(d) && "the method's descriptor documents no numeric default");
	return sc_step_num(c, name, d);
}

const sc_metric_desc *sc_task_metric_find(const sc_task *t, const char *name)
{
	for (const sc_metric_desc *m = t->metrics; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

const char *sc_task_primary_metric(const sc_task *t)
{
	for (const sc_metric_desc *m = t->metrics; m->name; m++)
		if (m->primary)
			return m->name;
	return NULL;
}

const char *sc_task_names(void)
{
	static char buf[512];
	if (!buf[0]) {
		size_t off = 0;
		for (const sc_task *const *t = sc_tasks; *t && off < sizeof(buf); t++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
						t == sc_tasks ? "" : ", ", (*t)->name);
	}
	return buf;
}

/* The step registry: the union of the tasks' step kinds. Tens of kinds,
 * looked up once per planned or executed step: a scan is enough. */
const sc_step_kind *sc_step_kind_find(const char *name)
{
	for (const sc_task *const *t = sc_tasks; *t; t++)
		for (const sc_step_kind *const *k = (*t)->steps; *k; k++)
			if (!strcmp((*k)->name, name))
				return *k;
	return NULL;
}
