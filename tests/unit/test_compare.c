/*
 * test_compare.c - the content comparison behind `sceval reproduce`, on
 * file pairs written by tests/oracle/compare_fixtures.py (anndata, h5py,
 * numpy), each differing in one known way. The expected largest
 * differences and their places come from numpy (expect.json), not from
 * the code under test.
 */
#include "runner/compare.h"
#include "unit.h"

#include <jansson.h>

static char fx[256];
static json_t *expect;

static const char *F(const char *name)
{
	static char buf[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", fx, name);
	return buf[k];
}

static sc_cmp cmp(const char *a, const char *b, double tol)
{
	sc_cmp c;
	sc_compare_files(&c, F(a), F(b), b, tol);
	return c;
}

static int starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* An equivalent pair: the largest differences and their place as numpy says. */
static void check_equivalent(const char *a, const char *b)
{
	sc_cmp c = cmp(a, b, SC_CMP_DEFAULT_TOLERANCE);
	json_t *e = json_object_get(expect, b);
	OK(c.verdict == SC_CMP_EQUIVALENT, "%s vs %s: equivalent (got %s: %s)", a, b,
	   sc_cmp_verdict_name(c.verdict), c.why);
	NEAR(c.max_abs, json_number_value(json_object_get(e, "max_abs")), 1e-12,
	     "%s: max |a - b| as numpy computes it", b);
	NEAR(c.max_rel / json_number_value(json_object_get(e, "max_rel")), 1, 1e-9,
	     "%s: max relative difference as numpy computes it", b);
	OK(!strcmp(c.max_abs_at, json_string_value(json_object_get(e, "at"))),
	   "%s: the largest difference is at %s (got %s)", b,
	   json_string_value(json_object_get(e, "at")), c.max_abs_at);
	OK(c.n_unequal == 1, "%s: exactly one value differs (got %zu)", b, c.n_unequal);
}

static void check_different(const char *a, const char *b, const char *why_prefix,
			    const char *why_part)
{
	sc_cmp c = cmp(a, b, SC_CMP_DEFAULT_TOLERANCE);
	OK(c.verdict == SC_CMP_DIFFERENT && starts(c.why, why_prefix) &&
		   (!why_part || strstr(c.why, why_part)),
	   "%s vs %s: different, '%s...' (got %s: %s)", a, b, why_prefix,
	   sc_cmp_verdict_name(c.verdict), c.why);
}

static void test_h5ad(void)
{
	sc_cmp c = cmp("base.h5ad", "copy.h5ad", SC_CMP_DEFAULT_TOLERANCE);
	OK(c.verdict == SC_CMP_IDENTICAL, "the same bytes are identical");
	c = cmp("base.h5ad", "gzip.h5ad", SC_CMP_DEFAULT_TOLERANCE);
	OK(c.verdict == SC_CMP_EQUIVALENT && c.n_unequal == 0 && c.n_numbers > 0,
	   "other compression, the same values: equivalent with no difference (%s)", c.why);
	check_equivalent("base.h5ad", "tiny.h5ad");
	c = cmp("base.h5ad", "tiny.h5ad", 1e-14);
	OK(c.verdict == SC_CMP_DIFFERENT && starts(c.why, "obsm/X_pca[12,3]: "),
	   "a tolerance of 1e-14 rejects a 1e-12 change (%s)", c.why);
	check_different("base.h5ad", "big.h5ad",
			json_string_value(json_object_get(json_object_get(expect, "big.h5ad"), "at")),
			"> tolerance 1e-06");
	check_different("base.h5ad", "sparse.h5ad",
			json_string_value(json_object_get(json_object_get(expect, "sparse.h5ad"), "at")),
			NULL);
	check_different("base.h5ad", "label.h5ad", "obs/cell_type/categories[1]: 'B' vs 'B2'", NULL);
	check_different("base.h5ad", "shape.h5ad", "obsm/X_pca: shape 20x5 vs 20x4", NULL);
	check_different("base.h5ad", "missing.h5ad", "layers/counts: only in the recorded file", NULL);
	check_different("missing.h5ad", "base.h5ad", "layers/counts: only in the reproduced file", NULL);
	check_different("base.h5ad", "int.h5ad", "layers/counts[2,3]: ", "integers must be equal");
	c = cmp("nan_a.h5ad", "nan_b.h5ad", SC_CMP_DEFAULT_TOLERANCE);
	OK(c.verdict == SC_CMP_EQUIVALENT && !strcmp(c.max_abs_at, "obsm/X_pca[1,1]"),
	   "NaN equals NaN in the same place (%s %s)", sc_cmp_verdict_name(c.verdict), c.why);
	check_different("nan_a.h5ad", "nan_c.h5ad", "obsm/X_pca[0,0]: nan vs 1.5", NULL);
}

static void test_npy(void)
{
	check_equivalent("a.npy", "tiny.npy");
	check_different("a.npy", "big.npy", "[9,3]: ", "> tolerance");
	check_different("i.npy", "i2.npy", "[5,2]: ", "integers must be equal");
	check_different("a.npy", "short.npy", "shape 30x4 vs 29x4", NULL);
	check_different("hostile.npy", "a.npy", "recorded file: ", "more than the file holds");
	check_different("a.npy", "i.npy", "shape", NULL);
}

static void test_csv(void)
{
	check_equivalent("a.csv", "tiny.csv");
	check_different("a.csv", "big.csv", "line 4, column 4 ('recall'): 2.5 vs 2.5", "> tolerance");
	check_different("a.csv", "label.csv", "line 2, column 1 ('label'): 'B cell' vs 'B-cell'", NULL);
	check_different("a.csv", "int.csv", "line 2, column 2 ('support'): 12 vs 13",
			"integers must be equal");
	check_different("a.csv", "rows.csv", "line 4: only in the recorded file", NULL);
	sc_cmp c = cmp("a.csv", "quoted.csv", SC_CMP_DEFAULT_TOLERANCE);
	OK(c.verdict == SC_CMP_EQUIVALENT && c.n_unequal == 0,
	   "quoted cells equal to unquoted ones: equivalent (%s)", c.why);
}

static void test_hostile(void)
{
	/* Each must come back with a verdict: a crash fails the whole program. */
	check_different("base.h5ad", "garbage.h5ad", "the reproduced file is not a readable HDF5", NULL);
	check_different("garbage.h5ad", "base.h5ad", "the recorded file is not a readable HDF5", NULL);
	sc_cmp c = cmp("base.h5ad", "truncated.h5ad", SC_CMP_DEFAULT_TOLERANCE);
	OK(c.verdict == SC_CMP_DIFFERENT && c.why[0], "a truncated file is different: %s", c.why);
	check_different("cycle_a.h5ad", "cycle_b.h5ad", "uns/loop/loop/", "nested deeper than 64");
	check_different("huge_a.h5ad", "huge_b.h5ad", "uns/huge: 1099511627776 values stored in",
			"not compared");
	c = cmp("nothere.h5ad", "base.h5ad", SC_CMP_DEFAULT_TOLERANCE);
	OK(c.verdict == SC_CMP_DIFFERENT && starts(c.why, "cannot read the recorded file"),
	   "a missing file is different: %s", c.why);
	c = cmp("base.h5ad", "a.csv", SC_CMP_DEFAULT_TOLERANCE);
	OK(c.verdict == SC_CMP_DIFFERENT, "an h5ad against a CSV is different: %s", c.why);
}

/* A directory of the fixtures, put into the store as a tree. */
static int put_tree(sc_store *st, sc_oid *out, const char *dir, const char *csv, const char *npy)
{
	char cmd[2048];
	int n = snprintf(cmd, sizeof(cmd), "mkdir -p %s/%s/sub && cp %s %s/%s/report.csv", fx, dir,
			 F(csv), fx, dir);
	if (npy)
		snprintf(cmd + n, sizeof(cmd) - n, " && cp %s %s/%s/sub/emb.npy", F(npy), fx, dir);
	sc_ingest_list l = { 0 };
	sc_err e;
	int rc = system(cmd) != 0 || sc_store_ingest(st, F(dir), &l, out, &e) ||
		 sc_store_record(st, &l, "output", NULL, 0, &e);
	sc_ingest_list_free(&l);
	return rc;
}

static int put_file(sc_store *st, sc_oid *out, const char *name)
{
	sc_ingest_list l = { 0 };
	sc_err e;
	int rc = sc_store_ingest(st, F(name), &l, out, &e) ||
		 sc_store_record(st, &l, "output", NULL, 0, &e);
	sc_ingest_list_free(&l);
	return rc;
}

/* Corrupt files on which libhdf5 crashes or runs away: reproduce compares
 * store objects in a child process, so each must come back as a verdict
 * and this program must live on. */
static void test_corrupt(sc_store *st)
{
	static const int seeds[] = { 23, 24, 81, 110, 1, 2, 3, 4, 5, 6, 7, 8 };
	sc_oid base, bad;
	size_t verdicts = 0, different = 0;
	if (getenv("SCEVAL_ASAN")) {
		SKIP("corrupt h5ad files under AddressSanitizer: libhdf5's own faults on them "
		     "would be reported as ours");
		return;
	}
	if (put_file(st, &base, "base.h5ad")) {
		OK(0, "base.h5ad into the store");
		return;
	}
	for (size_t i = 0; i < sizeof(seeds) / sizeof(*seeds); i++) {
		char name[64];
		snprintf(name, sizeof(name), "corrupt_%d.h5ad", seeds[i]);
		sc_cmp x;
		if (put_file(st, &bad, name))
			continue;
		sc_compare_objects(&x, st, &base, &bad, "out.h5ad", SC_CMP_DEFAULT_TOLERANCE);
		verdicts += x.verdict == SC_CMP_EQUIVALENT || x.verdict == SC_CMP_DIFFERENT;
		different += x.verdict == SC_CMP_DIFFERENT && x.why[0];
		if (seeds[i] == 110 || seeds[i] == 23)
			printf("# corrupt_%d: %s %s\n", seeds[i], sc_cmp_verdict_name(x.verdict), x.why);
	}
	OK(verdicts == sizeof(seeds) / sizeof(*seeds),
	   "12 corrupt copies of an h5ad each get a verdict (%zu, %zu different with a reason)",
	   verdicts, different);
}

static void test_trees(void)
{
	int created;
	sc_err e;
	sc_store *st = NULL;
	sc_oid a, b, c, d;
	if (sc_store_init(F("store"), &created, &e) || sc_store_open(&st, F("store"), &e) ||
	    put_tree(st, &a, "ta", "a.csv", "a.npy") || put_tree(st, &b, "tb", "tiny.csv", "a.npy") ||
	    put_tree(st, &c, "tc", "a.csv", "big.npy") || put_tree(st, &d, "td", "a.csv", NULL)) {
		OK(0, "a store with four trees");
		sc_store_free(st);
		return;
	}
	sc_cmp x;
	sc_compare_objects(&x, st, &a, &a, "out", SC_CMP_DEFAULT_TOLERANCE);
	OK(x.verdict == SC_CMP_IDENTICAL, "a tree against itself is identical");
	sc_compare_objects(&x, st, &a, &b, "out", SC_CMP_DEFAULT_TOLERANCE);
	OK(x.verdict == SC_CMP_EQUIVALENT && !strcmp(x.max_abs_at, "report.csv: line 3, column 3 ('f1')"),
	   "trees: a file 1e-12 off is equivalent, located by file and cell (%s)", x.max_abs_at);
	sc_compare_objects(&x, st, &a, &c, "out", SC_CMP_DEFAULT_TOLERANCE);
	OK(x.verdict == SC_CMP_DIFFERENT && starts(x.why, "sub/emb.npy: [9,3]: "),
	   "trees: a nested file 1e-3 off is different, by path (%s)", x.why);
	sc_compare_objects(&x, st, &a, &d, "out", SC_CMP_DEFAULT_TOLERANCE);
	OK(x.verdict == SC_CMP_DIFFERENT && !strcmp(x.why, "sub/emb.npy: only in the recorded output"),
	   "trees: a missing file is different (%s)", x.why);
	test_corrupt(st);
	sc_store_free(st);
}

int main(void)
{
	char tmpl[] = "/tmp/sceval-compare.XXXXXX";
	if (!mkdtemp(tmpl)) {
		OK(0, "temporary directory");
		return 1;
	}
	snprintf(fx, sizeof(fx), "%s", tmpl);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s tests/oracle/compare_fixtures.py %s", unit_python(), fx);
	json_error_t je;
	if (system(cmd) == 0 && (expect = json_load_file(F("expect.json"), 0, &je))) {
		test_h5ad();
		test_npy();
		test_csv();
		test_hostile();
		test_trees();
	} else {
		SKIP("fixtures: %s could not run tests/oracle/compare_fixtures.py", unit_python());
	}
	json_decref(expect);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fx);
	return unit_done();
}
