/*
 * cmd_repro.c - reproduce a result, diff two runs or results.
 */
#include "cli.h"
#include "reports/diffpage.h"
#include "reports/table.h"
#include "runner/compare.h"
#include "runner/diff.h"
#include "runner/portable.h"
#include "runner/reproduce.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char repro_usage[] =
	"usage: sceval reproduce RESULT [--tolerance T | --exact] [-j N] [-v] [--json]\n\n"
	"Re-execute every step of a result without the cache, each on its recorded\n"
	"inputs, and judge every output and metric:\n"
	"  identical    the same bytes (metrics: the same number)\n"
	"  equivalent   other bytes, the same content: every element name, shape, dtype\n"
	"               kind, attribute, label and string equal, integers (codes,\n"
	"               indices) equal, every float within the tolerance; the detail\n"
	"               gives the largest absolute and relative difference and where\n"
	"  different    anything else; the detail says where (obsm/X_pca[812,3], ...)\n"
	".h5ad (any HDF5), .npy and CSV/TSV outputs are compared by content, trees\n"
	"file by file; other files by hash only. The summary names what changed in\n"
	"the environment since the result was recorded (BLAS kernel, CPU, threads,\n"
	"portable mode), the usual cause of equivalent outputs. Steps declared not\n"
	"bit-reproducible (external commands with 'deterministic: false') are named\n"
	"as such. A result recorded in portable mode (run --portable) is reproduced\n"
	"in portable mode, so its bytes are identical on any x86-64 CPU.\n"
	"Prints the summary, then every item that is not identical (-v: every item).\n"
	"Exit 0 when everything is identical or equivalent, 1 when anything\n"
	"is different or a step failed. The result and its inputs must be in the\n"
	"store (see import).\n\n"
	"options:\n"
	"  --tolerance T   a float array is equivalent when every |a - b| <= T x its\n"
	"                  largest |value| (the scale: reordered sums err relative to\n"
	"                  their operands, not their result); a metric when |a - b| <=\n"
	"                  T x max(1, |a|, |b|) [1e-6: cross-CPU rounding is ~1e-13]\n"
	"  --exact         demand identical bytes: equivalent counts as different\n"
	"  -j, --jobs N    steps at once [1]\n"
	"  -v, --verbose   list every output and metric, identical ones too\n";

static int shown(const json_t *x, int verbose)
{
	return verbose || strcmp(sc_json_str(x, "verdict", ""), "identical");
}

/* The outputs and metrics judged, all or the non-identical ones; returns
 * the number of rows. */
static size_t print_repro_table(const json_t *r, int verbose)
{
	static const char *const hdr[] = { "step", "what", "name", "verdict", "recorded",
					   "reproduced", "detail" };
	sc_table *t = sc_table_new(7, hdr);
	size_t i;
	json_t *st;
	json_array_foreach(json_object_get(r, "steps"), i, st)
	{
		char label[512];
		snprintf(label, sizeof(label), "%s%s%s%s", sc_json_str(st, "label", ""),
			 json_is_true(json_object_get(st, "deterministic")) ? ""
									     : " (declared not bit-reproducible)",
			 json_object_get(st, "note") ? " - " : "", sc_json_str(st, "note", ""));
		if (strcmp(sc_json_str(st, "status", ""), "done")) {
			const char *cells[] = { label, "step", "", "failed", "", "",
						sc_json_str(st, "error", "") };
			sc_table_row(t, cells);
			continue;
		}
		size_t k;
		json_t *x;
		json_array_foreach(json_object_get(st, "outputs"), k, x)
		{
			if (!shown(x, verbose))
				continue;
			char a[16], b[16];
			snprintf(a, sizeof(a), "%.12s", sc_json_str(x, "recorded", ""));
			snprintf(b, sizeof(b), "%.12s", sc_json_str(x, "reproduced", ""));
			const char *cells[] = { label, "output", sc_json_str(x, "name", ""),
						sc_json_str(x, "verdict", ""), a, b,
						sc_json_str(x, "detail", "") };
			sc_table_row(t, cells);
		}
		json_array_foreach(json_object_get(st, "metrics"), k, x)
		{
			if (!shown(x, verbose))
				continue;
			char a[32] = "nan", b[32] = "nan", d[48] = "";
			if (json_is_number(json_object_get(x, "recorded")))
				snprintf(a, sizeof(a), "%.17g", json_number_value(json_object_get(x, "recorded")));
			if (json_is_number(json_object_get(x, "reproduced")))
				snprintf(b, sizeof(b), "%.17g", json_number_value(json_object_get(x, "reproduced")));
			if (json_is_number(json_object_get(x, "abs_diff")))
				snprintf(d, sizeof(d), "|a - b| %.3g", json_number_value(json_object_get(x, "abs_diff")));
			const char *cells[] = { label, "metric", sc_json_str(x, "name", ""),
						sc_json_str(x, "verdict", ""), a, b, d };
			sc_table_row(t, cells);
		}
	}
	size_t n = sc_table_rows(t);
	if (n) {
		printf("\n");
		sc_table_print(t, stdout);
	}
	sc_table_free(t);
	return n;
}

int cmd_reproduce(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "tolerance", required_argument, NULL, 't' },
					    { "exact", no_argument, NULL, 'x' },
					    { "jobs", required_argument, NULL, 'j' },
					    { "verbose", no_argument, NULL, 'v' },
					    { NULL, 0, NULL, 0 } };
	sc_repro_opts o = { SC_CMP_DEFAULT_TOLERANCE, 0, 1, 0 };
	int opt, tol_set = 0, verbose = 0;
	long v;
	while ((opt = cli_opt(c, argc, argv, repro_usage, "t:j:v", lo, 1)) != -1) {
		if (opt == 't') {
			if (cli_parse_double(c, "--tolerance", optarg, &o.tolerance))
				return 2;
			if (!(o.tolerance >= 0) || isinf(o.tolerance))
				return cli_usage_error(c, "--tolerance must be a finite number >= 0");
			tol_set = 1;
		} else if (opt == 'x') {
			o.exact = 1;
		} else if (opt == 'v') {
			verbose = 1;
		} else if (opt == 'j') {
			if (cli_parse_long(c, "--jobs", optarg, 1, 1024, &v))
				return 2;
			o.jobs = (int)v;
		} else
			return cli_usage_error(c, "unexpected option");
	}
	CLI_OPTS_END(c);
	if (tol_set && o.exact)
		return cli_usage_error(c, "--exact and --tolerance exclude each other");
	if (argc - c->optind != 1)
		return cli_usage_error(c, "expected one RESULT");
	o.progress = !c->quiet && isatty(2) && !sc_progress_json_enabled();
	sc_err err;
	sc_store *s = NULL;
	sc_oid res;
	json_t *r = NULL;
	int portable = 0, rc;
	if (cli_open_store(c, &s, &err) || sc_store_resolve(s, argv[c->optind], &res, &err) ||
	    sc_reproduce_portable(s, &res, &portable, &err)) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	if (portable || sc_portable_active()) {
		/* a portable result is reproduced in portable mode: the store's
		 * files and locks are closed before the command restarts */
		if (!sc_portable_active()) {
			sc_store_free(s);
			s = NULL;
		}
		if ((rc = cli_portable_enter(c))) {
			sc_store_free(s);
			return rc;
		}
	}
	if (sc_store_lock(s, 0, 1, &err) || sc_reproduce(s, &res, &o, &r, &err)) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	sc_store_free(s);
	long long nd = sc_json_int(r, "different", 0), nf = sc_json_int(r, "failed", 0);
	long long ne = sc_json_int(r, "equivalent", 0);
	int bad = nd || nf;
	if (c->json) {
		cli_json_out(c, r);
		return bad ? 1 : 0;
	}
	printf("%lld identical, %lld equivalent, %lld different, %lld steps failed\n",
	       sc_json_int(r, "identical", 0), ne, nd, nf);
	const char *cause = sc_json_str(r, "cause", NULL);
	if (cause)
		printf("%s: %s\n", ne || nd ? "environment changed, the likely cause"
					   : "environment changed, yet every output is identical",
		       cause);
	print_repro_table(r, verbose);
	json_decref(r);
	if (bad)
		fprintf(stderr, "sceval reproduce: the result was not reproduced: %lld different, "
				"%lld steps failed\n", nd, nf);
	return bad ? 1 : 0;
}

static const char diff_usage[] =
	"usage: sceval diff A B [--threshold T] [--changed] [--json | --csv | --html FILE]\n\n"
	"Compare two runs (numbers) or results (hashes): metric deltas (A, B, B-A,\n"
	"relative), then what differed in inputs (datasets, files), parameters, code\n"
	"(git commit, branch, dirty flag, diff object) and environment: first what\n"
	"decides floating-point bits (BLAS kernel, OpenBLAS version and threads, CPU\n"
	"model and flags, online CPUs, portable mode, OPENBLAS_CORETYPE and the thread\n"
	"variables), then library versions, host, OS, -j and compiler flags. A summary\n"
	"line counts the metrics improved, regressed and the same (by each metric's\n"
	"direction).\n\n"
	"options:\n"
	"  --threshold T  a metric whose |B - A| <= T counts as the same [0: any\n"
	"                 difference counts]\n"
	"  --changed      only the metric rows that are not the same\n"
	"  --csv          the metric rows as CSV\n"
	"  --html FILE    the whole diff as one self-contained HTML page\n";

static void fmt_num(char *buf, size_t n, const json_t *v, const char *fmt)
{
	if (json_is_number(v))
		snprintf(buf, n, fmt, json_number_value(v));
	else
		snprintf(buf, n, "%s", json_is_null(v) ? "" : "nan");
}

/* A changed value as text: JSON, or for the environment (plain) strings as
 * they are, null as "(unset)" and booleans as yes/no. */
static char *change_text(const json_t *v, int plain)
{
	if (plain && json_is_string(v))
		return sc_xstrdup(json_string_value(v));
	if (plain && (!v || json_is_null(v)))
		return sc_xstrdup("(unset)");
	if (plain && json_is_boolean(v))
		return sc_xstrdup(json_is_true(v) ? "yes" : "no");
	return json_dumps(v ? v : json_null(), JSON_ENCODE_ANY | JSON_COMPACT);
}

static void print_changes(const char *title, const json_t *arr, int plain)
{
	if (!json_array_size(arr))
		return;
	printf("\n%s:\n", title);
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r)
	{
		char *a = change_text(json_object_get(r, "a"), plain);
		char *b = change_text(json_object_get(r, "b"), plain);
		printf("  %s: %s -> %s\n", sc_json_str(r, "what", ""), a, b);
		free(a);
		free(b);
	}
}

/* --changed: the metric rows that are not the same (the summary still
 * counts them all). */
static void drop_same(json_t *d)
{
	json_t *rows = json_object_get(d, "metrics");
	for (size_t i = json_array_size(rows); i-- > 0;)
		if (!strcmp(sc_json_str(json_array_get(rows, i), "change", ""), "same"))
			json_array_remove(rows, i);
}

/* "3 improved, 1 regressed, 80 same (|B-A| <= 0)", then what only one
 * side has. */
static void print_diff_summary(const json_t *sm)
{
	printf("\n%lld improved, %lld regressed, %lld same (|B-A| <= %g)",
	       sc_json_int(sm, "improved", 0), sc_json_int(sm, "regressed", 0),
	       sc_json_int(sm, "same", 0), sc_json_num(sm, "threshold", 0));
	if (sc_json_int(sm, "changed", 0))
		printf(", %lld changed to or from nan", sc_json_int(sm, "changed", 0));
	if (sc_json_int(sm, "only_a", 0) || sc_json_int(sm, "only_b", 0))
		printf(", %lld only in A, %lld only in B", sc_json_int(sm, "only_a", 0),
		       sc_json_int(sm, "only_b", 0));
	printf("\n");
}

int cmd_diff(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "csv", no_argument, NULL, 'c' },
					    { "html", required_argument, NULL, 'H' },
					    { "threshold", required_argument, NULL, 't' },
					    { "changed", no_argument, NULL, 'C' },
					    { NULL, 0, NULL, 0 } };
	int csv = 0, changed = 0, opt;
	double threshold = 0;
	const char *html = NULL;
	while ((opt = cli_opt(c, argc, argv, diff_usage, "", lo, 1)) != -1) {
		if (opt == 'c')
			csv = 1;
		else if (opt == 'H')
			html = optarg;
		else if (opt == 'C')
			changed = 1;
		else if (opt == 't') {
			if (cli_parse_double(c, "--threshold", optarg, &threshold))
				return 2;
			if (!(threshold >= 0) || isinf(threshold))
				return cli_usage_error(c, "--threshold must be a finite number >= 0");
		} else
			return cli_usage_error(c, "unexpected option");
	}
	CLI_OPTS_END(c);
	if (argc - c->optind != 2)
		return cli_usage_error(c, "expected two runs or results");
	if (csv + !!html + c->json > 1)
		return cli_usage_error(c, "choose one of --json, --csv, --html");
	sc_err err;
	sc_store *s = NULL;
	json_t *d = NULL;
	if (cli_open_store(c, &s, &err) || sc_diff(s, argv[c->optind], argv[c->optind + 1], threshold, &d, &err)) {
		sc_store_free(s);
		return cli_fail(c, &err);
	}
	sc_store_free(s);
	if (changed)
		drop_same(d);
	if (c->json)
		return cli_json_out(c, d);
	static const char *const hdr[] = { "task", "dataset", "method", "seed", "metric", "A", "B",
					   "B-A", "relative", "change" };
	sc_table *t = sc_table_new(10, hdr);
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(d, "metrics"), i, r)
	{
		char seed[32] = "", a[32], b[32], dl[32], rel[32];
		if (json_is_integer(json_object_get(r, "seed")))
			snprintf(seed, sizeof(seed), "%lld", sc_json_int(r, "seed", 0));
		const char *f = csv ? "%.17g" : "%.6g";
		fmt_num(a, sizeof(a), json_object_get(r, "a"), f);
		fmt_num(b, sizeof(b), json_object_get(r, "b"), f);
		fmt_num(dl, sizeof(dl), json_object_get(r, "delta"), csv ? "%.17g" : "%+.4g");
		fmt_num(rel, sizeof(rel), json_object_get(r, "relative"), csv ? "%.17g" : "%+.2f%%");
		if (!csv && json_is_number(json_object_get(r, "relative")))
			snprintf(rel, sizeof(rel), "%+.2f%%", 100 * json_number_value(json_object_get(r, "relative")));
		const char *cells[] = { sc_json_str(r, "task", ""), sc_json_str(r, "dataset", ""),
					sc_json_str(r, "method", ""), seed, sc_json_str(r, "metric", ""),
					a, b, dl, rel, sc_json_str(r, "change", "") };
		sc_table_row(t, cells);
	}
	int rc = 0;
	if (csv) {
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		sc_table_csv(t, &b);
		fwrite(b.s, 1, b.len, stdout);
		sc_buf_free(&b);
	} else if (html) {
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		sc_diff_page(&b, d);
		if (sc_write_file_atomic(html, b.s, b.len, 0644, &err))
			rc = cli_fail(c, &err);
		else
			printf("%s\n", html);
		sc_buf_free(&b);
	} else {
		json_t *A = json_object_get(d, "a"), *B = json_object_get(d, "b");
		printf("A: %s%s%s\nB: %s%s%s\n\n", sc_json_str(A, "ref", ""),
		       json_is_string(json_object_get(A, "result")) ? "  result " : "",
		       sc_json_str(A, "result", ""), sc_json_str(B, "ref", ""),
		       json_is_string(json_object_get(B, "result")) ? "  result " : "",
		       sc_json_str(B, "result", ""));
		if (sc_table_rows(t))
			sc_table_print(t, stdout);
		else
			printf(changed ? "(no metric changed)\n" : "(no metrics)\n");
		print_diff_summary(json_object_get(d, "summary"));
		print_changes("inputs", json_object_get(d, "inputs"), 0);
		print_changes("parameters", json_object_get(d, "params"), 0);
		print_changes("code", json_object_get(d, "code"), 0);
		print_changes("environment", json_object_get(d, "environment"), 1);
	}
	sc_table_free(t);
	json_decref(d);
	return rc;
}
