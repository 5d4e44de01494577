/*
 * fuzz_ref.c - object ids and refs (store/hash.c, store/store.c): each line
 * of an input is a ref given to sc_store_resolve, sc_oid_parse and
 * sc_store_valid_name, in a store made once per process holding a few
 * objects, names, and catalog rows whose ids share long prefixes (so that
 * prefixes can be ambiguous at every length).
 *
 * Invariants: a failure has a message; a ref resolved as a hash or a
 * prefix names an object whose id starts with it (case-insensitively, with
 * or without "sha256:"); a ref resolved as a name is a name the store
 * holds; sc_oid_parse accepts exactly 64 hex digits after an optional
 * "sha256:", and its hex form reads back the same; a valid name never
 * reads as a hash prefix.
 */
#include "fuzz.h"
#include "store/db.h"
#include "store/store.h"

#include <ctype.h>

static sc_store *store;
static const char *const names[] = { "pbmc", "v1.0", "abc", "sha256", "a/b=c,d@e+f", NULL };

/* Rows in the catalog only (resolve by prefix reads the catalog): ids
 * sharing 8, 20 and 63 hex digits with each other. */
static const char *const fake[] = {
	"sha256:00000000aaaa0000000000000000000000000000000000000000000000000001",
	"sha256:00000000bbbb0000000000000000000000000000000000000000000000000002",
	"sha256:1111111111111111111100000000000000000000000000000000000000000000",
	"sha256:1111111111111111111100000000000000000000000000000000000000000001",
	"sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	NULL
};

static void setup(void)
{
	sc_err err;
	int created;
	char *dir = sc_path_join(fuzz_dir(), "store");
	if (sc_store_init(dir, &created, &err) || sc_store_open(&store, dir, &err)) {
		fprintf(stderr, "fuzz: cannot make a store: %s\n", err.msg);
		abort();
	}
	free(dir);
	static const char *const blobs[] = { "one", "two", "three", "" };
	for (size_t i = 0; i < sizeof(blobs) / sizeof(blobs[0]); i++) {
		sc_oid id;
		if (sc_store_put_record(store, blobs[i], strlen(blobs[i]), "config", &id, &err) ||
		    (names[i] && sc_store_tag(store, &id, names[i], 0, &err))) {
			fprintf(stderr, "fuzz: cannot fill the store: %s\n", err.msg);
			abort();
		}
	}
	for (size_t i = 0; fake[i]; i++) {
		char *sql = sc_xasprintf("INSERT INTO objects (id, type, kind, size, added_at) "
					 "VALUES ('%s', 'blob', 'config', 0, 0)", fake[i]);
		if (sqlite3_exec(sc_store_db(store), sql, NULL, NULL, NULL) != SQLITE_OK)
			abort();
		free(sql);
	}
	sc_oid id;
	if (sc_oid_parse(&id, fake[0]) || sc_store_tag(store, &id, names[4], 0, &err)) {
		fprintf(stderr, "fuzz: cannot name a row: %s\n", err.msg);
		abort();
	}
}

static int is_name(const char *ref)
{
	for (size_t i = 0; names[i]; i++)
		if (!strcmp(names[i], ref))
			return 1;
	return 0;
}

static int all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static void one(const char *ref)
{
	sc_err err;
	memset(&err, 0, sizeof(err));
	sc_oid id;
	char hex[SC_OID_HEXLEN + 1];
	int rc = sc_store_resolve(store, ref, &id, &err);
	if (rc) {
		fuzz_check_err(rc, &err, "sc_store_resolve");
	} else if (!is_name(ref)) {
		const char *h = strncmp(ref, SC_OID_PREFIX, 7) ? ref : ref + 7;
		sc_oid_hex(&id, hex);
		size_t n = strlen(h);
		if (n > SC_OID_HEXLEN || strncasecmp(hex, h, n))
			fuzz_fail("'%s' resolved to %s, which it is not a prefix of", ref, hex);
	}
	rc = sc_oid_parse(&id, ref);
	const char *h = strncmp(ref, SC_OID_PREFIX, 7) ? ref : ref + 7;
	int want = strlen(h) == SC_OID_HEXLEN && all_hex(h, SC_OID_HEXLEN);
	if ((rc == 0) != want)
		fuzz_fail("sc_oid_parse('%s') = %d", ref, rc);
	if (!rc) {
		sc_oid back;
		sc_oid_hex(&id, hex);
		if (strncasecmp(hex, h, SC_OID_HEXLEN) || sc_oid_parse(&back, hex) ||
		    !sc_oid_eq(&id, &back))
			fuzz_fail("'%s' does not read back as %s", ref, hex);
	}
	memset(&err, 0, sizeof(err));
	rc = sc_store_valid_name(ref, &err);
	if (rc)
		fuzz_check_err(rc, &err, "sc_store_valid_name");
	else if (strlen(ref) >= 6 && all_hex(ref, strlen(ref)))
		fuzz_fail("'%s' is a valid name but reads as a hash prefix", ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!store)
		setup();
	if (size > 4096)
		return 0;
	char *text = sc_xstrndup((const char *)data, size);
	/* A ref comes from argv or YAML: a C string, one per line here. */
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		one(line);
	if (!size)
		one("");
	free(text);
	return 0;
}
