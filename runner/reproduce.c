/*
 * reproduce.c - reproduce a result from its hash (see reproduce.h).
 */
#include "reproduce.h"
#include "runner/exec.h"
#include "runner/plan.h"
#include "runner/query.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *verdict(double a, double b, double tol)
{
	if (a == b || (isnan(a) && isnan(b)))
		return "identical";
	double scale = fabs(a) > 1 ? fabs(a) : 1;
	if (fabs(a - b) <= tol * scale)
		return "within tolerance";
	return "different";
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
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st)
	{
		json_t *params = json_object_get(st, "params");
		json_t *seed = json_object_get(st, "seed");
		size_t k = sc_plan_add(&plan, sc_json_str(st, "kind", ""),
				       json_deep_copy(params ? params : json_object()),
				       json_is_integer(seed), json_is_integer(seed) ? json_integer_value(seed) : 0);
		/* Reproduce what was recorded: a newer implementation version
		 * would give another key (and is reported as such below). */
		free(plan.v[k].version);
		plan.v[k].version = sc_xstrdup(sc_json_str(st, "version", ""));
		json_t *names = json_object_get(params, "input_names");
		const char *role;
		json_t *id;
		json_object_foreach(json_object_get(st, "inputs"), role, id)
		{
			sc_oid oid;
			if (sc_oid_parse(&oid, json_string_value(id)) || !sc_store_has(s, &oid)) {
				rc = sc_errf(err, SC_ENOTFOUND,
					     "input '%s' of step %.12s (%s) is not in this store; import "
					     "the result's bundle first",
					     role, sc_json_str(st, "key", ""), json_string_value(id));
				goto out;
			}
			sc_plan_input_obj(&plan, k, role, &oid, sc_json_str(names, role, role));
		}
		sc_plan_label(&plan, k, sc_json_str(st, "task", NULL), sc_json_str(st, "dataset", NULL),
			      sc_json_str(st, "method", NULL));
		plan.v[k].deterministic = json_is_true(json_object_get(st, "deterministic"));
		/* The recorded key must be what these parameters and inputs give:
		 * otherwise the manifest was edited. */
		sc_plan_compute_key(&plan.v[k]);
		if (strcmp(plan.v[k].key, sc_json_str(st, "key", ""))) {
			rc = sc_errf(err, SC_ECORRUPT,
				     "step %.12s of the result does not match its own key (the manifest "
				     "is inconsistent)",
				     sc_json_str(st, "key", ""));
			goto out;
		}
	}
	sc_exec_install_signals();
	sc_exec_opts eo = { o->jobs, 1, 1, 1, 0, o->progress };
	sc_exec_stats stats;
	if ((rc = sc_exec_plan(s, &plan, &eo, &stats, err)))
		goto out;
	json_t *rows = json_array();
	size_t n_id = 0, n_within = 0, n_diff = 0, n_failed = 0;
	json_array_foreach(steps, i, st)
	{
		sc_plan_step *ps = &plan.v[i];
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
			n_failed++;
			json_array_append_new(rows, r);
			continue;
		}
		json_object_set_new(r, "status", json_string("done"));
		json_t *outs = json_array(), *mets = json_array();
		const char *name;
		json_t *v;
		json_object_foreach(json_object_get(st, "outputs"), name, v)
		{
			const char *rec = json_string_value(v);
			const char *now = sc_json_str(ps->outputs, name, NULL);
			const char *vd = now && !strcmp(rec, now) ? "identical" : "different";
			if (*vd == 'i')
				n_id++;
			else
				n_diff++;
			json_array_append_new(outs, json_pack("{s:s, s:s, s:s, s:s}", "name", name,
							      "recorded", rec + 7, "reproduced",
							      now ? now + 7 : "(missing)", "verdict", vd));
		}
		json_object_foreach(json_object_get(st, "metrics"), name, v)
		{
			json_t *a = json_object_get(v, "value");
			json_t *b = json_object_get(json_object_get(ps->metrics, name), "value");
			double x = json_is_number(a) ? json_number_value(a) : NAN;
			double y = json_is_number(b) ? json_number_value(b) : NAN;
			const char *vd = json_object_get(ps->metrics, name) ? verdict(x, y, o->tolerance)
									    : "different";
			if (*vd == 'i')
				n_id++;
			else if (*vd == 'w')
				n_within++;
			else
				n_diff++;
			json_array_append_new(mets, json_pack("{s:s, s:o, s:o, s:s}", "name", name,
							      "recorded", sc_json_real(x), "reproduced",
							      sc_json_real(y), "verdict", vd));
		}
		json_object_set_new(r, "outputs", outs);
		json_object_set_new(r, "metrics", mets);
		json_array_append_new(rows, r);
	}
	char hex[SC_OID_HEXLEN + 1];
	sc_oid_hex(result, hex);
	*out = json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:f}", "result", hex, "steps", rows,
			 "identical", (json_int_t)n_id, "within", (json_int_t)n_within, "different",
			 (json_int_t)n_diff, "failed", (json_int_t)n_failed, "tolerance", o->tolerance);
out:
	sc_plan_free(&plan);
	json_decref(m);
	return rc;
}
