/*
 * fuzz_bundle.c - bundle import (store/bundle.c, bundle_verify.c): an input
 * is a tar file (or anything libarchive's filters unwrap) imported into a
 * fresh, empty store, created for each input so that no input sees what an
 * earlier one left.
 *
 * Flipped bytes rarely get past a tar header's checksum or an object's
 * hash, so the harness helps in two ways:
 * - a raw tar has its header checksums recomputed before the import, so
 *   that mutated names, sizes and types reach the importer;
 * - an input starting with "#sections\n" is a bundle described as text:
 *   sections separated by "\n@@\n", section 0 the manifest, the others
 *   contents; in any section "@N" becomes the id ("sha256:<hex>") of
 *   section N, "%N" its bare hex, "#N" its size and "$N" its text as a
 *   JSON string body. Sections named by "@N" become the bundle's objects.
 *   Mutations of the manifest and the result object then keep every hash
 *   right and reach the record checks (bundle_verify.c) and the catalog.
 *
 * Invariants: a failure has a message and leaves the store exactly as it
 * was: no object file, no catalog row, nothing staged under tmp/.
 */
#include "fuzz.h"
#include "store/bundle.h"
#include "store/db.h"
#include "store/hash.h"
#include "util/buf.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <jansson.h>

#define MAX_SECTIONS 10

typedef struct section {
	const char *raw;
	size_t rawlen;
	sc_buf val;
	int state; /* 0 new, 1 resolving, 2 done */
	int object;
	char hex[SC_OID_HEXLEN + 1];
} section;

static int resolve(section *s, int ns, int i, int depth)
{
	if (s[i].state == 2)
		return 0;
	if (s[i].state == 1 || depth > MAX_SECTIONS)
		return -1; /* a cycle */
	s[i].state = 1;
	sc_buf_init(&s[i].val);
	for (size_t j = 0; j < s[i].rawlen; j++) {
		char c = s[i].raw[j];
		int k = j + 1 < s[i].rawlen && isdigit((unsigned char)s[i].raw[j + 1])
				? s[i].raw[j + 1] - '0'
				: -1;
		if (!strchr("@%#$", c) || k < 0 || k >= ns || k == 0) {
			sc_buf_add(&s[i].val, &c, 1);
			continue;
		}
		if (resolve(s, ns, k, depth + 1))
			return -1;
		j++;
		if (c == '@') {
			s[k].object = 1;
			sc_buf_printf(&s[i].val, "sha256:%s", s[k].hex);
		} else if (c == '%') {
			sc_buf_puts(&s[i].val, s[k].hex);
		} else if (c == '#') {
			sc_buf_printf(&s[i].val, "%zu", s[k].val.len);
		} else {
			json_t *str = json_stringn(s[k].val.s ? s[k].val.s : "", s[k].val.len);
			char *t = str ? json_dumps(str, JSON_ENCODE_ANY) : NULL;
			if (t && strlen(t) >= 2)
				sc_buf_add(&s[i].val, t + 1, strlen(t) - 2);
			free(t);
			json_decref(str);
		}
	}
	sc_oid id;
	sc_hash_buf(&id, s[i].val.s ? s[i].val.s : "", s[i].val.len);
	sc_oid_hex(&id, s[i].hex);
	s[i].state = 2;
	return 0;
}

static void add_entry(struct archive *a, const char *name, const void *p, size_t n)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)n);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0444);
	archive_write_header(a, e);
	if (n)
		archive_write_data(a, p, n);
	archive_entry_free(e);
}

/* The tar a "#sections" input describes, written to path; -1 when the
 * sections refer to each other in a cycle. */
static int write_sections(const char *path, const uint8_t *data, size_t size)
{
	section s[MAX_SECTIONS];
	memset(s, 0, sizeof(s));
	int ns = 0;
	const char *p = (const char *)data, *end = p + size;
	while (ns < MAX_SECTIONS) {
		const char *sep = memmem(p, (size_t)(end - p), "\n@@\n", 4);
		s[ns].raw = p;
		s[ns].rawlen = (size_t)((sep ? sep : end) - p);
		ns++;
		if (!sep)
			break;
		p = sep + 4;
	}
	int rc = 0;
	for (int i = 0; i < ns && !rc; i++)
		rc = resolve(s, ns, i, 0);
	if (!rc) {
		struct archive *a = archive_write_new();
		archive_write_set_format_ustar(a);
		if (archive_write_open_filename(a, path) != ARCHIVE_OK)
			abort();
		add_entry(a, "sceval-bundle.json", s[0].val.s, s[0].val.len);
		for (int i = 1; i < ns; i++) {
			int dup = 0;
			for (int k = 1; k < i; k++)
				dup |= s[k].object && !strcmp(s[k].hex, s[i].hex);
			if (!s[i].object || dup)
				continue;
			char name[80];
			snprintf(name, sizeof(name), "objects/%.2s/%s", s[i].hex, s[i].hex + 2);
			add_entry(a, name, s[i].val.s, s[i].val.len);
		}
		archive_write_close(a);
		archive_write_free(a);
	}
	for (int i = 0; i < ns; i++)
		sc_buf_free(&s[i].val);
	return rc;
}

/* Recompute the checksum of each tar header (ustar and old formats alike),
 * following the sizes the headers give. */
static void fix_checksums(uint8_t *t, size_t size)
{
	size_t off = 0;
	while (off + 512 <= size) {
		uint8_t *h = t + off;
		int zero = 1;
		for (int i = 0; i < 512 && zero; i++)
			zero = !h[i];
		if (zero || (h[124] & 0x80))
			return; /* the end, or a base-256 size: leave it as it is */
		unsigned long long sz = 0;
		for (int i = 124; i < 136 && h[i] >= '0' && h[i] <= '7'; i++)
			sz = sz * 8 + (unsigned)(h[i] - '0');
		memset(h + 148, ' ', 8);
		unsigned sum = 0;
		for (int i = 0; i < 512; i++)
			sum += h[i];
		char ck[8];
		snprintf(ck, sizeof(ck), "%06o", sum & 0777777);
		memcpy(h + 148, ck, 7);
		if (sz > size)
			return;
		off += 512 + (size_t)((sz + 511) / 512 * 512);
	}
}

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
	char *tar;
	static const char magic[] = "#sections\n";
	if (size >= sizeof(magic) - 1 && !memcmp(data, magic, sizeof(magic) - 1)) {
		tar = sc_path_join(fuzz_dir(), "bundle.tar");
		if (write_sections(tar, data + sizeof(magic) - 1, size - (sizeof(magic) - 1))) {
			free(tar);
			return 0;
		}
	} else {
		uint8_t *copy = sc_xmalloc(size ? size : 1);
		memcpy(copy, data, size);
		fix_checksums(copy, size);
		tar = fuzz_write("bundle.tar", copy, size);
		free(copy);
	}
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
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "import: %d %s\n", rc, rc ? err.msg : "imported");
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
