/*
 * cmd_tasks.c - `sceval tasks [TASK]` (and `sceval help TASK`): the tasks
 * and, for one task, its options, built-in methods, metrics and steps,
 * all printed from the task's descriptor (tasks/task.h), so the help can
 * never disagree with what the planner checks.
 */
#include "cli.h"
#include "tasks/task.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: sceval tasks [--json] [TASK]\n\n"
	"Without TASK, list the evaluation tasks with a line each. With TASK (also\n"
	"'sceval help TASK'), show its spec options (name, type, default, what it\n"
	"is), its built-in methods with their parameters (seeded: the method's step\n"
	"depends on the seed), its metrics (direction, group, the primary one that\n"
	"ranks methods in reports) and its step kinds with their versions.\n";

static const char *opt_type(sc_opt_type t)
{
	switch (t) {
	case SC_OPT_STRING: return "string";
	case SC_OPT_INT: return "integer";
	case SC_OPT_NUMBER: return "number";
	case SC_OPT_MAP: return "mapping";
	case SC_OPT_ANY: return "any";
	}
	return "?";
}

static const char *param_type(sc_param_type t)
{
	switch (t) {
	case SC_PARAM_POSITIVE: return "number > 0";
	case SC_PARAM_NONNEG: return "number >= 0";
	case SC_PARAM_UNIT: return "number in (0, 1)";
	case SC_PARAM_COUNT: return "integer >= 1";
	case SC_PARAM_STRING: return "string";
	}
	return "?";
}

/* An option's default as printed: "required", its value, or "-". */
static void opt_default(const sc_task_option *o, char *buf, size_t n)
{
	if (o->required)
		snprintf(buf, n, "required");
	else if (o->type == SC_OPT_INT || o->type == SC_OPT_NUMBER)
		snprintf(buf, n, "%g", o->dnum);
	else
		snprintf(buf, n, "%s", o->dflt ? o->dflt : "-");
}

static json_t *task_json(const sc_task *t)
{
	json_t *opts = json_array(), *methods = json_array(), *metrics = json_array(),
	       *steps = json_array();
	for (const sc_task_option *o = t->options; o->name; o++) {
		char d[64];
		opt_default(o, d, sizeof(d));
		json_t *a = json_array();
		for (size_t i = 0; o->allowed && o->allowed[i]; i++)
			json_array_append_new(a, json_string(o->allowed[i]));
		json_array_append_new(opts, json_pack("{s:s, s:s, s:b, s:s, s:o, s:s}", "name", o->name,
						      "type", opt_type(o->type), "required", o->required,
						      "default", d, "allowed", a, "doc", o->doc));
	}
	for (const sc_method_desc *const *m = t->methods; *m; m++) {
		json_t *ps = json_array();
		for (const sc_method_param *p = (*m)->params; p->name; p++)
			json_array_append_new(ps, json_pack("{s:s, s:s, s:s?, s:s}", "name", p->name, "type",
							    param_type(p->type), "default", p->dflt,
							    "doc", p->doc));
		json_array_append_new(methods, json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", (*m)->name,
							 "summary", (*m)->summary, "seeded",
							 (*m)->seeded, "provides", (*m)->provides,
							 "params", ps));
	}
	for (const sc_metric_desc *m = t->metrics; m->name; m++)
		json_array_append_new(metrics, json_pack("{s:s, s:b, s:s, s:b, s:s}", "name", m->name,
							 "higher_is_better", m->higher_is_better,
							 "group", m->group, "primary", m->primary,
							 "doc", m->doc));
	for (const sc_step_kind *const *k = t->steps; *k; k++)
		json_array_append_new(steps, json_pack("{s:s, s:s}", "kind", (*k)->name, "version",
						       (*k)->version));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "name", t->name, "summary", t->summary,
			 "options", opts, "methods", methods, "metrics", metrics, "steps", steps);
}

static void print_task(const sc_task *t)
{
	printf("%s: %s\n\noptions (besides task, name, dataset, methods, seeds, description):\n",
	       t->name, t->summary);
	printf("  %-15s %-8s %-9s %s\n", "NAME", "TYPE", "DEFAULT", "WHAT");
	for (const sc_task_option *o = t->options; o->name; o++) {
		char d[64];
		opt_default(o, d, sizeof(d));
		printf("  %-15s %-8s %-9s %s", o->name, opt_type(o->type), d, o->doc);
		for (size_t i = 0; o->allowed && o->allowed[i]; i++)
			printf("%s%s", i ? ", " : " (one of: ", o->allowed[i]);
		puts(o->allowed ? ")" : "");
	}
	puts("\nbuilt-in methods (params: NAME TYPE [DEFAULT] WHAT):");
	for (const sc_method_desc *const *m = t->methods; *m; m++) {
		printf("  %-13s %s%s\n", (*m)->name, (*m)->summary, (*m)->seeded ? " [seeded]" : "");
		for (const sc_method_param *p = (*m)->params; p->name; p++)
			printf("      %-13s %s [%s] %s\n", p->name, param_type(p->type),
			       p->dflt ? p->dflt : "-", p->doc);
	}
	puts("\nmetrics (^ higher is better, v lower; * primary):");
	for (const sc_metric_desc *m = t->metrics; m->name; m++)
		printf("  %c%c %-24s %-15s %s\n", m->higher_is_better ? '^' : 'v', m->primary ? '*' : ' ',
		       m->name, m->group, m->doc);
	puts("\nsteps:");
	for (const sc_step_kind *const *k = t->steps; *k; k++)
		printf("  %-20s version %s\n", (*k)->name, (*k)->version);
}

int cli_task_help(cli_ctx *c, const char *name)
{
	const sc_task *t = sc_task_find(name);
	if (!t)
		return cli_usage_error(c, "'%s' is not a task (tasks: %s)", name, sc_task_names());
	if (c->json)
		return cli_json_out(c, task_json(t));
	print_task(t);
	return 0;
}

int cmd_tasks(cli_ctx *c, int argc, char **argv)
{
	while (cli_opt(c, argc, argv, usage, "", NULL, 1) != -1)
		return cli_usage_error(c, "unexpected option");
	CLI_OPTS_END(c);
	if (c->optind + 1 < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[c->optind + 1]);
	if (c->optind < argc)
		return cli_task_help(c, argv[c->optind]);
	if (c->json) {
		json_t *a = json_array();
		for (const sc_task *const *t = sc_tasks; *t; t++)
			json_array_append_new(a, task_json(*t));
		return cli_json_out(c, json_pack("{s:o}", "tasks", a));
	}
	for (const sc_task *const *t = sc_tasks; *t; t++)
		printf("  %-14s %s\n", (*t)->name, (*t)->summary);
	puts("\n'sceval help TASK' shows a task's options, methods and metrics.");
	return 0;
}
