/*
 * bundle_verify.c - checks that a bundle's records say only what its
 * hashed objects say (see bundle_impl.h).
 *
 * A bundle's manifest (sceval-bundle.json) is not hashed: anyone can edit
 * it. What is hashed is the result object, whose id is the result hash a
 * paper publishes, and it holds every step's key, parameters, inputs,
 * outputs and metric values. So import takes the result object as the
 * truth: each step key must be the hash of the step's own description in
 * it, and every step, input, output, metric and run-step record the
 * manifest brings must agree with it, field by field. Timings, logs and
 * provenance are not covered by any hash and are taken as stated.
 *
 * Workload: a few thousand steps and metrics; everything is in memory.
 */
#include "bundle_impl.h"
#include "store/db.h"
#include "util/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct verify_ctx {
	sc_store *s;
	const char *path;
	const char *stage;
	const json_t *got; /* hex -> true: the staged, hash-checked objects */
	json_t *rsteps;    /* key -> step of the result object */
	sc_err *err;
} verify_ctx;

static int reject(verify_ctx *v, const char *fmt, ...) SC_PRINTF(2, 3);
static int reject(verify_ctx *v, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sc_errf(v->err, SC_ECORRUPT, "'%s': rejected: %s", v->path, msg);
}

/* An object id the records may name: staged in this bundle or already here. */
static int present(verify_ctx *v, const char *id)
{
	sc_oid o;
	if (sc_oid_parse(&o, id))
		return 0;
	char hex[SC_OID_HEXLEN + 1];
	sc_oid_hex(&o, hex);
	return json_object_get(v->got, hex) || sc_store_has(v->s, &o);
}

static int load_result(verify_ctx *v, const char *rhex, json_t **out)
{
	char *p = sc_xasprintf("%s/%s", v->stage, rhex);
	json_error_t je;
	json_t *r = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
	free(p);
	if (!r || strcmp(sc_json_str(r, "format", ""), "sceval-result") ||
	    sc_json_int(r, "version", 0) != 1 || !json_is_array(json_object_get(r, "steps"))) {
		json_decref(r);
		return reject(v, "the result object is not a result manifest: %.12s", rhex);
	}
	*out = r;
	return 0;
}

/* The step's key must be the hash of its kind, version, parameters, seed
 * and inputs as the result object states them (sc_plan_compute_key). */
static int check_result_step(verify_ctx *v, const json_t *st, char **key_json)
{
	const char *key = sc_json_str(st, "key", "");
	json_t *params = json_object_get(st, "params"), *seed = json_object_get(st, "seed"),
	       *in = json_object_get(st, "inputs"), *outp = json_object_get(st, "outputs");
	if (!json_is_string(json_object_get(st, "kind")) ||
	    !json_is_string(json_object_get(st, "version")) || !json_is_object(params) ||
	    !(json_is_integer(seed) || json_is_null(seed)) || !json_is_object(in) ||
	    !json_is_object(outp) || !json_is_object(json_object_get(st, "metrics")))
		return reject(v, "a malformed step in the result object: '%.12s'", key);
	json_t *j = json_pack("{s:O, s:O, s:O, s:O, s:O}", "kind", json_object_get(st, "kind"),
			      "version", json_object_get(st, "version"), "params", params, "seed",
			      seed, "inputs", in);
	*key_json = sc_json_canonical(j);
	json_decref(j);
	sc_oid k;
	char hex[SC_OID_HEXLEN + 1];
	sc_hash_buf(&k, *key_json, strlen(*key_json));
	sc_oid_hex(&k, hex);
	if (strcmp(hex, key))
		return reject(v, "step '%.12s' of the result does not hash to its key", key);
	const json_t *maps[] = { in, outp };
	for (int m = 0; m < 2; m++) {
		const char *role;
		json_t *id;
		json_object_foreach((json_t *)maps[m], role, id)
			if (!json_is_string(id) || !present(v, json_string_value(id)))
				return reject(v, "%s '%s' of step '%.12s' is not in the bundle",
					      m ? "output" : "input", role, key);
	}
	return 0;
}

/* rows (an array of {role, object}) must be exactly the map role -> id. */
static int same_io(const json_t *rows, const json_t *map)
{
	if (json_array_size(rows) != json_object_size(map))
		return 0;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		json_t *id = json_object_get(map, sc_json_str(r, "role", ""));
		if (!id || !json_equal(id, json_object_get(r, "object")))
			return 0;
	}
	return 1;
}

/* One metric as the catalog holds it against the result's {value,
 * higher_is_better, detail}: NULL for a non-number, exact doubles. */
static int same_metric(const json_t *value, int hib, const char *detail, const json_t *m)
{
	json_t *rv = json_object_get(m, "value");
	if (json_is_number(rv) != json_is_number(value))
		return 0;
	if (json_is_number(rv) && json_number_value(rv) != json_number_value(value))
		return 0;
	if (hib != json_is_true(json_object_get(m, "higher_is_better")))
		return 0;
	const char *rd = sc_json_str(m, "detail", NULL);
	if (rd && !*rd)
		rd = NULL;
	if (detail && !*detail)
		detail = NULL;
	return (!rd && !detail) || (rd && detail && !strcmp(rd, detail));
}

/* The first metric of rows that the result's metrics map disagrees with,
 * or "" when one is missing on either side; NULL when all agree. */
static const char *metric_mismatch(const json_t *rows, const json_t *mets)
{
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		const char *name = sc_json_str(r, "name", "");
		json_t *m = json_object_get(mets, name);
		if (!m || !same_metric(json_object_get(r, "value"),
				       (int)sc_json_int(r, "higher_is_better", 0),
				       sc_json_str(r, "detail", NULL), m))
			return name;
	}
	return json_array_size(rows) == json_object_size(mets) ? NULL : "";
}

static int check_step_record(verify_ctx *v, const json_t *row, const char *key_json)
{
	const char *key = sc_json_str(row, "key", "");
	json_t *rs = json_object_get(v->rsteps, key);
	if (!rs)
		return reject(v, "a step record the result does not list: '%.12s'", key);
	const char *what = NULL;
	if (strcmp(sc_json_str(row, "key_json", ""), key_json))
		what = "key";
	else if (strcmp(sc_json_str(row, "kind", ""), sc_json_str(rs, "kind", "")))
		what = "kind";
	else if (strcmp(sc_json_str(row, "impl_version", ""), sc_json_str(rs, "version", "")))
		what = "implementation version";
	else if (strcmp(sc_json_str(row, "status", ""), "done"))
		what = "status";
	else if (!sc_json_int(row, "deterministic", 0) !=
		 !json_is_true(json_object_get(rs, "deterministic")))
		what = "deterministic flag";
	else if (!same_io(json_object_get(row, "inputs"), json_object_get(rs, "inputs")))
		what = "inputs";
	else if (!same_io(json_object_get(row, "outputs"), json_object_get(rs, "outputs")))
		what = "outputs";
	if (what)
		return reject(v, "the %s of step '%.12s' disagrees with the result object", what, key);
	const char *m = metric_mismatch(json_object_get(row, "metrics"), json_object_get(rs, "metrics"));
	if (m)
		return reject(v, "metric '%s' of step '%.12s' disagrees with the result object", m, key);
	const char *logs[] = { "stdout_log", "stderr_log" };
	for (int i = 0; i < 2; i++) {
		const char *id = sc_json_str(row, logs[i], NULL);
		if (id && !present(v, id))
			return reject(v, "the %s of step '%.12s' is not in the bundle", logs[i], key);
	}
	return 0;
}

/* A step this store already has is kept as it is; its metrics must then be
 * the ones the result states, or the imported run would show other numbers
 * beside the result's hash. */
static int check_existing(verify_ctx *v, const char *key, const json_t *rs)
{
	sqlite3 *db = sc_store_db(v->s);
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q,
			       "SELECT name, value, higher_is_better, detail FROM step_metrics "
			       "WHERE step = ? AND EXISTS (SELECT 1 FROM steps WHERE key = ? AND "
			       "status = 'done')",
			       v->err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
	json_t *rows = json_array();
	int r;
	while ((r = sc_db_row(db, q, v->err, "cannot read this store's steps")) > 0) {
		json_t *row = json_object();
		json_object_set_new(row, "name",
				    json_string((const char *)sqlite3_column_text(q, 0)));
		json_object_set_new(row, "value", sqlite3_column_type(q, 1) == SQLITE_NULL
							  ? json_null()
							  : json_real(sqlite3_column_double(q, 1)));
		json_object_set_new(row, "higher_is_better", json_integer(sqlite3_column_int(q, 2)));
		if (sqlite3_column_type(q, 3) != SQLITE_NULL)
			json_object_set_new(row, "detail",
					    json_string((const char *)sqlite3_column_text(q, 3)));
		json_array_append_new(rows, row);
	}
	sqlite3_finalize(q);
	if (r < 0) {
		json_decref(rows);
		return r;
	}
	const char *m = json_array_size(rows) ? metric_mismatch(rows, json_object_get(rs, "metrics"))
					      : NULL;
	rc = m ? reject(v, "metric '%s' of step '%.12s' differs from this store's record of it", m,
			key)
	       : 0;
	json_decref(rows);
	return rc;
}

static int eq_field(const json_t *a, const json_t *b)
{
	if (json_is_null(a) || !a)
		return json_is_null(b) || !b;
	return json_equal(a, b);
}

/* What the runner writes as a run step's label (sc_plan_step_label). */
static char *step_label(const json_t *rs)
{
	char seed[32] = "";
	json_t *sd = json_object_get(rs, "seed");
	if (json_is_integer(sd))
		snprintf(seed, sizeof(seed), " seed=%lld", (long long)json_integer_value(sd));
	const char *ds = sc_json_str(rs, "dataset", NULL), *m = sc_json_str(rs, "method", NULL);
	return sc_xasprintf("%s %s%s%s%s", sc_json_str(rs, "kind", ""), ds ? ds : "", m ? "/" : "",
			    m ? m : "", seed);
}

/* A run must be one that gave this result, and each of its steps must be
 * labelled as the result labels it. */
static int check_run(verify_ctx *v, const json_t *run, const char *rid)
{
	if (strcmp(sc_json_str(run, "result", ""), rid) || strcmp(sc_json_str(run, "status", ""), "done"))
		return reject(v, "a run record that did not give this result: run %lld",
			      (long long)sc_json_int(run, "id", 0));
	const char *spec = sc_json_str(run, "spec", NULL);
	if (spec && !present(v, spec))
		return reject(v, "the spec of run %lld is not in the bundle",
			      (long long)sc_json_int(run, "id", 0));
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(run, "run_steps"), i, r)
	{
		const char *key = sc_json_str(r, "step", "");
		json_t *rs = json_object_get(v->rsteps, key);
		if (!rs)
			return reject(v, "a run step the result does not list: '%.12s'", key);
		static const char *const f[] = { "task", "dataset", "method", "seed" };
		const char *what = NULL;
		for (int k = 0; k < 4 && !what; k++)
			if (!eq_field(json_object_get(r, f[k]), json_object_get(rs, f[k])))
				what = f[k];
		char *label = step_label(rs);
		if (!what && strcmp(sc_json_str(r, "label", ""), label))
			what = "label";
		free(label);
		if (!what && strcmp(sc_json_str(r, "status", ""), "done"))
			what = "status";
		if (what)
			return reject(v, "the %s of run step '%.12s' disagrees with the result object",
				      what, key);
	}
	return 0;
}

/* Every step record against the result object, each only once, and every
 * step of the result recorded. */
static int check_steps(verify_ctx *v, const json_t *bm, json_t *key_jsons)
{
	json_t *seen = json_object();
	size_t i;
	json_t *row;
	int rc = 0;
	json_array_foreach(json_object_get(bm, "steps"), i, row)
	{
		const char *key = sc_json_str(row, "key", "");
		if (json_object_get(seen, key)) {
			rc = reject(v, "a step recorded twice: '%.12s'", key);
			break;
		}
		json_object_set_new(seen, key, json_true());
		if ((rc = check_step_record(v, row, sc_json_str(key_jsons, key, ""))) ||
		    (rc = check_existing(v, key, json_object_get(v->rsteps, key))))
			break;
	}
	const char *key;
	json_t *x;
	if (!rc)
		json_object_foreach(v->rsteps, key, x)
			if (!json_object_get(seen, key)) {
				rc = reject(v, "step '%.12s' of the result has no record", key);
				break;
			}
	json_decref(seen);
	return rc;
}

int sc_bundle_verify(sc_store *s, const char *path, const char *stage, const json_t *bm,
		     const json_t *got, sc_err *err)
{
	verify_ctx v = { s, path, stage, got, json_object(), err };
	json_t *res = NULL, *key_jsons = json_object();
	const char *rid = sc_json_str(bm, "result", "");
	sc_oid r;
	char rhex[SC_OID_HEXLEN + 1];
	int rc;
	if (sc_oid_parse(&r, rid)) {
		rc = reject(&v, "no result named");
		goto out;
	}
	sc_oid_hex(&r, rhex);
	if (!json_object_get(got, rhex)) {
		rc = reject(&v, "the result object is missing");
		goto out;
	}
	if ((rc = load_result(&v, rhex, &res)))
		goto out;
	size_t i;
	json_t *st;
	json_array_foreach(json_object_get(res, "steps"), i, st)
	{
		char *kj = NULL;
		rc = check_result_step(&v, st, &kj);
		if (!rc && json_object_get(v.rsteps, sc_json_str(st, "key", "")))
			rc = reject(&v, "a step listed twice in the result: '%.12s'",
				    sc_json_str(st, "key", ""));
		if (!rc) {
			json_object_set(v.rsteps, sc_json_str(st, "key", ""), st);
			json_object_set_new(key_jsons, sc_json_str(st, "key", ""), json_string(kj));
		}
		free(kj);
		if (rc)
			goto out;
	}
	if ((rc = check_steps(&v, bm, key_jsons)))
		goto out;
	json_t *run;
	json_array_foreach(json_object_get(bm, "runs"), i, run)
		if ((rc = check_run(&v, run, rid)))
			goto out;
out:
	json_decref(res);
	json_decref(key_jsons);
	json_decref(v.rsteps);
	return rc;
}
