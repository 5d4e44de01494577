/*
 * test_tasks.c - the table of tasks and their descriptors (tasks/task.h)
 * are complete and consistent: every step kind is registered with a
 * version, every option, parameter and metric is documented, names are
 * unique, defaults lie in their ranges, each task has exactly one primary
 * metric and it is declared, the scIB metrics sit in the suite's groups;
 * and the "did you mean" suggestion picks typos, not strangers.
 */
#include "unit.h"
#include "runner/plan_tasks.h"
#include "tasks/scib/suite.h"
#include "tasks/task.h"

#include <string.h>

static int has_text(const char *s)
{
	return s && *s;
}

static void test_steps(const sc_task *t)
{
	for (const sc_step_kind *const *k = t->steps; *k; k++) {
		OK(sc_step_kind_find((*k)->name) == *k, "%s: step kind %s is the registry's", t->name,
		   (*k)->name);
		OK(has_text((*k)->version) && (*k)->run && has_text((*k)->summary),
		   "%s: step kind %s has a version, a function and a summary", t->name, (*k)->name);
	}
	OK(t->steps[0] != NULL, "%s declares step kinds", t->name);
}

static void test_options(const sc_task *t)
{
	static const char *const common[] = { "task", "name", "dataset", "methods", "seeds",
					      "description" };
	for (const sc_task_option *o = t->options; o->name; o++) {
		OK(has_text(o->doc), "%s: option %s has a doc line", t->name, o->name);
		OK(sc_task_option_find(t, o->name) == o, "%s: option %s is declared once", t->name,
		   o->name);
		int clash = 0;
		for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
			clash |= !strcmp(common[i], o->name);
		OK(!clash, "%s: option %s is not a key every task has", t->name, o->name);
		if (o->required)
			OK(!o->dflt && o->type == SC_OPT_STRING, "%s: required %s has no default",
			   t->name, o->name);
		if (o->type == SC_OPT_INT || o->type == SC_OPT_NUMBER)
			OK(o->lo <= o->dnum && o->dnum <= o->hi, "%s: %s's default %g in [%g, %g]",
			   t->name, o->name, o->dnum, o->lo, o->hi);
		if (o->allowed && o->dflt) {
			int in = 0;
			for (size_t i = 0; o->allowed[i]; i++)
				in |= !strcmp(o->allowed[i], o->dflt);
			OK(in, "%s: %s's default is an allowed value", t->name, o->name);
		}
	}
}

static void test_methods(const sc_task *t)
{
	OK(t->methods[0] != NULL, "%s has built-in methods", t->name);
	for (const sc_method_desc *const *m = t->methods; *m; m++) {
		OK(sc_task_method_find(t, (*m)->name) == *m, "%s: method %s is declared once", t->name,
		   (*m)->name);
		OK(has_text((*m)->summary) && has_text((*m)->provides),
		   "%s: method %s says what it is and provides", t->name, (*m)->name);
		if ((*m)->alias_of) {
			const sc_method_desc *a = sc_task_method_find(t, (*m)->alias_of);
			OK(a && a != *m && !a->alias_of && a->seeded == (*m)->seeded,
			   "%s: %s is another name of method %s, seeded alike", t->name, (*m)->name,
			   (*m)->alias_of);
		}
		if ((*m)->given)
			OK((*m)->params[0].name && (*m)->params[0].type == SC_PARAM_STRING,
			   "%s: given method %s takes where its result is", t->name, (*m)->name);
		for (const sc_method_param *p = (*m)->params; p->name; p++) {
			OK(has_text(p->doc), "%s: %s's parameter %s has a doc line", t->name, (*m)->name,
			   p->name);
			OK(sc_method_param_find(*m, p->name) == p, "%s: %s's parameter %s is declared once",
			   t->name, (*m)->name, p->name);
			/* a numeric default is written once, here, and read by the
			 * step through sc_step_param: it must parse and fit its type */
			if (p->type != SC_PARAM_STRING && p->dflt && strcmp(p->dflt, "the task's")) {
				double d = sc_method_param_default(*m, p->name);
				int fits = p->type == SC_PARAM_UNIT	? d > 0 && d < 1
					   : p->type == SC_PARAM_COUNT ? d >= 1 && d == floor(d)
					   : p->type == SC_PARAM_NONNEG ? d >= 0 && isfinite(d)
									: d > 0 && isfinite(d);
				OK(!isnan(d) && fits, "%s: %s's parameter %s defaults to a %s (%s)", t->name,
				   (*m)->name, p->name,
				   p->type == SC_PARAM_COUNT ? "count" : p->type == SC_PARAM_UNIT ? "fraction"
				   : p->type == SC_PARAM_NONNEG ? "number >= 0" : "positive number",
				   p->dflt);
			}
		}
	}
}

static void test_metrics(const sc_task *t)
{
	size_t primaries = 0;
	for (const sc_metric_desc *m = t->metrics; m->name; m++) {
		primaries += m->primary != 0;
		OK(has_text(m->doc) && has_text(m->group), "%s: metric %s has a doc line and a group",
		   t->name, m->name);
		OK(sc_task_metric_find(t, m->name) == m, "%s: metric %s is declared once", t->name,
		   m->name);
		/* The scIB suite's own classes agree with the groups. */
		sc_scib_class cls;
		if (!strcmp(m->group, "bio") || !strcmp(m->group, "batch"))
			OK(sc_scib_metric_class(m->name, &cls) == 0 &&
				   cls == (!strcmp(m->group, "bio") ? SC_SCIB_BIO : SC_SCIB_BATCH),
			   "%s: %s is a %s metric of the scIB suite", t->name, m->name, m->group);
	}
	OK(primaries == 1, "%s has one primary metric (%zu)", t->name, primaries);
	const char *p = sc_task_primary_metric(t);
	OK(p && sc_task_metric_find(t, p) && sc_task_metric_find(t, p)->primary,
	   "%s: the primary metric %s is declared", t->name, p ? p : "(none)");
}

static void test_table(void)
{
	size_t n = 0;
	for (const sc_task *const *t = sc_tasks; *t; t++, n++) {
		OK(sc_task_find((*t)->name) == *t, "task %s is listed once", (*t)->name);
		OK(has_text((*t)->summary) && (*t)->plan, "task %s has a summary and a planner",
		   (*t)->name);
		test_steps(*t);
		test_options(*t);
		test_methods(*t);
		test_metrics(*t);
	}
	/* The first four, in table order (the whole list is checked against
	 * the README's Tasks table by t0515). */
	OK(n >= 4 && !strncmp(sc_task_names(), "annotation, gene-function, batch, multiomics",
			      strlen("annotation, gene-function, batch, multiomics")),
	   "%zu tasks, in table order: %s", n, sc_task_names());
	OK(sc_step_kind_find("no.such.kind") == NULL, "an undeclared step kind is not found");
	/* The primary metrics the report ranked by before the descriptors. */
	OK(!strcmp(sc_task_primary_metric(sc_task_find("annotation")), "accuracy") &&
		   !strcmp(sc_task_primary_metric(sc_task_find("gene-function")), "accuracy_mean") &&
		   !strcmp(sc_task_primary_metric(sc_task_find("batch")), "overall") &&
		   !strcmp(sc_task_primary_metric(sc_task_find("multiomics")), "bio"),
	   "primary metrics: accuracy, accuracy_mean, overall, bio");
	/* Harmony draws random numbers; ComBat does not. */
	const sc_task *b = sc_task_find("batch");
	OK(sc_task_method_find(b, "harmony")->seeded && !sc_task_method_find(b, "combat")->seeded,
	   "harmony is seeded, combat is not");
}

static void test_nearest(void)
{
	static const char *const names[] = { "label_key", "batch_key", "n_comps", "n_comps2", "k" };
	const char *s;
	OK((s = sc_plan_nearest("lable_key", names, 5)) && !strcmp(s, "label_key"),
	   "lable_key -> label_key");
	OK((s = sc_plan_nearest("batchkey", names, 5)) && !strcmp(s, "batch_key"),
	   "batchkey -> batch_key");
	OK((s = sc_plan_nearest("n_comp", names, 5)) && !strcmp(s, "n_comps"), "n_comp -> n_comps");
	OK((s = sc_plan_nearest("kk", names, 5)) && !strcmp(s, "k"), "kk -> k");
	OK(!sc_plan_nearest("representation", names, 5), "no suggestion for a stranger");
	OK(!sc_plan_nearest("x", names, 0), "no suggestion from no names");
}

int main(void)
{
	test_table();
	test_nearest();
	return unit_done();
}
