/*
 * report_csv.c - the report's two CSV files, for spreadsheets and pandas.
 *
 *   metrics_long.csv  run,result,task,dataset,method,metric,value,seed,
 *                     higher_is_better: one row per metric value each
 *                     source recorded (sources in report order, rows as
 *                     `sceval show` lists them)
 *   metrics_wide.csv  run,result,task,dataset,method,seed, then one column
 *                     per metric name of the whole report in byte order:
 *                     one row per evaluation (a method on a seed in a
 *                     source), the same rows as the long file collapsed
 * A value recorded as undefined is "nan" in both; an empty field in the
 * wide file is a metric that row did not record. run is empty for a result
 * given by hash, result empty for a run without one, seed empty for an
 * unseeded step. RFC 4180: fields quoted when needed, CRLF line ends (as
 * reports/table.c writes them). Numbers are the shortest spelling that
 * reads back as the recorded double.
 */
#include "report_impl.h"
#include "reports/csv.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

static void src_cols(sc_buf *b, const sc_report_src *x)
{
	if (x->run)
		sc_buf_printf(b, "%lld", (long long)x->run);
	sc_buf_putc(b, ',');
	sc_buf_puts(b, x->result);
}

static void value(sc_buf *b, const json_t *v)
{
	if (json_is_number(v))
		sc_buf_num(b, json_number_value(v));
	else
		sc_buf_puts(b, "nan");
}

static void seed(sc_buf *b, const json_t *r)
{
	json_t *s = json_object_get(r, "seed");
	if (json_is_integer(s))
		sc_buf_printf(b, "%lld", (long long)json_integer_value(s));
}

void sc_report_csv_long(const sc_report_model *m, sc_buf *b)
{
	sc_buf_puts(b, "run,result,task,dataset,method,metric,value,seed,higher_is_better\r\n");
	for (size_t si = 0; si < m->ns; si++) {
		size_t i;
		json_t *r;
		json_array_foreach(m->s[si].rows, i, r)
		{
			src_cols(b, &m->s[si]);
			static const char *const keys[] = { "task", "dataset", "method", "metric" };
			for (int k = 0; k < 4; k++) {
				sc_buf_putc(b, ',');
				sc_buf_csv(b, sc_json_str(r, keys[k], ""));
			}
			sc_buf_putc(b, ',');
			value(b, json_object_get(r, "value"));
			sc_buf_putc(b, ',');
			seed(b, r);
			sc_buf_puts(b, json_is_true(json_object_get(r, "higher_is_better")) ? ",true\r\n"
											   : ",false\r\n");
		}
	}
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int same_eval(const json_t *a, const json_t *b)
{
	static const char *const keys[] = { "task", "dataset", "method" };
	for (int k = 0; k < 3; k++)
		if (strcmp(sc_json_str(a, keys[k], ""), sc_json_str(b, keys[k], "")))
			return 0;
	return json_equal(json_object_get(a, "seed"), json_object_get(b, "seed"));
}

void sc_report_csv_wide(const sc_report_model *m, sc_buf *b)
{
	json_t *cols = json_object();
	for (size_t si = 0; si < m->ns; si++) {
		size_t i;
		json_t *r;
		json_array_foreach(m->s[si].rows, i, r)
			json_object_set_new(cols, sc_json_str(r, "metric", ""), json_null());
	}
	size_t nc = json_object_size(cols), k = 0;
	char **name = sc_xcalloc(nc + 1, sizeof(char *));
	const char *key;
	json_t *v;
	json_object_foreach(cols, key, v)
		name[k++] = sc_xstrdup(key);
	qsort(name, nc, sizeof(char *), str_cmp);
	for (k = 0; k < nc; k++)
		json_object_set_new(cols, name[k], json_integer((json_int_t)k));
	sc_buf_puts(b, "run,result,task,dataset,method,seed");
	for (k = 0; k < nc; k++) {
		sc_buf_putc(b, ',');
		sc_buf_csv(b, name[k]);
	}
	sc_buf_puts(b, "\r\n");
	const json_t **cell = sc_xcalloc(nc + 1, sizeof(json_t *));
	unsigned char *has = sc_xcalloc(nc + 1, 1);
	for (size_t si = 0; si < m->ns; si++) {
		const json_t *rows = m->s[si].rows;
		size_t n = json_array_size(rows), i = 0;
		while (i < n) {
			const json_t *r0 = json_array_get(rows, i);
			memset(has, 0, nc);
			size_t j = i;
			for (; j < n && same_eval(r0, json_array_get(rows, j)); j++) {
				const json_t *r = json_array_get(rows, j);
				size_t c = (size_t)json_integer_value(
					json_object_get(cols, sc_json_str(r, "metric", "")));
				cell[c] = json_object_get(r, "value");
				has[c] = 1;
			}
			src_cols(b, &m->s[si]);
			static const char *const keys[] = { "task", "dataset", "method" };
			for (int q = 0; q < 3; q++) {
				sc_buf_putc(b, ',');
				sc_buf_csv(b, sc_json_str(r0, keys[q], ""));
			}
			sc_buf_putc(b, ',');
			seed(b, r0);
			for (k = 0; k < nc; k++) {
				sc_buf_putc(b, ',');
				if (has[k])
					value(b, cell[k]);
			}
			sc_buf_puts(b, "\r\n");
			i = j;
		}
	}
	free(cell);
	free(has);
	for (k = 0; k < nc; k++)
		free(name[k]);
	free(name);
	json_decref(cols);
}
