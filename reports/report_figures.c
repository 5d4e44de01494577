/*
 * report_figures.c - the figures a task's steps drew (io/svg.h), for any
 * task: every output named *.svg of a method's first evaluation and of the
 * steps upstream of it, in step-key and output-name order, each figure
 * once per page section however many methods share the step that drew it;
 * then the figures of the section's steps that score no method (a curve
 * over all methods).
 *
 * A figure is embedded as <img src="data:image/svg+xml;base64,...">, never
 * inline: an SVG in an img element runs no script and fetches nothing, so
 * a figure written by an external step (or a forged bundle) cannot act on
 * the page, and the page stays one self-contained file.
 */
#include "report_impl.h"
#include "reports/html.h"
#include "util/json.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Larger figures are linked by object id instead of embedded. */
#define FIGURE_MAX_BYTES (8u << 20)

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys of object o, sorted bytewise (o's strings; free the array). */
static const char **sorted_keys(const json_t *o, size_t *n)
{
	*n = json_object_size(o);
	const char **k = sc_xcalloc(*n ? *n : 1, sizeof *k);
	size_t i = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v) k[i++] = key;
	qsort(k, *n, sizeof *k, cmp_str);
	return k;
}

/* A figure missing from the store (gc, a bundle imported without outputs)
 * is named on the page; an error reading one that is there also goes into
 * *fatal, as for the other sections' outputs. */
static void embed(sc_buf *b, sc_store *s, const char *id, const char *caption, sc_err *fatal)
{
	sc_oid oid;
	sc_err err = { 0 };
	sc_buf svg = SC_BUF_INIT;
	sc_buf_init(&svg);
	sc_buf_puts(b, "<figure class=\"fig\">");
	int rc = sc_oid_parse(&oid, id) ? SC_ENOTFOUND : sc_store_read(s, &oid, &svg, &err);
	if (rc && rc != SC_ENOTFOUND && !fatal->code)
		*fatal = err;
	if (rc) {
		sc_buf_puts(b, "<p class=\"bad\">figure not in the store: ");
		sc_html_text(b, err.msg[0] ? err.msg : id);
		sc_buf_puts(b, "</p>");
	} else if (svg.len > FIGURE_MAX_BYTES) {
		sc_buf_printf(b, "<p class=\"muted\">figure of %zu bytes, too large to embed: "
			      "<code>", svg.len);
		sc_html_text(b, id);
		sc_buf_puts(b, "</code></p>");
	} else {
		size_t need = 4 * ((svg.len + 2) / 3) + 1;
		unsigned char *enc = sc_xcalloc(need, 1);
		EVP_EncodeBlock(enc, (const unsigned char *)svg.s, (int)svg.len);
		sc_buf_puts(b, "<img alt=\"");
		sc_html_text(b, caption);
		sc_buf_puts(b, "\" src=\"data:image/svg+xml;base64,");
		sc_buf_puts(b, (const char *)enc);
		sc_buf_puts(b, "\">");
		free(enc);
	}
	sc_buf_puts(b, "<figcaption>");
	sc_html_text(b, caption);
	sc_buf_puts(b, "</figcaption></figure>\n");
	sc_buf_free(&svg);
}

/* Figures of one method: its first evaluation and the steps upstream. */
static void method_figures(sc_buf *b, const sc_report_model *m, const sc_report_method *me,
			   sc_store *s, json_t *shown, int *any, sc_err *fatal)
{
	if (!me->nu)
		return;
	const sc_report_unit *un = &me->u[0];
	const sc_report_src *x = &m->s[un->src[0]];
	json_t *steps = json_object();
	json_object_set_new(steps, un->step, json_true());
	sc_report_ancestors(x, un->step, steps);
	size_t ns, no;
	const char **keys = sorted_keys(steps, &ns);
	for (size_t i = 0; i < ns; i++) {
		const json_t *st = json_object_get(x->steps, keys[i]);
		const json_t *outs = json_object_get(st, "outputs");
		const char **names = sorted_keys(outs, &no);
		for (size_t j = 0; j < no; j++) {
			const char *id = sc_json_str(outs, names[j], "");
			if (!ends_with(names[j], ".svg") || json_object_get(shown, id))
				continue;
			json_object_set_new(shown, id, json_true());
			if (!*any)
				sc_buf_puts(b, "<h3>Figures</h3>\n<div class=\"figs\">\n");
			*any = 1;
			char *cap = sc_xasprintf("%s: %s, %s (step %.12s)", me->name,
						 sc_json_str(st, "kind", "?"), names[j], keys[i]);
			embed(b, s, id, cap, fatal);
			free(cap);
		}
		free(names);
	}
	free(keys);
	json_decref(steps);
}

/* The step keys the metric rows of x name. */
static json_t *scored_steps(const sc_report_src *x)
{
	json_t *set = json_object();
	size_t i;
	const json_t *r;
	json_array_foreach(x->rows, i, r)
		json_object_set_new(set, sc_json_str(r, "step", ""), json_true());
	return set;
}

/* One source's figures of steps of the table's task and dataset that emit
 * no metric. */
static void source_summary_figures(sc_buf *b, const sc_report_src *x, const sc_report_table *t,
				   sc_store *s, json_t *shown, int *any, sc_err *fatal)
{
	json_t *scored = scored_steps(x);
	size_t ns, no;
	const char **keys = sorted_keys(x->steps, &ns);
	for (size_t k = 0; k < ns; k++) {
		const json_t *st = json_object_get(x->steps, keys[k]);
		if (strcmp(sc_json_str(st, "task", ""), t->task) ||
		    strcmp(sc_json_str(st, "dataset", ""), t->dataset ? t->dataset : "") ||
		    json_object_get(scored, keys[k]))
			continue;
		const json_t *outs = json_object_get(st, "outputs");
		const char **names = sorted_keys(outs, &no);
		for (size_t j = 0; j < no; j++) {
			const char *id = sc_json_str(outs, names[j], "");
			if (!ends_with(names[j], ".svg") || json_object_get(shown, id))
				continue;
			json_object_set_new(shown, id, json_true());
			if (!*any)
				sc_buf_puts(b, "<h3>Figures</h3>\n<div class=\"figs\">\n");
			*any = 1;
			char *cap = sc_xasprintf("%s: %s, %s (step %.12s)", sc_json_str(st, "method", "all methods"),
						 sc_json_str(st, "kind", "?"), names[j], keys[k]);
			embed(b, s, id, cap, fatal);
			free(cap);
		}
		free(names);
	}
	free(keys);
	json_decref(scored);
}

/* Figures of the table's steps that score no method, e.g. a curve over
 * all methods (grn.curve), from each source of the table's methods. */
static void summary_figures(sc_buf *b, const sc_report_model *m, const sc_report_table *t,
			    sc_store *s, json_t *shown, int *any, sc_err *fatal)
{
	json_t *done = json_object();
	for (size_t i = 0; i < t->nm; i++)
		for (size_t u = 0; u < t->m[i].nu; u++) {
			char key[32];
			snprintf(key, sizeof(key), "%zu", t->m[i].u[u].src[0]);
			if (json_object_get(done, key))
				continue;
			json_object_set_new(done, key, json_true());
			source_summary_figures(b, &m->s[t->m[i].u[u].src[0]], t, s, shown, any, fatal);
		}
	json_decref(done);
}

void sc_report_section_figures(sc_buf *b, const sc_report_model *m, const sc_report_table *t,
			       sc_store *s, sc_err *fatal)
{
	json_t *shown = json_object();
	int any = 0;
	for (size_t i = 0; i < t->nm; i++)
		method_figures(b, m, &t->m[i], s, shown, &any, fatal);
	summary_figures(b, m, t, s, shown, &any, fatal);
	if (any)
		sc_buf_puts(b, "</div>\n");
	json_decref(shown);
}
