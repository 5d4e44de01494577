/*
 * main.c - the sceval command: global options, the table of commands, and
 * the one place where the process exits. Output on stdout is flushed and
 * checked before exit, so a full disk or closed pipe is an error, not a
 * silently truncated result.
 */
#include "cli.h"
#include "util/limits.h"
#include "tasks/task.h"
#include "util/progress.h"

#include <jansson.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One line per command: this table is also what `sceval help` prints. */
const cli_cmd cli_commands[] = {
	{ "init", cmd_init, "create a store (.sceval/) in a directory" },
	{ "add", cmd_add, "store files and directories, print their hashes" },
	{ "cat", cmd_cat, "write an object's bytes to stdout" },
	{ "ls", cmd_ls, "list stored objects" },
	{ "show", cmd_show, "describe an object, a run or a result" },
	{ "checkout", cmd_checkout, "materialise an object at a path (read-only)" },
	{ "tag", cmd_tag, "list names, name an object, remove a name" },
	{ "fsck", cmd_fsck, "verify every object against its hash" },
	{ "gc", cmd_gc, "remove objects nothing refers to" },
	{ "du", cmd_du, "objects and bytes by kind, and what gc would reclaim" },
	{ "inspect", cmd_inspect, "describe an .h5ad file: shape, storage, columns, keys" },
	{ "simulate", cmd_simulate, "write simulated single-cell counts as an .h5ad file" },
	{ "genesets", cmd_genesets, "import Gene Ontology gene sets from org.*.db SQLite files" },
	{ "tasks", cmd_tasks, "list the evaluation tasks, or show a task's options" },
	{ "run", cmd_run, "run a spec: cached, deterministic steps, recorded" },
	{ "runs", cmd_runs, "list recorded runs" },
	/* Run by batch jobs, not by people: not listed by help (no summary). */
	{ "step", cmd_step, NULL },
	{ "log", cmd_log, "print what a step wrote to stderr (or stdout)" },
	{ "reproduce", cmd_reproduce, "re-execute a result without the cache and compare" },
	{ "diff", cmd_diff, "compare two runs or results" },
	{ "compare", cmd_compare, "runs side by side: mean ± sd per method variant and metric" },
	{ "export-table", cmd_export_table, "metrics of runs in scib's or Open Problems' table layout" },
	{ "scib", cmd_scib, "scIB metrics of an embedding against labels and batches" },
	{ "report", cmd_report, "write HTML pages and CSV tables about runs and results" },
	{ "export", cmd_export, "write a result and all it needs as a bundle" },
	{ "import", cmd_import, "add a bundle to this store, verified" },
	{ "provenance", cmd_provenance, "git provenance of a path" },
	{ "version", cmd_version, "version, build flags and linked libraries" },
	{ "help", cmd_help, "list commands, or show a command's usage" },
	{ NULL, NULL, NULL },
};

static const char main_usage[] =
	"usage: sceval [--store DIR] [-q] [--json-progress] <command> [options] [args]\n";

static void print_commands(FILE *f)
{
	fputs(main_usage, f);
	fputs("\ncommands:\n", f);
	for (const cli_cmd *k = cli_commands; k->name; k++)
		if (k->summary)
			fprintf(f, "  %-12s %s\n", k->name, k->summary);
	fputs("\nglobal options:\n"
	      "  --store DIR  use the store in DIR (default: $SCEVAL_DIR, else the nearest\n"
	      "               .sceval/ in the working directory or above)\n"
	      "  -q, --quiet  no progress output\n"
	      "  --json-progress\n"
	      "               progress as JSON lines on stderr, one per update, terminal or\n"
	      "               not: {\"schema\":1,\"event\":\"progress\",\"step\",\"label\",\"unit\",\n"
	      "               \"done\",\"total\",\"elapsed\",\"rate\",\"eta\"}\n"
	      "  --json       machine-readable output (commands that report something)\n"
	      "\n'sceval help CMD' or 'sceval CMD --help' shows a command's usage;\n"
	      "'sceval help TASK' a task's options ('sceval tasks' lists them).\n",
	      f);
}

static const cli_cmd *find_cmd(const char *name)
{
	for (const cli_cmd *k = cli_commands; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

static int run_cmd(const cli_cmd *k, int argc, char **argv, const char *store, int quiet)
{
	cli_ctx c;
	memset(&c, 0, sizeof(c));
	c.name = k->name;
	c.store_dir = store;
	c.quiet = quiet;
	c.stop = -1;
	c.argc = argc;
	c.argv = argv;
	optind = 0; /* full getopt reset, so commands may parse again */
	return k->fn(&c, argc, argv);
}

int cmd_help(cli_ctx *c, int argc, char **argv)
{
	static const char usage[] = "usage: sceval help [CMD|TASK]\n\n"
				    "Without CMD, list the commands; with CMD, show its usage; with\n"
				    "TASK, show the task's options, methods and metrics.\n";
	int o;
	while ((o = cli_opt(c, argc, argv, usage, "", NULL, 0)) != -1)
		return cli_usage_error(c, "unexpected option");
	CLI_OPTS_END(c);
	if (c->optind >= argc) {
		print_commands(stdout);
		return 0;
	}
	const cli_cmd *k = find_cmd(argv[c->optind]);
	if (!k && sc_task_find(argv[c->optind]))
		return cli_task_help(c, argv[c->optind]);
	if (!k)
		return cli_usage_error(c, "'%s' is not a sceval command nor a task",
				       argv[c->optind]);
	char *av[] = { (char *)k->name, "--help", NULL };
	return run_cmd(k, 2, av, NULL, 1);
}

static int finish(int rc, const char *name)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (rc == 0 || errno != EPIPE)
			fprintf(stderr, "sceval %s: cannot write output: %s\n", name, strerror(errno));
		return rc ? rc : 1;
	}
	return rc;
}

char **cli_main_argv;

int main(int argc, char **argv)
{
	/* jansson's NULL on a failed allocation is checked nowhere (a value
	 * that vanishes from a record or a bundle): run out of memory the way
	 * sc_xmalloc does, with a message and a stop. */
	json_set_alloc_funcs(sc_xmalloc, free);
	cli_main_argv = argv;
	const char *store = NULL;
	int quiet = 0, json_progress = 0;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--store") && i + 1 < argc) {
			store = argv[++i];
		} else if (!strncmp(a, "--store=", 8)) {
			store = a + 8;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = 1;
		} else if (!strcmp(a, "--json-progress")) {
			json_progress = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_commands(stdout);
			return finish(0, "help");
		} else if (!strcmp(a, "--version")) {
			char *av[] = { "version", NULL };
			return finish(run_cmd(find_cmd("version"), 1, av, NULL, quiet), "version");
		} else {
			fprintf(stderr, "sceval: unknown option '%s'\n", a);
			fputs(main_usage, stderr);
			return 2;
		}
	}
	if (i >= argc) {
		print_commands(stderr);
		return 2;
	}
	const cli_cmd *k = find_cmd(argv[i]);
	if (!k) {
		fprintf(stderr, "sceval: '%s' is not a sceval command; see 'sceval help'\n", argv[i]);
		return 2;
	}
	/* A file size limit (ulimit -f) must surface as EFBIG from write(), an
	 * error we report and clean up after, not as a fatal signal. */
	signal(SIGXFSZ, SIG_IGN);
	sc_err lerr;
	if (sc_limits_check_env(&lerr)) {
		fprintf(stderr, "sceval %s: %s\n", k->name, lerr.msg);
		return 2;
	}
	sc_progress_enable(!quiet && isatty(2));
	if (json_progress)
		sc_progress_json(1);
	int rc = run_cmd(k, argc - i, argv + i, store, quiet);
	return finish(rc, k->name);
}
