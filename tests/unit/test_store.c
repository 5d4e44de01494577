/*
 * test_store.c - unit tests for hashing, ids, tree manifests, the catalog
 * schema and the small utilities every layer shares.
 */
#include "unit.h"
#include "store/catalog.h"
#include "store/db.h"
#include "store/hash.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

static void test_sha256(void)
{
	/* FIPS 180-2 test vectors. */
	sc_oid id;
	char hex[65];
	sc_hash_buf(&id, "abc", 3);
	sc_oid_hex(&id, hex);
	OK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	   "sha256('abc') matches FIPS 180-2");
	sc_hash_buf(&id, "", 0);
	sc_oid_hex(&id, hex);
	OK(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
	   "sha256('') matches");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	/* Streaming in uneven pieces gives the one-shot digest. */
	sc_hasher *h = sc_hasher_new();
	sc_hasher_update(h, m, 5);
	sc_hasher_update(h, m + 5, strlen(m) - 5);
	sc_hasher_final(h, &id);
	sc_hasher_free(h);
	sc_oid_hex(&id, hex);
	OK(!strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
	   "streamed sha256 of the 448-bit vector matches");
	sc_oid back;
	OK(sc_oid_parse(&back, hex) == 0 && sc_oid_eq(&back, &id), "hex round trip");
	char full[SC_OID_IDLEN];
	sc_oid_id(&id, full);
	OK(!strncmp(full, "sha256:248d6a61", 15), "ids carry the scheme prefix");
	OK(sc_oid_parse(&back, full) == 0 && sc_oid_eq(&back, &id), "prefixed id parses");
	OK(sc_oid_parse(&back, "zz") == SC_EINVAL, "short hex rejected");
	OK(sc_oid_parse(&back, "g48d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") ==
		   SC_EINVAL,
	   "non-hex rejected");
}

static void test_tree_parse(void)
{
	const char *good = "sceval-tree 1\n"
			   "100644 blob sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 a file with spaces\n"
			   "040000 tree sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 14 sub\n";
	sc_tree_entry *e;
	size_t n;
	sc_err err;
	OK(sc_tree_parse(&e, &n, good, strlen(good), &err) == 0 && n == 2, "a tree parses");
	OK(!strcmp(e[0].name, "a file with spaces") && e[0].mode == 0100644 && e[1].type == SC_OBJ_TREE,
	   "names with spaces, modes and types");
	sc_tree_free(e, n);
	const char *bad[] = {
		"not a tree\n",
		"sceval-tree 1\n100644 blob sha256:zz 0 x\n",
		"sceval-tree 1\n100644 blob sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 ../escape\n",
		"sceval-tree 1\n100644 blob sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 a/b\n",
		"sceval-tree 1\n100644 sock sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 x\n",
		"sceval-tree 1\n100644 blob sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		OK(sc_tree_parse(&e, &n, bad[i], strlen(bad[i]), &err) == SC_ECORRUPT,
		   "malformed tree %zu rejected", i);
}

static void test_escapes(void)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_html(&b, "<script>alert('x' & \"y\")</script>");
	OK(!strcmp(b.s, "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;"),
	   "html escaping");
	sc_buf_reset(&b);
	/* Hand-written: U+202E is E2 80 AE, U+2069 is E2 81 A9, U+00E9 C3 A9. */
	sc_buf_html(&b, "a\xe2\x80\xae" "b\x1b[1m\tc\nd\xe2\x81\xa9\xc3\xa9\xff");
	OK(!strcmp(b.s, "a\\u202eb\\x1b[1m\tc\nd\\u2069\xc3\xa9\\xff"),
	   "html: bidi overrides, controls and non-UTF-8 shown as escapes, tab/LF/é kept (%s)", b.s);
	sc_buf_reset(&b);
	sc_buf_term(&b, "a\tb\xe2\x80\xae" "<");
	OK(!strcmp(b.s, "a\\x09b\\u202e<"), "terminal: tab and bidi override escaped (%s)", b.s);
	sc_buf_reset(&b);
	sc_buf_csv(&b, "plain");
	sc_buf_putc(&b, ',');
	sc_buf_csv(&b, "a,b");
	sc_buf_putc(&b, ',');
	sc_buf_csv(&b, "say \"hi\"\nnext");
	OK(!strcmp(b.s, "plain,\"a,b\",\"say \"\"hi\"\"\nnext\""), "RFC 4180 quoting");
	sc_buf_free(&b);
}

static void test_json_canonical(void)
{
	json_t *j = json_pack("{s:i, s:f, s:[i, s], s:{s:b, s:n}}", "zeta", 1, "alpha", 0.1,
			      "mid", 3, "x", "nested", "b", 1, "a");
	char *c = sc_json_canonical(j);
	OK(!strcmp(c, "{\"alpha\":0.10000000000000001,\"mid\":[3,\"x\"],\"nested\":{\"a\":null,\"b\":true},\"zeta\":1}"),
	   "canonical JSON sorts keys, no spaces, 17 digits (%s)", c);
	free(c);
	json_decref(j);
}

static void test_catalog(void)
{
	char dir[] = "/tmp/sceval-unit-XXXXXX";
	OK(mkdtemp(dir) != NULL, "temp dir");
	int created = 0;
	sc_err err;
	OK(sc_store_init(dir, &created, &err) == 0 && created, "init creates a store");
	char *cat = sc_xasprintf("%s/.sceval/catalog.db", dir);
	sqlite3 *db;
	OK(sc_catalog_open(&db, cat, 0, &err) == 0, "catalog opens");
	sqlite3_stmt *q;
	int v = -1;
	if (!sc_db_prepare(db, &q, "PRAGMA user_version", &err)) {
		if (sqlite3_step(q) == SQLITE_ROW)
			v = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	OK(v == SC_CATALOG_VERSION, "schema version recorded (%d)", v);
	const char *tables[] = { "objects", "names", "stat_cache", "runs", "provenance", "steps",
				 "step_inputs", "step_outputs", "step_metrics", "run_steps", "metrics" };
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char *sql = sc_xasprintf("SELECT count(*) FROM %s", tables[i]);
		OK(sc_db_prepare(db, &q, sql, &err) == 0 && sqlite3_step(q) == SQLITE_ROW,
		   "table %s exists", tables[i]);
		sqlite3_finalize(q);
		free(sql);
	}
	/* WAL and foreign keys are on. */
	OK(sc_db_prepare(db, &q, "PRAGMA journal_mode", &err) == 0 && sqlite3_step(q) == SQLITE_ROW &&
		   !strcmp((const char *)sqlite3_column_text(q, 0), "wal"),
	   "WAL mode");
	sqlite3_finalize(q);
	OK(sc_db_exec(db, "INSERT INTO names VALUES ('x', 'sha256:nope', 0)", &err) != 0,
	   "foreign keys enforced");
	/* A newer schema is refused with a clear message. */
	OK(sc_db_exec(db, "PRAGMA user_version = 99", &err) == 0, "bump version");
	sc_catalog_close(db);
	OK(sc_catalog_open(&db, cat, 0, &err) == SC_EINVAL && strstr(err.msg, "newer than this sceval"),
	   "a newer catalog is refused: %s", err.msg);
	free(cat);
	if (sc_rm_rf(dir, &err)) {
	}
}

int main(void)
{
	test_sha256();
	test_tree_parse();
	test_escapes();
	test_json_canonical();
	test_catalog();
	return unit_done();
}
