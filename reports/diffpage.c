/*
 * diffpage.c - `sceval diff --html`: one self-contained page with the metric
 * deltas (improvements green, regressions red) and what changed in inputs,
 * parameters, code and environment.
 */
#include "diffpage.h"
#include "reports/html.h"
#include "util/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double num(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void changes(sc_buf *b, const char *title, const json_t *arr)
{
	sc_buf_puts(b, "<h2>");
	sc_html_text(b, title);
	sc_buf_puts(b, "</h2>\n");
	if (!json_array_size(arr)) {
		sc_buf_puts(b, "<p class=\"muted\">no difference</p>\n");
		return;
	}
	sc_buf_puts(b, "<div class=\"scroll\"><table><tr><th>what</th><th>A</th><th>B</th></tr>\n");
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r)
	{
		char *a = json_dumps(json_object_get(r, "a"), JSON_ENCODE_ANY | JSON_COMPACT);
		char *c = json_dumps(json_object_get(r, "b"), JSON_ENCODE_ANY | JSON_COMPACT);
		sc_buf_puts(b, "<tr><td>");
		sc_html_text(b, sc_json_str(r, "what", ""));
		sc_buf_puts(b, "</td><td class=\"mono\">");
		sc_html_text(b, a);
		sc_buf_puts(b, "</td><td class=\"mono\">");
		sc_html_text(b, c);
		sc_buf_puts(b, "</td></tr>\n");
		free(a);
		free(c);
	}
	sc_buf_puts(b, "</table></div>\n");
}

void sc_diff_page(sc_buf *b, const json_t *d)
{
	json_t *A = json_object_get(d, "a"), *B = json_object_get(d, "b");
	sc_html_begin(b, "sceval diff");
	sc_buf_puts(b, "<h1>sceval diff</h1>\n<p>A: <code>");
	sc_html_text(b, sc_json_str(A, "ref", ""));
	sc_buf_puts(b, "</code> ");
	if (json_is_string(json_object_get(A, "result"))) {
		sc_buf_puts(b, "result <code>");
		sc_html_text(b, sc_json_str(A, "result", ""));
		sc_buf_puts(b, "</code>");
	}
	sc_buf_puts(b, "<br>B: <code>");
	sc_html_text(b, sc_json_str(B, "ref", ""));
	sc_buf_puts(b, "</code> ");
	if (json_is_string(json_object_get(B, "result"))) {
		sc_buf_puts(b, "result <code>");
		sc_html_text(b, sc_json_str(B, "result", ""));
		sc_buf_puts(b, "</code>");
	}
	sc_buf_puts(b, "</p>\n<h2>Metrics</h2>\n");
	size_t better = 0, worse = 0;
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(d, "metrics"), i, r)
	{
		const char *ch = sc_json_str(r, "change", "");
		better += !strcmp(ch, "better");
		worse += !strcmp(ch, "worse");
	}
	sc_buf_printf(b, "<p><span class=\"good\">%zu improved</span>, <span class=\"bad\">%zu "
			 "regressed</span>, of %zu metric values (direction from each metric's "
			 "higher-is-better flag).</p>\n",
		      better, worse, json_array_size(json_object_get(d, "metrics")));
	sc_buf_puts(b, "<div class=\"scroll\"><table id=\"metrics\"><tr><th>task</th><th>dataset</th>"
		       "<th>method</th><th>seed</th><th>metric</th><th>A</th><th>B</th><th>B&minus;A</th>"
		       "<th>relative</th><th>change</th></tr>\n");
	json_array_foreach(json_object_get(d, "metrics"), i, r)
	{
		const char *ch = sc_json_str(r, "change", "");
		const char *cls = !strcmp(ch, "better") ? "good" : !strcmp(ch, "worse") ? "bad" : "";
		sc_buf_printf(b, "<tr class=\"%s\"><td>", cls);
		sc_html_text(b, sc_json_str(r, "task", ""));
		sc_buf_puts(b, "</td><td>");
		sc_html_text(b, sc_json_str(r, "dataset", ""));
		sc_buf_puts(b, "</td><td>");
		sc_html_text(b, sc_json_str(r, "method", ""));
		sc_buf_puts(b, "</td><td class=\"num\">");
		if (json_is_integer(json_object_get(r, "seed")))
			sc_buf_printf(b, "%lld", sc_json_int(r, "seed", 0));
		sc_buf_puts(b, "</td><td>");
		sc_html_text(b, sc_json_str(r, "metric", ""));
		sc_buf_puts(b, "</td><td class=\"num\">");
		sc_html_num(b, num(json_object_get(r, "a")), 6);
		sc_buf_puts(b, "</td><td class=\"num\">");
		sc_html_num(b, num(json_object_get(r, "b")), 6);
		sc_buf_puts(b, "</td><td class=\"num\">");
		double dl = num(json_object_get(r, "delta")), rel = num(json_object_get(r, "relative"));
		if (!isnan(dl))
			sc_buf_printf(b, "%+.4g", dl);
		sc_buf_puts(b, "</td><td class=\"num\">");
		if (!isnan(rel))
			sc_buf_printf(b, "%+.2f%%", 100 * rel);
		sc_buf_puts(b, "</td><td>");
		sc_html_text(b, ch);
		sc_buf_puts(b, "</td></tr>\n");
	}
	sc_buf_puts(b, "</table></div>\n");
	changes(b, "Inputs", json_object_get(d, "inputs"));
	changes(b, "Parameters", json_object_get(d, "params"));
	changes(b, "Code", json_object_get(d, "code"));
	changes(b, "Environment", json_object_get(d, "environment"));
	sc_html_end(b);
}
