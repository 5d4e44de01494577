/*
 * cmd_report.c - `sceval report`: the runs and results named on the
 * command line as a folder of self-contained HTML pages and CSV tables.
 */
#include "cli.h"
#include "runner/provenance.h"
#include "runner/query.h"
#include "util/fs.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "reports/report.h"
#include "store/store.h"
#include "util/json.h"

#include <stdio.h>

static const char usage[] =
	"usage: sceval report RUN|RESULT... -o DIR [--timestamp] [--json]\n\n"
	"Write a self-contained report of runs (numbers) and results (hashes) into DIR:\n"
	"  index.html        the runs and results (result hashes, dates, git commits, the\n"
	"                    dirty flag, sceval versions), the tasks, and every method's\n"
	"                    rank per task by its primary metric (the one 'sceval help\n"
	"                    TASK' marks as primary)\n"
	"  TASK.html         one page per task: per dataset a leaderboard (mean +- sd over\n"
	"                    seeds, best per column marked), a chart per metric with each\n"
	"                    seed's value, the scIB table (raw and min-max scaled) and\n"
	"                    per-label breakdown for integration, confusion matrices and\n"
	"                    per-class reports for annotation, and the provenance of every\n"
	"                    number (step keys, input and output hashes, parameters, times,\n"
	"                    the command that reproduces it)\n"
	"  metrics_long.csv  run,result,task,dataset,method,metric,value,seed,\n"
	"                    higher_is_better: one row per recorded value\n"
	"  metrics_wide.csv  run,result,task,dataset,method,seed, then one column per metric\n"
	"                    name (byte order): one row per evaluation\n"
	"In the CSV files 'nan' is a value recorded as undefined; an empty metric field in\n"
	"the wide file is one that row did not record. The pages need no network and run\n"
	"no script; the same runs give the same bytes. DIR is created if needed; other\n"
	"files in it are left alone. When runs disagree about a method (different steps\n"
	"for the same seed), it gets one row per variant, named by what differs as\n"
	"'sceval compare' names it ('knn k=15'), or 'method [run N]' when nothing\n"
	"recorded tells the runs apart. Chart axes span the values; one that does not\n"
	"reach 0 is marked as cut.\n\n"
	"options:\n"
	"  -o, --output DIR  the folder to write (required)\n"
	"  --timestamp       print the time of writing on the index page\n"
	"  --json            {\"schema\":1,\"index\":PATH,\"pages\":[PATH...],\"csv\":[PATH...]}\n";

static int dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/* An earlier report's files (its index and long table) are there. */
static int holds_report(const char *dir)
{
	char *a = sc_path_join(dir, "index.html"), *b = sc_path_join(dir, "metrics_long.csv");
	int yes = access(a, F_OK) == 0 && access(b, F_OK) == 0;
	free(a);
	free(b);
	return yes;
}

/* Every ref a run or a result (what the report writer checks first). */
static int refs_sound(sc_store *s, const char *const *refs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int64_t run;
		sc_oid res;
		int has;
		json_t *m = NULL;
		sc_err e;
		if (sc_query_resolve(s, refs[i], &run, &res, &has, &e))
			return 0;
		if (run > 0)
			continue;
		if (sc_query_result(s, &res, &m, &e))
			return 0;
		json_decref(m);
	}
	return 1;
}

int cmd_report(cli_ctx *c, int argc, char **argv)
{
	enum { OPT_TIMESTAMP = 0x2000 };
	static const struct option lo[] = { { "output", required_argument, NULL, 'o' },
					    { "timestamp", no_argument, NULL, OPT_TIMESTAMP },
					    { NULL, 0, NULL, 0 } };
	sc_report_opts o = { 0 };
	const char *dir = NULL;
	int opt;
	while ((opt = cli_opt(c, argc, argv, usage, "o:", lo, 1)) != -1) {
		switch (opt) {
		case 'o': dir = optarg; break;
		case OPT_TIMESTAMP: o.timestamp = 1; break;
		default: return cli_usage_error(c, "unexpected option");
		}
	}
	CLI_OPTS_END(c);
	if (!dir || !*dir)
		return cli_usage_error(c, "-o DIR is required");
	if (c->optind >= argc)
		return cli_usage_error(c, "expected at least one RUN or RESULT");
	sc_err err;
	sc_store *s = NULL;
	if (cli_open_store(c, &s, &err))
		return cli_fail(c, &err);
	json_t *w = NULL;
	/* A folder made for the report (new, empty, or holding an earlier
	 * report: nothing of the user's) is marked as sceval's output, so it
	 * never counts as untracked code in a later run's provenance. A new one
	 * is made and marked first when the refs are sound (bad refs must leave
	 * no folder), so that a report failing half-way leaves it marked and
	 * the next attempt ends as a first one would. */
	int made = !sc_is_dir(dir) || dir_is_empty(dir);
	int ours = made || holds_report(dir);
	if (made && refs_sound(s, (const char *const *)argv + c->optind, (size_t)(argc - c->optind)) &&
	    (sc_mkdir_p(dir, 0755, &err) || sc_provenance_mark_output(dir, &err))) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	int rc = sc_report_write(s, (const char *const *)argv + c->optind, (size_t)(argc - c->optind),
				 dir, &o, &w, &err);
	sc_store_free(s);
	if (ours && sc_is_dir(dir)) {
		sc_err e2;
		int mrc = sc_provenance_mark_output(dir, rc ? &e2 : &err);
		rc = rc ? rc : mrc;
	}
	if (rc) {
		json_decref(w);
		return cli_fail(c, &err);
	}
	if (c->json)
		return cli_json_out(c, w);
	printf("%s\n", json_string_value(json_object_get(w, "index")));
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(w, "pages"), i, p)
		printf("%s\n", json_string_value(p));
	json_array_foreach(json_object_get(w, "csv"), i, p)
		printf("%s\n", json_string_value(p));
	json_decref(w);
	return 0;
}
