/*
 * reproduce.c - reproduce a result from its hash (see reproduce.h).
 *
 * Re-running is the executor's job; this file rebuilds the plan from the
 * manifest and judges what came out. Hashes decide "identical"; when they
 * differ the outputs' contents are compared (compare.c), because another
 * BLAS kernel or CPU changes the last bits of floats without changing what
 * the numbers say, and a reproducer that cries "different" at every
 * machine change teaches its users to ignore it.
 */
#include "reproduce.h"
#include "runner/compare.h"
#include "runner/env.h"
#include "runner/exec.h"
#include "runner/plan.h"
#include "runner/query.h"
#include "util/buf.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tally {
	size_t identical, equivalent, different, failed;
} tally;

static void count(tally *t, sc_cmp_verdict v)
{
	if (v == SC_CMP_IDENTICAL)
		t->identical++;
	else if (v == SC_CMP_EQUIVALENT)
		t->equivalent++;
	else
		t->different++;
}

/* Metrics are scores on a unit scale, and some are differences of nearly
 * equal numbers (pcr_comparison): their error is relative to the operands,
 * about 1, hence max(1, |a|, |b|) rather than a purely relative rule. */
static sc_cmp_verdict metric_verdict(double a, double b, const sc_repro_opts *o)
{
	if (a == b || (isnan(a) && isnan(b)))
		return SC_CMP_IDENTICAL;
	double m = fmax(1, fmax(fabs(a), fabs(b)));
	if (!o->exact && fabs(a - b) <= o->tolerance * m)
		return SC_CMP_EQUIVALENT;
	return SC_CMP_DIFFERENT;
}

/* The plan of the manifest's steps, each on its recorded inputs. */
static int build_plan(sc_plan *plan, sc_store *s, const json_t *steps, sc_err *err)
{
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st)
	{
		json_t *params = json_object_get(st, "params");
		json_t *seed = json_object_get(st, "seed");
		size_t k = sc_plan_add(plan, sc_json_str(st, "kind", ""),
				       json_deep_copy(params ? params : json_object()),
				       json_is_integer(seed), json_is_integer(seed) ? json_integer_value(seed) : 0);
		/* Reproduce what was recorded: a newer implementation version
		 * would give another key (and is reported as such). */
		free(plan->v[k].version);
		plan->v[k].version = sc_xstrdup(sc_json_str(st, "version", ""));
		json_t *names = json_object_get(params, "input_names");
		const char *role;
		json_t *id;
		json_object_foreach(json_object_get(st, "inputs"), role, id)
		{
			sc_oid oid;
			if (sc_oid_parse(&oid, json_string_value(id)) || !sc_store_has(s, &oid))
				return sc_errf(err, SC_ENOTFOUND,
					       "input '%s' of step %.12s (%s) is not in this store; import "
					       "the result's bundle first",
					       role, sc_json_str(st, "key", ""), json_string_value(id));
			sc_plan_input_obj(plan, k, role, &oid, sc_json_str(names, role, role));
		}
		sc_plan_label(plan, k, sc_json_str(st, "task", NULL), sc_json_str(st, "dataset", NULL),
			      sc_json_str(st, "method", NULL));
		plan->v[k].deterministic = json_is_true(json_object_get(st, "deterministic"));
		/* The recorded key must be what these parameters and inputs give:
		 * otherwise the manifest was edited. */
		sc_plan_compute_key(&plan->v[k]);
		if (strcmp(plan->v[k].key, sc_json_str(st, "key", "")))
			return sc_errf(err, SC_ECORRUPT,
				       "step %.12s of the result does not match its own key (the manifest "
				       "is inconsistent)",
				       sc_json_str(st, "key", ""));
	}
	return 0;
}

/* The text of an output's comparison: where it differs, or how close. */
static char *cmp_detail(const sc_cmp *c, int exact)
{
	if (c->verdict == SC_CMP_DIFFERENT)
		return sc_xstrdup(c->why);
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	if (!c->n_unequal)
		sc_buf_puts(&b, "the same values in other bytes");
	else
		sc_buf_printf(&b, "max |a - b| %.3g at %s; max relative %.3g at %s", c->max_abs,
			      c->max_abs_at, c->max_rel, c->max_rel_at);
	if (exact)
		sc_buf_puts(&b, " (--exact demands identical bytes)");
	return sc_buf_detach(&b);
}

/* An object id without its "sha256:" prefix (a manifest from a bundle is
 * input like any other: a missing id is shown as such). */
static const char *bare(const char *id)
{
	return id ? sc_oid_hex_of(id) : "(missing)";
}

static json_t *output_row(sc_store *s, const char *name, const char *rec, const char *now,
			  const sc_repro_opts *o, tally *t)
{
	sc_cmp c;
	sc_oid a, b;
	/* The executor stores reproduced outputs as objects too (kind "output"),
	 * so both sides are read from the store. */
	sc_cmp_reset(&c, "bytes");
	if (!rec || !now || sc_oid_parse(&a, rec) || sc_oid_parse(&b, now))
		sc_cmp_differ(&c, !now ? "not produced by the reproduction"
				   : !rec ? "produced by the reproduction only"
					  : "unreadable object id");
	else
		sc_compare_objects(&c, s, &a, &b, name, o->tolerance);
	int exact_fail = o->exact && c.verdict == SC_CMP_EQUIVALENT;
	sc_cmp_verdict v = exact_fail ? SC_CMP_DIFFERENT : c.verdict;
	count(t, v);
	json_t *r = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "recorded", bare(rec),
			      "reproduced", bare(now), "verdict", sc_cmp_verdict_name(v));
	if (c.verdict == SC_CMP_IDENTICAL && !exact_fail)
		return r;
	char *d = cmp_detail(&c, exact_fail);
	json_object_set_new(r, "detail", json_string(d));
	free(d);
	json_object_set_new(r, "format", json_string(c.format));
	if (c.n_unequal) {
		json_object_set_new(r, "max_abs", sc_json_real(c.max_abs));
		json_object_set_new(r, "max_abs_at", json_string(c.max_abs_at));
		json_object_set_new(r, "max_rel", sc_json_real(c.max_rel));
		json_object_set_new(r, "max_rel_at", json_string(c.max_rel_at));
		json_object_set_new(r, "max_scaled", sc_json_real(c.max_scaled));
	}
	return r;
}

static json_t *judge_outputs(sc_store *s, const json_t *recorded, const json_t *now,
			     const sc_repro_opts *o, tally *t)
{
	json_t *outs = json_array();
	const char *name;
	json_t *v;
	json_object_foreach((json_t *)recorded, name, v)
		json_array_append_new(outs, output_row(s, name, json_string_value(v),
						       sc_json_str(now, name, NULL), o, t));
	json_object_foreach((json_t *)now, name, v)
		if (!json_object_get(recorded, name))
			json_array_append_new(outs, output_row(s, name, NULL, json_string_value(v), o, t));
	return outs;
}

static json_t *judge_metrics(const json_t *recorded, const json_t *now, const sc_repro_opts *o,
			     tally *t)
{
	json_t *mets = json_array();
	const char *name;
	json_t *v;
	json_object_foreach((json_t *)recorded, name, v)
	{
		json_t *a = json_object_get(v, "value");
		json_t *b = json_object_get(json_object_get(now, name), "value");
		double x = json_is_number(a) ? json_number_value(a) : NAN;
		double y = json_is_number(b) ? json_number_value(b) : NAN;
		sc_cmp_verdict vd = json_object_get(now, name) ? metric_verdict(x, y, o) : SC_CMP_DIFFERENT;
		count(t, vd);
		json_t *r = json_pack("{s:s, s:o, s:o, s:s}", "name", name, "recorded", sc_json_real(x),
				      "reproduced", sc_json_real(y), "verdict", sc_cmp_verdict_name(vd));
		if (vd != SC_CMP_IDENTICAL && isfinite(x) && isfinite(y))
			json_object_set_new(r, "abs_diff", json_real(fabs(x - y)));
		json_array_append_new(mets, r);
	}
	return mets;
}

/* Add the changes between the step's recorded environment and this one to
 * the result's list (each once). */
static void env_changes(sc_store *s, const char *key, json_t *cur_libs, json_t *cur_mach,
			json_t *all, json_t *runs)
{
	json_t *rec = NULL;
	sc_err e;
	if (sc_query_step_env(s, key, &rec, &e) || !rec)
		return;
	json_t *run = json_object_get(rec, "run");
	size_t i;
	json_t *c, *x;
	int seen = 0;
	json_array_foreach(runs, i, x)
		seen |= json_equal(x, run);
	if (!seen)
		json_array_append(runs, run);
	json_t *ch = sc_env_changes(json_object_get(rec, "libraries"), json_object_get(rec, "machine"),
				    cur_libs, cur_mach);
	json_array_foreach(ch, i, c)
	{
		size_t k;
		int dup = 0;
		json_array_foreach(all, k, x)
			dup |= json_equal(x, c);
		if (!dup)
			json_array_append(all, c);
	}
	json_decref(ch);
	json_decref(rec);
}

static json_t *step_row(sc_store *s, const json_t *st, sc_plan_step *ps, const sc_repro_opts *o,
			tally *t)
{
	char *label = sc_plan_step_label(ps);
	json_t *r = json_pack("{s:s, s:s, s:b}", "key", sc_json_str(st, "key", ""), "label", label,
			      "deterministic", ps->deterministic);
	free(label);
	const char *now = sc_plan_kind_version(ps->kind);
	if (strcmp(now, ps->version)) {
		char *v = sc_xasprintf("recorded with implementation version %s, this sceval has %s",
				       ps->version, now);
		json_object_set_new(r, "note", json_string(v));
		free(v);
	}
	if (ps->state != SC_STEP_DONE) {
		json_object_set_new(r, "status", json_string("failed"));
		json_object_set_new(r, "error", json_string(ps->error ? ps->error : "not run"));
		t->failed++;
		return r;
	}
	json_object_set_new(r, "status", json_string("done"));
	json_object_set_new(r, "outputs",
			    judge_outputs(s, json_object_get(st, "outputs"), ps->outputs, o, t));
	json_object_set_new(r, "metrics",
			    judge_metrics(json_object_get(st, "metrics"), ps->metrics, o, t));
	return r;
}

static json_t *summary(const sc_oid *result, json_t *rows, const tally *t, const sc_repro_opts *o,
		       json_t *changes, json_t *runs)
{
	char hex[SC_OID_HEXLEN + 1];
	sc_oid_hex(result, hex);
	json_t *j = json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:f, s:b}", "result", hex, "steps",
			      rows, "identical", (json_int_t)t->identical, "equivalent",
			      (json_int_t)t->equivalent, "within", (json_int_t)t->equivalent,
			      "different", (json_int_t)t->different, "failed", (json_int_t)t->failed,
			      "tolerance", o->tolerance, "exact", o->exact);
	char *cause = json_array_size(changes) ? sc_env_changes_text(changes, "recorded", "reproduced")
					       : NULL;
	json_object_set_new(j, "environment",
			    json_pack("{s:o, s:o}", "recorded_by_runs", runs, "changes", changes));
	json_object_set_new(j, "cause", cause ? json_string(cause) : json_null());
	free(cause);
	return j;
}

int sc_reproduce_portable(sc_store *s, const sc_oid *result, int *out, sc_err *err)
{
	json_t *m = NULL;
	*out = 0;
	int rc = sc_query_result(s, result, &m, err);
	if (rc)
		return rc;
	size_t i;
	json_t *st;
	json_array_foreach(json_object_get(m, "steps"), i, st)
	{
		json_t *rec = NULL;
		sc_err e;
		if (sc_query_step_env(s, sc_json_str(st, "key", ""), &rec, &e) == 0 && rec)
			*out |= json_is_true(json_object_get(json_object_get(rec, "machine"),
							     "portable"));
		json_decref(rec);
	}
	json_decref(m);
	return 0;
}

int sc_reproduce(sc_store *s, const sc_oid *result, const sc_repro_opts *o, json_t **out,
		 sc_err *err)
{
	json_t *m = NULL;
	int rc = sc_query_result(s, result, &m, err);
	if (rc)
		return rc;
	sc_plan plan = { 0 };
	json_t *steps = json_object_get(m, "steps");
	if ((rc = build_plan(&plan, s, steps, err)))
		goto out;
	sc_exec_install_signals();
	sc_exec_opts eo = { o->jobs, 1, 1, 1, 0, o->progress };
	sc_exec_stats stats;
	if ((rc = sc_exec_plan(s, &plan, &eo, &stats, err)))
		goto out;
	json_t *rows = json_array(), *changes = json_array(), *runs = json_array();
	json_t *libs = sc_env_libraries(), *mach = sc_env_machine();
	tally t = { 0 };
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st)
	{
		/* Comparing big outputs takes a while: Ctrl-C must stop it. */
		if (sc_exec_interrupted()) {
			rc = sc_errf(err, SC_EINTR, "interrupted");
			break;
		}
		json_array_append_new(rows, step_row(s, st, &plan.v[i], o, &t));
		env_changes(s, sc_json_str(st, "key", ""), libs, mach, changes, runs);
	}
	json_decref(libs);
	json_decref(mach);
	if (rc) {
		json_decref(rows);
		json_decref(changes);
		json_decref(runs);
		goto out;
	}
	*out = summary(result, rows, &t, o, changes, runs);
out:
	sc_plan_free(&plan);
	json_decref(m);
	return rc;
}
