/*
 * diff.c - comparing two runs or results (see diff.h).
 *
 * Steps are matched across the two sides by what they are for (kind, task,
 * dataset, method, seed), not by key: a changed input gives a new key, and
 * the point of the diff is to say which input.
 */
#include "diff.h"
#include "runner/env.h"
#include "runner/query.h"
#include "util/buf.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One side of the diff: a run or a bare result (see query.h). */
typedef sc_query_ref side;

static void side_free(side *x)
{
	sc_query_ref_clear(x);
}

static int load_side(sc_store *s, const char *ref, side *x, sc_err *err)
{
	return sc_query_ref_load(s, ref, x, err);
}

static char *row_key(const json_t *r, int with_metric)
{
	char *seed = json_dumps(json_object_get(r, "seed") ? json_object_get(r, "seed") : json_null(),
				JSON_ENCODE_ANY);
	char *k = sc_xasprintf("%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", sc_json_str(r, "kind", ""),
			       sc_json_str(r, "task", ""), sc_json_str(r, "dataset", ""),
			       sc_json_str(r, "method", ""), seed,
			       with_metric ? sc_json_str(r, "metric", "") : "");
	free(seed);
	return k;
}

static json_t *find_row(const json_t *rows, const char *key, int with_metric, int is_step)
{
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		char *k = row_key(r, with_metric);
		int eq = !strcmp(k, key);
		free(k);
		if (eq)
			return r;
	}
	(void)is_step;
	return NULL;
}

static double num(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A metric's change from a to b: within threshold counts as the same. */
static const char *classify(int has_a, int has_b, double a, double b, int hib, double threshold)
{
	if (!has_a)
		return "only b";
	if (!has_b)
		return "only a";
	if (a == b || (isnan(a) && isnan(b)))
		return "same";
	if (isnan(a) || isnan(b))
		return "changed";
	if (fabs(b - a) <= threshold)
		return "same";
	return (b > a) == hib ? "better" : "worse";
}

static json_t *metric_rows(const side *A, const side *B, double threshold)
{
	json_t *out = json_array();
	for (int pass = 0; pass < 2; pass++) {
		const side *X = pass ? B : A, *Y = pass ? A : B;
		size_t i;
		json_t *r;
		json_array_foreach(X->metrics, i, r)
		{
			/* metric rows carry no kind: match on the rest */
			char *k = row_key(r, 1);
			json_t *o = find_row(Y->metrics, k, 1, 0);
			free(k);
			if (pass && o)
				continue; /* already reported from A's side */
			json_t *ra = pass ? o : r, *rb = pass ? r : o;
			double a = ra ? num(json_object_get(ra, "value")) : NAN;
			double b = rb ? num(json_object_get(rb, "value")) : NAN;
			int hib = json_is_true(json_object_get(r, "higher_is_better"));
			json_t *row = json_pack("{s:O, s:O, s:O, s:O, s:O}", "task",
						json_object_get(r, "task"), "dataset",
						json_object_get(r, "dataset"), "method",
						json_object_get(r, "method"), "seed",
						json_object_get(r, "seed"), "metric",
						json_object_get(r, "metric"));
			json_object_set_new(row, "a", ra ? sc_json_real(a) : json_null());
			json_object_set_new(row, "b", rb ? sc_json_real(b) : json_null());
			json_object_set_new(row, "higher_is_better", json_boolean(hib));
			const char *change = classify(ra != NULL, rb != NULL, a, b, hib, threshold);
			json_object_set_new(row, "change", json_string(change));
			if (ra && rb && isfinite(a) && isfinite(b)) {
				json_object_set_new(row, "delta", json_real(b - a));
				json_object_set_new(row, "relative",
						    a != 0 ? json_real((b - a) / fabs(a)) : json_null());
			} else {
				json_object_set_new(row, "delta", json_null());
				json_object_set_new(row, "relative", json_null());
			}
			json_array_append_new(out, row);
		}
	}
	return out;
}

static void add_change(json_t *arr, const char *what, const json_t *a, const json_t *b)
{
	/* Deduplicate: the same dataset change shows in many steps. */
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r)
		if (!strcmp(sc_json_str(r, "what", ""), what) && json_equal(json_object_get(r, "a"), a) &&
		    json_equal(json_object_get(r, "b"), b))
			return;
	json_array_append_new(arr, json_pack("{s:s, s:O, s:O}", "what", what, "a", a ? a : json_null(),
					     "b", b ? b : json_null()));
}

/* Is id an output of one of the steps? Then it is an intermediate, not a cause. */
static int produced(const json_t *steps, const char *id)
{
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st)
	{
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(st, "outputs"), k, v)
			if (json_is_string(v) &&
			    !strcmp(sc_oid_hex_of(json_string_value(v)), sc_oid_hex_of(id)))
				return 1;
	}
	return 0;
}

static void step_changes(const side *A, const side *B, json_t *inputs, json_t *params)
{
	size_t i;
	json_t *sa;
	json_array_foreach(A->steps, i, sa)
	{
		char *k = row_key(sa, 0);
		json_t *sb = find_row(B->steps, k, 0, 1);
		free(k);
		if (!sb)
			continue;
		char *label = sc_xasprintf("%s %s%s%s", sc_json_str(sa, "kind", ""),
					   sc_json_str(sa, "dataset", ""),
					   json_is_string(json_object_get(sa, "method")) ? "/" : "",
					   sc_json_str(sa, "method", ""));
		json_t *ia = json_object_get(sa, "inputs"), *ib = json_object_get(sb, "inputs");
		const char *role;
		json_t *v;
		json_object_foreach(ia, role, v)
		{
			json_t *w = json_object_get(ib, role);
			if (w && json_equal(v, w))
				continue;
			/* Only inputs that no step produced are causes; intermediate
			 * outputs change because something upstream did. */
			if (produced(A->steps, json_string_value(v)) ||
			    (w && produced(B->steps, json_string_value(w))))
				continue;
			char *what;
			if (!strcmp(role, "data"))
				what = sc_xasprintf("dataset '%s'", sc_json_str(sa, "dataset", ""));
			else if (!strncmp(role, "file:", 5))
				what = sc_xasprintf("file '%s' of method '%s'", role + 5,
						    sc_json_str(sa, "method", ""));
			else
				what = sc_xasprintf("input '%s' of %s", role, label);
			json_t *a = json_string(sc_oid_hex_of(json_string_value(v)));
			json_t *b = w ? json_string(sc_oid_hex_of(json_string_value(w))) : json_null();
			add_change(inputs, what, a, b);
			json_decref(a);
			json_decref(b);
			free(what);
		}
		json_t *pa = json_object_get(sa, "params"), *pb = json_object_get(sb, "params");
		const char *key;
		json_object_foreach(pa, key, v)
		{
			json_t *w = json_object_get(pb, key);
			if (w && json_equal(v, w))
				continue;
			char *what = sc_xasprintf("%s: %s", label, key);
			add_change(params, what, v, w);
			free(what);
		}
		json_object_foreach(pb, key, v)
		{
			if (json_object_get(pa, key))
				continue;
			char *what = sc_xasprintf("%s: %s", label, key);
			add_change(params, what, NULL, v);
			free(what);
		}
		json_t *va = json_object_get(sa, "version"), *vb = json_object_get(sb, "version");
		if (va && vb && !json_equal(va, vb)) {
			char *what = sc_xasprintf("%s: implementation version", label);
			add_change(params, what, va, vb);
			free(what);
		}
		free(label);
	}
}

static void compare(json_t *arr, const char *what, const json_t *a, const json_t *b)
{
	if (json_equal(a ? a : json_null(), b ? b : json_null()))
		return;
	add_change(arr, what, a ? a : json_null(), b ? b : json_null());
}

static void code_env(const side *A, const side *B, json_t *code, json_t *env)
{
	if (!A->info || !B->info)
		return;
	json_t *pa = json_object_get(A->info, "provenance"), *pb = json_object_get(B->info, "provenance");
	static const char *const pk[] = { "repo", "commit", "branch", "dirty", "diff", "remote" };
	for (size_t i = 0; i < 6; i++)
		compare(code, pk[i], json_object_get(pa, pk[i]), json_object_get(pb, pk[i]));
	compare(code, "dirty files", json_object_get(pa, "dirty_files"),
		json_object_get(pb, "dirty_files"));
	compare(env, "sceval", json_object_get(A->info, "sceval_version"),
		json_object_get(B->info, "sceval_version"));
	json_t *la = json_object_get(A->info, "libraries"), *lb = json_object_get(B->info, "libraries");
	json_t *ma = json_object_get(A->info, "machine"), *mb = json_object_get(B->info, "machine");
	/* What decides the bits first (kernel, CPU, threads, portable mode). */
	json_t *decisive = sc_env_changes(la, ma, lb, mb);
	size_t i;
	json_t *c;
	json_array_foreach(decisive, i, c)
		add_change(env, sc_json_str(c, "what", ""), json_object_get(c, "a"), json_object_get(c, "b"));
	json_decref(decisive);
	const char *k;
	json_t *v;
	json_object_foreach(la, k, v)
	{
		if (json_is_object(v)) /* openblas: in the changes above */
			continue;
		compare(env, k, v, json_object_get(lb, k));
	}
	compare(env, "host", json_object_get(ma, "host"), json_object_get(mb, "host"));
	compare(env, "os", json_object_get(ma, "os"), json_object_get(mb, "os"));
	compare(env, "jobs (-j)", json_object_get(A->info, "jobs"), json_object_get(B->info, "jobs"));
	compare(env, "compiler flags", json_object_get(json_object_get(A->info, "build"), "cflags"),
		json_object_get(json_object_get(B->info, "build"), "cflags"));
}

/* {improved, regressed, same, changed, only_a, only_b, threshold} */
static json_t *summary(const json_t *rows, double threshold)
{
	static const char *const change[] = { "better", "worse", "same", "changed", "only a",
					      "only b" };
	static const char *const key[] = { "improved", "regressed", "same", "changed", "only_a",
					   "only_b" };
	json_int_t count[6] = { 0 };
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		for (int k = 0; k < 6; k++)
			count[k] += !strcmp(sc_json_str(r, "change", ""), change[k]);
	json_t *j = json_object();
	for (int k = 0; k < 6; k++)
		json_object_set_new(j, key[k], json_integer(count[k]));
	json_object_set_new(j, "threshold", json_real(threshold));
	return j;
}

static json_t *side_json(const side *x, const char *ref)
{
	json_t *j = json_pack("{s:s}", "ref", ref);
	json_object_set_new(j, "run", x->run > 0 ? json_integer(x->run) : json_null());
	if (x->has_result) {
		char hex[SC_OID_HEXLEN + 1];
		sc_oid_hex(&x->result, hex);
		json_object_set_new(j, "result", json_string(hex));
	} else {
		json_object_set_new(j, "result", json_null());
	}
	return j;
}

int sc_diff(sc_store *s, const char *a, const char *b, double threshold, json_t **out,
	    sc_err *err)
{
	side A, B;
	int rc = load_side(s, a, &A, err);
	if (rc) {
		side_free(&A);
		return rc;
	}
	if ((rc = load_side(s, b, &B, err))) {
		side_free(&A);
		side_free(&B);
		return rc;
	}
	json_t *inputs = json_array(), *params = json_array(), *code = json_array(),
	       *env = json_array();
	step_changes(&A, &B, inputs, params);
	code_env(&A, &B, code, env);
	json_t *rows = metric_rows(&A, &B, threshold);
	*out = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "a", side_json(&A, a), "b",
			 side_json(&B, b), "summary", summary(rows, threshold), "metrics", rows,
			 "inputs", inputs, "params", params, "code", code, "environment", env);
	side_free(&A);
	side_free(&B);
	return 0;
}
