/*
 * report_page.c - the report's HTML: the index (what was included, where
 * it came from, the tasks, the model-by-task ranks) and one page per task
 * (leaderboards, charts, task sections, provenance, the steps behind every
 * number). Pages share html.c's scaffolding: inline CSS, a CSP that allows
 * no script and no fetch, every data string escaped. Ids are made from
 * positions and step keys (never from data), so they are unique and valid
 * whatever the names are.
 */
#include "report_impl.h"
#include "reports/csv.h"
#include "reports/html.h"
#include "runner/env.h"
#include "util/fmt.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void nav(sc_buf *b, const sc_report_model *m, long current)
{
	sc_buf_puts(b, "<nav>");
	if (current < 0)
		sc_buf_puts(b, "<b>Overview</b>");
	else
		sc_buf_puts(b, "<a href=\"index.html\">Overview</a>");
	for (size_t i = 0; i < m->np; i++) {
		sc_buf_puts(b, " ");
		if ((long)i == current) {
			sc_buf_puts(b, "<b>");
			sc_html_text(b, m->p[i].task);
			sc_buf_puts(b, "</b>");
			continue;
		}
		sc_buf_puts(b, "<a href=\"");
		sc_html_text(b, m->p[i].file);
		sc_buf_puts(b, "\">");
		sc_html_text(b, m->p[i].task);
		sc_buf_puts(b, "</a>");
	}
	sc_buf_puts(b, "</nav>\n");
}

static void seeds_text(sc_buf *b, const sc_report_table *t)
{
	json_t *set = json_object();
	int unseeded = 0;
	for (size_t i = 0; i < t->nm; i++)
		for (size_t u = 0; u < t->m[i].nu; u++) {
			if (!t->m[i].u[u].has_seed) {
				unseeded = 1;
				continue;
			}
			char k[32];
			snprintf(k, sizeof(k), "%lld", (long long)t->m[i].u[u].seed);
			json_object_set_new(set, k, json_integer(t->m[i].u[u].seed));
		}
	size_t n = json_object_size(set), k = 0;
	int64_t *v = sc_xcalloc(n + 1, sizeof(int64_t));
	const char *key;
	json_t *x;
	json_object_foreach(set, key, x)
		v[k++] = json_integer_value(x);
	for (size_t a = 1; a < n; a++)
		for (size_t c = a; c > 0 && v[c - 1] > v[c]; c--) {
			int64_t tmp = v[c];
			v[c] = v[c - 1];
			v[c - 1] = tmp;
		}
	int contiguous = n > 3 && v[n - 1] - v[0] == (int64_t)n - 1;
	if (!n)
		sc_buf_puts(b, unseeded ? "none" : "&mdash;");
	else if (contiguous)
		sc_buf_printf(b, "%lld&ndash;%lld (%zu)", (long long)v[0], (long long)v[n - 1], n);
	else
		for (k = 0; k < n && k < 10; k++)
			sc_buf_printf(b, "%s%lld", k ? ", " : "", (long long)v[k]);
	if (n > 10 && !contiguous)
		sc_buf_printf(b, ", &hellip; (%zu)", n);
	if (n && unseeded)
		sc_buf_puts(b, ", unseeded");
	free(v);
	json_decref(set);
}

static size_t evaluations(const sc_report_table *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->nm; i++)
		n += t->m[i].nu;
	return n;
}

/* ---- index ----------------------------------------------------------------------- */

static void source_row(sc_buf *b, const sc_report_model *m, size_t si)
{
	const sc_report_src *x = &m->s[si];
	const json_t *in = x->info, *prov = json_object_get(in, "provenance");
	sc_buf_printf(b, "<tr id=\"src-%zu\"><td>", si);
	sc_html_text(b, x->name);
	if (!x->run) {
		if (in)
			sc_buf_printf(b, "<br><span class=\"muted\">recorded by run %lld</span>",
				      sc_json_int(in, "id", 0));
		else
			sc_buf_puts(b, "<br><span class=\"muted\">no run of this store recorded it</span>");
	}
	sc_buf_puts(b, "</td><td>");
	sc_html_text(b, x->run ? sc_json_str(in, "status", "") : "result");
	sc_buf_puts(b, "</td><td>");
	if (x->result[0]) {
		sc_buf_puts(b, "<code class=\"hash\">");
		sc_html_text(b, x->result);
		sc_buf_puts(b, "</code>");
	} else
		sc_buf_puts(b, "<span class=\"bad\">none</span>");
	sc_buf_puts(b, "</td><td>");
	sc_html_text(b, sc_json_str(in, "started", ""));
	json_t *sec = json_object_get(in, "seconds");
	if (json_is_number(sec)) {
		char d[32];
		sc_buf_printf(b, "<br><span class=\"muted\">%s</span>",
			      sc_fmt_duration(json_number_value(sec), d));
	}
	sc_buf_puts(b, "</td><td>");
	if (json_is_string(json_object_get(prov, "commit"))) {
		sc_buf_puts(b, "<code>");
		sc_html_text_n(b, sc_json_str(prov, "commit", ""), 12);
		sc_buf_puts(b, "</code>");
		if (json_is_string(json_object_get(prov, "branch"))) {
			sc_buf_puts(b, " ");
			sc_html_text(b, sc_json_str(prov, "branch", ""));
		}
		if (json_is_true(json_object_get(prov, "dirty")))
			sc_buf_puts(b, " <span class=\"dirty\">dirty</span>");
	} else {
		sc_buf_puts(b, "<span class=\"muted\">");
		sc_html_text(b, in ? sc_json_str(prov, "note", "no commit") : "unknown");
		sc_buf_puts(b, "</span>");
	}
	sc_buf_puts(b, "</td><td>");
	sc_html_text(b, sc_json_str(in, "sceval_version", ""));
	sc_buf_puts(b, "</td><td class=\"num\">");
	sc_buf_printf(b, "%zu</td></tr>\n", json_array_size(x->rows));
}

static void source_details(sc_buf *b, const sc_report_model *m, size_t si)
{
	const sc_report_src *x = &m->s[si];
	const json_t *in = x->info, *prov = json_object_get(in, "provenance");
	sc_buf_puts(b, "<details><summary>");
	sc_html_text(b, x->name);
	sc_buf_puts(b, "</summary>\n<div class=\"scroll\"><table class=\"kv\">");
	sc_buf_puts(b, "<tr><th>reproduce</th><td>");
	sc_report_reproduce(b, x);
	sc_buf_puts(b, "</td></tr>");
	if (in) {
		static const char *const keys[] = { "started", "ended", "spec_path", "spec", "cwd" };
		for (int k = 0; k < 5; k++) {
			sc_buf_puts(b, "<tr><th>");
			sc_html_text(b, keys[k]);
			sc_buf_puts(b, "</th><td class=\"mono\">");
			sc_html_text(b, sc_json_str(in, keys[k], ""));
			sc_buf_puts(b, "</td></tr>");
		}
		static const char *const objs[] = { "argv", "build", "libraries", "machine" };
		for (int k = 0; k < 4; k++) {
			char *s = json_dumps(json_object_get(in, objs[k]),
					     JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
			sc_buf_puts(b, "<tr><th>");
			sc_html_text(b, objs[k]);
			sc_buf_puts(b, "</th><td class=\"mono\">");
			sc_html_text(b, s ? s : "");
			sc_buf_puts(b, "</td></tr>");
			free(s);
		}
		static const char *const pk[] = { "repo", "remote", "commit", "branch", "diff", "note" };
		for (int k = 0; k < 6; k++) {
			if (!json_is_string(json_object_get(prov, pk[k])))
				continue;
			sc_buf_puts(b, "<tr><th>git ");
			sc_html_text(b, pk[k]);
			sc_buf_puts(b, "</th><td class=\"mono\">");
			sc_html_text(b, sc_json_str(prov, pk[k], ""));
			sc_buf_puts(b, "</td></tr>");
		}
		size_t i;
		json_t *st;
		json_array_foreach(json_object_get(in, "step_list"), i, st)
		{
			const char *status = sc_json_str(st, "status", "");
			if (!x->run || !strcmp(status, "done"))
				continue;
			sc_buf_puts(b, "<tr><th class=\"bad\">step ");
			sc_html_text(b, status);
			sc_buf_puts(b, "</th><td>");
			sc_html_text(b, sc_json_str(st, "label", ""));
			if (json_is_string(json_object_get(st, "error"))) {
				sc_buf_puts(b, ": ");
				sc_html_text(b, sc_json_str(st, "error", ""));
			}
			sc_buf_puts(b, "</td></tr>");
		}
		if (json_is_true(json_object_get(prov, "dirty"))) {
			sc_buf_puts(b, "<tr><th class=\"dirty\">dirty files</th><td class=\"mono\">");
			json_t *f;
			json_array_foreach(json_object_get(prov, "dirty_files"), i, f)
			{
				if (i)
					sc_buf_puts(b, "<br>");
				sc_html_text(b, json_is_string(f) ? json_string_value(f) : "");
			}
			sc_buf_puts(b, "</td></tr>");
		}
	}
	sc_buf_puts(b, "</table></div></details>\n");
}

static void rank_table(sc_buf *b, const sc_report_model *m)
{
	json_t *rows = json_object();
	size_t nr = 0, ncol = 0;
	size_t *col = sc_xcalloc(m->nt + 1, sizeof(size_t));
	for (size_t ti = 0; ti < m->nt; ti++) {
		if (m->t[ti].primary < 0)
			continue;
		col[ncol++] = ti;
		for (size_t i = 0; i < m->t[ti].nm; i++) {
			int fresh = !json_object_get(rows, m->t[ti].m[i].name);
			if (fresh)
				json_object_set_new(rows, m->t[ti].m[i].name, json_integer((json_int_t)nr++));
		}
	}
	sc_buf_puts(b, "<h2 id=\"ranks\">Methods ranked per task</h2>\n");
	sc_buf_puts(b, "<p>The rank of each method within each task and dataset by the task's primary "
		       "metric, mean over seeds: <b>accuracy</b> for annotation, <b>overall</b> "
		       "(0.6 bio + 0.4 batch, raw) for batch integration, <b>bio</b> for multi-omics "
		       "integration, <b>accuracy_mean</b> (over folds) for gene-function. 1 is best; "
		       "ties share the mean of the ranks they span; the last column is the mean "
		       "rank over the tasks a method took part in. Methods are matched by name "
		       "across tasks.</p>\n");
	if (!ncol) {
		sc_buf_puts(b, "<p class=\"muted\">no task with a primary metric</p>\n");
		free(col);
		json_decref(rows);
		return;
	}
	double *rk = sc_xcalloc(nr * ncol + 1, sizeof(double));
	for (size_t k = 0; k < nr * ncol; k++)
		rk[k] = NAN;
	for (size_t c = 0; c < ncol; c++) {
		const sc_report_table *t = &m->t[col[c]];
		for (size_t i = 0; i < t->nm; i++)
			rk[(size_t)json_integer_value(json_object_get(rows, t->m[i].name)) * ncol + c] =
				t->rank[i];
	}
	double *mean = sc_xcalloc(nr + 1, sizeof(double));
	const char **names = sc_xcalloc(nr + 1, sizeof(char *));
	size_t *ord = sc_xcalloc(nr + 1, sizeof(size_t));
	const char *key;
	json_t *v;
	json_object_foreach(rows, key, v)
		names[json_integer_value(v)] = key;
	for (size_t r = 0; r < nr; r++) {
		double sd;
		size_t k;
		sc_report_mean_sd(rk + r * ncol, ncol, &mean[r], &sd, &k);
		ord[r] = r;
	}
	for (size_t a = 1; a < nr; a++)
		for (size_t c = a; c > 0; c--) {
			size_t x = ord[c - 1], y = ord[c];
			double p = mean[x], q = mean[y];
			int swap = isfinite(p) != isfinite(q) ? !isfinite(p)
				   : p != q		      ? p > q
							      : strcmp(names[x], names[y]) > 0;
			if (!swap)
				break;
			ord[c - 1] = y;
			ord[c] = x;
		}
	sc_buf_puts(b, "<div class=\"scroll\"><table class=\"ranks heat\" id=\"rank-table\"><thead><tr>"
		       "<th>method</th>");
	for (size_t c = 0; c < ncol; c++) {
		const sc_report_table *t = &m->t[col[c]];
		sc_buf_puts(b, "<th><a href=\"");
		sc_html_text(b, m->p[t->page].file);
		sc_buf_printf(b, "#d%zu\">", t->index);
		sc_html_text(b, t->task);
		sc_buf_puts(b, "<br>");
		sc_html_text(b, t->dataset);
		sc_buf_puts(b, "</a><br><span class=\"muted\">");
		sc_html_text(b, t->metric[t->primary]);
		sc_buf_puts(b, t->hib[t->primary] ? " &uarr;" : " &darr;");
		sc_buf_puts(b, "</span></th>");
	}
	sc_buf_puts(b, "<th>mean rank</th></tr></thead><tbody>\n");
	for (size_t r = 0; r < nr; r++) {
		size_t x = ord[r];
		sc_buf_puts(b, "<tr><td>");
		sc_html_text(b, names[x]);
		sc_buf_puts(b, "</td>");
		for (size_t c = 0; c < ncol; c++) {
			double q = rk[x * ncol + c];
			size_t n = m->t[col[c]].nm;
			sc_buf_puts(b, "<td class=\"num\"");
			if (isfinite(q)) {
				sc_buf_puts(b, " data-v=\"");
				sc_buf_num(b, q);
				sc_buf_puts(b, "\"");
				sc_report_heat(b, n > 1 ? 1 - (q - 1) / (double)(n - 1) : 1, 0);
				sc_buf_printf(b, ">%g<span class=\"muted\">/%zu</span></td>", q, n);
			} else {
				sc_buf_puts(b, ">&mdash;</td>");
			}
		}
		sc_buf_puts(b, "<td class=\"num\">");
		if (isfinite(mean[x]))
			sc_buf_printf(b, "%.2f", mean[x]);
		else
			sc_buf_puts(b, "&mdash;");
		sc_buf_puts(b, "</td></tr>\n");
	}
	sc_buf_puts(b, "</tbody></table></div>\n");
	free(rk);
	free(mean);
	free(names);
	free(ord);
	free(col);
	json_decref(rows);
}

void sc_report_index_page(const sc_report_model *m, const char *gen, sc_buf *b)
{
	sc_html_begin(b, "sceval report");
	nav(b, m, -1);
	sc_buf_puts(b, "<h1>sceval report</h1>\n");
	size_t nrun = 0;
	for (size_t i = 0; i < m->ns; i++)
		nrun += m->s[i].run != 0;
	sc_buf_printf(b, "<p>%zu run%s", nrun, nrun == 1 ? "" : "s");
	if (m->ns > nrun)
		sc_buf_printf(b, " and %zu result%s given by hash", m->ns - nrun,
			      m->ns - nrun == 1 ? "" : "s");
	sc_buf_printf(b, "; %zu task%s on %zu task-dataset pair%s.</p>\n", m->np, m->np == 1 ? "" : "s",
		      m->nt, m->nt == 1 ? "" : "s");
	sc_buf_puts(b, "<h2 id=\"runs\">Runs and results</h2>\n<div class=\"scroll\"><table "
		       "id=\"runs-table\"><thead><tr><th>source</th><th>status</th><th>result hash</th>"
		       "<th>started (UTC)</th><th>git commit</th><th>sceval</th><th>values</th></tr>"
		       "</thead><tbody>\n");
	for (size_t i = 0; i < m->ns; i++)
		source_row(b, m, i);
	sc_buf_puts(b, "</tbody></table></div>\n<p class=\"muted\">A result hash names the exact "
		       "steps, inputs, outputs and values of a run that finished every step; "
		       "<code>sceval reproduce HASH</code> recomputes it without the cache. "
		       "<span class=\"dirty\">dirty</span>: the code had uncommitted changes (the "
		       "diff is stored; see the details).</p>\n");
	for (size_t i = 0; i < m->ns; i++)
		source_details(b, m, i);

	sc_buf_puts(b, "<h2 id=\"tasks\">Tasks</h2>\n");
	if (!m->nt)
		sc_buf_puts(b, "<p class=\"muted\">no metric recorded</p>\n");
	else {
		sc_buf_puts(b, "<div class=\"scroll\"><table id=\"tasks-table\"><thead><tr><th>task</th>"
			       "<th>kind</th><th>dataset</th><th>methods</th><th>evaluations</th>"
			       "<th>seeds</th><th>best by primary metric</th></tr></thead><tbody>\n");
		for (size_t ti = 0; ti < m->nt; ti++) {
			const sc_report_table *t = &m->t[ti];
			sc_buf_puts(b, "<tr><td><a href=\"");
			sc_html_text(b, m->p[t->page].file);
			sc_buf_puts(b, "\">");
			sc_html_text(b, t->task);
			sc_buf_puts(b, "</a></td><td>");
			sc_html_text(b, sc_report_task_kind(t));
			sc_buf_puts(b, "</td><td><a href=\"");
			sc_html_text(b, m->p[t->page].file);
			sc_buf_printf(b, "#d%zu\">", t->index);
			sc_html_text(b, t->dataset);
			sc_buf_printf(b, "</a></td><td class=\"num\">%zu</td><td class=\"num\">%zu</td><td>",
				      t->nm, evaluations(t));
			seeds_text(b, t);
			sc_buf_puts(b, "</td><td>");
			if (t->primary >= 0 && t->nm && t->m[0].n[t->primary]) {
				sc_html_text(b, t->m[0].name);
				sc_buf_puts(b, " <span class=\"muted\">(");
				sc_html_text(b, t->metric[t->primary]);
				sc_buf_puts(b, " ");
				sc_report_num(b, t->m[0].mean[t->primary]);
				sc_buf_puts(b, ")</span>");
			} else {
				sc_buf_puts(b, "&mdash;");
			}
			sc_buf_puts(b, "</td></tr>\n");
		}
		sc_buf_puts(b, "</tbody></table></div>\n");
	}
	rank_table(b, m);
	sc_buf_puts(b, "<h2 id=\"files\">Data</h2>\n<p><a href=\"metrics_long.csv\">metrics_long.csv"
		       "</a>: one row per recorded value (run, result, task, dataset, method, metric, "
		       "value, seed, higher_is_better). <a href=\"metrics_wide.csv\">metrics_wide.csv"
		       "</a>: one row per evaluation (run, result, task, dataset, method, seed), one "
		       "column per metric. <code>nan</code>: recorded as undefined; empty: not "
		       "recorded.</p>\n");
	sc_buf_puts(b, "<footer class=\"muted\">Written by sceval ");
	sc_html_text(b, sc_env_version());
	if (gen && *gen) {
		sc_buf_puts(b, " at ");
		sc_html_text(b, gen);
	}
	sc_buf_puts(b, ".</footer>\n");
	sc_html_end(b);
}

/* ---- task pages ------------------------------------------------------------------ */

static void leaderboard(sc_buf *b, const sc_report_table *t)
{
	sc_buf_puts(b, "<h3>Leaderboard</h3>\n<p class=\"muted\">Mean &plusmn; standard deviation over "
		       "seeds (ddof 1); &uarr; higher is better, &darr; lower is better; the best "
		       "value of each column is shaded. ");
	if (t->primary >= 0) {
		sc_buf_puts(b, "Rows by ");
		sc_html_text(b, t->metric[t->primary]);
		sc_buf_puts(b, ".");
	}
	sc_buf_puts(b, " A method's name links to the provenance of its numbers.</p>\n");
	sc_buf_printf(b, "<div class=\"scroll\"><table class=\"leaderboard\" id=\"lb%zu\"", t->index);
	sc_report_data_attrs(b, t);
	sc_buf_puts(b, "><thead><tr><th>rank</th><th>method</th><th>n</th>");
	for (size_t k = 0; k < t->nk; k++) {
		sc_buf_printf(b, "<th title=\"%s is better\">", t->hib[k] ? "higher" : "lower");
		sc_html_text(b, t->metric[k]);
		sc_buf_puts(b, t->hib[k] ? "&nbsp;&uarr;" : "&nbsp;&darr;");
		sc_buf_puts(b, "</th>");
	}
	sc_buf_puts(b, "</tr></thead><tbody>\n");
	double *best = sc_xcalloc(t->nk + 1, sizeof(double));
	for (size_t k = 0; k < t->nk; k++) {
		best[k] = NAN;
		for (size_t i = 0; i < t->nm; i++) {
			double v = t->m[i].mean[k];
			if (isfinite(v) && (!isfinite(best[k]) || (t->hib[k] ? v > best[k] : v < best[k])))
				best[k] = v;
		}
	}
	for (size_t i = 0; i < t->nm; i++) {
		const sc_report_method *me = &t->m[i];
		sc_buf_puts(b, "<tr><td class=\"num\">");
		if (isfinite(t->rank[i]))
			sc_buf_printf(b, "%g", t->rank[i]);
		sc_buf_printf(b, "</td><td><a href=\"#prov%zu-%zu\">", t->index, i);
		sc_html_text(b, me->name);
		sc_buf_printf(b, "</a></td><td class=\"num\">%zu</td>", me->nu);
		for (size_t k = 0; k < t->nk; k++)
			sc_report_mean_cell(b, me->mean[k], me->sd[k], me->n[k],
					    me->n[k] && me->mean[k] == best[k] && t->nm > 1);
		sc_buf_puts(b, "</tr>\n");
	}
	sc_buf_puts(b, "</tbody></table></div>\n");
	free(best);
}

static void charts(sc_buf *b, const sc_report_table *t)
{
	sc_buf_puts(b, "<h3>Metrics by method</h3>\n<p class=\"muted\">Bar: mean over seeds; line: "
		       "&plusmn; one standard deviation; dots: the value of each seed; number: the mean as in the "
		       "table. Each axis spans its metric's values: one that does not reach 0 is cut "
		       "(a red zigzag) and says where it starts.</p>\n"
		       "<div class=\"charts\">\n");
	for (size_t k = 0; k < t->nk; k++) {
		sc_buf_puts(b, "<figure><figcaption>");
		sc_html_text(b, t->metric[k]);
		sc_buf_puts(b, t->hib[k] ? " &uarr;" : " &darr;");
		sc_buf_puts(b, "</figcaption>");
		sc_report_svg_bars(b, t, k);
		sc_buf_puts(b, "</figure>\n");
	}
	sc_buf_puts(b, "</div>\n");
}

int sc_report_task_page(const sc_report_model *m, size_t page, sc_store *s, sc_buf *b,
			sc_err *err)
{
	sc_err fatal = { 0, "" };
	const sc_report_page *p = &m->p[page];
	char *title = sc_xasprintf("sceval report: %s", p->task);
	sc_html_begin(b, title);
	free(title);
	nav(b, m, (long)page);
	sc_buf_puts(b, "<h1>");
	sc_html_text(b, p->task);
	sc_buf_puts(b, "</h1>\n<p>Datasets:");
	for (size_t ti = 0; ti < m->nt; ti++)
		if (m->t[ti].page == page) {
			sc_buf_printf(b, " <a href=\"#d%zu\">", m->t[ti].index);
			sc_html_text(b, m->t[ti].dataset);
			sc_buf_puts(b, "</a>");
		}
	sc_buf_puts(b, ". <a href=\"#steps\">Steps</a>.</p>\n");
	json_t *used = json_object();
	for (size_t ti = 0; ti < m->nt; ti++) {
		const sc_report_table *t = &m->t[ti];
		if (t->page != page)
			continue;
		sc_buf_printf(b, "<section id=\"d%zu\">\n<h2>", t->index);
		sc_html_text(b, t->dataset);
		sc_buf_puts(b, " <span class=\"tag\">");
		sc_html_text(b, sc_report_task_kind(t));
		sc_buf_printf(b, "</span></h2>\n<p>%zu method%s, %zu evaluation%s; seeds: ", t->nm,
			      t->nm == 1 ? "" : "s", evaluations(t), evaluations(t) == 1 ? "" : "s");
		seeds_text(b, t);
		if (t->primary >= 0) {
			sc_buf_puts(b, "; primary metric: <b>");
			sc_html_text(b, t->metric[t->primary]);
			sc_buf_puts(b, "</b>");
		}
		sc_buf_puts(b, ".</p>\n");
		leaderboard(b, t);
		charts(b, t);
		if (t->kind == SC_RK_BATCH || t->kind == SC_RK_MULTIOMICS) {
			sc_report_section_scib(b, t);
			sc_report_section_labels(b, m, t, s, &fatal);
		} else if (t->kind == SC_RK_ANNOTATION) {
			sc_report_section_annotation(b, m, t, s, &fatal);
		}
		sc_report_section_figures(b, m, t, s, &fatal);
		sc_report_provenance(b, m, t, used);
		sc_buf_puts(b, "</section>\n");
	}
	sc_report_steps_appendix(b, m, used);
	json_decref(used);
	sc_html_end(b);
	if (fatal.code)
		return sc_errf(err, fatal.code, "%s", fatal.msg);
	return 0;
}
