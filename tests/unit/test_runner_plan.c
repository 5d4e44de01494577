/*
 * test_runner_plan.c - the planner's building blocks (runner/plan.c,
 * runner/plan_tasks.c): what makes two steps the same step (and so one
 * cache entry), the canonical JSON a step's cache key hashes, which must
 * not change from one version of sceval to the next without a reason (old
 * caches would silently miss), and the option checker's messages.
 *
 * Expected values are written by hand: the canonical JSON below is the
 * documented form (sorted keys, no spaces), and its SHA-256 was computed
 * with Python's hashlib, not with sceval.
 */
#include "runner/plan.h"
#include "runner/plan_tasks.h"
#include "runner/spec.h"
#include "unit.h"

#include <jansson.h>

static void oid_of(sc_oid *o, const char *hex64)
{
	char id[SC_OID_IDLEN];
	snprintf(id, sizeof(id), "sha256:%s", hex64);
	if (sc_oid_parse(o, id) != 0)
		printf("# bad test oid %s\n", id);
}

static const char *HEX_A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char *HEX_B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/* A step of kind "external" with params {"b": "x", "a": 1} built in the
 * given key order, the given seed and one input object. */
static size_t add_step(sc_plan *p, int a_first, int has_seed, int64_t seed, const char *in_hex)
{
	json_t *params = json_object();
	if (a_first) {
		json_object_set_new(params, "a", json_integer(1));
		json_object_set_new(params, "b", json_string("x"));
	} else {
		json_object_set_new(params, "b", json_string("x"));
		json_object_set_new(params, "a", json_integer(1));
	}
	size_t i = sc_plan_add(p, "external", params, has_seed, seed);
	sc_oid o;
	oid_of(&o, in_hex);
	sc_plan_input_obj(p, i, "data", &o, NULL);
	return i;
}

static void test_identity(void)
{
	sc_plan p = { 0 };
	size_t s0 = add_step(&p, 1, 1, 3, HEX_A);
	OK(sc_plan_dedupe_last(&p) == s0 && p.n == 1, "the first step is its own");
	add_step(&p, 0, 1, 3, HEX_A);
	OK(sc_plan_dedupe_last(&p) == s0 && p.n == 1,
	   "the same kind, params (in another key order), seed and inputs is the same step");
	size_t s1 = add_step(&p, 1, 1, 4, HEX_A);
	OK(sc_plan_dedupe_last(&p) == s1 && p.n == 2, "another seed is another step");
	size_t s2 = add_step(&p, 1, 0, 3, HEX_A);
	OK(sc_plan_dedupe_last(&p) == s2 && p.n == 3, "no seed differs from seed 3");
	size_t s3 = add_step(&p, 1, 1, 3, HEX_B);
	OK(sc_plan_dedupe_last(&p) == s3 && p.n == 4, "another input object is another step");
	/* an input from another step: the same producer and output role only */
	size_t s4 = sc_plan_add(&p, "external", json_object(), 0, 0);
	sc_plan_input_step(&p, s4, "emb", s0, "out.npy", NULL);
	OK(sc_plan_dedupe_last(&p) == s4, "a step fed by step 0");
	size_t s5 = sc_plan_add(&p, "external", json_object(), 0, 0);
	sc_plan_input_step(&p, s5, "emb", s0, "out.npy", NULL);
	OK(sc_plan_dedupe_last(&p) == s4 && p.n == 5, "... planned twice is one step");
	size_t s6 = sc_plan_add(&p, "external", json_object(), 0, 0);
	sc_plan_input_step(&p, s6, "emb", s1, "out.npy", NULL);
	OK(sc_plan_dedupe_last(&p) == s6 && p.n == 6, "fed by another step it is another");
	size_t s7 = sc_plan_add(&p, "external", json_object(), 0, 0);
	sc_plan_input_step(&p, s7, "emb", s0, "other.npy", NULL);
	OK(sc_plan_dedupe_last(&p) == s7 && p.n == 7, "fed by another output of step 0 too");
	sc_plan_free(&p);
}

static void test_key(void)
{
	sc_plan p = { 0 };
	add_step(&p, 0, 1, 3, HEX_A);
	add_step(&p, 1, 1, 3, HEX_A);
	sc_plan_compute_key(&p.v[0]);
	sc_plan_compute_key(&p.v[1]);
	char want[512];
	snprintf(want, sizeof(want),
		 "{\"inputs\":{\"data\":\"sha256:%s\"},\"kind\":\"external\",\"params\":{\"a\":1,"
		 "\"b\":\"x\"},\"seed\":3,\"version\":\"%s\"}",
		 HEX_A, SC_EXTERNAL_VERSION);
	OK(p.v[0].key_json && !strcmp(p.v[0].key_json, want),
	   "the key covers kind, version, params, seed and inputs as canonical JSON");
	if (p.v[0].key_json && strcmp(p.v[0].key_json, want))
		printf("#   got  %s\n#   want %s\n", p.v[0].key_json, want);
	OK(!strcmp(p.v[0].key_json, p.v[1].key_json) && !strcmp(p.v[0].key, p.v[1].key),
	   "the key does not depend on the order params were built in");
	/* hashlib.sha256(want.encode()).hexdigest(), with version "1" */
	OK(!strcmp(SC_EXTERNAL_VERSION, "1") &&
		   !strcmp(p.v[0].key, "68b21b09fbd6d5ca9ef1330191a2b06a37d90a76b667e81df7d1a00afbbcf614"),
	   "the key is the SHA-256 of that JSON (pinned: a change would orphan every cache)");
	/* the same step keyed again gives the same bytes */
	char *first = strdup(p.v[0].key_json);
	sc_plan_compute_key(&p.v[0]);
	OK(!strcmp(first, p.v[0].key_json), "computing a key twice gives the same JSON");
	free(first);
	sc_plan_free(&p);
}

static char dir[64];

/* Load a one-task spec around the given task line and check its options. */
static int check_spec(const char *task_yaml, sc_err *err)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/spec.yaml", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "datasets: {d: d.h5ad}\ntasks:\n  - %s\n", task_yaml);
	fclose(f);
	sc_spec *spec = NULL;
	int rc = sc_spec_load(&spec, path, 0, err);
	if (rc)
		return rc;
	sc_plan_ctx x = { .spec = spec, .err = err, .dry = 1 };
	const sc_spec_task *t = &spec->tasks[0];
	rc = sc_plan_check_options(&x, t, sc_task_find(t->task));
	sc_spec_free(spec);
	return rc;
}

static void test_options(void)
{
	sc_err err = { 0 };
	OK(check_spec("{task: batch, dataset: d, batch_key: b, label_key: l}", &err) == 0,
	   "a batch task with its two required options passes");
	OK(check_spec("{task: batch, dataset: d, batch_key: b, label_kye: l}", &err) != 0 &&
		   strstr(err.msg, "unknown option 'label_kye' for task 'batch'") &&
		   strstr(err.msg, "did you mean 'label_key'?"),
	   "a misspelt option is named, with the nearest one: %s", err.msg);
	OK(strstr(err.msg, "spec.yaml:3:45: "), "... at its line and column (3:45, counted by hand)");
	OK(check_spec("{task: batch, dataset: d, batch_key: b, label_key: l, zzzzzzzz: 1}", &err) != 0 &&
		   strstr(err.msg, "unknown option 'zzzzzzzz'") && !strstr(err.msg, "did you mean") &&
		   strstr(err.msg, "(options: batch_key, label_key"),
	   "a word far from every option gets the list, no guess: %s", err.msg);
	OK(check_spec("{task: batch, dataset: d, batch_key: b}", &err) != 0 &&
		   strstr(err.msg, "task 'batch' needs 'label_key'"),
	   "a missing required option is named: %s", err.msg);
	OK(check_spec("{task: batch, dataset: d, batch_key: b, label_key: l, n_comps: many}", &err) != 0 &&
		   strstr(err.msg, "'n_comps' must be an integer in [2, 1000]"),
	   "a wrong type names the expected one: %s", err.msg);
	OK(check_spec("{task: batch, dataset: d, batch_key: b, label_key: l, n_comps: 2.5}", &err) != 0 &&
		   strstr(err.msg, "'n_comps' must be an integer"),
	   "a fraction is not an integer: %s", err.msg);
	OK(check_spec("{task: batch, dataset: d, batch_key: 3, label_key: l}", &err) != 0 &&
		   strstr(err.msg, "'batch_key' must be a string"),
	   "a number where a string is expected: %s", err.msg);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sceval-plan.XXXXXX");
	if (!mkdtemp(dir)) {
		OK(0, "temporary directory");
		return 1;
	}
	test_identity();
	test_key();
	test_options();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return unit_done();
}
