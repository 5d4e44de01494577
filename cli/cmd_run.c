/*
 * cmd_run.c - run a spec, list runs, and show a run or a result.
 */
#include "cli.h"
#include "reports/table.h"
#include "runner/query.h"
#include "runner/portable.h"
#include "runner/run.h"
#include "runner/spec.h"
#include "store/store.h"
#include "util/fmt.h"
#include "util/json.h"
#include "util/progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char run_usage[] =
	"usage: sceval run SPEC [-j N] [--force] [--keep-going] [--portable] [--allow-outside]\n"
	"                  [--executor local|slurm] [--partition P] [--account A]\n"
	"                  [--time T] [--mem M] [--cpus C] [--gres G] [--json]\n\n"
	"Expand the spec into steps (dataset preparation, method fit/predict or embed,\n"
	"metric computation), run those not in the cache, and record the run. Datasets\n"
	"given by path are hashed into the store. A run whose every step succeeded has a\n"
	"result: the hash of its manifest (step keys, output hashes, metric values).\n"
	"Exit status: 0 all steps done, 1 a step failed (or nothing could run), 130\n"
	"interrupted (finished steps stay cached; the next run resumes from them).\n\n"
	"options:\n"
	"  -j, --jobs N    run up to N independent steps at once [1]\n"
	"  --force         recompute every step, ignoring the cache\n"
	"  --keep-going    after a failure, run the steps that do not depend on it\n"
	"  --portable      the same bytes on any x86-64 CPU: one fixed BLAS kernel, no\n"
	"                  CPU-specific code (slower; also 'portable: true' in the spec)\n"
	"  --allow-outside let methods' files lie outside the spec's folder (as the\n"
	"                  spec's allow_outside: true)\n"
	"  --executor E    where steps are computed: local (child processes here) or\n"
	"                  slurm (one sbatch job per step; the store must be on a\n"
	"                  filesystem every node sees) [local]\n"
	"  --partition P, --account A, --time T, --mem M, --cpus C, --gres G\n"
	"                  what each Slurm job asks for (sbatch's options of those\n"
	"                  names; --cpus is --cpus-per-task); a task's or method's\n"
	"                  'slurm:' keys in the spec override them. -j caps the jobs\n"
	"                  queued at once [100 with slurm]\n"
	"  --json          {\"schema\":1,\"run\":ID,\"result\":HASH,\"steps\":N,\"cached\":M,\"failed\":F}\n";

/* Metric rows as a table: task, dataset, method, seed, metric, value. */
static void print_metrics(const json_t *rows)
{
	static const char *const hdr[] = { "task", "dataset", "method", "seed", "metric", "value" };
	sc_table *t = sc_table_new(6, hdr);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		char seed[32] = "", val[64];
		json_t *sd = json_object_get(r, "seed");
		if (json_is_integer(sd))
			snprintf(seed, sizeof(seed), "%lld", (long long)json_integer_value(sd));
		json_t *v = json_object_get(r, "value");
		if (json_is_number(v))
			snprintf(val, sizeof(val), "%.6g", json_number_value(v));
		else
			snprintf(val, sizeof(val), "nan");
		const char *cells[] = { sc_json_str(r, "task", ""), sc_json_str(r, "dataset", ""),
					sc_json_str(r, "method", ""), seed, sc_json_str(r, "metric", ""),
					val };
		sc_table_row(t, cells);
	}
	if (sc_table_rows(t))
		sc_table_print(t, stdout);
	sc_table_free(t);
}

int cmd_run(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "jobs", required_argument, NULL, 'j' },
					    { "force", no_argument, NULL, 'f' },
					    { "keep-going", no_argument, NULL, 'k' },
					    { "portable", no_argument, NULL, 'P' },
					    { "allow-outside", no_argument, NULL, 'o' },
					    { "executor", required_argument, NULL, 'E' },
					    { "partition", required_argument, NULL, 'p' },
					    { "account", required_argument, NULL, 'A' },
					    { "time", required_argument, NULL, 't' },
					    { "mem", required_argument, NULL, 'M' },
					    { "cpus", required_argument, NULL, 'c' },
					    { "gres", required_argument, NULL, 'G' },
					    { NULL, 0, NULL, 0 } };
	int portable = 0, rc, jobs_given = 0, slurm_opt = 0;
	const char *executor = "local";
	sc_slurm_opts so = { 0 };
	sc_run_opts o = { .jobs = 1, .argc = argc, .argv = argv };
	int opt;
	long v;
	while ((opt = cli_opt(c, argc, argv, run_usage, "j:fk", lo, 1)) != -1) {
		switch (opt) {
		case 'j':
			if (cli_parse_long(c, "--jobs", optarg, 1, 1024, &v))
				return 2;
			o.jobs = (int)v;
			jobs_given = 1;
			break;
		case 'E': executor = optarg; break;
		case 'p': so.partition = optarg; slurm_opt = 1; break;
		case 'A': so.account = optarg; slurm_opt = 1; break;
		case 't': so.time = optarg; slurm_opt = 1; break;
		case 'M': so.mem = optarg; slurm_opt = 1; break;
		case 'G': so.gres = optarg; slurm_opt = 1; break;
		case 'c':
			if (cli_parse_long(c, "--cpus", optarg, 1, 4096, &v))
				return 2;
			so.cpus = (int)v;
			slurm_opt = 1;
			break;
		case 'f': o.force = 1; break;
		case 'k': o.keep_going = 1; break;
		case 'P': portable = 1; break;
		case 'o': o.allow_outside = 1; break;
		default: return cli_usage_error(c, "unexpected option");
		}
	}
	CLI_OPTS_END(c);
	if (argc - c->optind != 1)
		return cli_usage_error(c, "expected one SPEC");
	if (strcmp(executor, "local") && strcmp(executor, "slurm"))
		return cli_usage_error(c, "--executor must be 'local' or 'slurm', not '%s'", executor);
	if (!strcmp(executor, "slurm")) {
		const char *poll = getenv("SCEVAL_SLURM_POLL");
		so.poll_s = poll ? atof(poll) : 0;
		o.slurm = &so;
		if (!jobs_given)
			o.jobs = 100;
	} else if (slurm_opt) {
		return cli_usage_error(c, "Slurm job options need --executor slurm");
	}
	o.progress = !c->quiet && isatty(2) && !sc_progress_json_enabled();
	sc_err err;
	if (!portable && !sc_portable_active()) {
		sc_spec *spec = NULL;
		if (sc_spec_load(&spec, argv[c->optind], o.allow_outside, &err))
			return cli_fail(c, &err);
		portable = spec->portable;
		sc_spec_free(spec);
	}
	if ((portable || sc_portable_active()) && (rc = cli_portable_enter(c)))
		return rc;
	sc_store *s = NULL;
	if (cli_open_store(c, &s, &err))
		return cli_fail(c, &err);
	sc_run_result r;
	rc = sc_run_spec(s, argv[c->optind], &o, &r, &err);
	if (rc && !r.run) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	char hex[SC_OID_HEXLEN + 1] = "";
	if (r.has_result)
		sc_oid_hex(&r.result, hex);
	if (c->json) {
		json_t *j = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:f}", "run", (json_int_t)r.run,
				      "status", r.status, "steps", (json_int_t)r.steps, "cached",
				      (json_int_t)r.cached, "computed", (json_int_t)r.computed, "failed",
				      (json_int_t)(r.failed + r.skipped), "seconds", r.seconds);
		json_object_set_new(j, "result", r.has_result ? json_string(hex) : json_null());
		cli_json_out(c, j);
	} else {
		char d[32];
		printf("run %lld %s: %zu steps (%zu cached, %zu computed, %zu failed, %zu not run) in %s\n",
		       (long long)r.run, r.status, r.steps, r.cached, r.computed, r.failed, r.skipped,
		       sc_fmt_duration(r.seconds, d));
		json_t *rows = NULL;
		sc_err e2;
		if (sc_query_run_metrics(s, r.run, &rows, &e2) == 0)
			print_metrics(rows);
		json_decref(rows);
		if (r.has_result)
			printf("result %s\n", hex);
	}
	if (!rc && (r.failed || r.skipped)) {
		/* Name the failures on stderr, one line each. */
		json_t *run = NULL;
		sc_err e2;
		if (sc_query_run(s, r.run, &run, &e2) == 0) {
			size_t i;
			json_t *st;
			json_array_foreach(json_object_get(run, "step_list"), i, st)
				if (!strcmp(sc_json_str(st, "status", ""), "failed"))
					fprintf(stderr, "sceval run: step %s failed: %s\n",
						cli_esc(sc_json_str(st, "label", "")),
						cli_esc(sc_json_str(st, "error", "")));
		}
		json_decref(run);
	}
	sc_store_free(s);
	if (rc == SC_EINTR) {
		fprintf(stderr, "sceval run: interrupted; run %lld recorded as interrupted, finished "
				"steps are cached\n",
			(long long)r.run);
		return 130;
	}
	if (rc)
		return cli_fail(c, &err);
	return r.failed || r.skipped ? 1 : 0;
}

static const char runs_usage[] =
	"usage: sceval runs [-n N] [--metrics M,... [--csv | --markdown]] [--json]\n\n"
	"List recorded runs, newest first: number, status, start, duration, steps\n"
	"(cached, failed), result, git commit (+ when the tree was dirty), spec.\n"
	"With --metrics, a row per run, task, dataset and method instead, with the\n"
	"mean ± sd over seeds of each named metric (as 'sceval compare', run by run).\n\n"
	"options:\n"
	"  -n, --limit N     only the newest N runs\n"
	"  --metrics M,...   these metrics (rows with none of them are left out); a scIB\n"
	"                    metric also by its former name (kbet_all_cells: kBET)\n"
	"  --csv, --markdown with --metrics: the table as CSV or Markdown\n";

/* runs --metrics: the listed runs that have every named metric, newest
 * first, each run's rows on its own. */
static int runs_with_metrics(cli_ctx *c, json_t *runs, const char *metrics, int format)
{
	size_t n = json_array_size(runs), k = 0, i;
	const char **refs = sc_xcalloc(n + 1, sizeof(char *));
	char **own = sc_xcalloc(n + 1, sizeof(char *));
	json_t *r;
	json_array_foreach(runs, i, r)
	{
		if (strcmp(sc_json_str(r, "status", ""), "done") &&
		    strcmp(sc_json_str(r, "status", ""), "failed"))
			continue; /* running or interrupted: no complete metrics */
		own[k] = sc_xasprintf("%lld", sc_json_int(r, "id", 0));
		refs[k] = own[k];
		k++;
	}
	int rc = cli_summary_print(c, refs, k, metrics, 1, format);
	for (i = 0; i < k; i++)
		free(own[i]);
	free(own);
	free(refs);
	json_decref(runs);
	return rc;
}

int cmd_runs(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "limit", required_argument, NULL, 'n' },
					    { "metrics", required_argument, NULL, 'm' },
					    { "csv", no_argument, NULL, 'c' },
					    { "markdown", no_argument, NULL, 'M' },
					    { NULL, 0, NULL, 0 } };
	long limit = 0;
	int opt, format = CLI_SUMMARY_TEXT;
	const char *metrics = NULL;
	while ((opt = cli_opt(c, argc, argv, runs_usage, "n:", lo, 1)) != -1) {
		if (opt == 'n') {
			if (cli_parse_long(c, "--limit", optarg, 1, 1L << 40, &limit))
				return 2;
		} else if (opt == 'm') {
			metrics = optarg;
		} else if (opt == 'c' || opt == 'M') {
			if (format != CLI_SUMMARY_TEXT)
				return cli_usage_error(c, "choose one of --csv, --markdown");
			format = opt == 'c' ? CLI_SUMMARY_CSV : CLI_SUMMARY_MARKDOWN;
		} else
			return cli_usage_error(c, "unexpected option");
	}
	CLI_OPTS_END(c);
	if (c->optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[c->optind]);
	if (format != CLI_SUMMARY_TEXT && !metrics)
		return cli_usage_error(c, "--csv and --markdown need --metrics");
	if (metrics && format != CLI_SUMMARY_TEXT && c->json)
		return cli_usage_error(c, "choose one of --csv, --json, --markdown");
	sc_err err;
	sc_store *s = NULL;
	json_t *runs = NULL;
	if (cli_open_store(c, &s, &err) || sc_query_runs(s, (size_t)limit, &runs, &err)) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	sc_store_free(s);
	if (metrics)
		return runs_with_metrics(c, runs, metrics, c->json ? CLI_SUMMARY_JSON : format);
	if (c->json)
		return cli_json_out(c, json_pack("{s:o}", "runs", runs));
	static const char *const hdr[] = { "run", "status", "started", "time", "steps", "cached",
					   "failed", "result", "commit", "spec" };
	sc_table *t = sc_table_new(10, hdr);
	size_t i;
	json_t *r;
	json_array_foreach(runs, i, r)
	{
		char id[32], dur[32] = "", st[32], ca[32], fa[32], res[16] = "", com[16] = "";
		snprintf(id, sizeof(id), "%lld", (long long)sc_json_int(r, "id", 0));
		json_t *sec = json_object_get(r, "seconds");
		if (json_is_number(sec))
			sc_fmt_duration(json_number_value(sec), dur);
		snprintf(st, sizeof(st), "%lld", sc_json_int(r, "steps", 0));
		snprintf(ca, sizeof(ca), "%lld", sc_json_int(r, "cached", 0));
		snprintf(fa, sizeof(fa), "%lld", sc_json_int(r, "failed", 0));
		snprintf(res, sizeof(res), "%.12s", sc_json_str(r, "result", ""));
		snprintf(com, sizeof(com), "%.8s%s", sc_json_str(r, "commit", ""),
			 json_is_true(json_object_get(r, "dirty")) ? "+" : "");
		char started[32];
		snprintf(started, sizeof(started), "%.19s", sc_json_str(r, "started", ""));
		for (char *p = started; *p; p++)
			if (*p == 'T')
				*p = ' ';
		const char *cells[] = { id, sc_json_str(r, "status", ""), started, dur, st, ca, fa,
					res, com, sc_json_str(r, "spec_path", "") };
		sc_table_row(t, cells);
	}
	sc_table_print(t, stdout);
	sc_table_free(t);
	json_decref(runs);
	return 0;
}

/* What decides the floating-point bits of the run's results: CPU, BLAS
 * kernel, threads, portable mode (absent from runs recorded before these
 * were, which print what they have). */
static void print_run_env(const json_t *j)
{
	const json_t *m = json_object_get(j, "machine");
	const json_t *ob = json_object_get(json_object_get(j, "libraries"), "openblas");
	printf("cpu      %s", sc_json_str(m, "cpu", "unknown"));
	if (json_is_integer(json_object_get(m, "cores")))
		printf(", %lld online CPUs", sc_json_int(m, "cores", 0));
	printf("\n");
	if (json_is_string(json_object_get(m, "cpu_flags")))
		printf("flags    %s\n", sc_json_str(m, "cpu_flags", ""));
	if (ob)
		printf("blas     OpenBLAS %s, %s kernels, %lld threads\n", sc_json_str(ob, "version", "?"),
		       sc_json_str(ob, "core", "?"), sc_json_int(ob, "threads", 0));
	printf("threads  -j %lld", sc_json_int(j, "jobs", 1));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)json_object_get(m, "thread_env"), k, v)
		printf(", %s=%s", k, json_string_value(v));
	printf("\n");
	if (json_object_get(m, "portable"))
		printf("portable %s\n", json_is_true(json_object_get(m, "portable")) ? "yes" : "no");
}

/* `sceval show RUN|RESULT` (cmd_show.c decides which). */
int cli_show_run(cli_ctx *c, sc_store *s, int64_t run)
{
	sc_err err;
	json_t *j = NULL, *rows = NULL;
	if (sc_query_run(s, run, &j, &err) || sc_query_run_metrics(s, run, &rows, &err)) {
		json_decref(j);
		return cli_fail(c, &err);
	}
	if (c->json) {
		json_object_set_new(j, "metrics", rows);
		return cli_json_out(c, j);
	}
	json_t *prov = json_object_get(j, "provenance");
	printf("run      %lld\n", (long long)sc_json_int(j, "id", 0));
	printf("status   %s\n", sc_json_str(j, "status", ""));
	printf("started  %s\n", sc_json_str(j, "started", ""));
	json_t *sec = json_object_get(j, "seconds");
	if (json_is_number(sec)) {
		char d[32];
		printf("time     %s\n", sc_fmt_duration(json_number_value(sec), d));
	}
	printf("spec     %s (%.12s)\n", cli_esc(sc_json_str(j, "spec_path", "")),
	       sc_json_str(j, "spec", ""));
	printf("result   %s\n", sc_json_str(j, "result", "(none: not every step succeeded)"));
	if (json_is_string(json_object_get(prov, "commit")))
		printf("commit   %s%s%s%s\n", sc_json_str(prov, "commit", ""),
		       json_is_string(json_object_get(prov, "branch")) ? " (" : " (detached HEAD",
		       sc_json_str(prov, "branch", ""),
		       json_is_true(json_object_get(prov, "dirty")) ? "), dirty" : ")");
	else
		printf("commit   %s\n", sc_json_str(prov, "note", "(none)"));
	size_t n_untracked = 0, k;
	json_t *f;
	json_array_foreach(json_object_get(prov, "dirty_files"), k, f)
		n_untracked += json_is_string(f) && !strncmp(json_string_value(f), "?? ", 3);
	if (n_untracked)
		printf("untracked %zu file%s beside the commit (not dirty)\n", n_untracked,
		       n_untracked == 1 ? "" : "s");
	if (json_is_string(json_object_get(prov, "diff")))
		printf("diff     %s\n", sc_json_str(prov, "diff", ""));
	printf("sceval   %s\n", sc_json_str(j, "sceval_version", ""));
	printf("host     %s\n", sc_json_str(json_object_get(j, "machine"), "host", ""));
	print_run_env(j);
	size_t i;
	json_t *st;
	printf("\nsteps:\n");
	json_array_foreach(json_object_get(j, "step_list"), i, st)
	{
		char d[32] = "";
		json_t *w = json_object_get(st, "wall");
		if (json_is_number(w))
			sc_fmt_duration(json_number_value(w), d);
		const char *status = sc_json_str(st, "status", "");
		/* Labels come from the spec, errors and notes from commands' output:
		 * escaped for the terminal. */
		printf("  %.12s  %-8s %s  %s%s%s\n", sc_json_str(st, "key", ""),
		       json_is_true(json_object_get(st, "cached")) ? "cached" : status,
		       cli_esc(sc_json_str(st, "label", "")), d, strcmp(status, "done") ? "  " : "",
		       strcmp(status, "done") ? cli_esc(sc_json_str(st, "error", "")) : "");
		json_t *ex = json_object_get(st, "executor");
		if (json_is_object(ex))
			printf("                  %s job %s on %s: %s\n", cli_esc(sc_json_str(ex, "executor", "")),
			       cli_esc(sc_json_str(ex, "job", "")), cli_esc(sc_json_str(ex, "node", "?")),
			       cli_esc(sc_json_str(ex, "state", "")));
		size_t k;
		json_t *n;
		json_array_foreach(json_object_get(st, "notes"), k, n)
			printf("                  note: %s\n", cli_esc(json_string_value(n)));
	}
	if (json_array_size(rows)) {
		printf("\n");
		print_metrics(rows);
	}
	json_decref(rows);
	json_decref(j);
	return 0;
}

int cli_show_result(cli_ctx *c, sc_store *s, const sc_oid *result)
{
	sc_err err;
	json_t *m = NULL;
	if (sc_query_result(s, result, &m, &err))
		return cli_fail(c, &err);
	json_t *rows = sc_query_result_metrics(m);
	char hex[SC_OID_HEXLEN + 1];
	sc_oid_hex(result, hex);
	if (c->json) {
		json_t *j = json_pack("{s:s, s:o, s:O}", "result", hex, "metrics", rows, "steps",
				      json_object_get(m, "steps"));
		json_decref(m);
		return cli_json_out(c, j);
	}
	printf("result  %s\n", hex);
	printf("steps   %zu\n\n", json_array_size(json_object_get(m, "steps")));
	print_metrics(rows);
	json_decref(rows);
	json_decref(m);
	return 0;
}
