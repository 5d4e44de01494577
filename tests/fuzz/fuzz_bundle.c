/*
 * fuzz_bundle.c - bundle import (store/bundle.c, bundle_verify.c): an input
 * is a tar file (or anything libarchive's filters unwrap) imported into a
 * fresh, empty store, created for each input so that no input sees what an
 * earlier one left.
 *
 * Invariants: a failure has a message and leaves the store exactly as it
 * was: no object file, no catalog row, nothing staged under tmp/.
 */
#include "fuzz.h"
#include "store/bundle.h"

#include <dirent.h>

/* Entries in dir (recursively, files only). */
static size_t count_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *p = sc_path_join(dir, e->d_name);
		n += sc_is_dir(p) ? count_files(p) : 1;
		free(p);
	}
	closedir(d);
	return n;
}

static long long rows_in(sc_store *s, const char *table)
{
	char *sql = sc_xasprintf("SELECT count(*) FROM %s", table);
	sqlite3_stmt *q;
	long long n = -1;
	if (sqlite3_prepare_v2(sc_store_db(s), sql, -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			n = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	free(sql);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *tar = fuzz_write("bundle.tar", data, size);
	char *dir = sc_path_join(fuzz_dir(), "store");
	sc_err err;
	memset(&err, 0, sizeof(err));
	int created;
	sc_store *s = NULL;
	if (sc_rm_rf(dir, &err) || sc_store_init(dir, &created, &err) ||
	    sc_store_open(&s, dir, &err) || sc_store_lock(s, 0, 1, &err)) {
		fprintf(stderr, "fuzz: cannot make a store: %s\n", err.msg);
		abort();
	}
	sc_oid result;
	sc_bundle_stats st;
	int rc = sc_bundle_import(s, tar, &result, &st, &err);
	if (rc) {
		fuzz_check_err(rc, &err, "sc_bundle_import");
		char *objects = sc_path_join(sc_store_root(s), "objects");
		char *tmp = sc_path_join(sc_store_root(s), "tmp");
		size_t nobj = count_files(objects), ntmp = count_files(tmp);
		if (nobj || ntmp)
			fuzz_fail("a rejected bundle left %zu objects and %zu staged files", nobj, ntmp);
		static const char *const tables[] = { "objects", "names", "steps", "step_inputs",
						      "step_outputs", "step_metrics", "runs",
						      "run_steps", "provenance" };
		for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			if (rows_in(s, tables[i]) != 0)
				fuzz_fail("a rejected bundle left rows in '%s' (%s)", tables[i], err.msg);
		free(objects);
		free(tmp);
	} else if (!sc_store_has(s, &result)) {
		fuzz_fail("an imported bundle's result object is not in the store");
	}
	sc_store_free(s);
	free(dir);
	free(tar);
	return 0;
}
