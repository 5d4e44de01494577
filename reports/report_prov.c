/*
 * report_prov.c - where every number of a report comes from: per method
 * the evaluations behind its mean (seed, runs, the evaluation step and the
 * steps upstream of it, every recorded value), the command that reproduces
 * them, and at the end of each task page the record of every step used
 * (key, kind and version, parameters, input and output hashes with links
 * to the steps that wrote them, notes, times per run).
 */
#include "report_impl.h"
#include "reports/html.h"
#include "util/fmt.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sc_report_step_link(sc_buf *b, const char *key, const char *page)
{
	sc_buf_puts(b, "<a href=\"");
	if (page)
		sc_html_text(b, page);
	sc_buf_puts(b, "#s-");
	sc_html_text(b, key);
	sc_buf_puts(b, "\"><code>");
	sc_html_text_n(b, key, 12);
	sc_buf_puts(b, "</code></a>");
}

void sc_report_src_link(sc_buf *b, const sc_report_model *m, size_t si)
{
	sc_buf_printf(b, "<a href=\"index.html#src-%zu\">", si);
	sc_html_text(b, m->s[si].name);
	sc_buf_puts(b, "</a>");
}

/* A shell word: bare when it is made of safe characters, else in single quotes. */
static void shell_word(sc_buf *b, const char *a)
{
	int safe = *a != 0;
	for (const char *p = a; *p; p++)
		safe &= !!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+-,",
				 *p);
	if (safe) {
		sc_html_text(b, a);
		return;
	}
	sc_buf_putc(b, '\'');
	for (const char *p = a; *p; p++) {
		char c[2] = { *p, 0 };
		sc_html_text(b, *p == '\'' ? "'\\''" : c);
	}
	sc_buf_putc(b, '\'');
}

/* How to get a source's numbers again. */
void sc_report_reproduce(sc_buf *b, const sc_report_src *x)
{
	if (x->result[0]) {
		sc_buf_puts(b, "<code>sceval reproduce ");
		sc_html_text(b, x->result);
		sc_buf_puts(b, "</code>");
		return;
	}
	sc_buf_puts(b, "<span class=\"muted\">no result (not every step succeeded); run again:</span> "
		       "<code>");
	const char *cwd = sc_json_str(x->info, "cwd", NULL);
	if (cwd) {
		sc_buf_puts(b, "cd ");
		shell_word(b, cwd);
		sc_buf_puts(b, " &amp;&amp; ");
	}
	/* The recorded argv starts at the command's name. */
	sc_buf_puts(b, "sceval");
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(x->info, "argv"), i, a)
	{
		sc_buf_putc(b, ' ');
		shell_word(b, json_is_string(a) ? json_string_value(a) : "");
	}
	sc_buf_puts(b, "</code>");
}

/* Steps that produced the inputs of key, transitively, in source x (BFS order). */
const char *sc_report_producer(const sc_report_src *x, const char *hex, const json_t *consumer)
{
	const json_t *l = json_object_get(x->producer, hex);
	if (json_array_size(l) > 1) {
		size_t i;
		json_t *k;
		json_array_foreach(l, i, k)
		{
			const json_t *st = json_object_get(x->steps, json_string_value(k));
			if (json_equal(json_object_get(st, "method"), json_object_get(consumer, "method")) &&
			    json_equal(json_object_get(st, "seed"), json_object_get(consumer, "seed")))
				return json_string_value(k);
		}
	}
	return json_string_value(json_array_get(l, 0));
}

void sc_report_ancestors(const sc_report_src *x, const char *key, json_t *out)
{
	json_t *queue = json_array();
	json_array_append_new(queue, json_string(key));
	for (size_t q = 0; q < json_array_size(queue); q++) {
		const json_t *st = json_object_get(x->steps, json_string_value(json_array_get(queue, q)));
		const char *role;
		json_t *in;
		json_object_foreach(json_object_get(st, "inputs"), role, in)
		{
			const char *h = sc_oid_hex_of(json_is_string(in) ? json_string_value(in) : "");
			const char *p = sc_report_producer(x, h, st);
			if (p && !json_object_get(out, p) && strcmp(p, key)) {
				json_object_set_new(out, p, json_true());
				json_array_append_new(queue, json_string(p));
			}
		}
	}
	json_decref(queue);
}

void sc_report_provenance(sc_buf *b, const sc_report_model *m, const sc_report_table *t,
			  json_t *used)
{
	sc_buf_puts(b, "<h3>Provenance</h3>\n<p class=\"muted\">Each number above is the mean of the "
		       "evaluations below. Every step links to its record (kind, version, "
		       "parameters, input and output hashes, times) at the end of the page.</p>\n");
	for (size_t i = 0; i < t->nm; i++) {
		const sc_report_method *me = &t->m[i];
		sc_buf_printf(b, "<details id=\"prov%zu-%zu\"><summary>", t->index, i);
		sc_html_text(b, me->name);
		sc_buf_printf(b, ": %zu evaluation%s</summary>\n", me->nu, me->nu == 1 ? "" : "s");
		sc_buf_puts(b, "<div class=\"scroll\"><table><thead><tr><th>seed</th><th>in</th>"
			       "<th>evaluation step</th><th>upstream steps</th><th>values</th></tr>"
			       "</thead><tbody>\n");
		json_t *srcs = json_object();
		for (size_t u = 0; u < me->nu; u++) {
			const sc_report_unit *un = &me->u[u];
			sc_buf_puts(b, "<tr><td class=\"num\">");
			if (un->has_seed)
				sc_buf_printf(b, "%lld", (long long)un->seed);
			sc_buf_puts(b, "</td><td>");
			for (size_t k = 0; k < un->nsrc; k++) {
				if (k)
					sc_buf_puts(b, ", ");
				sc_report_src_link(b, m, un->src[k]);
				char sk[32];
				snprintf(sk, sizeof(sk), "%zu", un->src[k]);
				json_object_set_new(srcs, sk, json_integer((json_int_t)un->src[k]));
				json_t *e = json_object_get(used, un->step);
				if (!e) {
					e = json_object();
					json_object_set_new(used, un->step, e);
				}
				json_object_set_new(e, sk, json_true());
			}
			sc_buf_puts(b, "</td><td>");
			sc_report_step_link(b, un->step, NULL);
			sc_buf_puts(b, "</td><td>");
			json_t *anc = json_object();
			sc_report_ancestors(&m->s[un->src[0]], un->step, anc);
			size_t n = 0;
			const char *key;
			json_t *v;
			json_object_foreach(anc, key, v)
			{
				if (n++)
					sc_buf_puts(b, " ");
				sc_report_step_link(b, key, NULL);
				for (size_t k = 0; k < un->nsrc; k++) {
					char sk[32];
					snprintf(sk, sizeof(sk), "%zu", un->src[k]);
					json_t *e = json_object_get(used, key);
					if (!e) {
						e = json_object();
						json_object_set_new(used, key, e);
					}
					json_object_set_new(e, sk, json_true());
				}
			}
			json_decref(anc);
			sc_buf_puts(b, "</td><td class=\"vals\">");
			for (size_t k = 0, w = 0; k < t->nk; k++) {
				if (!un->has[k])
					continue;
				if (w++)
					sc_buf_puts(b, " &middot; ");
				sc_html_text(b, t->metric[k]);
				sc_buf_puts(b, "&nbsp;");
				char s[40];
				snprintf(s, sizeof(s), "%.6g", un->v[k]);
				sc_buf_puts(b, isnan(un->v[k]) ? "nan" : s);
			}
			sc_buf_puts(b, "</td></tr>\n");
		}
		sc_buf_puts(b, "</tbody></table></div>\n<p>Reproduce: ");
		size_t n = 0;
		const char *key;
		json_t *v;
		size_t ns = json_object_size(srcs), *list = sc_xcalloc(ns + 1, sizeof(size_t));
		json_object_foreach(srcs, key, v)
			list[n++] = (size_t)json_integer_value(v);
		for (size_t a = 1; a < n; a++)
			for (size_t c = a; c > 0 && list[c - 1] > list[c]; c--) {
				size_t tmp = list[c];
				list[c] = list[c - 1];
				list[c - 1] = tmp;
			}
		for (size_t k = 0; k < n; k++) {
			sc_buf_puts(b, k ? "<br>" : "");
			sc_report_src_link(b, m, list[k]);
			sc_buf_puts(b, ": ");
			sc_report_reproduce(b, &m->s[list[k]]);
		}
		free(list);
		json_decref(srcs);
		sc_buf_puts(b, "</p>\n</details>\n");
	}
}

static void kv_json(sc_buf *b, const char *name, const json_t *v)
{
	char *s = sc_json_canonical(v);
	sc_buf_puts(b, "<tr><th>");
	sc_html_text(b, name);
	sc_buf_puts(b, "</th><td class=\"mono\">");
	sc_html_text(b, s ? s : "null");
	sc_buf_puts(b, "</td></tr>");
	free(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void sc_report_steps_appendix(sc_buf *b, const sc_report_model *m, const json_t *used)
{
	sc_buf_puts(b, "<h2 id=\"steps\">Steps</h2>\n<p class=\"muted\">Every step behind the numbers "
		       "on this page, by key: the SHA-256 of its kind, version, parameters, seed and "
		       "input hashes. The same key always means the same computation.</p>\n");
	size_t n = json_object_size(used), k = 0;
	const char **keys = sc_xcalloc(n + 1, sizeof(char *));
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)used, key, v)
		keys[k++] = key;
	qsort(keys, n, sizeof(char *), cmp_str);
	for (k = 0; k < n; k++) {
		const json_t *srcs = json_object_get(used, keys[k]);
		/* The sources in order; the first that has the step describes it. */
		size_t *sl = sc_xcalloc(json_object_size(srcs) + 1, sizeof(size_t)), ns = 0;
		const char *sk;
		json_t *x;
		json_object_foreach((json_t *)srcs, sk, x)
			sl[ns++] = (size_t)strtoull(sk, NULL, 10);
		for (size_t a = 1; a < ns; a++)
			for (size_t c = a; c > 0 && sl[c - 1] > sl[c]; c--) {
				size_t tmp = sl[c];
				sl[c] = sl[c - 1];
				sl[c - 1] = tmp;
			}
		const json_t *st = NULL;
		for (size_t a = 0; a < ns && !st; a++)
			st = json_object_get(m->s[sl[a]].steps, keys[k]);
		sc_buf_puts(b, "<details id=\"s-");
		sc_html_text(b, keys[k]);
		sc_buf_printf(b, "\"><summary><code>%.12s</code> ", keys[k]);
		sc_html_text(b, sc_json_str(st, "kind", "?"));
		const char *meth = sc_json_str(st, "method", NULL);
		if (meth) {
			sc_buf_puts(b, " ");
			sc_html_text(b, meth);
		}
		if (json_is_integer(json_object_get(st, "seed")))
			sc_buf_printf(b, " seed %lld", sc_json_int(st, "seed", 0));
		sc_buf_puts(b, "</summary>\n<div class=\"scroll\"><table class=\"kv\">");
		sc_buf_puts(b, "<tr><th>key</th><td class=\"mono\">");
		sc_html_text(b, keys[k]);
		sc_buf_puts(b, "</td></tr><tr><th>kind</th><td>");
		sc_html_text(b, sc_json_str(st, "kind", ""));
		sc_buf_puts(b, " version ");
		sc_html_text(b, sc_json_str(st, "version", ""));
		sc_buf_puts(b, json_is_false(json_object_get(st, "deterministic"))
				       ? " <span class=\"bad\">(declared not bit-reproducible)</span>"
				       : "");
		sc_buf_puts(b, "</td></tr>");
		static const char *const who[] = { "task", "dataset", "method" };
		for (int q = 0; q < 3; q++) {
			if (!json_is_string(json_object_get(st, who[q])))
				continue;
			sc_buf_puts(b, "<tr><th>");
			sc_html_text(b, who[q]);
			sc_buf_puts(b, "</th><td>");
			sc_html_text(b, sc_json_str(st, who[q], ""));
			sc_buf_puts(b, "</td></tr>");
		}
		if (json_is_integer(json_object_get(st, "seed")))
			sc_buf_printf(b, "<tr><th>seed</th><td>%lld</td></tr>", sc_json_int(st, "seed", 0));
		kv_json(b, "parameters", json_object_get(st, "params"));
		static const char *const io[] = { "inputs", "outputs" };
		for (int q = 0; q < 2; q++) {
			sc_buf_puts(b, "<tr><th>");
			sc_buf_puts(b, io[q]);
			sc_buf_puts(b, "</th><td class=\"mono\">");
			/* Roles in byte order: catalog rows come in no promised order. */
			const json_t *map = json_object_get(st, io[q]);
			size_t nr = json_object_size(map), w = 0;
			const char **roles = sc_xcalloc(nr + 1, sizeof(char *));
			const char *rk;
			json_t *rv;
			json_object_foreach((json_t *)map, rk, rv)
				roles[w++] = rk;
			qsort(roles, nr, sizeof(char *), cmp_str);
			for (w = 0; w < nr; w++) {
				const char *role = roles[w];
				const json_t *o = json_object_get(map, role);
				if (w)
					sc_buf_puts(b, "<br>");
				sc_html_text(b, role);
				sc_buf_puts(b, ": ");
				const char *h = sc_oid_hex_of(json_is_string(o) ? json_string_value(o) : "");
				sc_html_text(b, h);
				const char *from =
					q == 0 && ns ? sc_report_producer(&m->s[sl[0]], h, st) : NULL;
				if (from && json_object_get(used, from)) {
					sc_buf_puts(b, " (from ");
					sc_report_step_link(b, from, NULL);
					sc_buf_puts(b, ")");
				}
			}
			free(roles);
			sc_buf_puts(b, "</td></tr>");
		}
		const json_t *notes = json_object_get(st, "notes");
		if (json_array_size(notes)) {
			sc_buf_puts(b, "<tr><th>notes</th><td>");
			size_t i;
			json_t *nt;
			json_array_foreach(notes, i, nt)
			{
				if (i)
					sc_buf_puts(b, "<br>");
				sc_html_text(b, json_is_string(nt) ? json_string_value(nt) : "");
			}
			sc_buf_puts(b, "</td></tr>");
		}
		sc_buf_puts(b, "<tr><th>in</th><td>");
		for (size_t a = 0; a < ns; a++) {
			const json_t *s2 = json_object_get(m->s[sl[a]].steps, keys[k]);
			if (a)
				sc_buf_puts(b, "<br>");
			sc_report_src_link(b, m, sl[a]);
			sc_buf_puts(b, ": ");
			if (json_is_true(json_object_get(s2, "cached")))
				sc_buf_puts(b, "cached");
			else {
				char d[32];
				json_t *w = json_object_get(s2, "wall"), *c = json_object_get(s2, "cpu");
				sc_buf_puts(b, "computed");
				if (json_is_number(w))
					sc_buf_printf(b, " in %s", sc_fmt_duration(json_number_value(w), d));
				if (json_is_number(c))
					sc_buf_printf(b, ", cpu %s", sc_fmt_duration(json_number_value(c), d));
				json_t *rss = json_object_get(s2, "maxrss_kb");
				if (json_is_integer(rss))
					sc_buf_printf(b, ", peak RSS %s",
						      sc_fmt_size((uint64_t)json_integer_value(rss) * 1024, d));
			}
		}
		sc_buf_puts(b, "</td></tr></table></div></details>\n");
		free(sl);
	}
	free(keys);
}

