/*
 * report_sections.c - the parts of a task page that depend on the task:
 * for integration (batch, multiomics) the scIB-style table and the
 * per-label breakdown from each evaluation's labels.csv; for annotation
 * the confusion matrices (confusion.csv) and per-class reports
 * (report.csv). Those tables are step outputs, read through the store;
 * one that is missing (a bundle imported without outputs, a gc) or
 * malformed is named on the page and skipped: a report never fails
 * because one picture cannot be drawn.
 */
#include "report_impl.h"
#include "reports/csv.h"
#include "reports/html.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An evaluation's output table, or an error naming what is missing. An
 * object that is there but cannot be read (an I/O error, no memory) is not a
 * fact about the runs that the page could show: it also goes into *fatal
 * (the first one only), and the report fails rather than print the error. */
static int read_output(sc_store *s, const sc_report_model *m, const sc_report_unit *u,
		       const char *role, sc_csv *out, sc_err *err, sc_err *fatal)
{
	const json_t *st = json_object_get(m->s[u->src[0]].steps, u->step);
	const char *id = sc_json_str(json_object_get(st, "outputs"), role, NULL);
	sc_oid oid;
	if (!id || sc_oid_parse(&oid, id))
		return sc_errf(err, SC_ENOTFOUND, "step %.12s has no output '%s'", u->step, role);
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	int rc = sc_store_read(s, &oid, &b, err);
	if (rc && rc != SC_ENOTFOUND && !fatal->code)
		*fatal = *err;
	if (!rc)
		rc = sc_csv_parse(out, b.s, b.len, role, err);
	sc_buf_free(&b);
	return rc;
}

static void problem(sc_buf *b, const char *what, const sc_err *e)
{
	sc_buf_puts(b, "<p class=\"bad\">");
	sc_html_text(b, what);
	sc_buf_puts(b, ": ");
	sc_html_text(b, e->msg);
	sc_buf_puts(b, "</p>\n");
}

static double num_field(const char *s)
{
	char *end;
	if (!*s)
		return NAN;
	double v = strtod(s, &end);
	return *end ? NAN : v;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted distinct keys of a json object (borrowed strings). */
static const char **sorted_keys(const json_t *o, size_t *n)
{
	*n = json_object_size(o);
	const char **k = sc_xcalloc(*n + 1, sizeof(char *));
	size_t i = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
		k[i++] = key;
	qsort(k, *n, sizeof(char *), cmp_str);
	return k;
}

static void method_th(sc_buf *b, const sc_report_table *t)
{
	for (size_t i = 0; i < t->nm; i++) {
		sc_buf_puts(b, "<th>");
		sc_html_text(b, t->m[i].name);
		sc_buf_puts(b, "</th>");
	}
}

/* ---- integration ---------------------------------------------------------------- */

static const char *const class_name[] = { "Bio conservation", "Batch correction" };

static void bar_cell(sc_buf *b, double v, int hue)
{
	sc_buf_puts(b, "<td class=\"num sbar\"");
	if (isfinite(v)) {
		sc_buf_puts(b, " data-v=\"");
		sc_buf_num(b, v);
		double w = v < 0 ? 0 : v > 1 ? 1 : v;
		sc_buf_printf(b, "\"><span class=\"track\"><span class=\"sb c%d\" style=\"width:%.1f%%\">"
				 "</span></span><span class=\"sv\">",
			      hue, 100 * w);
		sc_report_num(b, v);
		sc_buf_puts(b, "</span>");
	} else {
		sc_buf_puts(b, ">&mdash;");
	}
	sc_buf_puts(b, "</td>");
}

static const double *order_key;
static const sc_report_table *order_table;

static int order_cmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	double u = order_key[i], v = order_key[j];
	if (isfinite(u) != isfinite(v))
		return isfinite(u) ? -1 : 1;
	if (isfinite(u) && u != v)
		return u > v ? -1 : 1;
	return strcmp(order_table->m[i].name, order_table->m[j].name);
}

static void scib_table(sc_buf *b, const sc_report_table *t, const sc_report_scib *x, int scaled,
		       const char *id)
{
	const double *vals = scaled ? x->scaled : x->raw;
	const double *ov = x->overall[scaled];
	int any = 0;
	for (size_t i = 0; i < t->nm; i++)
		any |= isfinite(ov[i]);
	size_t *ord = sc_xcalloc(t->nm + 1, sizeof(size_t));
	for (size_t i = 0; i < t->nm; i++)
		ord[i] = i;
	order_key = any ? ov : x->bio[scaled];
	order_table = t;
	qsort(ord, t->nm, sizeof(size_t), order_cmp);
	size_t ncls[2] = { 0, 0 };
	for (size_t c = 0; c < x->nc; c++)
		ncls[x->cls[c] == SC_SCIB_BATCH]++;
	sc_buf_printf(b, "<div class=\"scroll\"><table class=\"scib\" id=\"%s\"", id);
	sc_report_data_attrs(b, t);
	sc_buf_puts(b, "><thead><tr><th rowspan=\"2\">method</th>");
	for (int c = 0; c < 2; c++)
		if (ncls[c])
			sc_buf_printf(b, "<th colspan=\"%zu\" class=\"g%d\">%s</th>", ncls[c], c + 1,
				      class_name[c]);
	sc_buf_puts(b, "<th colspan=\"3\" class=\"g3\">Aggregate score</th></tr><tr>");
	for (size_t c = 0; c < x->nc; c++) {
		sc_buf_puts(b, "<th>");
		sc_html_text(b, t->metric[x->col[c]]);
		sc_buf_puts(b, "</th>");
	}
	sc_buf_puts(b, "<th>bio</th><th>batch</th><th>overall</th></tr></thead><tbody>\n");
	for (size_t r = 0; r < t->nm; r++) {
		size_t i = ord[r];
		sc_buf_puts(b, "<tr><td>");
		sc_html_text(b, t->m[i].name);
		sc_buf_puts(b, "</td>");
		for (size_t c = 0; c < x->nc; c++)
			bar_cell(b, vals[i * x->nc + c], x->cls[c] == SC_SCIB_BATCH ? 2 : 1);
		bar_cell(b, x->bio[scaled][i], 3);
		bar_cell(b, x->batch[scaled][i], 3);
		bar_cell(b, x->overall[scaled][i], 3);
		sc_buf_puts(b, "</tr>\n");
	}
	sc_buf_puts(b, "</tbody></table></div>\n");
	free(ord);
}

void sc_report_section_scib(sc_buf *b, const sc_report_table *t)
{
	sc_report_scib x;
	sc_err e;
	sc_buf_puts(b, "<h3>scIB summary</h3>\n");
	if (sc_report_scib_compute(&x, t, &e)) {
		problem(b, "scIB summary", &e);
		sc_report_scib_free(&x);
		return;
	}
	if (!x.nc) {
		sc_buf_puts(b, "<p class=\"muted\">no scIB bio-conservation or batch-correction metric "
			       "recorded</p>\n");
		sc_report_scib_free(&x);
		return;
	}
	sc_buf_printf(b, "<p>Each metric is the mean over seeds. <b>Scaled</b>: every metric min-max "
			 "scaled across the %zu method%s of this table (a constant column becomes 0), "
			 "as scIB's published tables; bio = mean of the bio-conservation metrics, "
			 "batch = mean of the batch-correction metrics (NaN skipped), overall = 0.6 bio "
			 "+ 0.4 batch. Rows by overall score. Scaled scores depend on which methods "
			 "are compared; the raw table does not.</p>\n",
		      t->nm, t->nm == 1 ? "" : "s");
	char id[48];
	sc_buf_puts(b, "<h4>Min-max scaled across methods</h4>\n");
	snprintf(id, sizeof(id), "scib%zu-scaled", t->index);
	scib_table(b, t, &x, 1, id);
	sc_buf_puts(b, "<h4>Raw values</h4>\n");
	snprintf(id, sizeof(id), "scib%zu-raw", t->index);
	scib_table(b, t, &x, 0, id);
	sc_report_scib_free(&x);
}

void sc_report_section_labels(sc_buf *b, const sc_report_model *m, const sc_report_table *t,
			      sc_store *s, sc_err *fatal)
{
	sc_buf_puts(b, "<h3>Per-label breakdown</h3>\n");
	/* label -> {"cells": n, "<method>\x1f<col>": [sum, count]} pooled over seeds */
	json_t *labels = json_object(), *colset = json_object();
	size_t bad = 0;
	sc_err e = { 0, "" };
	for (size_t i = 0; i < t->nm; i++)
		for (size_t u = 0; u < t->m[i].nu; u++) {
			sc_csv c;
			sc_err e2;
			if (read_output(s, m, &t->m[i].u[u], "labels.csv", &c, &e2, fatal)) {
				if (!bad++)
					e = e2;
				continue;
			}
			long lc = sc_csv_col(&c, "label"), cc = sc_csv_col(&c, "cells");
			for (size_t r = 1; lc >= 0 && r < c.rows; r++) {
				const char *lab = sc_csv_at(&c, r, (size_t)lc);
				json_t *L = json_object_get(labels, lab);
				if (!L) {
					L = json_object();
					json_object_set_new(labels, lab, L);
				}
				if (cc >= 0 && !json_object_get(L, "\x1f" "cells"))
					json_object_set_new(L, "\x1f" "cells",
							    json_real(num_field(sc_csv_at(&c, r, (size_t)cc))));
				for (size_t k = 0; k < c.cols; k++) {
					if ((long)k == lc || (long)k == cc)
						continue;
					double v = num_field(sc_csv_at(&c, r, k));
					json_object_set_new(colset, sc_csv_at(&c, 0, k), json_true());
					char *key = sc_xasprintf("%zu\x1f%s", i, sc_csv_at(&c, 0, k));
					json_t *acc = json_object_get(L, key);
					if (!acc) {
						acc = json_pack("[f,i]", 0.0, 0);
						json_object_set_new(L, key, acc);
					}
					if (isfinite(v)) {
						json_array_set_new(acc, 0, json_real(json_real_value(json_array_get(acc, 0)) + v));
						json_array_set_new(acc, 1, json_integer(json_integer_value(json_array_get(acc, 1)) + 1));
					}
					free(key);
				}
			}
			sc_csv_free(&c);
		}
	if (bad)
		problem(b, "labels.csv of some evaluations unavailable", &e);
	size_t nl, ncol;
	const char **lab = sorted_keys(labels, &nl), **cols = sorted_keys(colset, &ncol);
	if (!nl) {
		sc_buf_puts(b, "<p class=\"muted\">no per-label values</p>\n");
	} else {
		sc_buf_puts(b, "<p>Per cell-type label, each integration metric's per-cell values "
			       "averaged over the label's cells (labels.csv of each evaluation), then "
			       "over seeds. Colour: low to high within each table.</p>\n");
	}
	double *grid = sc_xcalloc(nl * (t->nm + 1) + 1, sizeof(double));
	for (size_t q = 0; nl && q < ncol; q++) {
		double lo = INFINITY, hi = -INFINITY;
		for (size_t l = 0; l < nl; l++)
			for (size_t i = 0; i < t->nm; i++) {
				char *key = sc_xasprintf("%zu\x1f%s", i, cols[q]);
				json_t *acc = json_object_get(json_object_get(labels, lab[l]), key);
				free(key);
				long long cnt = acc ? json_integer_value(json_array_get(acc, 1)) : 0;
				double v = cnt ? json_real_value(json_array_get(acc, 0)) / (double)cnt : NAN;
				grid[l * t->nm + i] = v;
				if (isfinite(v)) {
					lo = fmin(lo, v);
					hi = fmax(hi, v);
				}
			}
		if (lo > hi) {
			/* Undefined everywhere (batch metrics without batches). */
			sc_buf_puts(b, "<p class=\"muted\">");
			sc_html_text(b, cols[q]);
			sc_buf_puts(b, ": no value for any label</p>\n");
			continue;
		}
		sc_buf_puts(b, "<h4>");
		sc_html_text(b, cols[q]);
		sc_buf_printf(b, "</h4>\n<div class=\"scroll\"><table class=\"heat\" id=\"lab%zu-%zu\"><thead>"
				 "<tr><th>label</th><th>cells</th>",
			      t->index, q);
		method_th(b, t);
		sc_buf_puts(b, "</tr></thead><tbody>\n");
		for (size_t l = 0; l < nl; l++) {
			const json_t *L = json_object_get(labels, lab[l]);
			sc_buf_puts(b, "<tr><td>");
			sc_html_text(b, lab[l]);
			sc_buf_puts(b, "</td><td class=\"num\">");
			double cells = sc_json_num(L, "\x1f" "cells", NAN);
			if (isfinite(cells))
				sc_buf_printf(b, "%.0f", cells);
			sc_buf_puts(b, "</td>");
			for (size_t i = 0; i < t->nm; i++) {
				double v = grid[l * t->nm + i];
				sc_buf_puts(b, "<td class=\"num\"");
				if (isfinite(v))
					sc_report_heat(b, hi > lo ? (v - lo) / (hi - lo) : 0.5, 0);
				sc_buf_puts(b, ">");
				sc_report_num(b, v);
				sc_buf_puts(b, "</td>");
			}
			sc_buf_puts(b, "</tr>\n");
		}
		sc_buf_puts(b, "</tbody></table></div>\n");
	}
	free(grid);
	free(lab);
	free(cols);
	json_decref(labels);
	json_decref(colset);
}

/* ---- annotation ------------------------------------------------------------------ */

typedef struct pooled {
	const char **cls;   /* sorted class names (borrowed from classes) */
	size_t nc;
	double *conf;       /* nc x nc counts summed over seeds */
	double *prf;        /* nc x 4: precision, recall, f1 sums; support total */
	size_t *nprf;       /* nc: evaluations reporting the class */
	size_t used;        /* evaluations read */
} pooled;

void sc_report_section_annotation(sc_buf *b, const sc_report_model *m, const sc_report_table *t,
				  sc_store *s, sc_err *fatal)
{
	json_t *classes = json_object();
	size_t nm = t->nm;
	sc_csv **conf = sc_xcalloc(nm + 1, sizeof(sc_csv *)), **rep = sc_xcalloc(nm + 1, sizeof(sc_csv *));
	size_t bad = 0;
	sc_err e = { 0, "" };
	/* Read everything first: the class list is the union over all. */
	for (size_t i = 0; i < nm; i++) {
		const sc_report_method *me = &t->m[i];
		conf[i] = sc_xcalloc(me->nu + 1, sizeof(sc_csv));
		rep[i] = sc_xcalloc(me->nu + 1, sizeof(sc_csv));
		for (size_t u = 0; u < me->nu; u++) {
			sc_err e2;
			if (read_output(s, m, &me->u[u], "confusion.csv", &conf[i][u], &e2, fatal) ||
			    read_output(s, m, &me->u[u], "report.csv", &rep[i][u], &e2, fatal)) {
				sc_csv_free(&conf[i][u]);
				if (!bad++)
					e = e2;
				continue;
			}
			for (size_t r = 1; r < conf[i][u].rows; r++)
				json_object_set_new(classes, sc_csv_at(&conf[i][u], r, 0), json_null());
			for (size_t c = 1; conf[i][u].rows && c < conf[i][u].cols; c++)
				json_object_set_new(classes, sc_csv_at(&conf[i][u], 0, c), json_null());
		}
	}
	pooled *p = sc_xcalloc(nm + 1, sizeof(pooled));
	size_t nc;
	const char **cls = sorted_keys(classes, &nc);
	for (size_t k = 0; k < nc; k++)
		json_object_set_new(classes, cls[k], json_integer((json_int_t)k));
	for (size_t i = 0; i < nm; i++) {
		p[i].cls = cls;
		p[i].nc = nc;
		p[i].conf = sc_xcalloc(nc * nc + 1, sizeof(double));
		p[i].prf = sc_xcalloc(nc * 4 + 1, sizeof(double));
		p[i].nprf = sc_xcalloc(nc + 1, sizeof(size_t));
		for (size_t u = 0; u < t->m[i].nu; u++) {
			const sc_csv *c = &conf[i][u], *r = &rep[i][u];
			if (!c->rows)
				continue;
			p[i].used++;
			for (size_t row = 1; row < c->rows; row++) {
				size_t a = (size_t)json_integer_value(
					json_object_get(classes, sc_csv_at(c, row, 0)));
				for (size_t col = 1; col < c->cols; col++) {
					size_t bb = (size_t)json_integer_value(
						json_object_get(classes, sc_csv_at(c, 0, col)));
					double v = num_field(sc_csv_at(c, row, col));
					if (isfinite(v))
						p[i].conf[a * nc + bb] += v;
				}
			}
			long cp = sc_csv_col(r, "precision"), cr = sc_csv_col(r, "recall"),
			     cf = sc_csv_col(r, "f1"), cs = sc_csv_col(r, "support");
			for (size_t row = 1; row < r->rows; row++) {
				json_t *ix = json_object_get(classes, sc_csv_at(r, row, 0));
				if (!ix)
					continue;
				size_t a = (size_t)json_integer_value(ix);
				long cols[4] = { cp, cr, cf, cs };
				for (int q = 0; q < 4; q++) {
					double v = cols[q] >= 0 ? num_field(sc_csv_at(r, row, (size_t)cols[q])) : NAN;
					if (isfinite(v))
						p[i].prf[a * 4 + (size_t)q] += v;
				}
				p[i].nprf[a]++;
			}
		}
	}
	if (bad)
		problem(b, "confusion.csv or report.csv of some evaluations unavailable", &e);

	/* Per-class F1, classes x methods. */
	double *f1 = sc_xcalloc(nc * nm + 1, sizeof(double)), lo = INFINITY, hi = -INFINITY;
	for (size_t k = 0; k < nc; k++)
		for (size_t i = 0; i < nm; i++) {
			double v = p[i].nprf[k] ? p[i].prf[k * 4 + 2] / (double)p[i].nprf[k] : NAN;
			f1[k * nm + i] = v;
			if (isfinite(v)) {
				lo = fmin(lo, v);
				hi = fmax(hi, v);
			}
		}
	sc_buf_printf(b, "<h3>Per-class F1</h3>\n<p>F1 of each class (report.csv), mean over the "
			 "seeds that report it. Colour: low to high within the table.</p>\n"
			 "<div class=\"scroll\"><table class=\"heat\" id=\"f1-%zu\"><thead><tr>"
			 "<th>class</th>",
		      t->index);
	method_th(b, t);
	sc_buf_puts(b, "</tr></thead><tbody>\n");
	for (size_t k = 0; k < nc; k++) {
		sc_buf_puts(b, "<tr><td>");
		sc_html_text(b, cls[k]);
		sc_buf_puts(b, "</td>");
		for (size_t i = 0; i < nm; i++) {
			double v = f1[k * nm + i];
			sc_buf_puts(b, "<td class=\"num\"");
			sc_report_heat(b, hi > lo ? (v - lo) / (hi - lo) : 0.5, 0);
			sc_buf_puts(b, ">");
			sc_report_num(b, v);
			sc_buf_puts(b, "</td>");
		}
		sc_buf_puts(b, "</tr>\n");
	}
	sc_buf_puts(b, "</tbody></table></div>\n");
	free(f1);

	/* Confusion matrices and per-class reports, one per method. */
	sc_buf_puts(b, "<h3>Confusion matrices</h3>\n<p>Rows: true class; columns: predicted class; "
		       "counts summed over seeds; colour: the share of the row (recall on the "
		       "diagonal).</p>\n");
	for (size_t i = 0; i < nm; i++) {
		const pooled *q = &p[i];
		sc_buf_puts(b, "<h4>");
		sc_html_text(b, t->m[i].name);
		sc_buf_printf(b, " <span class=\"muted\">(%zu evaluation%s)</span></h4>\n", q->used,
			      q->used == 1 ? "" : "s");
		if (!q->used) {
			sc_buf_puts(b, "<p class=\"muted\">no confusion matrix available</p>\n");
			continue;
		}
		sc_buf_printf(b, "<div class=\"scroll\"><table class=\"heat conf\" id=\"cm%zu-%zu\"><thead>"
				 "<tr><th>true \\ predicted</th>",
			      t->index, i);
		for (size_t k = 0; k < nc; k++) {
			sc_buf_puts(b, "<th>");
			sc_html_text(b, cls[k]);
			sc_buf_puts(b, "</th>");
		}
		sc_buf_puts(b, "</tr></thead><tbody>\n");
		for (size_t a = 0; a < nc; a++) {
			double row = 0;
			for (size_t k = 0; k < nc; k++)
				row += q->conf[a * nc + k];
			sc_buf_puts(b, "<tr><th>");
			sc_html_text(b, cls[a]);
			sc_buf_puts(b, "</th>");
			for (size_t k = 0; k < nc; k++) {
				double v = q->conf[a * nc + k];
				sc_buf_printf(b, "<td class=\"num%s\"", a == k ? " diag" : "");
				if (row > 0)
					sc_report_heat(b, v / row, 0);
				sc_buf_printf(b, ">%.0f</td>", v);
			}
			sc_buf_puts(b, "</tr>\n");
		}
		sc_buf_puts(b, "</tbody></table></div>\n<details><summary>per-class report</summary>\n");
		sc_buf_printf(b, "<div class=\"scroll\"><table id=\"rep%zu-%zu\"><thead><tr><th>class</th>"
				 "<th>precision</th><th>recall</th><th>f1</th><th>support (all seeds)"
				 "</th></tr></thead><tbody>\n",
			      t->index, i);
		for (size_t a = 0; a < nc; a++) {
			if (!q->nprf[a])
				continue;
			sc_buf_puts(b, "<tr><td>");
			sc_html_text(b, cls[a]);
			sc_buf_puts(b, "</td>");
			for (int k = 0; k < 3; k++) {
				sc_buf_puts(b, "<td class=\"num\">");
				sc_report_num(b, q->prf[a * 4 + (size_t)k] / (double)q->nprf[a]);
				sc_buf_puts(b, "</td>");
			}
			sc_buf_printf(b, "<td class=\"num\">%.0f</td></tr>\n", q->prf[a * 4 + 3]);
		}
		sc_buf_puts(b, "</tbody></table></div>\n</details>\n");
	}

	for (size_t i = 0; i < nm; i++) {
		for (size_t u = 0; u < t->m[i].nu; u++) {
			sc_csv_free(&conf[i][u]);
			sc_csv_free(&rep[i][u]);
		}
		free(conf[i]);
		free(rep[i]);
		free(p[i].conf);
		free(p[i].prf);
		free(p[i].nprf);
	}
	free(conf);
	free(rep);
	free(p);
	free(cls);
	json_decref(classes);
}
