/*
 * cmd_export_table.c - `sceval export-table RUN... --format scib|openproblems`:
 * the metrics of runs in the layouts the two reference benchmarks publish,
 * so a table of sceval's results can sit beside theirs.
 *
 *  scib: CSV with the metrics as rows and one column per evaluated method,
 *    as scib.metrics.metrics() returns a results table (a DataFrame indexed
 *    by metric, one column) and as scib's pipeline merges the per-method
 *    tables side by side (scib-pipeline scripts/metrics/merge_metrics.py,
 *    before its final transpose). Rows: scib's metrics in scib's order
 *    (tasks/scib/names.h), then every other metric of the runs; columns
 *    TASK/DATASET/VARIANT. An undefined value is an empty field, as pandas
 *    writes NaN.
 *  openproblems: the score_uns.yaml of an Open Problems v2 benchmark (the
 *    list the run_benchmark workflow gathers from each metric component's
 *    score.h5ad uns, openproblems-bio/task_template src/api/file_score.yaml):
 *    one entry per dataset and method with dataset_id, normalization_id,
 *    method_id, metric_ids and metric_values of the same length; NaN as
 *    YAML's .nan. sceval's tasks preprocess as their options say, so no Open
 *    Problems normalization applies: normalization_id is "".
 * A value is the mean over the seeds whose value is a number (sceval
 * compare's mean, runner/summary.h); variants of a method are named as
 * compare names them.
 */
#include "cli.h"
#include "runner/summary.h"
#include "store/store.h"
#include "tasks/scib/names.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: sceval export-table RUN... [--format scib|openproblems] [-o FILE]\n\n"
	"The metrics of runs (or results) as the reference benchmarks lay them out, one\n"
	"value per method variant: the mean over its seeds (as sceval compare).\n"
	"  scib          CSV: a row per metric (scib's first, in scib's order), a column\n"
	"                per TASK/DATASET/METHOD variant, as scib's metrics() results\n"
	"                merged side by side; NaN is an empty field\n"
	"  openproblems  YAML: Open Problems v2's score_uns.yaml, one entry per dataset\n"
	"                and method with dataset_id, normalization_id, method_id,\n"
	"                metric_ids and metric_values (one task per export)\n\n"
	"options:\n"
	"  --format F    scib or openproblems [scib]\n"
	"  -o FILE       write FILE (atomically) instead of stdout\n";

/* The metrics in export order: scib's in scib's order, then the others in
 * the summary's order; only those some row has. */
static json_t *metric_order(const json_t *t)
{
	const json_t *rows = json_object_get(t, "rows"), *ms = json_object_get(t, "metrics");
	json_t *out = json_array();
	json_t *seen = json_object();
	size_t i, j;
	json_t *r, *m;
	for (int pass = 0; pass < 2; pass++) {
		size_t n = pass ? json_array_size(ms) : SIZE_MAX;
		for (i = 0; i < n; i++) {
			const char *name = pass ? sc_json_str(json_array_get(ms, i), "name", "")
						: sc_scib_results_order(i);
			if (!name)
				break;
			if (json_object_get(seen, name))
				continue;
			json_array_foreach(rows, j, r)
			{
				m = json_object_get(json_object_get(r, "values"), name);
				if (m) {
					json_array_append_new(out, json_string(name));
					json_object_set_new(seen, name, json_true());
					break;
				}
			}
		}
	}
	json_decref(seen);
	return out;
}

/* %.17g with a decimal point, so YAML 1.1 readers (PyYAML) take it for a
 * float ("1e+20" would be a string to them); round-trips exactly. */
static void put_number(sc_buf *b, double v)
{
	char s[40];
	snprintf(s, sizeof(s), "%.17g", v);
	if (!strchr(s, '.')) {
		char *e = strchr(s, 'e');
		if (e) {
			char tail[40];
			snprintf(tail, sizeof(tail), "%s", e);
			snprintf(e, sizeof(s) - (size_t)(e - s), ".0%s", tail);
		} else {
			strcat(s, ".0");
		}
	}
	sc_buf_puts(b, s);
}

static const json_t *mean_of(const json_t *row, const char *metric)
{
	return json_object_get(json_object_get(json_object_get(row, "values"), metric), "mean");
}

static void write_scib(sc_buf *b, const json_t *t, const json_t *order)
{
	const json_t *rows = json_object_get(t, "rows");
	size_t i, j;
	json_t *r, *m;
	json_array_foreach(rows, i, r)
	{
		char *label = sc_xasprintf("%s/%s/%s", sc_json_str(r, "task", ""),
					   sc_json_str(r, "dataset", ""), sc_json_str(r, "variant", ""));
		sc_buf_putc(b, ',');
		sc_buf_csv(b, label);
		free(label);
	}
	sc_buf_puts(b, "\r\n");
	json_array_foreach(order, j, m)
	{
		sc_buf_csv(b, json_string_value(m));
		json_array_foreach(rows, i, r)
		{
			const json_t *v = mean_of(r, json_string_value(m));
			sc_buf_putc(b, ',');
			if (json_is_number(v))
				put_number(b, json_number_value(v));
		}
		sc_buf_puts(b, "\r\n");
	}
}

/* A YAML double-quoted scalar: JSON's string escapes are YAML's. */
static void put_string(sc_buf *b, const char *s)
{
	json_t *j = json_string(s);
	char *q = json_dumps(j, JSON_ENCODE_ANY);
	sc_buf_puts(b, q ? q : "\"\"");
	free(q);
	json_decref(j);
}

static int write_openproblems(sc_buf *b, const json_t *t, const json_t *order, sc_err *err)
{
	const json_t *rows = json_object_get(t, "rows");
	size_t i, j;
	json_t *r, *m;
	const char *task = NULL;
	json_array_foreach(rows, i, r)
	{
		const char *rt = sc_json_str(r, "task", "");
		if (task && strcmp(task, rt))
			return sc_errf(err, SC_EINVAL,
				       "the runs hold tasks '%s' and '%s': Open Problems scores one task "
				       "per file, export them apart",
				       task, rt);
		task = rt;
	}
	if (!json_array_size(rows))
		sc_buf_puts(b, "[]\n");
	json_array_foreach(rows, i, r)
	{
		sc_buf_puts(b, "- dataset_id: ");
		put_string(b, sc_json_str(r, "dataset", ""));
		sc_buf_puts(b, "\n  normalization_id: \"\"\n  method_id: ");
		put_string(b, sc_json_str(r, "variant", ""));
		for (int pass = 0; pass < 2; pass++) {
			sc_buf_puts(b, pass ? "\n  metric_values: [" : "\n  metric_ids: [");
			size_t k = 0;
			json_array_foreach(order, j, m)
			{
				const char *name = json_string_value(m);
				if (!json_object_get(json_object_get(r, "values"), name))
					continue; /* a metric this method's task does not report */
				if (k++)
					sc_buf_puts(b, ", ");
				const json_t *v = mean_of(r, name);
				if (!pass)
					put_string(b, name);
				else if (json_is_number(v))
					put_number(b, json_number_value(v));
				else
					sc_buf_puts(b, ".nan");
			}
			sc_buf_putc(b, ']');
		}
		sc_buf_putc(b, '\n');
	}
	return 0;
}

static int export_table(cli_ctx *c, const char *const *refs, size_t n, int op, const char *out)
{
	sc_err err;
	sc_store *s = NULL;
	json_t *t = NULL, *order = NULL;
	sc_summary_opts o = { 0 };
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	int rc = cli_open_store(c, &s, &err) || sc_summary(s, refs, n, &o, &t, &err);
	sc_store_free(s);
	if (!rc) {
		order = metric_order(t);
		if (op)
			rc = write_openproblems(&b, t, order, &err);
		else
			write_scib(&b, t, order);
	}
	if (!rc && out)
		rc = sc_write_file_atomic(out, b.s, b.len, 0644, &err);
	else if (!rc && (fwrite(b.s, 1, b.len, stdout) != b.len || fflush(stdout)))
		rc = sc_errf(&err, SC_EIO, "cannot write the table to stdout");
	json_decref(order);
	json_decref(t);
	sc_buf_free(&b);
	return rc ? cli_fail(c, &err) : 0;
}

int cmd_export_table(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "format", required_argument, NULL, 'f' },
					    { NULL, 0, NULL, 0 } };
	const char *format = "scib", *out = NULL;
	int opt;
	while ((opt = cli_opt(c, argc, argv, usage, "o:", lo, 1)) != -1) {
		if (opt == 'f')
			format = optarg;
		else if (opt == 'o')
			out = optarg;
		else
			return cli_usage_error(c, "unexpected option");
	}
	CLI_OPTS_END(c);
	if (strcmp(format, "scib") && strcmp(format, "openproblems"))
		return cli_usage_error(c, "--format must be scib or openproblems, not '%s'", format);
	if (c->optind >= argc)
		return cli_usage_error(c, "expected at least one RUN");
	return export_table(c, (const char *const *)argv + c->optind, (size_t)(argc - c->optind),
			    !strcmp(format, "openproblems"), out);
}
