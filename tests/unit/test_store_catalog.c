/*
 * test_store_catalog.c - the typed catalog API (store/catalog.h): a run and
 * its steps recorded and read back field by field, the cache, objects and
 * names, gc's roots, the migration of a schema-1 catalog written here with
 * raw SQL, and error paths (a row loop cut short by the database must fail,
 * never return the rows it had so far).
 *
 * Expected values are the ones the test itself wrote.
 */
#include "unit.h"
#include "store/catalog.h"
#include "store/db.h"
#include "store/store.h"
#include "util/fs.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static char dir[] = "/tmp/sceval-unit-catalog-XXXXXX";

static sc_store *fresh_store(const char *sub)
{
	char *d = sc_xasprintf("%s/%s", dir, sub);
	sc_err err;
	int created;
	sc_store *s = NULL;
	if (sc_store_init(d, &created, &err) || sc_store_open(&s, d, &err))
		printf("# cannot make a store in %s: %s\n", d, err.msg);
	free(d);
	return s;
}

static void put(sc_store *s, const char *text, const char *kind, sc_oid *out)
{
	sc_err err;
	if (sc_store_put_record(s, text, strlen(text), kind, out, &err))
		printf("# put failed: %s\n", err.msg);
}

static int64_t int_query(sc_store *s, const char *sql)
{
	sqlite3_stmt *q;
	int64_t v = -1;
	if (sqlite3_prepare_v2(sc_store_db(s), sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* What one recorded run holds, to compare against. */
typedef struct fixture {
	sc_oid spec, result, out, log, in;
	char out_id[SC_OID_IDLEN], log_id[SC_OID_IDLEN], in_id[SC_OID_IDLEN];
	int64_t run;
} fixture;

static const char key1[] = "1111111111111111111111111111111111111111111111111111111111111111";

static int record_run(sc_store *s, fixture *f)
{
	sc_err err;
	put(s, "name: t\n", "spec", &f->spec);
	put(s, "output bytes", "output", &f->out);
	put(s, "log bytes", "log", &f->log);
	put(s, "input bytes", "dataset", &f->in);
	sc_oid_id(&f->out, f->out_id);
	sc_oid_id(&f->log, f->log_id);
	sc_oid_id(&f->in, f->in_id);
	sc_catalog_run_start r = {
		.spec = f->spec, .spec_path = "/x/spec.yaml", .argv_json = "[\"sceval\",\"run\"]",
		.cwd = "/x", .sceval_version = "9.9", .build_json = "{}", .libraries_json = "{}",
		.machine_json = "{\"host\":\"h\"}", .host = "h", .threads = 1, .jobs = 2, .pid = 1,
		.started_at = 1000, .repo = "/x", .commit = "abc123", .branch = "main",
		.dirty = 1, .dirty_files_json = "[\"a.c\"]", .note = NULL,
	};
	int rc = sc_catalog_run_begin(s, &r, &f->run, &err);
	OK(rc == 0 && f->run > 0, "a run is recorded (id %lld) %s", (long long)f->run,
	   rc ? err.msg : "");
	/* A failed attempt first: the done entry of the same key replaces it whole. */
	sc_catalog_io in = { .role = "data", .object = f->in_id };
	sc_catalog_step failed = { .key = key1, .kind = "k.eval", .version = "1",
				   .key_json = "{}", .done = 0, .error = "boom", .log_out = "",
				   .log_err = "", .inputs = &in, .n_inputs = 1 };
	OK(sc_catalog_step_record(s, &failed, NULL, &err) == 0, "a failed step is recorded");
	sc_catalog_io outs[] = { { .role = "table", .object = f->out_id } };
	sc_catalog_metric mets[] = {
		{ .name = "acc", .has_value = 1, .value = 0.75, .higher_is_better = 1,
		  .declared = 1, .declared_higher_is_better = 1, .group = "classification",
		  .primary = 1 },
		{ .name = "undefined", .has_value = 0, .higher_is_better = 0, .detail = "no pairs" },
	};
	sc_catalog_step done = {
		.key = key1, .kind = "k.eval", .version = "1",
		.key_json = "{\"params\":{\"a\":1},\"version\":\"1\"}", .done = 1,
		.deterministic = 1, .wall = 1.5, .cpu = 2.5, .maxrss_kb = 77,
		.log_out = f->log_id, .log_err = "", .created_at = 5, .inputs = &in, .n_inputs = 1,
		.outputs = outs, .n_outputs = 1, .metrics = mets, .n_metrics = 2,
	};
	sc_catalog_run_step rs = {
		.run = f->run, .step = key1, .ord = 0, .label = "k.eval d/m seed=3", .task = "mine",
		.task_kind = "batch", .dataset = "d", .method = "m", .has_seed = 1, .seed = 3,
		.status = "done", .wall = 1.5, .cpu = 2.5, .maxrss_kb = 77, .log_out = f->log_id,
	};
	OK(sc_catalog_step_record(s, &done, &rs, &err) == 0, "a done step and its run row");
	put(s, "{\"format\":\"sceval-result\"}", "result", &f->result);
	OK(sc_catalog_run_finish(s, f->run, "done", &f->result, 2000, 1, 0, 0, &err) == 0,
	   "the run is finished");
	return 0;
}

static void test_runs(void)
{
	sc_store *s = fresh_store("runs");
	fixture f;
	sc_err err;
	record_run(s, &f);
	char rid[SC_OID_IDLEN];
	sc_oid_id(&f.result, rid);

	sc_catalog_run *v = NULL;
	size_t n = 0;
	OK(sc_catalog_runs_list(s, 0, &v, &n, &err) == 0 && n == 1, "one run listed");
	if (n == 1) {
		OK(v[0].id == f.run && !strcmp(v[0].status, "done"), "its id and status");
		OK(v[0].ended_at.set && v[0].ended_at.i == 2000 && v[0].started_at == 1000,
		   "its start and end");
		OK(v[0].result && !strcmp(v[0].result, rid), "its result");
		OK(v[0].n_steps.set && v[0].n_steps.i == 1 && v[0].n_failed.i == 0, "its counts");
		OK(!strcmp(v[0].commit, "abc123") && v[0].dirty.set && v[0].dirty.i == 1,
		   "its provenance in the list");
	}
	sc_catalog_runs_free(v, n);

	sc_catalog_run r;
	OK(sc_catalog_run_get(s, f.run, &r, &err) == 0, "the run is read");
	OK(r.argv_json && !strcmp(r.argv_json, "[\"sceval\",\"run\"]") && r.jobs.i == 2 &&
		   !strcmp(r.branch, "main") && !strcmp(r.dirty_files_json, "[\"a.c\"]") &&
		   r.note == NULL && r.diff == NULL,
	   "its argv, jobs, branch, dirty files; no note, no diff");
	sc_catalog_run_clear(&r);
	OK(sc_catalog_run_get(s, 999, &r, &err) == SC_ENOTFOUND && !strcmp(err.msg, "no run 999"),
	   "a missing run: %s", err.msg);

	int found;
	char *res = NULL;
	OK(sc_catalog_run_exists(s, f.run, &found, &res, &err) == 0 && found && res &&
		   !strcmp(res, rid),
	   "the run exists with its result");
	free(res);
	int64_t by = 0;
	OK(sc_catalog_run_of_result(s, &f.result, &by, &err) == 0 && by == f.run,
	   "the result leads back to its run");

	sc_catalog_run_step_row *st = NULL;
	OK(sc_catalog_run_steps(s, f.run, &st, &n, &err) == 0 && n == 1, "one run step");
	if (n == 1) {
		OK(!strcmp(st[0].task_kind, "batch") && !strcmp(st[0].task, "mine"),
		   "the task kind is recorded beside the task label");
		OK(st[0].seed.set && st[0].seed.i == 3 && !strcmp(st[0].kind, "k.eval"),
		   "seed and kind");
		OK(st[0].n_outputs == 1 && !strcmp(st[0].out_role[0], "table") &&
			   !strcmp(st[0].out_object[0], f.out_id),
		   "its output");
		OK(st[0].wall.set && st[0].wall.d == 1.5 && st[0].maxrss_kb.i == 77, "its times");
	}
	sc_catalog_run_steps_free(st, n);

	sc_catalog_metric_row *m = NULL;
	OK(sc_catalog_run_metrics(s, f.run, &m, &n, &err) == 0 && n == 2, "two metric rows");
	if (n == 2) {
		OK(!strcmp(m[0].metric, "acc") && m[0].value.set && m[0].value.d == 0.75 &&
			   m[0].declared && m[0].primary && !strcmp(m[0].group, "classification") &&
			   !strcmp(m[0].task_kind, "batch"),
		   "the declared metric with its declaration");
		OK(!strcmp(m[1].metric, "undefined") && !m[1].value.set && !m[1].declared &&
			   !strcmp(m[1].detail, "no pairs"),
		   "an undefined, undeclared metric");
	}
	sc_catalog_metric_rows_free(m, n);

	sc_catalog_cached *c = NULL;
	OK(sc_catalog_step_lookup(s, key1, &c, &err) == 0 && c, "the cache hits");
	if (c) {
		OK(c->n_outputs == 1 && c->n_metrics == 2 && c->wall == 1.5 &&
			   !strcmp(c->log_out, f.log_id) && c->log_err == NULL,
		   "with the done entry (the failed attempt is gone)");
	}
	sc_catalog_cached_free(c);
	OK(int_query(s, "SELECT count(*) FROM step_inputs") == 1, "one input row, not two");
	OK(sc_catalog_step_lookup(s, "22", &c, &err) == 0 && !c, "an unknown key misses");

	sc_catalog_num wall, cpu, rss;
	OK(sc_catalog_step_times(s, key1, &found, &wall, &cpu, &rss, &err) == 0 && found &&
		   cpu.d == 2.5,
	   "step times");
	char *libs, *mach;
	int64_t origin;
	OK(sc_catalog_step_origin(s, key1, &origin, &libs, &mach, &err) == 0 && origin == f.run &&
		   !strcmp(mach, "{\"host\":\"h\"}"),
	   "the run that computed the step");
	free(libs);
	free(mach);
	sc_store_free(s);
}

static int in_set(const sc_oid *v, size_t n, const sc_oid *id)
{
	for (size_t i = 0; i < n; i++)
		if (sc_oid_eq(&v[i], id))
			return 1;
	return 0;
}

typedef struct oids {
	sc_oid v[64];
	size_t n;
} oids;

static void collect(void *ctx, const sc_oid *id)
{
	oids *o = ctx;
	if (o->n < 64)
		o->v[o->n++] = *id;
}

static void test_objects_names_roots(void)
{
	sc_store *s = fresh_store("objects");
	fixture f;
	sc_err err;
	record_run(s, &f);
	sc_oid loose, named;
	put(s, "nobody refers to me", "config", &loose);
	put(s, "a named blob", "config", &named);

	OK(sc_catalog_name_set(s, &named, "nm", 0, &err) == 0, "a name is set");
	OK(sc_catalog_name_set(s, &f.out, "nm", 0, &err) == SC_EEXISTS,
	   "moving it needs force: %s", err.msg);
	sc_catalog_name *nv;
	size_t n;
	OK(sc_catalog_names_list(s, &nv, &n, &err) == 0 && n == 1 && !strcmp(nv[0].name, "nm"),
	   "the name is listed");
	sc_catalog_names_free(nv, n);

	sc_catalog_object o;
	int found;
	OK(sc_catalog_object_get(s, &named, &o, &found, &err) == 0 && found && o.n_names == 1 &&
		   !strcmp(o.kind, "config") && o.size == strlen("a named blob"),
	   "an object's record and names");
	sc_catalog_object_clear(&o);
	sc_catalog_object *ov;
	OK(sc_catalog_objects_list(s, "config", 1, &ov, &n, &err) == 0 && n == 2,
	   "objects of a kind");
	sc_catalog_objects_free(ov, n);

	sc_catalog_use *u;
	OK(sc_catalog_object_uses(s, &f.out, 20, &u, &n, &err) == 0 && n == 1 &&
		   u[0].kind == SC_CATALOG_USE_OUTPUT && !strcmp(u[0].role, "table") &&
		   !strcmp(u[0].step, key1),
	   "the output's use");
	sc_catalog_uses_free(u, n);
	OK(sc_catalog_object_uses(s, &f.spec, 20, &u, &n, &err) == 0 && n == 1 &&
		   u[0].kind == SC_CATALOG_USE_SPEC && u[0].run == f.run,
	   "the spec's use");
	sc_catalog_uses_free(u, n);

	oids live = { .n = 0 };
	OK(sc_catalog_roots(s, collect, &live, &err) == 0, "the roots are read");
	const sc_oid *want[] = { &f.spec, &f.result, &f.out, &f.log, &f.in, &named };
	int all = 1;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		all &= in_set(live.v, live.n, want[i]);
	OK(all, "spec, result, output, log, input and named object are roots");
	OK(!in_set(live.v, live.n, &loose), "an object nothing refers to is not");

	OK(sc_catalog_name_delete(s, "nm", &err) == 0, "the name is removed");
	OK(sc_catalog_name_delete(s, "nm", &err) == SC_ENOTFOUND && !strcmp(err.msg, "no name 'nm'"),
	   "removing it again: %s", err.msg);
	sc_store_free(s);
}

/* Schema 1 as sceval 0.x wrote it (a copy kept here on purpose: the test
 * must not build the old schema with the code it checks). */
static const char schema1[] =
	"CREATE TABLE objects (id TEXT PRIMARY KEY, type TEXT NOT NULL CHECK (type IN ('blob', "
	"'tree')), kind TEXT NOT NULL, size INTEGER NOT NULL, listed INTEGER NOT NULL DEFAULT 1, "
	"added_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX objects_kind ON objects (kind, added_at);"
	"CREATE TABLE object_sources (object TEXT NOT NULL REFERENCES objects (id) ON DELETE "
	"CASCADE, path TEXT NOT NULL, host TEXT NOT NULL, added_at INTEGER NOT NULL, PRIMARY KEY "
	"(object, path, host));"
	"CREATE TABLE names (name TEXT PRIMARY KEY, object TEXT NOT NULL REFERENCES objects (id), "
	"created_at INTEGER NOT NULL);"
	"CREATE INDEX names_object ON names (object);"
	"CREATE TABLE stat_cache (dev INTEGER NOT NULL, ino INTEGER NOT NULL, size INTEGER NOT "
	"NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, object TEXT NOT NULL, "
	"PRIMARY KEY (dev, ino));"
	"CREATE INDEX stat_cache_object ON stat_cache (object);"
	"CREATE TABLE runs (id INTEGER PRIMARY KEY, spec TEXT REFERENCES objects (id), spec_path "
	"TEXT, argv TEXT NOT NULL, cwd TEXT, status TEXT NOT NULL CHECK (status IN ('running', "
	"'done', 'failed', 'interrupted')), started_at INTEGER NOT NULL, ended_at INTEGER, result "
	"TEXT REFERENCES objects (id), sceval_version TEXT NOT NULL, build TEXT, libraries TEXT, "
	"machine TEXT, host TEXT, threads INTEGER, jobs INTEGER, pid INTEGER, n_steps INTEGER, "
	"n_cached INTEGER, n_failed INTEGER);"
	"CREATE TABLE provenance (run INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE, "
	"repo TEXT, commit_id TEXT, branch TEXT, remote TEXT, dirty INTEGER, dirty_files TEXT, "
	"diff TEXT REFERENCES objects (id), note TEXT);"
	"CREATE TABLE steps (key TEXT PRIMARY KEY, kind TEXT NOT NULL, impl_version TEXT NOT "
	"NULL, key_json TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('done', 'failed')), "
	"exit_status INTEGER, error TEXT, deterministic INTEGER NOT NULL DEFAULT 1, wall_s REAL, "
	"cpu_s REAL, maxrss_kb INTEGER, stdout_log TEXT REFERENCES objects (id), stderr_log TEXT "
	"REFERENCES objects (id), environment TEXT, notes TEXT, created_at INTEGER NOT NULL) "
	"WITHOUT ROWID;"
	"CREATE TABLE step_inputs (step TEXT NOT NULL REFERENCES steps (key) ON DELETE CASCADE, "
	"role TEXT NOT NULL, object TEXT NOT NULL REFERENCES objects (id), PRIMARY KEY (step, "
	"role)) WITHOUT ROWID;"
	"CREATE TABLE step_outputs (step TEXT NOT NULL REFERENCES steps (key) ON DELETE CASCADE, "
	"role TEXT NOT NULL, object TEXT NOT NULL REFERENCES objects (id), PRIMARY KEY (step, "
	"role)) WITHOUT ROWID;"
	"CREATE TABLE step_metrics (step TEXT NOT NULL REFERENCES steps (key) ON DELETE CASCADE, "
	"name TEXT NOT NULL, value REAL, higher_is_better INTEGER, detail TEXT, PRIMARY KEY "
	"(step, name)) WITHOUT ROWID;"
	"CREATE TABLE run_steps (run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE, "
	"step TEXT NOT NULL, ord INTEGER NOT NULL, label TEXT, task TEXT, dataset TEXT, method "
	"TEXT, seed INTEGER, cached INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, error TEXT, "
	"wall_s REAL, cpu_s REAL, maxrss_kb INTEGER, stdout_log TEXT, stderr_log TEXT, PRIMARY "
	"KEY (run, step));"
	"CREATE VIEW metrics AS SELECT rs.run AS run, rs.step AS step, rs.task AS task, "
	"rs.dataset AS dataset, rs.method AS method, m.name AS metric, m.value AS value, rs.seed "
	"AS seed, m.higher_is_better AS higher_is_better, m.detail AS detail FROM run_steps rs "
	"JOIN step_metrics m ON m.step = rs.step;"
	/* One run with one step and one metric, as schema 1 recorded them. */
	"INSERT INTO runs (id, argv, status, started_at, sceval_version, n_steps) VALUES "
	"(1, '[]', 'done', 10, '0.1', 1);"
	"INSERT INTO steps (key, kind, impl_version, key_json, status, created_at) VALUES "
	"('k1', 'annotation.eval', '1', '{}', 'done', 10);"
	"INSERT INTO step_metrics VALUES ('k1', 'accuracy', 0.5, 1, NULL);"
	"INSERT INTO run_steps (run, step, ord, task, dataset, method, status) VALUES "
	"(1, 'k1', 0, 'annotation', 'd', 'logreg', 'done');"
	"PRAGMA user_version = 1;";

static void test_migration(void)
{
	sc_store *s = fresh_store("old");
	sc_err err;
	/* Replace the new catalog by a schema-1 one. */
	char *db = sc_xasprintf("%s/old/.sceval/catalog.db", dir);
	sc_store_free(s);
	const char *sfx[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		char *p = sc_xasprintf("%s%s", db, sfx[i]);
		unlink(p);
		free(p);
	}
	sqlite3 *raw;
	int ok = sqlite3_open(db, &raw) == SQLITE_OK &&
		 sqlite3_exec(raw, schema1, NULL, NULL, NULL) == SQLITE_OK;
	OK(ok, "a schema-1 catalog is written by hand: %s", sqlite3_errmsg(raw));
	sqlite3_close(raw);
	free(db);

	char *d = sc_xasprintf("%s/old", dir);
	OK(sc_store_open(&s, d, &err) == 0, "the old store opens");
	free(d);
	if (!s)
		return;
	OK(int_query(s, "PRAGMA user_version") == SC_CATALOG_VERSION, "and is migrated to %d",
	   SC_CATALOG_VERSION);
	sc_catalog_metric_row *m;
	size_t n;
	OK(sc_catalog_run_metrics(s, 1, &m, &n, &err) == 0 && n == 1, "its metric row reads");
	if (n == 1)
		OK(!strcmp(m[0].metric, "accuracy") && m[0].value.d == 0.5 && !m[0].task_kind &&
			   !m[0].declared && !strcmp(m[0].task, "annotation"),
		   "with no task kind and no declaration (not recorded then)");
	sc_catalog_metric_rows_free(m, n);
	sc_catalog_run_step_row *st;
	OK(sc_catalog_run_steps(s, 1, &st, &n, &err) == 0 && n == 1 &&
		   !strcmp(st[0].kind, "annotation.eval"),
	   "its step reads");
	sc_catalog_run_steps_free(st, n);
	sc_catalog_cached *c = NULL;
	OK(sc_catalog_step_lookup(s, "k1", &c, &err) == 0 && c && c->n_metrics == 1,
	   "its cache entry reads");
	sc_catalog_cached_free(c);
	sc_store_free(s);
}

static int interrupt_after;
static int progress(void *ctx)
{
	(void)ctx;
	return --interrupt_after <= 0;
}

static void test_errors(void)
{
	sc_store *s = fresh_store("errors");
	fixture f;
	sc_err err;
	for (int i = 0; i < 20; i++)
		record_run(s, &f);
	sc_catalog_run *v = NULL;
	size_t n = 0;
	OK(sc_catalog_runs_list(s, 0, &v, &n, &err) == 0 && n == 20, "20 runs listed");
	sc_catalog_runs_free(v, n);
	/* Interrupt each query half way through its rows (counted on a full
	 * pass first): the read must fail, not come back short. */
	sqlite3_progress_handler(sc_store_db(s), 1, progress, NULL);
	interrupt_after = 1 << 30;
	OK(sc_catalog_runs_list(s, 0, &v, &n, &err) == 0, "a counted pass");
	sc_catalog_runs_free(v, n);
	int half = ((1 << 30) - interrupt_after) / 2;
	interrupt_after = half;
	v = NULL;
	n = 99;
	int rc = sc_catalog_runs_list(s, 0, &v, &n, &err);
	OK(rc < 0 && !v && n == 0, "a run list cut short at %d steps is an error (%d: %s)", half,
	   rc, err.msg);
	sc_catalog_metric_row *m = NULL;
	interrupt_after = 1 << 30;
	OK(sc_catalog_run_metrics(s, f.run, &m, &n, &err) == 0 && n == 2, "a counted pass");
	sc_catalog_metric_rows_free(m, n);
	half = ((1 << 30) - interrupt_after) / 2;
	interrupt_after = half;
	m = NULL;
	rc = sc_catalog_run_metrics(s, f.run, &m, &n, &err);
	OK(rc < 0 && !m && n == 0, "metric rows cut short are an error (%d)", rc);
	sc_catalog_run_step_row *st = NULL;
	interrupt_after = 1 << 30;
	OK(sc_catalog_run_steps(s, f.run, &st, &n, &err) == 0 && n == 1, "a counted pass");
	sc_catalog_run_steps_free(st, n);
	half = ((1 << 30) - interrupt_after) / 2;
	interrupt_after = half;
	st = NULL;
	rc = sc_catalog_run_steps(s, f.run, &st, &n, &err);
	OK(rc < 0 && !st && n == 0, "a run's steps cut short are an error (%d)", rc);
	interrupt_after = 1 << 30;
	sqlite3_progress_handler(sc_store_db(s), 0, NULL, NULL);
	/* A broken catalog is reported, not read as empty. */
	OK(sqlite3_exec(sc_store_db(s), "DROP VIEW metrics", NULL, NULL, NULL) == SQLITE_OK,
	   "drop the metrics view");
	rc = sc_catalog_run_metrics(s, f.run, &m, &n, &err);
	OK(rc < 0 && strstr(err.msg, "metrics"), "a missing view is an error: %s", err.msg);
	/* A failed write leaves nothing behind. */
	int64_t before = int_query(s, "SELECT count(*) FROM runs");
	sc_catalog_run_start bad = { .spec = f.spec, .argv_json = NULL, .sceval_version = "x",
				     .started_at = 1 };
	int64_t id;
	OK(sc_catalog_run_begin(s, &bad, &id, &err) < 0, "a run without argv is refused: %s",
	   err.msg);
	OK(int_query(s, "SELECT count(*) FROM runs") == before, "and no row remains");
	sc_store_free(s);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_runs();
	test_objects_names_roots();
	test_migration();
	test_errors();
	sc_err err;
	if (sc_rm_rf(dir, &err))
		printf("# cannot remove %s: %s\n", dir, err.msg);
	return unit_failures_ ? 1 : 0;
}
