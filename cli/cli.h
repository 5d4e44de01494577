/*
 * cli.h - what every command implementation shares: the context, option
 * parsing with the common options, and the exit conventions.
 *
 * Exit codes: 0 success; 1 failure (one line "sceval CMD: what: detail" on
 * stderr); 2 usage error (message and usage on stderr). Only cli/ may exit.
 * Common options accepted by every command: --store DIR, -q/--quiet,
 * --json (where the command reports something), -h/--help.
 */
#ifndef SC_CLI_H
#define SC_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include "store/hash.h"
#include "util/err.h"

typedef struct sc_store sc_store;

typedef struct cli_ctx {
	const char *name;      /* command name, for messages */
	const char *usage;     /* the command's usage text */
	const char *store_dir; /* --store DIR (or NULL: SCEVAL_DIR, then search upwards) */
	int quiet;             /* -q */
	int json;              /* --json */
	int stop;              /* after cli_opt returns -1: -1 to go on, else the exit code */
	int optind;            /* first positional argument */
	int argc;              /* the command's argc/argv (argv[0] is the command name) */
	char **argv;
} cli_ctx;

typedef int (*cli_fn)(cli_ctx *c, int argc, char **argv);

typedef struct cli_cmd {
	const char *name;
	cli_fn fn;
	const char *summary;
} cli_cmd;

/* The table of commands (cli/main.c). Terminated by a NULL name. */
extern const cli_cmd cli_commands[];

/*
 * Option parsing: call in a loop until it returns -1, then return c->stop
 * if it is >= 0 (help was printed, or a usage error was reported). Command
 * options are returned as getopt_long returns them. json_ok says whether the
 * command accepts --json.
 */
int cli_opt(cli_ctx *c, int argc, char **argv, const char *usage, const char *shortopts,
	    const struct option *longopts, int json_ok);
#define CLI_OPTS_END(c)                                                                 \
	do {                                                                            \
		if ((c)->stop >= 0)                                                     \
			return (c)->stop;                                               \
	} while (0)

int cli_usage_error(cli_ctx *c, const char *fmt, ...) SC_PRINTF(2, 3);
int cli_fail(cli_ctx *c, const sc_err *err);
int cli_failf(cli_ctx *c, const char *fmt, ...) SC_PRINTF(2, 3);
/* Print j (adding "schema": 1) on stdout and release it. Returns 0. */
int cli_json_out(cli_ctx *c, json_t *j);
/* Open the store named by --store, SCEVAL_DIR, or found upwards from cwd. */
int cli_open_store(cli_ctx *c, sc_store **out, sc_err *err) SC_WUR;

/* main()'s argv, whole (for restarting the process). */
extern char **cli_main_argv;
/* Enter portable mode (runner/portable.h): in it already, check that it
 * holds and return 0; else set its environment and run this command again
 * (returns only on failure, with the exit code). */
int cli_portable_enter(cli_ctx *c);
/* s escaped for printing on a terminal (sc_buf_term): s itself when it
 * needs no escape, else a copy that stays valid for the next 15 calls.
 * For names and values read from files, in human-readable output. */
const char *cli_esc(const char *s);
/* Parse a non-negative integer option value, or report a usage error. */
int cli_parse_long(cli_ctx *c, const char *opt, const char *s, long lo, long hi, long *out);
int cli_parse_double(cli_ctx *c, const char *opt, const char *s, double *out);

/* `sceval show` of a store object (cli/cmd_ls.c), a run, a result (cmd_run.c). */
int cli_show_object(cli_ctx *c, sc_store *s, const char *ref);
int cli_show_run(cli_ctx *c, sc_store *s, int64_t run);
int cli_show_result(cli_ctx *c, sc_store *s, const sc_oid *result);

/* Command implementations (one file each under cli/). */
int cmd_help(cli_ctx *c, int argc, char **argv);
int cmd_tasks(cli_ctx *c, int argc, char **argv);
/* A task's options, methods and metrics (cmd_tasks.c), for help TASK. */
int cli_task_help(cli_ctx *c, const char *name);
int cmd_version(cli_ctx *c, int argc, char **argv);
int cmd_init(cli_ctx *c, int argc, char **argv);
int cmd_add(cli_ctx *c, int argc, char **argv);
int cmd_cat(cli_ctx *c, int argc, char **argv);
int cmd_ls(cli_ctx *c, int argc, char **argv);
int cmd_show(cli_ctx *c, int argc, char **argv);
int cmd_checkout(cli_ctx *c, int argc, char **argv);
int cmd_tag(cli_ctx *c, int argc, char **argv);
int cmd_fsck(cli_ctx *c, int argc, char **argv);
int cmd_gc(cli_ctx *c, int argc, char **argv);
int cmd_provenance(cli_ctx *c, int argc, char **argv);
int cmd_inspect(cli_ctx *c, int argc, char **argv);
int cmd_simulate(cli_ctx *c, int argc, char **argv);
int cmd_genesets(cli_ctx *c, int argc, char **argv);
int cmd_run(cli_ctx *c, int argc, char **argv);
int cmd_runs(cli_ctx *c, int argc, char **argv);
int cmd_step(cli_ctx *c, int argc, char **argv);
int cmd_reproduce(cli_ctx *c, int argc, char **argv);
int cmd_diff(cli_ctx *c, int argc, char **argv);
int cmd_export(cli_ctx *c, int argc, char **argv);
int cmd_import(cli_ctx *c, int argc, char **argv);
int cmd_report(cli_ctx *c, int argc, char **argv);
int cmd_scib(cli_ctx *c, int argc, char **argv);
int cmd_compare(cli_ctx *c, int argc, char **argv);
int cmd_export_table(cli_ctx *c, int argc, char **argv);
int cmd_log(cli_ctx *c, int argc, char **argv);
int cmd_du(cli_ctx *c, int argc, char **argv);
/* `sceval show STEP`: a step by its key or a unique prefix (cmd_step.c). */
int cli_show_step(cli_ctx *c, sc_store *s, const char *ref);
/* The metric table of runs (runner/summary.h) in one of these formats
 * (cmd_compare.c); per_run: a row per run (runs --metrics), else variants
 * pooled across the runs (compare). metrics: "M,..." or NULL for all. */
enum { CLI_SUMMARY_TEXT, CLI_SUMMARY_CSV, CLI_SUMMARY_JSON, CLI_SUMMARY_MARKDOWN };
int cli_summary_print(cli_ctx *c, const char *const *refs, size_t n, const char *metrics,
		      int per_run, int format);

#endif
