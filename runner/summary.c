/*
 * summary.c - metric tables over runs (see summary.h).
 *
 * Built for a handful of runs of a few hundred metric rows each (a user
 * comparing variants of one spec): everything is read through
 * runner/query.h into JSON and grouped with linear scans; a thousand
 * groups cost well under a second.
 *
 * A group is one (source, task, dataset, method) with its fingerprint: for
 * every step of that task and dataset that belongs to the method or to no
 * method (the shared preparation), its kind's implementation version, its
 * parameters flattened to dotted paths, and its root inputs (objects no step
 * of the same run produced: datasets, method files). Intermediate outputs
 * are left out on purpose: they change whenever anything upstream does and
 * would only repeat what the root inputs and parameters already say.
 */
#include "summary.h"
#include "runner/query.h"
#include "tasks/scib/names.h"
#include "util/buf.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fingerprint names are "kind\x1fwhat": what is a parameter path, "@version"
 * or "<input:ROLE". */
#define FP_SEP '\x1f'

typedef struct group {
	char *task, *dataset, *method;
	json_t *fp;      /* name -> value text */
	json_t *runs;    /* [run id] */
	json_t *srcs;    /* [index of a source that has it] */
	json_t *seeds;   /* [seed or null], in order of first appearance */
	json_t *values;  /* metric -> {seed text -> value or null} */
	int64_t run;     /* the first run (per_run: the only one) */
	size_t block, method_ord, idx;
	char *label;
	json_t *differs; /* short name -> value */
} group;

typedef struct groups {
	group *v;
	size_t n, cap;
	json_t *blocks;  /* block key -> index */
	json_t *methods; /* block key + method -> index within block */
} groups;

static const char *str0(const json_t *o, const char *k)
{
	return sc_json_str(o, k, "");
}

/* ---- fingerprints -------------------------------------------------------- */

static void fp_add(json_t *fp, const char *kind, const char *what, const char *val)
{
	char *name = sc_xasprintf("%s%c%s", kind, FP_SEP, what);
	const char *have = sc_json_str(fp, name, NULL);
	if (!have) {
		json_object_set_new(fp, name, json_string(val));
	} else if (strcmp(have, val)) {
		/* one name, several values in one group (rare: a parameter that
		 * varies with the seed): the set of them is the fingerprint */
		char *both = strcmp(have, val) < 0 ? sc_xasprintf("%s|%s", have, val)
						    : sc_xasprintf("%s|%s", val, have);
		if (!strstr(have, val))
			json_object_set_new(fp, name, json_string(both));
		free(both);
	}
	free(name);
}

static void fp_params(json_t *fp, const char *kind, const char *prefix, const json_t *params)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)params, k, v)
	{
		char *path = *prefix ? sc_xasprintf("%s.%s", prefix, k) : sc_xstrdup(k);
		if (json_is_object(v)) {
			fp_params(fp, kind, path, v);
		} else {
			char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS |
							 JSON_REAL_PRECISION(17));
			fp_add(fp, kind, path, t);
			free(t);
		}
		free(path);
	}
}

/* Every object some step of the source produced (hex). */
static json_t *produced_set(const json_t *steps)
{
	json_t *set = json_object();
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st)
	{
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(st, "outputs"), k, v)
			if (json_is_string(v))
				json_object_set_new(set, sc_oid_hex_of(json_string_value(v)), json_true());
	}
	return set;
}

static json_t *fingerprint(const json_t *steps, const json_t *produced, const char *task,
			   const char *dataset, const char *method)
{
	json_t *fp = json_object();
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st)
	{
		const char *m = str0(st, "method");
		if (strcmp(str0(st, "task"), task) || strcmp(str0(st, "dataset"), dataset) ||
		    (*m && strcmp(m, method)))
			continue;
		const char *kind = str0(st, "kind");
		json_t *ver = json_object_get(st, "version");
		if (json_is_string(ver))
			fp_add(fp, kind, "@version", json_string_value(ver));
		fp_params(fp, kind, "", json_object_get(st, "params"));
		const char *role;
		json_t *v;
		json_object_foreach(json_object_get(st, "inputs"), role, v)
		{
			if (!json_is_string(v))
				continue;
			const char *hex = sc_oid_hex_of(json_string_value(v));
			if (json_object_get(produced, hex))
				continue;
			char *what = sc_xasprintf("<input:%s", role);
			fp_add(fp, kind, what, hex);
			free(what);
		}
	}
	return fp;
}

/* ---- groups --------------------------------------------------------------- */

static void groups_free(groups *g)
{
	for (size_t i = 0; i < g->n; i++) {
		group *x = &g->v[i];
		free(x->task);
		free(x->dataset);
		free(x->method);
		free(x->label);
		json_decref(x->fp);
		json_decref(x->runs);
		json_decref(x->srcs);
		json_decref(x->seeds);
		json_decref(x->values);
		json_decref(x->differs);
	}
	free(g->v);
	json_decref(g->blocks);
	json_decref(g->methods);
}

static size_t ord_of(json_t *index, const char *key, size_t next)
{
	json_t *v = json_object_get(index, key);
	if (v)
		return (size_t)json_integer_value(v);
	json_object_set_new(index, key, json_integer((json_int_t)next));
	return next;
}

static group *group_new(groups *g, const char *task, const char *dataset, const char *method,
			json_t *fp, int64_t run, int per_run)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 16;
		g->v = sc_xrealloc(g->v, g->cap * sizeof(group));
	}
	group *x = &g->v[g->n];
	memset(x, 0, sizeof(*x));
	x->task = sc_xstrdup(task);
	x->dataset = sc_xstrdup(dataset);
	x->method = sc_xstrdup(method);
	x->fp = fp;
	x->runs = json_array();
	x->srcs = json_array();
	x->seeds = json_array();
	x->values = json_object();
	x->run = run;
	x->idx = g->n;
	char *bk = per_run ? sc_xasprintf("%lld%c%s%c%s", (long long)run, FP_SEP, task, FP_SEP,
					  dataset)
			   : sc_xasprintf("%s%c%s", task, FP_SEP, dataset);
	x->block = ord_of(g->blocks, bk, json_object_size(g->blocks));
	char *mk = sc_xasprintf("%s%c%s", bk, FP_SEP, method);
	size_t in_block = 0;
	const char *k;
	json_t *v;
	json_object_foreach(g->methods, k, v)
		in_block += !strncmp(k, bk, strlen(bk)) && k[strlen(bk)] == FP_SEP;
	x->method_ord = ord_of(g->methods, mk, in_block);
	free(bk);
	free(mk);
	g->n++;
	return x;
}

/* The group of (task, dataset, method) with this fingerprint (pooled across
 * sources unless per_run); fp is consumed. */
static group *group_for(groups *g, const char *task, const char *dataset, const char *method,
			json_t *fp, int64_t run, int per_run)
{
	for (size_t i = 0; i < g->n; i++) {
		group *x = &g->v[i];
		if (!strcmp(x->task, task) && !strcmp(x->dataset, dataset) &&
		    !strcmp(x->method, method) && json_equal(x->fp, fp) &&
		    (!per_run || x->run == run)) {
			json_decref(fp);
			return x;
		}
	}
	return group_new(g, task, dataset, method, fp, run, per_run);
}

static void group_add_source(group *x, size_t si)
{
	size_t n = json_array_size(x->srcs);
	if (!n || (size_t)json_integer_value(json_array_get(x->srcs, n - 1)) != si)
		json_array_append_new(x->srcs, json_integer((json_int_t)si));
}

static void group_add_run(group *x, int64_t run)
{
	if (run <= 0)
		return; /* a bare result */
	size_t i;
	json_t *r;
	json_array_foreach(x->runs, i, r)
		if (json_integer_value(r) == run)
			return;
	json_array_append_new(x->runs, json_integer(run));
}

/* One metric row into its group: the first value seen for a seed wins (a
 * variant recorded by two runs has the same steps, hence the same values). */
static void group_add_value(group *x, const json_t *row)
{
	json_t *seed = json_object_get(row, "seed");
	char *sk = json_dumps(seed ? seed : json_null(), JSON_ENCODE_ANY);
	json_t *per = json_object_get(x->values, str0(row, "metric"));
	if (!per) {
		per = json_object();
		json_object_set_new(x->values, str0(row, "metric"), per);
	}
	if (!json_object_get(per, sk)) {
		json_t *v = json_object_get(row, "value");
		json_object_set_new(per, sk, json_is_number(v) ? json_incref(v) : json_null());
	}
	size_t i;
	json_t *s;
	int seen = 0;
	json_array_foreach(x->seeds, i, s)
		seen |= json_equal(s, seed ? seed : json_null());
	if (!seen)
		json_array_append(x->seeds, seed ? seed : json_null());
	free(sk);
}

static void add_source(groups *g, const sc_query_ref *src, size_t si, int per_run)
{
	json_t *produced = produced_set(src->steps);
	size_t i;
	json_t *row;
	group *cur = NULL;
	json_array_foreach(src->metrics, i, row)
	{
		const char *t = str0(row, "task"), *d = str0(row, "dataset"), *m = str0(row, "method");
		if (!cur || strcmp(cur->task, t) || strcmp(cur->dataset, d) || strcmp(cur->method, m)) {
			json_t *fp = fingerprint(src->steps, produced, t, d, m);
			cur = group_for(g, t, d, m, fp, src->run, per_run);
			group_add_run(cur, src->run);
			group_add_source(cur, si);
		}
		group_add_value(cur, row);
	}
	json_decref(produced);
}

/* ---- labels ---------------------------------------------------------------- */

/* A fingerprint name as the user knows it: the parameter path, the input's
 * role (or file name), "KIND version". */
static char *short_name(const char *name)
{
	const char *sep = strchr(name, FP_SEP);
	const char *what = sep ? sep + 1 : name;
	if (!strcmp(what, "@version"))
		return sc_xasprintf("%.*s.version", (int)(sep - name), name);
	if (!strncmp(what, "<input:", 7)) {
		what += 7;
		return sc_xstrdup(!strncmp(what, "file:", 5) ? what + 5 : what);
	}
	return sc_xstrdup(what);
}

/* A fingerprint value as shown: strings unquoted, hashes cut to 8. */
static json_t *shown_value(const char *name, const char *val)
{
	if (!val)
		return json_null();
	const char *sep = strchr(name, FP_SEP);
	if (sep && !strncmp(sep + 1, "<input:", 7))
		return json_stringn(val, strlen(val) < 8 ? strlen(val) : 8);
	if (sep && !strcmp(sep + 1, "@version"))
		return json_string(val);
	json_t *j = json_loads(val, JSON_DECODE_ANY, NULL);
	return j ? j : json_string(val);
}

/* A value as a label shows it: strings bare, numbers in the fewest digits
 * that read back as the same double (0.3, not 0.29999999999999999). */
static char *label_text(const json_t *v)
{
	if (json_is_string(v))
		return sc_xstrdup(json_string_value(v));
	if (json_is_real(v)) {
		double d = json_real_value(v);
		for (int p = 1; p < 17; p++) {
			char *t = sc_xasprintf("%.*g", p, d);
			if (strtod(t, NULL) == d)
				return t;
			free(t);
		}
		return sc_xasprintf("%.17g", d);
	}
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

static void label_group(group *x, const json_t *names)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_puts(&b, x->method);
	x->differs = json_object();
	const char *name;
	json_t *unused;
	json_object_foreach((json_t *)names, name, unused)
	{
		char *sn = short_name(name);
		json_t *v = shown_value(name, sc_json_str(x->fp, name, NULL));
		json_t *have = json_object_get(x->differs, sn);
		if (!have || !json_equal(have, v)) {
			char *t = label_text(v);
			sc_buf_printf(&b, " %s=%s", sn, json_is_null(v) ? "-" : t);
			free(t);
		}
		if (!have)
			json_object_set(x->differs, sn, v);
		json_decref(v);
		free(sn);
	}
	x->label = sc_buf_detach(&b);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names (sorted) whose values are not the same in every variant. */
static json_t *differing_names(const groups *g, const size_t *members, size_t nm)
{
	json_t *all = json_object();
	for (size_t i = 0; i < nm; i++) {
		const char *k;
		json_t *v;
		json_object_foreach(g->v[members[i]].fp, k, v)
			json_object_set(all, k, json_true());
	}
	size_t n = 0;
	const char **keys = sc_xcalloc(json_object_size(all) + 1, sizeof(char *));
	const char *k;
	json_t *v;
	json_object_foreach(all, k, v)
	{
		const char *first = sc_json_str(g->v[members[0]].fp, k, NULL);
		int same = 1;
		for (size_t i = 1; i < nm && same; i++) {
			const char *o = sc_json_str(g->v[members[i]].fp, k, NULL);
			same = first && o && !strcmp(first, o);
		}
		same &= first != NULL;
		if (!same)
			keys[n++] = k;
	}
	qsort(keys, n, sizeof(char *), name_cmp);
	json_t *out = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set_new(out, keys[i], json_true());
	free(keys);
	json_decref(all);
	return out;
}

static void label_all(groups *g, int per_run)
{
	size_t *members = sc_xcalloc(g->n + 1, sizeof(size_t));
	int *done = sc_xcalloc(g->n + 1, sizeof(int));
	for (size_t i = 0; i < g->n; i++) {
		if (done[i])
			continue;
		size_t nm = 0;
		for (size_t j = i; j < g->n; j++)
			if (!done[j] && g->v[j].block == g->v[i].block &&
			    !strcmp(g->v[j].method, g->v[i].method)) {
				members[nm++] = j;
				done[j] = 1;
			}
		json_t *names = nm > 1 && !per_run ? differing_names(g, members, nm) : json_object();
		for (size_t k = 0; k < nm; k++)
			label_group(&g->v[members[k]], names);
		json_decref(names);
	}
	free(members);
	free(done);
}

/* ---- metrics and the table -------------------------------------------------- */

typedef struct column {
	const char *name;
	int hib, primary;
	size_t first;
} column;

static int column_cmp(const void *a, const void *b)
{
	const column *x = a, *y = b;
	if (x->primary != y->primary)
		return y->primary - x->primary;
	return strcmp(x->name, y->name);
}

/* The columns: every metric of the sources (declared primary ones first,
 * then by name), or the ones asked for. */
static int columns(const sc_query_ref *src, size_t n, const sc_summary_opts *o, json_t **out,
		   sc_err *err)
{
	json_t *seen = json_object(); /* name -> [hib, primary] */
	for (size_t i = 0; i < n; i++) {
		size_t k;
		json_t *r;
		json_array_foreach(src[i].metrics, k, r)
		{
			const char *m = str0(r, "metric");
			json_t *decl = json_object_get(r, "declaration");
			json_t *have = json_object_get(seen, m);
			if (have && !(decl && json_is_false(json_array_get(have, 2))))
				continue;
			int hib = decl ? sc_json_bool(decl, "higher_is_better", 1)
				       : sc_json_bool(r, "higher_is_better", 1);
			json_object_set_new(seen, m, json_pack("[b, b, b]", hib,
							       decl && sc_json_bool(decl, "primary", 0),
							       decl != NULL));
		}
	}
	json_t *cols = json_array();
	if (o && o->metrics) {
		for (size_t i = 0; i < o->n_metrics; i++) {
			/* a scIB metric's former name selects the column of its
			 * canonical one (a run recorded before the renaming keeps
			 * the name it has) */
			const char *name = sc_scib_canonical_name(o->metrics[i]);
			if (!json_object_get(seen, name))
				name = o->metrics[i];
			json_t *have = json_object_get(seen, name);
			if (!have) {
				json_decref(seen);
				json_decref(cols);
				return sc_errf(err, SC_ENOTFOUND, "no metric '%s' in %s", o->metrics[i],
					       n == 1 ? "this run" : "these runs");
			}
			json_array_append_new(cols, json_pack("{s:s, s:O}", "name", name,
							      "higher_is_better",
							      json_array_get(have, 0)));
		}
	} else {
		size_t nc = json_object_size(seen), k = 0;
		column *v = sc_xcalloc(nc + 1, sizeof(column));
		const char *m;
		json_t *h;
		json_object_foreach(seen, m, h)
			v[k++] = (column){ m, json_is_true(json_array_get(h, 0)),
					   json_is_true(json_array_get(h, 1)), k };
		qsort(v, nc, sizeof(column), column_cmp);
		for (k = 0; k < nc; k++)
			json_array_append_new(cols, json_pack("{s:s, s:b}", "name", v[k].name,
							      "higher_is_better", v[k].hib));
		free(v);
	}
	json_decref(seen);
	*out = cols;
	return 0;
}

/* {mean, sd, n, missing, values} of one group's metric, in seed order. */
static json_t *cell_stats(const group *x, const char *metric)
{
	json_t *per = json_object_get(x->values, metric);
	if (!per)
		return NULL;
	json_t *vals = json_array();
	double sum = 0;
	size_t n = 0, missing = 0, i;
	json_t *seed;
	json_array_foreach(x->seeds, i, seed)
	{
		char *sk = json_dumps(seed, JSON_ENCODE_ANY);
		json_t *v = json_object_get(per, sk);
		free(sk);
		if (!v)
			continue;
		json_array_append(vals, v);
		if (json_is_number(v) && isfinite(json_number_value(v))) {
			sum += json_number_value(v);
			n++;
		} else {
			missing++;
		}
	}
	double mean = n ? sum / (double)n : NAN, ss = 0;
	size_t k;
	json_t *v;
	json_array_foreach(vals, k, v)
		if (json_is_number(v) && isfinite(json_number_value(v)))
			ss += (json_number_value(v) - mean) * (json_number_value(v) - mean);
	double sd = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
	return json_pack("{s:o, s:o, s:I, s:I, s:b, s:o}", "mean", sc_json_real(mean), "sd",
			 sc_json_real(sd), "n", (json_int_t)n, "missing", (json_int_t)missing, "best",
			 0, "values", vals);
}

/* Mark the best mean of each column within each block. */
static void mark_best(json_t *rows, const size_t *block, const json_t *cols)
{
	size_t nr = json_array_size(rows), c;
	json_t *col;
	json_array_foreach(cols, c, col)
	{
		const char *m = str0(col, "name");
		int hib = sc_json_bool(col, "higher_is_better", 1);
		for (size_t i = 0; i < nr; i++) {
			if (i && block[i] == block[i - 1])
				continue; /* rows of a block are adjacent */
			double best = NAN;
			size_t j;
			for (j = i; j < nr && block[j] == block[i]; j++) {
				json_t *st = json_object_get(json_object_get(json_array_get(rows, j), "values"), m);
				double v = sc_json_num(st, "mean", NAN);
				if (isfinite(v) && (isnan(best) || (hib ? v > best : v < best)))
					best = v;
			}
			for (size_t k = i; k < j && isfinite(best); k++) {
				json_t *st = json_object_get(json_object_get(json_array_get(rows, k), "values"), m);
				if (sc_json_num(st, "mean", NAN) == best)
					json_object_set_new(st, "best", json_true());
			}
		}
	}
}

static int group_cmp(const void *a, const void *b)
{
	const group *x = *(const group *const *)a, *y = *(const group *const *)b;
	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	if (x->method_ord != y->method_ord)
		return x->method_ord < y->method_ord ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static json_t *table_rows(groups *g, const json_t *cols, int only_with_values)
{
	group **ord = sc_xcalloc(g->n + 1, sizeof(group *));
	for (size_t i = 0; i < g->n; i++)
		ord[i] = &g->v[i];
	qsort(ord, g->n, sizeof(group *), group_cmp);
	size_t *block = sc_xcalloc(g->n + 1, sizeof(size_t));
	json_t *rows = json_array();
	for (size_t i = 0; i < g->n; i++) {
		const group *x = ord[i];
		json_t *vals = json_object();
		size_t c;
		json_t *col;
		json_array_foreach(cols, c, col)
		{
			json_t *st = cell_stats(x, str0(col, "name"));
			if (st)
				json_object_set_new(vals, str0(col, "name"), st);
		}
		if (only_with_values && !json_object_size(vals)) {
			json_decref(vals);
			continue;
		}
		block[json_array_size(rows)] = x->block;
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:O, s:O, s:o}",
						      "task", x->task, "dataset", x->dataset,
						      "method", x->method, "variant", x->label,
						      "differs", x->differs, "runs", x->runs,
						      "sources", x->srcs, "seeds", x->seeds,
						      "values", vals));
	}
	mark_best(rows, block, cols);
	free(block);
	free(ord);
	return rows;
}

static json_t *source_json(const char *ref, const sc_query_ref *x)
{
	json_t *j = json_pack("{s:s}", "ref", ref);
	json_object_set_new(j, "run", x->run > 0 ? json_integer(x->run) : json_null());
	char hex[SC_OID_HEXLEN + 1];
	if (x->has_result)
		sc_oid_hex(&x->result, hex);
	json_object_set_new(j, "result", x->has_result ? json_string(hex) : json_null());
	json_t *sp = json_object_get(x->info, "spec_path");
	json_object_set(j, "spec_path", sp ? sp : json_null());
	return j;
}

int sc_summary(sc_store *s, const char *const *refs, size_t n, const sc_summary_opts *o,
	       json_t **out, sc_err *err)
{
	int per_run = o && o->per_run;
	sc_query_ref *src = sc_xcalloc(n + 1, sizeof(sc_query_ref));
	groups g = { .blocks = json_object(), .methods = json_object() };
	json_t *cols = NULL, *sources = json_array();
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		if (!(rc = sc_query_ref_load(s, refs[i], &src[i], err)))
			json_array_append_new(sources, source_json(refs[i], &src[i]));
	if (rc || (rc = columns(src, n, o, &cols, err)))
		goto out;
	for (size_t i = 0; i < n; i++)
		add_source(&g, &src[i], i, per_run);
	label_all(&g, per_run);
	*out = json_pack("{s:O, s:O, s:o}", "sources", sources, "metrics", cols, "rows",
			 table_rows(&g, cols, o && o->metrics));
out:
	for (size_t i = 0; i < n; i++)
		sc_query_ref_clear(&src[i]);
	free(src);
	groups_free(&g);
	json_decref(cols);
	json_decref(sources);
	return rc;
}
