/*
 * cmd_compare.c - `sceval compare RUN...`: runs side by side, a row per
 * (task, dataset, method variant), a column per metric, mean ± sd over the
 * seeds; and the same table for `sceval runs --metrics`. The rows come from
 * runner/summary.h; this file only renders them (text, CSV, JSON, Markdown).
 */
#include "cli.h"
#include "runner/summary.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char compare_usage[] =
	"usage: sceval compare RUN... [--metrics M,...] [--csv | --json | --markdown]\n\n"
	"Runs (or results) side by side: one row per task, dataset and method variant,\n"
	"one column per metric, each cell the mean ± sd over the seeds (sd: sample\n"
	"standard deviation, n - 1; '-' for one seed), the best of each column within\n"
	"a task and dataset marked '*' (by the metric's direction). A method recorded\n"
	"with the same parameters and inputs by several runs is one row, its seeds\n"
	"pooled; variants of a method are labelled by the parameters or inputs that\n"
	"differ between them ('knn k=15', 'knn k=30'; inputs by their hash).\n\n"
	"options:\n"
	"  --metrics M,...  only these metrics, in this order [all: primary first]; a\n"
	"                   scIB metric also by its former name (kbet_all_cells: kBET)\n"
	"  --csv            the table as CSV: per metric M_mean, M_sd, M_n, M_best\n"
	"  --markdown       the table as Markdown, the best in bold\n"
	"  --json           rows with every seed's value (schema 1)\n";

/* Display width of UTF-8 text (the table has '±'). */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

/* Decimals for a column: four significant digits before and after the
 * point for numbers below 10, fewer for larger ones (fixed per column). */
static int column_decimals(const json_t *rows, const char *m)
{
	double mag = 0;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		json_t *st = json_object_get(json_object_get(r, "values"), m);
		double v = fabs(sc_json_num(st, "mean", 0));
		if (isfinite(v) && v > mag)
			mag = v;
	}
	int d = 4;
	for (double lim = 10; mag >= lim && d > 0; lim *= 10)
		d--;
	return d;
}

typedef struct colfmt {
	const char *name;
	int dec;
	size_t wmean, wsd;
} colfmt;

static void fmt_num(char *buf, size_t n, const json_t *st, const char *key, int dec)
{
	json_t *v = json_object_get(st, key);
	if (json_is_number(v))
		snprintf(buf, n, "%.*f", dec, json_number_value(v));
	else
		snprintf(buf, n, "%s", !strcmp(key, "sd") ? "-" : "nan");
}

/* "mean ± sd" padded to the column's widths, "*" for the best. */
static char *cell_text(const json_t *st, const colfmt *f, int mark)
{
	if (!st)
		return sc_xstrdup("");
	char m[64], s[64];
	fmt_num(m, sizeof(m), st, "mean", f->dec);
	fmt_num(s, sizeof(s), st, "sd", f->dec);
	int best = sc_json_bool(st, "best", 0);
	return sc_xasprintf("%*s ± %*s%s", (int)f->wmean, m, (int)f->wsd, s,
			    mark ? (best ? " *" : "  ") : "");
}

static colfmt *column_formats(const json_t *s)
{
	const json_t *cols = json_object_get(s, "metrics"), *rows = json_object_get(s, "rows");
	colfmt *f = sc_xcalloc(json_array_size(cols) + 1, sizeof(colfmt));
	size_t c;
	json_t *col;
	json_array_foreach(cols, c, col)
	{
		f[c].name = sc_json_str(col, "name", "");
		f[c].dec = column_decimals(rows, f[c].name);
		size_t i;
		json_t *r;
		json_array_foreach(rows, i, r)
		{
			json_t *st = json_object_get(json_object_get(r, "values"), f[c].name);
			if (!st)
				continue;
			char m[64], sd[64];
			fmt_num(m, sizeof(m), st, "mean", f[c].dec);
			fmt_num(sd, sizeof(sd), st, "sd", f[c].dec);
			if (strlen(m) > f[c].wmean)
				f[c].wmean = strlen(m);
			if (strlen(sd) > f[c].wsd)
				f[c].wsd = strlen(sd);
		}
	}
	return f;
}

/* The cells of the table, header first: [run,] task, dataset, method,
 * seeds, metrics... (terminal-escaped text, for the text and Markdown). */
static char **table_cells(const json_t *s, int with_run, int mark, size_t *ncols, size_t *nrows)
{
	const json_t *cols = json_object_get(s, "metrics"), *rows = json_object_get(s, "rows");
	size_t nm = json_array_size(cols), nc = (size_t)with_run + 4 + nm;
	size_t nr = json_array_size(rows) + 1;
	char **cell = sc_xcalloc(nc * nr, sizeof(char *));
	colfmt *f = column_formats(s);
	size_t k = 0;
	if (with_run)
		cell[k++] = sc_xstrdup("run");
	cell[k++] = sc_xstrdup("task");
	cell[k++] = sc_xstrdup("dataset");
	cell[k++] = sc_xstrdup("method");
	cell[k++] = sc_xstrdup("seeds");
	for (size_t c = 0; c < nm; c++)
		cell[k++] = sc_xstrdup(f[c].name);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		if (with_run)
			cell[k++] = sc_xasprintf("%lld", (long long)json_integer_value(
								 json_array_get(json_object_get(r, "runs"), 0)));
		cell[k++] = sc_xstrdup(cli_esc(sc_json_str(r, "task", "")));
		cell[k++] = sc_xstrdup(cli_esc(sc_json_str(r, "dataset", "")));
		cell[k++] = sc_xstrdup(cli_esc(sc_json_str(r, "variant", "")));
		cell[k++] = sc_xasprintf("%zu", json_array_size(json_object_get(r, "seeds")));
		for (size_t c = 0; c < nm; c++)
			cell[k++] = cell_text(json_object_get(json_object_get(r, "values"), f[c].name),
					      &f[c], mark);
	}
	free(f);
	*ncols = nc;
	*nrows = nr;
	return cell;
}

static void free_cells(char **cell, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cell[i]);
	free(cell);
}

static void print_text(const json_t *s, int with_run)
{
	size_t nc, nr;
	char **cell = table_cells(s, with_run, 1, &nc, &nr);
	size_t *w = sc_xcalloc(nc, sizeof(size_t));
	for (size_t i = 0; i < nr * nc; i++)
		if (width(cell[i]) > w[i % nc])
			w[i % nc] = width(cell[i]);
	size_t first_metric = (size_t)with_run + 4;
	for (size_t i = 0; i < nr; i++) {
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		for (size_t j = 0; j < nc; j++) {
			const char *t = cell[i * nc + j];
			size_t pad = w[j] - width(t);
			int right = j >= first_metric || j == first_metric - 1 || (with_run && j == 0);
			if (right && i)
				for (size_t p = 0; p < pad; p++)
					sc_buf_putc(&b, ' ');
			sc_buf_puts(&b, t);
			if (!(right && i) && j + 1 < nc)
				for (size_t p = 0; p < pad; p++)
					sc_buf_putc(&b, ' ');
			if (j + 1 < nc)
				sc_buf_puts(&b, "  ");
		}
		while (b.len && b.s[b.len - 1] == ' ')
			b.len--;
		sc_buf_putc(&b, '\n');
		fwrite(b.s, 1, b.len, stdout);
		sc_buf_free(&b);
	}
	free(w);
	free_cells(cell, nr * nc);
}

static void md_cell(sc_buf *b, const char *t, int bold)
{
	sc_buf_puts(b, bold ? " **" : " ");
	for (; *t; t++) {
		if (*t == '|' || *t == '\\' || *t == '*' || *t == '_')
			sc_buf_putc(b, '\\');
		sc_buf_putc(b, *t);
	}
	sc_buf_puts(b, bold ? "** |" : " |");
}

static void print_markdown(const json_t *s, int with_run)
{
	size_t nc, nr;
	char **cell = table_cells(s, with_run, 0, &nc, &nr);
	const json_t *cols = json_object_get(s, "metrics"), *rows = json_object_get(s, "rows");
	size_t first_metric = (size_t)with_run + 4;
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	for (size_t i = 0; i < nr; i++) {
		sc_buf_putc(&b, '|');
		for (size_t j = 0; j < nc; j++) {
			int bold = 0;
			if (i && j >= first_metric) {
				const char *m = sc_json_str(json_array_get(cols, j - first_metric), "name", "");
				json_t *st = json_object_get(
					json_object_get(json_array_get(rows, i - 1), "values"), m);
				bold = sc_json_bool(st, "best", 0);
			}
			/* the cells are padded for the terminal: not in Markdown */
			const char *t = cell[i * nc + j];
			while (*t == ' ')
				t++;
			md_cell(&b, t, bold);
		}
		sc_buf_putc(&b, '\n');
		if (!i) {
			sc_buf_putc(&b, '|');
			for (size_t j = 0; j < nc; j++)
				sc_buf_puts(&b, j + 1 >= first_metric ? " ---: |" : " --- |");
			sc_buf_putc(&b, '\n');
		}
	}
	fwrite(b.s, 1, b.len, stdout);
	sc_buf_free(&b);
	free_cells(cell, nr * nc);
}

static void csv_num(sc_buf *b, const json_t *v)
{
	sc_buf_putc(b, ',');
	if (json_is_number(v))
		sc_buf_printf(b, "%.17g", json_number_value(v));
}

static void print_csv(const json_t *s, int with_run)
{
	const json_t *cols = json_object_get(s, "metrics"), *rows = json_object_get(s, "rows");
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_puts(&b, with_run ? "run,task,dataset,method,variant,runs,seeds"
				 : "task,dataset,method,variant,runs,seeds");
	size_t c, i;
	json_t *col, *r;
	json_array_foreach(cols, c, col)
	{
		const char *m = sc_json_str(col, "name", "");
		static const char *const part[] = { "mean", "sd", "n", "best" };
		for (int p = 0; p < 4; p++) {
			char *h = sc_xasprintf("%s_%s", m, part[p]);
			sc_buf_putc(&b, ',');
			sc_buf_csv(&b, h);
			free(h);
		}
	}
	sc_buf_puts(&b, "\r\n");
	json_array_foreach(rows, i, r)
	{
		json_t *runs = json_object_get(r, "runs"), *seeds = json_object_get(r, "seeds");
		if (with_run)
			sc_buf_printf(&b, "%lld,", (long long)json_integer_value(json_array_get(runs, 0)));
		sc_buf_csv(&b, sc_json_str(r, "task", ""));
		sc_buf_putc(&b, ',');
		sc_buf_csv(&b, sc_json_str(r, "dataset", ""));
		sc_buf_putc(&b, ',');
		sc_buf_csv(&b, sc_json_str(r, "method", ""));
		sc_buf_putc(&b, ',');
		sc_buf_csv(&b, sc_json_str(r, "variant", ""));
		sc_buf_putc(&b, ',');
		for (int pass = 0; pass < 2; pass++) {
			const json_t *a = pass ? seeds : runs;
			sc_buf b2 = SC_BUF_INIT;
			sc_buf_init(&b2);
			size_t k;
			json_t *v;
			json_array_foreach(a, k, v)
			{
				if (k)
					sc_buf_putc(&b2, ' ');
				if (json_is_integer(v))
					sc_buf_printf(&b2, "%lld", (long long)json_integer_value(v));
				else
					sc_buf_puts(&b2, "-");
			}
			sc_buf_csv(&b, b2.s ? b2.s : "");
			sc_buf_free(&b2);
			if (!pass)
				sc_buf_putc(&b, ',');
		}
		json_array_foreach(cols, c, col)
		{
			json_t *st = json_object_get(json_object_get(r, "values"),
						     sc_json_str(col, "name", ""));
			csv_num(&b, json_object_get(st, "mean"));
			csv_num(&b, json_object_get(st, "sd"));
			csv_num(&b, json_object_get(st, "n"));
			sc_buf_puts(&b, st ? (sc_json_bool(st, "best", 0) ? ",1" : ",0") : ",");
		}
		sc_buf_puts(&b, "\r\n");
	}
	fwrite(b.s, 1, b.len, stdout);
	sc_buf_free(&b);
}

/* "a,b,c" -> a list (pointers into a copy owned by *buf). */
static const char **split_list(const char *s, size_t *n, char **buf)
{
	*buf = sc_xstrdup(s);
	size_t cap = 1;
	for (const char *p = s; *p; p++)
		cap += *p == ',';
	const char **v = sc_xcalloc(cap + 1, sizeof(char *));
	*n = 0;
	for (char *save = NULL, *t = strtok_r(*buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		v[(*n)++] = t;
	return v;
}

int cli_summary_print(cli_ctx *c, const char *const *refs, size_t n, const char *metrics,
		      int per_run, int format)
{
	char *mbuf = NULL;
	sc_summary_opts o = { .per_run = per_run };
	if (metrics) {
		o.metrics = split_list(metrics, &o.n_metrics, &mbuf);
		if (!o.n_metrics) {
			free((void *)o.metrics);
			free(mbuf);
			return cli_usage_error(c, "--metrics needs at least one metric name");
		}
	}
	sc_err err;
	sc_store *s = NULL;
	json_t *t = NULL;
	int rc = cli_open_store(c, &s, &err) || sc_summary(s, refs, n, &o, &t, &err);
	sc_store_free(s);
	free((void *)o.metrics);
	free(mbuf);
	if (rc)
		return cli_fail(c, &err);
	if (format == CLI_SUMMARY_JSON)
		return cli_json_out(c, t);
	if (format == CLI_SUMMARY_CSV)
		print_csv(t, per_run);
	else if (format == CLI_SUMMARY_MARKDOWN)
		print_markdown(t, per_run);
	else if (json_array_size(json_object_get(t, "rows")))
		print_text(t, per_run);
	else
		printf("(no metrics)\n");
	json_decref(t);
	return 0;
}

int cmd_compare(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = { { "metrics", required_argument, NULL, 'm' },
					    { "csv", no_argument, NULL, 'c' },
					    { "markdown", no_argument, NULL, 'M' },
					    { NULL, 0, NULL, 0 } };
	const char *metrics = NULL;
	int csv = 0, md = 0, opt;
	while ((opt = cli_opt(c, argc, argv, compare_usage, "", lo, 1)) != -1) {
		if (opt == 'm')
			metrics = optarg;
		else if (opt == 'c')
			csv = 1;
		else if (opt == 'M')
			md = 1;
		else
			return cli_usage_error(c, "unexpected option");
	}
	CLI_OPTS_END(c);
	if (csv + md + c->json > 1)
		return cli_usage_error(c, "choose one of --csv, --json, --markdown");
	if (c->optind >= argc)
		return cli_usage_error(c, "expected at least one RUN");
	int format = c->json ? CLI_SUMMARY_JSON
		     : csv   ? CLI_SUMMARY_CSV
		     : md    ? CLI_SUMMARY_MARKDOWN
			     : CLI_SUMMARY_TEXT;
	return cli_summary_print(c, (const char *const *)argv + c->optind, (size_t)(argc - c->optind),
				 metrics, 0, format);
}
