/*
 * report_model.c - gathering what a report shows: the runs and results
 * named on the command line, their metric rows grouped into tables of
 * methods x metrics per (task, dataset), the seeds' mean and spread, and
 * the ranks the overview uses. See report_impl.h for the model.
 *
 * Built for a report over up to thousands of runs: one catalog query per
 * run for its steps and one for its metrics, then a single pass over the
 * rows with hash maps (jansson objects) for grouping; nothing is quadratic
 * in the number of runs.
 */
#include "report_impl.h"
#include "runner/query.h"
#include "runner/summary.h"
#include "store/catalog.h"
#include "tasks/scib/suite.h"
#include "tasks/task.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *sc_report_kind_name(sc_report_kind k)
{
	switch (k) {
	case SC_RK_ANNOTATION: return "annotation";
	case SC_RK_GENEFUNC: return "gene-function";
	case SC_RK_BATCH: return "batch";
	case SC_RK_MULTIOMICS: return "multiomics";
	default: return "other";
	}
}

const char *sc_report_task_kind(const sc_report_table *t)
{
	return t->desc ? t->desc->name : "other";
}

/* The task's descriptor (tasks/task.h) names its primary metric. */
const char *sc_report_primary_metric(sc_report_kind k)
{
	const sc_task *t = k == SC_RK_OTHER ? NULL : sc_task_find(sc_report_kind_name(k));
	return t ? sc_task_primary_metric(t) : NULL;
}

void sc_report_mean_sd(const double *v, size_t n, double *mean, double *sd, size_t *k)
{
	size_t c = 0;
	double s = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i])) {
			s += v[i];
			c++;
		}
	*k = c;
	*mean = c ? s / (double)c : NAN;
	*sd = NAN;
	if (c < 2)
		return;
	double q = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			q += (v[i] - *mean) * (v[i] - *mean);
	*sd = sqrt(q / (double)(c - 1));
}

void sc_report_rank(const double *v, size_t n, int hib, double *rank)
{
	/* n is the number of methods in one table: tens at most, so the
	 * plain count is clearer than a sort. */
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i])) {
			rank[i] = NAN;
			continue;
		}
		size_t better = 0, equal = 0;
		for (size_t j = 0; j < n; j++) {
			if (!isfinite(v[j]))
				continue;
			if (v[j] == v[i])
				equal++;
			else if (hib ? v[j] > v[i] : v[j] < v[i])
				better++;
		}
		rank[i] = (double)better + (double)(equal + 1) / 2.0;
	}
}

char *sc_report_page_name(const char *task, char *const *taken, size_t ntaken)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	for (const char *p = task; *p && b.len < 60; p++) {
		char c = *p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '_' || c == '-';
		sc_buf_putc(&b, ok ? c : '_');
	}
	if (!b.len)
		sc_buf_puts(&b, "task");
	if (!strcmp(b.s, "index"))
		sc_buf_puts(&b, "-task");
	size_t stem = b.len;
	for (int k = 1;; k++) {
		if (k > 1) {
			b.len = stem;
			b.s[stem] = 0;
			sc_buf_printf(&b, "-%d", k);
		}
		sc_buf_puts(&b, ".html");
		int clash = 0;
		for (size_t i = 0; i < ntaken && !clash; i++)
			clash = !strcasecmp(taken[i], b.s); /* case-insensitive file systems */
		if (!clash)
			break;
		b.len = stem;
		b.s[stem] = 0;
	}
	return sc_buf_detach(&b);
}

/* ---- sources ----------------------------------------------------------------- */

/* Index the steps by key and their outputs by object. */
static void index_steps(sc_report_src *x, const json_t *list)
{
	x->steps = json_object();
	x->producer = json_object();
	size_t i;
	json_t *st;
	json_array_foreach(list, i, st)
	{
		const char *key = sc_json_str(st, "key", NULL);
		if (!key)
			continue;
		json_object_set(x->steps, key, st);
		const char *role;
		json_t *o;
		json_object_foreach(json_object_get(st, "outputs"), role, o)
			if (json_is_string(o)) {
				/* Two steps may write identical bytes: keep them all. */
				const char *h = sc_oid_hex_of(json_string_value(o));
				json_t *l = json_object_get(x->producer, h);
				if (!l) {
					l = json_array();
					json_object_set_new(x->producer, h, l);
				}
				json_array_append_new(l, json_string(key));
			}
	}
}

static int load_run(sc_report_src *x, sc_store *s, sc_err *err)
{
	int rc = sc_query_run(s, x->run, &x->info, err);
	if (!rc)
		rc = sc_query_run_metrics(s, x->run, &x->rows, err);
	if (rc)
		return rc;
	snprintf(x->result, sizeof(x->result), "%s", sc_json_str(x->info, "result", ""));
	snprintf(x->name, sizeof(x->name), "run %lld", (long long)x->run);
	index_steps(x, json_object_get(x->info, "step_list"));
	return 0;
}

/* A result given by hash: its manifest's steps, with the times the catalog
 * has for them, and the first run that recorded it (for dates and code). */
static int load_result(sc_report_src *x, sc_store *s, sc_err *err)
{
	sc_oid id;
	json_t *man = NULL;
	int rc = sc_oid_parse(&id, x->result) ? sc_errf(err, SC_EINVAL, "bad result '%s'", x->result)
					       : sc_query_result(s, &id, &man, err);
	if (rc)
		return rc;
	snprintf(x->name, sizeof(x->name), "result %.12s", x->result);
	x->rows = sc_query_result_metrics(man);
	json_t *steps = json_object_get(man, "steps");
	/* The catalog's times are decoration, but a catalog that fails to
	 * answer is an error, not "no times". */
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st)
	{
		int found;
		sc_catalog_num wall, cpu, rss;
		if ((rc = sc_catalog_step_times(s, sc_json_str(st, "key", ""), &found, &wall, &cpu, &rss,
						err))) {
			json_decref(man);
			return rc;
		}
		if (found && wall.set)
			json_object_set_new(st, "wall", json_real(wall.d));
		if (found && cpu.set)
			json_object_set_new(st, "cpu", json_real(cpu.d));
		if (found && rss.set)
			json_object_set_new(st, "maxrss_kb", json_integer(rss.i));
	}
	index_steps(x, steps);
	json_decref(man);
	int64_t by = 0;
	if ((rc = sc_catalog_run_of_result(s, &id, &by, err)))
		return rc;
	if (by) {
		sc_err e2;
		if (sc_query_run(s, by, &x->info, &e2))
			x->info = NULL;
	}
	/* A manifest does not name the task kind of its steps (the result's
	 * hash does not depend on it): the run that recorded it does. */
	json_array_foreach(json_object_get(x->info, "step_list"), i, st)
	{
		json_t *ms = json_object_get(x->steps, sc_json_str(st, "key", ""));
		json_t *tk = json_object_get(st, "task_kind");
		if (ms && json_is_string(tk) && !json_object_get(ms, "task_kind"))
			json_object_set(ms, "task_kind", tk);
	}
	return 0;
}

static int src_cmp(const void *a, const void *b)
{
	const sc_report_src *x = a, *y = b;
	if ((x->run != 0) != (y->run != 0))
		return x->run ? -1 : 1;
	if (x->run)
		return x->run < y->run ? -1 : x->run > y->run;
	return strcmp(x->result, y->result);
}

static int load_sources(sc_report_model *m, sc_store *s, const char *const *refs, size_t n,
			sc_err *err)
{
	m->s = sc_xcalloc(n ? n : 1, sizeof(sc_report_src));
	for (size_t i = 0; i < n; i++) {
		int64_t run;
		sc_oid oid;
		int has;
		int rc = sc_query_resolve(s, refs[i], &run, &oid, &has, err);
		if (rc)
			return rc;
		sc_report_src x;
		memset(&x, 0, sizeof(x));
		x.run = run;
		if (!run) {
			/* Reject a non-result now, with the name the user typed. */
			json_t *man = NULL;
			if ((rc = sc_query_result(s, &oid, &man, err)))
				return sc_errprefix(err, "'%s'", refs[i]);
			json_decref(man);
			sc_oid_hex(&oid, x.result);
		}
		int dup = 0;
		for (size_t k = 0; k < m->ns && !dup; k++)
			dup = run ? m->s[k].run == run : !m->s[k].run && !strcmp(m->s[k].result, x.result);
		if (!dup)
			m->s[m->ns++] = x;
	}
	qsort(m->s, m->ns, sizeof(*m->s), src_cmp);
	for (size_t i = 0; i < m->ns; i++) {
		int rc = m->s[i].run ? load_run(&m->s[i], s, err) : load_result(&m->s[i], s, err);
		if (rc)
			return rc;
	}
	/* A result that is also an included run's result adds nothing. */
	size_t w = 0;
	for (size_t i = 0; i < m->ns; i++) {
		sc_report_src *x = &m->s[i];
		int dup = 0;
		for (size_t k = 0; !x->run && k < m->ns && !dup; k++)
			dup = m->s[k].run && !strcmp(m->s[k].result, x->result);
		if (dup) {
			json_decref(x->info);
			json_decref(x->rows);
			json_decref(x->steps);
			json_decref(x->producer);
			continue;
		}
		m->s[w++] = *x;
	}
	m->ns = w;
	return 0;
}

/* ---- grouping ------------------------------------------------------------------ */

/* Working state of one method while rows arrive. */
typedef struct gmethod {
	json_t *units;       /* "seed|step" -> index */
	json_t **vals;       /* per unit: {metric: value or null} */
} gmethod;

/* A step recorded before the catalog kept task kinds (schema 1): the task
 * is the one descriptor declaring the step's kind, or, when several do,
 * the one its task label names (the label is the task's name unless the
 * spec gave another). NULL when that does not tell. */
static const sc_task *task_of_unrecorded(const json_t *st)
{
	const char *kind = sc_json_str(st, "kind", ""), *label = sc_json_str(st, "task", "");
	const sc_task *only = NULL, *named = NULL;
	size_t n = 0;
	for (const sc_task *const *t = sc_tasks; *t; t++)
		for (const sc_step_kind *const *k = (*t)->steps; *k; k++)
			if (!strcmp((*k)->name, kind)) {
				only = *t;
				n++;
				if (!strcmp((*t)->name, label))
					named = *t;
			}
	return n == 1 ? only : named;
}

/* The task of a table: the task kind recorded with its first evaluation
 * step (the descriptor the step was planned by). */
static const sc_task *task_of(const sc_report_model *m, const sc_report_unit *u)
{
	const json_t *st = json_object_get(m->s[u->src[0]].steps, u->step);
	const char *tk = sc_json_str(st, "task_kind", NULL);
	return tk ? sc_task_find(tk) : task_of_unrecorded(st);
}

static sc_report_kind kind_of_task(const sc_task *t)
{
	for (sc_report_kind k = SC_RK_ANNOTATION; t && k <= SC_RK_MULTIOMICS; k++)
		if (!strcmp(sc_report_kind_name(k), t->name))
			return k;
	return SC_RK_OTHER;
}

static int unit_cmp(const void *a, const void *b)
{
	const sc_report_unit *x = a, *y = b;
	if (x->has_seed != y->has_seed)
		return x->has_seed ? 1 : -1;
	if (x->seed != y->seed)
		return x->seed < y->seed ? -1 : 1;
	if (x->src[0] != y->src[0])
		return x->src[0] < y->src[0] ? -1 : 1;
	return strcmp(x->step, y->step);
}

static const sc_report_table *sort_table;

static int method_cmp(const void *a, const void *b)
{
	const sc_report_method *x = a, *y = b;
	long p = sort_table->primary;
	if (p >= 0) {
		double u = x->mean[p], v = y->mean[p];
		int fu = isfinite(u), fv = isfinite(v);
		if (fu != fv)
			return fu ? -1 : 1;
		if (fu && u != v)
			return (sort_table->hib[p] ? u > v : u < v) ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

static int table_cmp(const void *a, const void *b)
{
	const sc_report_table *x = a, *y = b;
	int c = strcmp(x->task, y->task);
	return c ? c : strcmp(x->dataset, y->dataset);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t map_index(json_t *map, const char *key, size_t *count, int *fresh)
{
	json_t *v = json_object_get(map, key);
	*fresh = !v;
	if (v)
		return (size_t)json_integer_value(v);
	json_object_set_new(map, key, json_integer((json_int_t)*count));
	return (*count)++;
}

/* Turn the working maps into arrays, sort, compute statistics and ranks. */
static void finish_table(sc_report_model *m, sc_report_table *t, json_t *metrics, json_t *decls,
			 gmethod *gm)
{
	t->nk = json_object_size(metrics);
	t->metric = sc_xcalloc(t->nk ? t->nk : 1, sizeof(char *));
	t->hib = sc_xcalloc(t->nk ? t->nk : 1, sizeof(int));
	size_t k = 0;
	const char *name;
	json_t *v;
	json_object_foreach(metrics, name, v)
		t->metric[k++] = sc_xstrdup(name);
	qsort(t->metric, t->nk, sizeof(char *), str_cmp);
	for (k = 0; k < t->nk; k++)
		t->hib[k] = json_is_true(json_object_get(metrics, t->metric[k]));
	double *col = NULL;
	for (size_t i = 0; i < t->nm; i++) {
		sc_report_method *me = &t->m[i];
		for (size_t u = 0; u < me->nu; u++) {
			sc_report_unit *un = &me->u[u];
			un->v = sc_xcalloc(t->nk ? t->nk : 1, sizeof(double));
			un->has = sc_xcalloc(t->nk ? t->nk : 1, 1);
			for (k = 0; k < t->nk; k++) {
				json_t *x = json_object_get(gm[i].vals[u], t->metric[k]);
				un->has[k] = x != NULL;
				un->v[k] = json_is_number(x) ? json_number_value(x) : NAN;
			}
			json_decref(gm[i].vals[u]);
		}
		free(gm[i].vals);
		json_decref(gm[i].units);
		qsort(me->u, me->nu, sizeof(*me->u), unit_cmp);
		me->mean = sc_xcalloc(t->nk ? t->nk : 1, sizeof(double));
		me->sd = sc_xcalloc(t->nk ? t->nk : 1, sizeof(double));
		me->n = sc_xcalloc(t->nk ? t->nk : 1, sizeof(size_t));
		col = sc_xrealloc(col, (me->nu ? me->nu : 1) * sizeof(double));
		for (k = 0; k < t->nk; k++) {
			for (size_t u = 0; u < me->nu; u++)
				col[u] = me->u[u].v[k];
			sc_report_mean_sd(col, me->nu, &me->mean[k], &me->sd[k], &me->n[k]);
		}
	}
	free(col);
	const sc_task *task = t->nm && t->m[0].nu ? task_of(m, &t->m[0].u[0]) : NULL;
	t->desc = task;
	t->kind = kind_of_task(task);
	/* Directions and the primary metric as the task declared them when its
	 * steps ran (recorded with the metrics); for rows recorded without a
	 * declaration, the descriptor of the recorded task; a metric neither
	 * declares (an older step's) keeps the direction recorded with it. */
	t->primary = -1;
	int declared_primary = 0;
	for (k = 0; k < t->nk; k++) {
		const json_t *d = json_object_get(decls, t->metric[k]);
		const sc_metric_desc *md = task ? sc_task_metric_find(task, t->metric[k]) : NULL;
		if (d)
			t->hib[k] = json_is_true(json_object_get(d, "higher_is_better"));
		else if (md)
			t->hib[k] = md->higher_is_better;
		if (d && json_is_true(json_object_get(d, "primary"))) {
			t->primary = (long)k;
			declared_primary = 1;
		}
	}
	const char *pm = declared_primary || !task ? NULL : sc_task_primary_metric(task);
	for (k = 0; pm && k < t->nk; k++)
		if (!strcmp(t->metric[k], pm))
			t->primary = (long)k;
	sort_table = t;
	qsort(t->m, t->nm, sizeof(*t->m), method_cmp);
	sort_table = NULL;
	t->rank = sc_xcalloc(t->nm ? t->nm : 1, sizeof(double));
	double *pv = sc_xcalloc(t->nm ? t->nm : 1, sizeof(double));
	for (size_t i = 0; i < t->nm; i++)
		pv[i] = t->primary >= 0 ? t->m[i].mean[t->primary] : NAN;
	sc_report_rank(pv, t->nm, t->primary >= 0 ? t->hib[t->primary] : 1, t->rank);
	free(pv);
}

static char *seed_key(const json_t *r)
{
	json_t *sd = json_object_get(r, "seed");
	if (json_is_integer(sd))
		return sc_xasprintf("%lld", (long long)json_integer_value(sd));
	return sc_xstrdup("-");
}

/* "task\x1fdataset\x1fmethod" of a metric row. */
static char *row_method_key(const json_t *r)
{
	return sc_xasprintf("%s\x1f%s\x1f%s", sc_json_str(r, "task", ""), sc_json_str(r, "dataset", ""),
			    sc_json_str(r, "method", ""));
}

/* The keys (from key_of) under which two sources name different steps for
 * one seed. key_of: the group a row belongs to, or NULL to skip the row. */
static json_t *step_conflicts(const sc_report_model *m,
			      char *(*key_of)(const json_t *r, size_t si, const json_t *ctx),
			      const json_t *ctx)
{
	json_t *first = json_object(), *conflict = json_object();
	for (size_t si = 0; si < m->ns; si++) {
		size_t i;
		json_t *r;
		json_array_foreach(m->s[si].rows, i, r)
		{
			char *gk = key_of(r, si, ctx);
			if (!gk)
				continue;
			char *sk = seed_key(r);
			char *key = sc_xasprintf("%s\x1f%s", gk, sk);
			const char *step = sc_json_str(r, "step", "");
			json_t *f = json_object_get(first, key);
			if (!f)
				json_object_set_new(first, key, json_string(step));
			else if (strcmp(json_string_value(f), step))
				json_object_set_new(conflict, gk, json_true());
			free(key);
			free(gk);
			free(sk);
		}
	}
	json_decref(first);
	return conflict;
}

static char *by_method(const json_t *r, size_t si, const json_t *ctx)
{
	(void)si;
	(void)ctx;
	return row_method_key(r);
}

/* ctx: the variant labels ("method key\x1fsource" -> label). */
static char *by_variant(const json_t *r, size_t si, const json_t *ctx)
{
	char *mk = row_method_key(r);
	char *lk = sc_xasprintf("%s\x1f%zu", mk, si);
	const char *label = sc_json_str(ctx, lk, NULL);
	char *gk = label ? sc_xasprintf("%s\x1f%s", mk, label) : NULL;
	free(lk);
	free(mk);
	return gk;
}

/* The names methods that sources disagree about are shown by: what differs
 * between the sources' variants, labelled by sceval compare's rules
 * (runner/summary.h: "knn k=15"), so a report and compare say the same.
 * *out: "method key\x1fsource index" -> name, for the methods in conflict.
 * Sources whose variants get one label but still name different steps
 * (something the labels do not see differs) keep " [run N]" after it. */
static int variant_names(const sc_report_model *m, sc_store *s, const json_t *conflict,
			 json_t **out, sc_err *err)
{
	*out = json_object();
	if (!json_object_size(conflict))
		return 0;
	char **refs = sc_xcalloc(m->ns + 1, sizeof(char *));
	for (size_t i = 0; i < m->ns; i++)
		refs[i] = m->s[i].run ? sc_xasprintf("%lld", (long long)m->s[i].run)
				      : sc_xstrdup(m->s[i].result);
	json_t *sum = NULL;
	int rc = sc_summary(s, (const char *const *)refs, m->ns, NULL, &sum, err);
	for (size_t i = 0; i < m->ns; i++)
		free(refs[i]);
	free(refs);
	if (rc)
		return rc;
	size_t i;
	json_t *row;
	json_array_foreach(json_object_get(sum, "rows"), i, row)
	{
		char *mk = row_method_key(row);
		if (json_object_get(conflict, mk)) {
			size_t k;
			json_t *si;
			json_array_foreach(json_object_get(row, "sources"), k, si)
			{
				char *lk = sc_xasprintf("%s\x1f%lld", mk, (long long)json_integer_value(si));
				json_object_set_new(*out, lk, json_string(sc_json_str(row, "variant", "")));
				free(lk);
			}
		}
		free(mk);
	}
	json_decref(sum);
	json_t *ambiguous = step_conflicts(m, by_variant, *out);
	const char *lk;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(*out, tmp, lk, v)
	{
		char *mk = sc_xstrndup(lk, (size_t)(strrchr(lk, '\x1f') - lk));
		char *gk = sc_xasprintf("%s\x1f%s", mk, json_string_value(v));
		if (json_object_get(ambiguous, gk)) {
			size_t si = (size_t)strtoull(strrchr(lk, '\x1f') + 1, NULL, 10);
			json_object_set_new(*out, lk, json_sprintf("%s [%s]", json_string_value(v),
								    m->s[si].name));
		}
		free(gk);
		free(mk);
	}
	json_decref(ambiguous);
	return 0;
}

static int group(sc_report_model *m, sc_store *s, sc_err *err)
{
	/* Pass 1: does any source disagree with another about the step behind
	 * a (task, dataset, method, seed)? Those methods get a row per
	 * variant. */
	json_t *conflict = step_conflicts(m, by_method, NULL), *names = NULL;
	int rc = variant_names(m, s, conflict, &names, err);
	if (rc) {
		json_decref(conflict);
		return rc;
	}

	/* Pass 2: tables, methods, units. */
	json_t *tmap = json_object();
	size_t tcap = 0;
	json_t **tmetrics = NULL, **tmethods = NULL, **tdecls = NULL;
	gmethod **gms = NULL;
	for (size_t si = 0; si < m->ns; si++) {
		size_t i;
		json_t *r;
		json_array_foreach(m->s[si].rows, i, r)
		{
			const char *task = sc_json_str(r, "task", ""), *ds = sc_json_str(r, "dataset", "");
			const char *meth = sc_json_str(r, "method", "");
			char *tk = sc_xasprintf("%s\x1f%s", task, ds);
			int fresh;
			size_t ti = map_index(tmap, tk, &m->nt, &fresh);
			if (fresh) {
				if (m->nt > tcap) {
					tcap = tcap ? 2 * tcap : 8;
					m->t = sc_xrealloc(m->t, tcap * sizeof(*m->t));
					tmetrics = sc_xrealloc(tmetrics, tcap * sizeof(json_t *));
					tmethods = sc_xrealloc(tmethods, tcap * sizeof(json_t *));
					tdecls = sc_xrealloc(tdecls, tcap * sizeof(json_t *));
					gms = sc_xrealloc(gms, tcap * sizeof(gmethod *));
				}
				memset(&m->t[ti], 0, sizeof(m->t[ti]));
				m->t[ti].task = sc_xstrdup(task);
				m->t[ti].dataset = sc_xstrdup(ds);
				tmetrics[ti] = json_object();
				tmethods[ti] = json_object();
				tdecls[ti] = json_object();
				gms[ti] = NULL;
			}
			sc_report_table *t = &m->t[ti];
			char *tm = sc_xasprintf("%s\x1f%s", tk, meth);
			int split = json_object_get(conflict, tm) != NULL;
			char *lk = sc_xasprintf("%s\x1f%zu", tm, si);
			const char *vname = sc_json_str(names, lk, NULL);
			free(lk);
			char *mname = !split ? sc_xstrdup(meth)
				      : vname ? sc_xstrdup(vname)
					      : sc_xasprintf("%s [%s]", meth, m->s[si].name);
			size_t mi = map_index(tmethods[ti], mname, &t->nm, &fresh);
			if (fresh) {
				t->m = sc_xrealloc(t->m, t->nm * sizeof(*t->m));
				gms[ti] = sc_xrealloc(gms[ti], t->nm * sizeof(gmethod));
				memset(&t->m[mi], 0, sizeof(t->m[mi]));
				t->m[mi].name = sc_xstrdup(mname);
				t->m[mi].base = sc_xstrdup(meth);
				gms[ti][mi].units = json_object();
				gms[ti][mi].vals = NULL;
			}
			sc_report_method *me = &t->m[mi];
			gmethod *g = &gms[ti][mi];
			char *sk = seed_key(r);
			const char *step = sc_json_str(r, "step", "");
			char *uk = sc_xasprintf("%s\x1f%s", sk, step);
			size_t ui = map_index(g->units, uk, &me->nu, &fresh);
			if (fresh) {
				if (me->nu > me->cap) {
					me->cap = me->cap ? 2 * me->cap : 4;
					me->u = sc_xrealloc(me->u, me->cap * sizeof(*me->u));
					g->vals = sc_xrealloc(g->vals, me->cap * sizeof(json_t *));
				}
				sc_report_unit *u = &me->u[ui];
				memset(u, 0, sizeof(*u));
				json_t *sd = json_object_get(r, "seed");
				u->has_seed = json_is_integer(sd);
				u->seed = u->has_seed ? (int64_t)json_integer_value(sd) : 0;
				json_t *stv = json_object_get(r, "step");
				u->step = json_is_string(stv) ? json_string_value(stv) : "";
				g->vals[ui] = json_object();
			}
			sc_report_unit *u = &me->u[ui];
			if (!u->nsrc || u->src[u->nsrc - 1] != si) {
				u->src = sc_xrealloc(u->src, (u->nsrc + 1) * sizeof(size_t));
				u->src[u->nsrc++] = si;
			}
			const char *mn = sc_json_str(r, "metric", "");
			json_t *val = json_object_get(r, "value");
			if (!json_object_get(g->vals[ui], mn))
				json_object_set_new(g->vals[ui], mn,
						    json_is_number(val) ? json_real(json_number_value(val))
									: json_null());
			if (!json_object_get(tmetrics[ti], mn))
				json_object_set_new(tmetrics[ti], mn,
						    json_boolean(json_is_true(json_object_get(r, "higher_is_better"))));
			json_t *decl = json_object_get(r, "declaration");
			if (json_is_object(decl) && !json_object_get(tdecls[ti], mn))
				json_object_set(tdecls[ti], mn, decl);
			free(uk);
			free(sk);
			free(mname);
			free(tm);
			free(tk);
		}
	}
	for (size_t ti = 0; ti < m->nt; ti++) {
		finish_table(m, &m->t[ti], tmetrics[ti], tdecls[ti], gms[ti]);
		json_decref(tmetrics[ti]);
		json_decref(tdecls[ti]);
		json_decref(tmethods[ti]);
		free(gms[ti]);
	}
	free(tmetrics);
	free(tmethods);
	free(tdecls);
	free(gms);
	json_decref(tmap);
	json_decref(conflict);
	json_decref(names);
	if (m->nt > 1)
		qsort(m->t, m->nt, sizeof(*m->t), table_cmp);
	/* One page per task label. */
	m->p = sc_xcalloc(m->nt ? m->nt : 1, sizeof(sc_report_page));
	char **taken = sc_xcalloc(m->nt + 1, sizeof(char *));
	for (size_t ti = 0; ti < m->nt; ti++) {
		sc_report_table *t = &m->t[ti];
		if (!m->np || strcmp(m->p[m->np - 1].task, t->task)) {
			sc_report_page *p = &m->p[m->np];
			p->task = sc_xstrdup(t->task);
			p->file = sc_report_page_name(t->task, taken, m->np);
			taken[m->np++] = p->file;
			t->index = 0;
		} else {
			t->index = m->t[ti - 1].index + 1;
		}
		t->page = m->np - 1;
	}
	free(taken);
	return 0;
}

int sc_report_model_load(sc_report_model **out, sc_store *s, const char *const *refs, size_t n,
			 sc_err *err)
{
	sc_report_model *m = sc_xcalloc(1, sizeof(*m));
	int rc = load_sources(m, s, refs, n, err);
	if (!rc)
		rc = group(m, s, err);
	if (rc) {
		sc_report_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void sc_report_model_free(sc_report_model *m)
{
	if (!m)
		return;
	for (size_t ti = 0; ti < m->nt; ti++) {
		sc_report_table *t = &m->t[ti];
		for (size_t i = 0; i < t->nm; i++) {
			sc_report_method *me = &t->m[i];
			for (size_t u = 0; u < me->nu; u++) {
				free(me->u[u].src);
				free(me->u[u].v);
				free(me->u[u].has);
			}
			free(me->u);
			free(me->mean);
			free(me->sd);
			free(me->n);
			free(me->name);
			free(me->base);
		}
		for (size_t k = 0; k < t->nk; k++)
			free(t->metric[k]);
		free(t->metric);
		free(t->hib);
		free(t->m);
		free(t->rank);
		free(t->task);
		free(t->dataset);
	}
	free(m->t);
	for (size_t i = 0; i < m->np; i++) {
		free(m->p[i].task);
		free(m->p[i].file);
	}
	free(m->p);
	for (size_t i = 0; i < m->ns; i++) {
		json_decref(m->s[i].info);
		json_decref(m->s[i].rows);
		json_decref(m->s[i].steps);
		json_decref(m->s[i].producer);
	}
	free(m->s);
	free(m);
}

/* ---- the scIB summary ---------------------------------------------------------- */

int sc_report_scib_compute(sc_report_scib *out, const sc_report_table *t, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	out->col = sc_xcalloc(t->nk ? t->nk : 1, sizeof(size_t));
	out->cls = sc_xcalloc(t->nk ? t->nk : 1, sizeof(sc_scib_class));
	for (int want = SC_SCIB_BIO; want <= SC_SCIB_BATCH; want++)
		for (size_t k = 0; k < t->nk; k++) {
			sc_scib_class c;
			if (!sc_scib_metric_class(t->metric[k], &c) && (int)c == want) {
				out->col[out->nc] = k;
				out->cls[out->nc++] = c;
			}
		}
	size_t nm = t->nm, nc = out->nc;
	out->raw = sc_xcalloc(nm * nc + 1, sizeof(double));
	out->scaled = sc_xcalloc(nm * nc + 1, sizeof(double));
	for (int i = 0; i < 2; i++) {
		out->bio[i] = sc_xcalloc(nm + 1, sizeof(double));
		out->batch[i] = sc_xcalloc(nm + 1, sizeof(double));
		out->overall[i] = sc_xcalloc(nm + 1, sizeof(double));
	}
	if (!nm || !nc)
		return 0;
	for (size_t i = 0; i < nm; i++)
		for (size_t c = 0; c < nc; c++)
			out->raw[i * nc + c] = t->m[i].mean[out->col[c]];
	double *dummy = sc_xcalloc(nm * nc, sizeof(double));
	int rc = sc_scib_aggregate(out->bio[0], out->batch[0], out->overall[0], dummy, out->raw, nm,
				   nc, out->cls, 0, err);
	if (!rc)
		rc = sc_scib_aggregate(out->bio[1], out->batch[1], out->overall[1], out->scaled,
				       out->raw, nm, nc, out->cls, 1, err);
	free(dummy);
	return rc;
}

void sc_report_scib_free(sc_report_scib *x)
{
	if (!x)
		return;
	free(x->col);
	free(x->cls);
	free(x->raw);
	free(x->scaled);
	for (int i = 0; i < 2; i++) {
		free(x->bio[i]);
		free(x->batch[i]);
		free(x->overall[i]);
	}
	memset(x, 0, sizeof(*x));
}
