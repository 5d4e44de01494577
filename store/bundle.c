/*
 * bundle.c - export and import of results (see bundle.h).
 *
 * Bundles are written deterministically (entries in id order, mtime 0,
 * no owner names), so the same result exports to the same bytes. Objects
 * are streamed in 1 MiB pieces: a bundle may hold datasets of many GiB.
 */
#include "bundle.h"
#include "bundle_impl.h"
#include "store/catalog.h"
#include "store/db.h"
#include "util/buf.h"
#include "util/fmt.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/limits.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define MANIFEST_NAME "sceval-bundle.json"
#define MAX_MANIFEST (256u << 20)

/* ---- rows as JSON and back ------------------------------------------------ */

/* NULL when memory ran out: SQLite then returns NULL for a column's name or
 * text, which must not become a JSON null in a bundle. */
static json_t *row_json(sqlite3_stmt *q)
{
	json_t *j = json_object();
	int n = sqlite3_column_count(q);
	for (int i = 0; j && i < n; i++) {
		const char *name = sqlite3_column_name(q, i);
		json_t *v;
		switch (sqlite3_column_type(q, i)) {
		case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(q, i)); break;
		case SQLITE_FLOAT: v = json_real(sqlite3_column_double(q, i)); break;
		case SQLITE_NULL: v = json_null(); break;
		default: v = json_string((const char *)sqlite3_column_text(q, i)); break;
		}
		if (!name || !v || json_object_set_new(j, name, v)) {
			json_decref(j);
			j = NULL;
		}
	}
	return j;
}

/* All rows of a query with one text parameter. */
static int rows(sqlite3 *db, const char *sql, const char *param, json_t **out, sc_err *err)
{
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q, sql, err);
	if (rc)
		return rc;
	if (param)
		sqlite3_bind_text(q, 1, param, -1, SQLITE_TRANSIENT);
	json_t *arr = json_array();
	int r;
	while ((r = sc_db_row(db, q, err, "cannot read the records")) > 0) {
		json_t *row = row_json(q);
		if (!row || json_array_append_new(arr, row)) {
			r = sc_errf(err, SC_ERR, "cannot read the records: out of memory");
			break;
		}
	}
	sqlite3_finalize(q);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

/* INSERT [OR IGNORE] INTO table (cols) VALUES from the object's fields. */
static int insert(sqlite3 *db, const char *table, const char *const *cols, const json_t *o,
		  int or_ignore, sc_err *err)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_printf(&b, "INSERT %sINTO %s (", or_ignore ? "OR IGNORE " : "", table);
	int n = 0;
	for (; cols[n]; n++)
		sc_buf_printf(&b, "%s%s", n ? ", " : "", cols[n]);
	sc_buf_puts(&b, ") VALUES (");
	for (int i = 0; i < n; i++)
		sc_buf_puts(&b, i ? ", ?" : "?");
	sc_buf_puts(&b, ")");
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q, b.s, err);
	sc_buf_free(&b);
	if (rc)
		return rc;
	for (int i = 0; i < n; i++) {
		json_t *v = json_object_get(o, cols[i]);
		if (json_is_integer(v))
			sqlite3_bind_int64(q, i + 1, json_integer_value(v));
		else if (json_is_real(v))
			sqlite3_bind_double(q, i + 1, json_real_value(v));
		else if (json_is_string(v))
			sqlite3_bind_text(q, i + 1, json_string_value(v), -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(q, i + 1);
	}
	rc = sc_db_done(db, q, err, "cannot import a record");
	sqlite3_finalize(q);
	return rc;
}

/* "SELECT c1, c2, ... FROM table WHERE col = ?" over the schema's columns of
 * a table, leaving out skip (the key the rows are exported under). */
static char *select_sql(sc_catalog_table t, const char *table, const char *skip, const char *where)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_puts(&b, "SELECT ");
	int n = 0;
	for (const char *const *c = sc_catalog_columns(t); *c; c++)
		if (!skip || strcmp(*c, skip))
			sc_buf_printf(&b, "%s%s", n++ ? ", " : "", *c);
	sc_buf_printf(&b, " FROM %s WHERE %s", table, where);
	return sc_buf_detach(&b);
}

/* ---- export ----------------------------------------------------------------- */

static json_t *keys_of(const json_t *obj)
{
	json_t *arr = json_array();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v)
		json_array_append_new(arr, json_string(k));
	return arr;
}

static void want(json_t *set, const json_t *id)
{
	if (json_is_string(id) && !strncmp(json_string_value(id), "sha256:", 7))
		json_object_set_new(set, json_string_value(id), json_true());
}

static int collect_trees(sc_store *s, json_t *set, sc_err *err)
{
	/* Children of trees, until no new id appears. */
	for (;;) {
		size_t before = json_object_size(set);
		json_t *ids = keys_of(set);
		size_t i;
		json_t *k;
		json_array_foreach(ids, i, k)
		{
			sc_oid o;
			int type;
			uint64_t size;
			if (sc_oid_parse(&o, json_string_value(k)) || sc_store_stat(s, &o, &type, &size, err))
				continue;
			if (type != SC_OBJ_TREE)
				continue;
			sc_buf b = SC_BUF_INIT;
			sc_buf_init(&b);
			sc_tree_entry *e = NULL;
			size_t n = 0;
			int rc = sc_store_read(s, &o, &b, err);
			if (!rc)
				rc = sc_tree_parse(&e, &n, b.s, b.len, err);
			for (size_t c = 0; !rc && c < n; c++) {
				char id[SC_OID_IDLEN];
				sc_oid_id(&e[c].oid, id);
				json_object_set_new(set, id, json_true());
			}
			sc_tree_free(e, n);
			sc_buf_free(&b);
			if (rc) {
				json_decref(ids);
				return rc;
			}
		}
		json_decref(ids);
		if (json_object_size(set) == before)
			return 0;
	}
}

/* libarchive's message ("Write error") and, when there is one, the
 * system's reason (thread-local: valid until the next call). */
static const char *write_error(struct archive *a)
{
	static __thread char msg[256];
	int e = archive_errno(a);
	const char *s = archive_error_string(a);
	snprintf(msg, sizeof(msg), "%s%s%s", s ? s : "failed", e > 0 ? ": " : "",
		 e > 0 ? strerror(e) : "");
	return msg;
}

static int write_entry(struct archive *a, const char *name, int64_t size, sc_err *err)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return sc_errf(err, SC_ERR, "cannot write the bundle: out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0444);
	archive_entry_set_mtime(e, 0, 0);
	int r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return sc_errf(err, SC_EIO, "cannot write the bundle: %s", write_error(a));
	return 0;
}

static int id_cmp(const void *x, const void *y)
{
	return strcmp(json_string_value(*(json_t *const *)x), json_string_value(*(json_t *const *)y));
}

int sc_bundle_export(sc_store *s, const sc_oid *result, const char *path, int force,
		     sc_bundle_stats *st, sc_err *err)
{
	int fd_out = -1;
	memset(st, 0, sizeof(*st));
	sqlite3 *db = sc_store_db(s);
	json_t *manifest = NULL, *set = json_object(), *steps = json_array(), *runs = json_array(),
	       *objs = json_array();
	char rid[SC_OID_IDLEN];
	sc_oid_id(result, rid);
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	struct archive *a = NULL;
	char *tmp = NULL;
	int rc = sc_store_read(s, result, &b, err);
	if (rc)
		goto out;
	manifest = json_loadb(b.s, b.len, 0, NULL);
	if (!manifest || strcmp(sc_json_str(manifest, "format", ""), "sceval-result")) {
		rc = sc_errf(err, SC_EINVAL, "%.12s is not a result", sc_oid_hex_of(rid));
		goto out;
	}
	json_object_set_new(set, rid, json_true());
	size_t i;
	json_t *ms;
	json_array_foreach(json_object_get(manifest, "steps"), i, ms)
	{
		const char *key = sc_json_str(ms, "key", "");
		json_t *r = NULL;
		if ((rc = rows(db, "SELECT * FROM steps WHERE key = ?", key, &r, err)))
			goto out;
		if (json_array_size(r) != 1) {
			json_decref(r);
			rc = sc_errf(err, SC_ENOTFOUND, "step %.12s of the result is not recorded here",
				     key);
			goto out;
		}
		json_t *row = json_incref(json_array_get(r, 0));
		json_decref(r);
		json_t *in = NULL, *outp = NULL, *met = NULL;
		char *q_in = select_sql(SC_CATALOG_STEP_IO, "step_inputs", "step", "step = ?");
		char *q_out = select_sql(SC_CATALOG_STEP_IO, "step_outputs", "step", "step = ?");
		char *q_met = select_sql(SC_CATALOG_STEP_METRICS, "step_metrics", "step", "step = ?");
		if (!(rc = rows(db, q_in, key, &in, err)) && !(rc = rows(db, q_out, key, &outp, err)))
			rc = rows(db, q_met, key, &met, err);
		free(q_in);
		free(q_out);
		free(q_met);
		if (rc) {
			json_decref(in);
			json_decref(outp);
			json_decref(row);
			goto out;
		}
		size_t k;
		json_t *x;
		json_array_foreach(in, k, x)
			want(set, json_object_get(x, "object"));
		json_array_foreach(outp, k, x)
			want(set, json_object_get(x, "object"));
		want(set, json_object_get(row, "stdout_log"));
		want(set, json_object_get(row, "stderr_log"));
		json_object_set_new(row, "inputs", in);
		json_object_set_new(row, "outputs", outp);
		json_object_set_new(row, "metrics", met);
		json_array_append_new(steps, row);
	}
	json_t *rr;
	if ((rc = rows(db, "SELECT * FROM runs WHERE result = ? ORDER BY id", rid, &rr, err)))
		goto out;
	json_t *run;
	json_array_foreach(rr, i, run)
	{
		char idtxt[32];
		snprintf(idtxt, sizeof(idtxt), "%lld", (long long)sc_json_int(run, "id", 0));
		json_t *prov, *rs;
		if ((rc = rows(db, "SELECT * FROM provenance WHERE run = CAST(? AS INTEGER)", idtxt, &prov,
			       err)) ||
		    (rc = rows(db, "SELECT * FROM run_steps WHERE run = CAST(? AS INTEGER) ORDER BY ord",
			       idtxt, &rs, err))) {
			json_decref(rr);
			goto out;
		}
		want(set, json_object_get(run, "spec"));
		size_t k;
		json_t *x;
		json_array_foreach(prov, k, x)
			want(set, json_object_get(x, "diff"));
		json_array_foreach(rs, k, x)
		{
			want(set, json_object_get(x, "stdout_log"));
			want(set, json_object_get(x, "stderr_log"));
		}
		json_object_set_new(run, "provenance", prov);
		json_object_set_new(run, "run_steps", rs);
		json_array_append(runs, run);
	}
	json_decref(rr);
	if ((rc = collect_trees(s, set, err)))
		goto out;
	/* Objects in id order, with their records. */
	json_t *ids = keys_of(set);
	size_t nid = json_array_size(ids);
	json_t **v = sc_xcalloc(nid ? nid : 1, sizeof(json_t *));
	for (i = 0; i < nid; i++)
		v[i] = json_array_get(ids, i);
	qsort(v, nid, sizeof(json_t *), id_cmp);
	for (i = 0; i < nid; i++) {
		const char *id = json_string_value(v[i]);
		sc_oid o;
		sc_oid_parse(&o, id);
		json_t *r = NULL;
		if ((rc = rows(db, "SELECT id, type, kind, size FROM objects WHERE id = ?", id, &r, err)))
			break;
		json_t *row = json_array_size(r) ? json_incref(json_array_get(r, 0)) : NULL;
		json_decref(r);
		if (!row) {
			int type;
			uint64_t size;
			if ((rc = sc_store_stat(s, &o, &type, &size, err)))
				break;
			row = json_pack("{s:s, s:s, s:s, s:I}", "id", id, "type",
					type == SC_OBJ_TREE ? "tree" : "blob", "kind", "output", "size",
					(json_int_t)size);
		}
		if (!sc_store_has(s, &o)) {
			json_decref(row);
			rc = sc_errf(err, SC_ENOTFOUND, "object %.12s of the result is missing from the "
							"store (sceval fsck)",
				     sc_oid_hex_of(id));
			break;
		}
		json_array_append_new(objs, row);
	}
	free(v);
	json_decref(ids);
	if (rc)
		goto out;
	json_t *bm = json_pack("{s:s, s:i, s:s, s:O, s:O, s:O}", "format", "sceval-bundle", "version",
			       1, "result", rid, "objects", objs, "steps", steps, "runs", runs);
	char *text = json_dumps(bm, JSON_SORT_KEYS | JSON_INDENT(1) | JSON_REAL_PRECISION(17));
	json_decref(bm);
	/* Write to a temporary name and rename: a failed export leaves nothing,
	 * and an existing path is replaced only when asked and a regular file. */
	if ((fd_out = sc_out_begin(path, force, &tmp, err)) < 0) {
		rc = fd_out;
		free(text);
		goto out;
	}
	a = archive_write_new();
	if (!a) {
		rc = sc_errf(err, SC_ERR, "cannot write '%s': out of memory", path);
		free(text);
		goto out;
	}
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_fd(a, fd_out) != ARCHIVE_OK) {
		rc = sc_errf(err, SC_EIO, "cannot write '%s': %s", path, write_error(a));
		free(text);
		goto out;
	}
	size_t tl = strlen(text);
	rc = write_entry(a, MANIFEST_NAME, (int64_t)tl, err);
	if (!rc && archive_write_data(a, text, tl) != (la_ssize_t)tl)
		rc = sc_errf(err, SC_EIO, "cannot write the bundle: %s", write_error(a));
	free(text);
	char *buf = sc_xmalloc(1 << 20);
	json_t *o;
	json_array_foreach(objs, i, o)
	{
		if (rc)
			break;
		sc_oid oid;
		sc_oid_parse(&oid, sc_json_str(o, "id", ""));
		char hex[SC_OID_HEXLEN + 1];
		sc_oid_hex(&oid, hex);
		char name[96];
		snprintf(name, sizeof(name), "objects/%.2s/%s", hex, hex + 2);
		int fd = sc_store_open_object(s, &oid, err);
		if (fd < 0) {
			rc = fd;
			break;
		}
		struct stat sb;
		fstat(fd, &sb);
		if ((rc = write_entry(a, name, sb.st_size, err))) {
			close(fd);
			break;
		}
		for (;;) {
			ssize_t r = sc_read_full(fd, buf, 1 << 20);
			if (r < 0) {
				rc = sc_errsys(err, errno, "cannot read object %.12s", hex);
				break;
			}
			if (r == 0)
				break;
			if (archive_write_data(a, buf, (size_t)r) != r) {
				rc = sc_errf(err, SC_EIO, "cannot write the bundle: %s",
					     write_error(a));
				break;
			}
		}
		close(fd);
		st->objects++;
		st->bytes += (uint64_t)sb.st_size;
	}
	free(buf);
	if (archive_write_close(a) != ARCHIVE_OK && !rc)
		rc = sc_errf(err, SC_EIO, "cannot write '%s': %s", path, write_error(a));
	if (!rc) {
		rc = sc_out_commit(fd_out, tmp, path, force, err);
		fd_out = -1;
		free(tmp);
		tmp = NULL;
	}
	st->steps = json_array_size(steps);
	st->runs = json_array_size(runs);
out:
	if (a)
		archive_write_free(a);
	if (tmp) {
		sc_out_abort(fd_out, tmp);
		free(tmp);
	}
	sc_buf_free(&b);
	json_decref(manifest);
	json_decref(set);
	json_decref(steps);
	json_decref(runs);
	json_decref(objs);
	return rc;
}

/* ---- import ----------------------------------------------------------------- */

typedef struct import_ctx {
	sc_store *s;
	const char *path;
	json_t *bm;       /* the bundle's manifest */
	json_t *expected; /* id -> size */
	json_t *got;      /* id -> true */
	char *stage;
	sc_err *err;
	uint64_t file_bytes; /* the bundle file's size */
	int raw_tar;         /* no compression filter: entries are stored as they are */
	uint64_t declared;   /* the manifest's objects, in bytes */
} import_ctx;

/* A bundle may not make the importer allocate, stage or decompress more
 * than it can: a plain tar holds its entries verbatim, so no entry is
 * larger than the file; whatever the compression, the objects the manifest
 * declares (entries must match it) must fit on the store's disk. */
static int entry_fits(import_ctx *x, int64_t size, const char *what)
{
	char a[32], b[32];
	if (x->raw_tar && (uint64_t)size > x->file_bytes)
		return sc_errf(x->err, SC_ECORRUPT,
			       "'%s': rejected: %s declares %s, more than the whole bundle (%s)", x->path,
			       what, sc_fmt_size((uint64_t)size, a), sc_fmt_size(x->file_bytes, b));
	return 0;
}

static int declared_fits(import_ctx *x)
{
	struct statvfs vs;
	char a[32], b[32];
	if (statvfs(x->stage, &vs) != 0)
		return 0; /* writing will say what is wrong */
	uint64_t avail = (uint64_t)vs.f_bavail * (uint64_t)vs.f_frsize;
	if (x->declared > avail)
		return sc_errf(x->err, SC_EIO,
			       "'%s': its objects take %s, more than the %s free on the store's disk",
			       x->path, sc_fmt_size(x->declared, a), sc_fmt_size(avail, b));
	return 0;
}

static int bad(import_ctx *x, const char *fmt, const char *detail)
{
	return sc_errf(x->err, SC_ECORRUPT, "'%s': rejected: %s%s", x->path, fmt, detail ? detail : "");
}

static int valid_object_path(const char *p, char *hex)
{
	regex_t r;
	if (regcomp(&r, "^objects/[0-9a-f]{2}/[0-9a-f]{62}$", REG_EXTENDED | REG_NOSUB))
		return 0;
	int ok = regexec(&r, p, 0, NULL, 0) == 0;
	regfree(&r);
	if (ok)
		snprintf(hex, SC_OID_HEXLEN + 1, "%.2s%s", p + 8, p + 11);
	return ok;
}

static int read_manifest(import_ctx *x, struct archive *a, struct archive_entry *e)
{
	int64_t size = archive_entry_size(e);
	if (archive_entry_filetype(e) != AE_IFREG || size <= 0 || size > MAX_MANIFEST)
		return bad(x, "the bundle manifest is not a regular file of sensible size", NULL);
	int rc = entry_fits(x, size, "the manifest");
	if (!rc && (rc = sc_mem_check(1, (uint64_t)size, "the bundle manifest's bytes", x->err)))
		sc_errprefix(x->err, "'%s'", x->path);
	if (rc)
		return rc;
	char *text = sc_xmalloc((size_t)size + 1);
	la_ssize_t got = archive_read_data(a, text, (size_t)size);
	if (got != size) {
		free(text);
		return bad(x, "truncated manifest", NULL);
	}
	text[size] = 0;
	json_error_t je;
	x->bm = json_loads(text, 0, &je);
	free(text);
	if (!x->bm || strcmp(sc_json_str(x->bm, "format", ""), "sceval-bundle") ||
	    sc_json_int(x->bm, "version", 0) != 1)
		return bad(x, "not a sceval bundle (version 1)", NULL);
	x->expected = json_object();
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(x->bm, "objects"), i, o)
	{
		sc_oid id;
		const char *t = sc_json_str(o, "type", "");
		if (sc_oid_parse(&id, sc_json_str(o, "id", "")) || !json_is_integer(json_object_get(o, "size")) ||
		    (strcmp(t, "blob") && strcmp(t, "tree")) || !json_is_string(json_object_get(o, "kind")))
			return bad(x, "malformed object record in the manifest", NULL);
		char hex[SC_OID_HEXLEN + 1];
		sc_oid_hex(&id, hex);
		json_int_t sz = json_integer_value(json_object_get(o, "size"));
		if (sz < 0 || (uint64_t)sz > UINT64_MAX - x->declared)
			return bad(x, "an object of impossible size in the manifest: ", hex);
		x->declared += (uint64_t)sz;
		json_object_set(x->expected, hex, json_object_get(o, "size"));
	}
	return 0;
}

static int stage_object(import_ctx *x, struct archive *a, struct archive_entry *e, const char *hex)
{
	json_t *size = json_object_get(x->expected, hex);
	if (!size)
		return bad(x, "an object the manifest does not list: ", hex);
	if (json_object_get(x->got, hex))
		return bad(x, "an object appears twice: ", hex);
	if (archive_entry_size(e) != json_integer_value(size))
		return bad(x, "an object's size differs from the manifest: ", hex);
	int rc0 = entry_fits(x, archive_entry_size(e), hex);
	if (rc0)
		return rc0;
	char *p = sc_path_join(x->stage, hex);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int rc = sc_errsys(x->err, errno, "cannot stage '%s'", p);
		free(p);
		return rc;
	}
	sc_hasher *h = sc_hasher_new();
	char *buf = sc_xmalloc(1 << 20);
	int64_t total = 0;
	int rc = 0;
	for (;;) {
		la_ssize_t r = archive_read_data(a, buf, 1 << 20);
		if (r < 0) {
			rc = bad(x, "unreadable data: ", archive_error_string(a));
			break;
		}
		if (r == 0)
			break;
		sc_hasher_update(h, buf, (size_t)r);
		if (sc_write_full(fd, buf, (size_t)r) < 0) {
			rc = sc_errsys(x->err, errno, "cannot stage an object");
			break;
		}
		total += r;
	}
	free(buf);
	sc_oid got;
	sc_hasher_final(h, &got);
	sc_hasher_free(h);
	if (fsync(fd) < 0 && !rc)
		rc = sc_errsys(x->err, errno, "cannot stage an object");
	close(fd);
	free(p);
	if (rc)
		return rc;
	char ghex[SC_OID_HEXLEN + 1];
	sc_oid_hex(&got, ghex);
	if (total != json_integer_value(size) || strcmp(ghex, hex))
		return bad(x, "an object's content does not match its hash: ", hex);
	json_object_set_new(x->got, hex, json_true());
	return 0;
}

/* A tree claimed in the manifest must be one: gc and fsck walk trees by the
 * type the catalog records. */
static int check_trees(import_ctx *x)
{
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(x->bm, "objects"), i, o)
	{
		if (strcmp(sc_json_str(o, "type", ""), "tree"))
			continue;
		sc_oid id;
		char hex[SC_OID_HEXLEN + 1];
		sc_oid_parse(&id, sc_json_str(o, "id", ""));
		sc_oid_hex(&id, hex);
		char *p = sc_path_join(x->stage, hex);
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		sc_err e;
		sc_tree_entry *ent = NULL;
		size_t n = 0;
		int ok = sc_read_file(&b, p, &e) == 0 && sc_tree_parse(&ent, &n, b.s, b.len, &e) == 0;
		sc_tree_free(ent, n);
		sc_buf_free(&b);
		free(p);
		if (!ok)
			return bad(x, "an object listed as a tree is not one: ", hex);
	}
	return 0;
}

/* Each step key must be the hash of its key JSON, and every record must
 * agree with the result object (bundle_verify.c): the manifest itself is
 * not hashed, so nothing is taken from it on its word. */
static int check_records(import_ctx *x)
{
	int rc = check_trees(x);
	if (rc)
		return rc;
	size_t i;
	json_t *st;
	json_array_foreach(json_object_get(x->bm, "steps"), i, st)
	{
		const char *key = sc_json_str(st, "key", ""), *kj = sc_json_str(st, "key_json", "");
		sc_oid k;
		char hex[SC_OID_HEXLEN + 1];
		sc_hash_buf(&k, kj, strlen(kj));
		sc_oid_hex(&k, hex);
		if (strcmp(hex, key))
			return bad(x, "a step record does not match its key: ", key);
	}
	return sc_bundle_verify(x->s, x->path, x->stage, x->bm, x->got, x->err);
}

/* Insert the bundle's records in a transaction left open on success (the
 * caller commits once the objects are adopted, or rolls back); rolled back
 * on failure. A record the catalog refuses (a NOT NULL column missing, a
 * wrong type) must fail the import before any object enters the store. */
static int import_records(import_ctx *x, sc_err *err)
{
	sc_store *s = x->s;
	sqlite3 *db = sc_store_db(s);
	int rc = sc_db_begin(db, err);
	if (rc)
		return rc;
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(x->bm, "objects"), i, o)
	{
		sc_oid id;
		sc_oid_parse(&id, sc_json_str(o, "id", ""));
		if ((rc = sc_store_note(s, &id, !strcmp(sc_json_str(o, "type", ""), "tree"),
					(uint64_t)sc_json_int(o, "size", 0), sc_json_str(o, "kind", "output"),
					0, NULL, err)))
			goto fail;
	}
	json_t *st;
	json_array_foreach(json_object_get(x->bm, "steps"), i, st)
	{
		/* A step already in this store stays as it is (same key, same work). */
		sqlite3_stmt *q;
		if ((rc = sc_db_prepare(db, &q, "SELECT 1 FROM steps WHERE key = ? AND status = 'done'",
					err)))
			goto fail;
		sqlite3_bind_text(q, 1, sc_json_str(st, "key", ""), -1, SQLITE_TRANSIENT);
		int have = sc_db_row(db, q, err, "cannot read the steps");
		sqlite3_finalize(q);
		if (have < 0) {
			rc = have;
			goto fail;
		}
		if (have)
			continue;
		static const char *const del[] = { "DELETE FROM step_inputs WHERE step = ?",
						   "DELETE FROM step_outputs WHERE step = ?",
						   "DELETE FROM step_metrics WHERE step = ?",
						   "DELETE FROM steps WHERE key = ?" };
		for (int d = 0; d < 4; d++) {
			if ((rc = sc_db_prepare(db, &q, del[d], err)))
				goto fail;
			sqlite3_bind_text(q, 1, sc_json_str(st, "key", ""), -1, SQLITE_TRANSIENT);
			rc = sc_db_done(db, q, err, "cannot import a step");
			sqlite3_finalize(q);
			if (rc)
				goto fail;
		}
		if ((rc = insert(db, "steps", sc_catalog_columns(SC_CATALOG_STEPS), st, 0, err)))
			goto fail;
		const char *const *io_cols = sc_catalog_columns(SC_CATALOG_STEP_IO);
		const char *const *m_cols = sc_catalog_columns(SC_CATALOG_STEP_METRICS);
		const char *tabs[] = { "step_inputs", "step_outputs" };
		const char *keys[] = { "inputs", "outputs" };
		for (int t = 0; t < 2; t++) {
			size_t k;
			json_t *r;
			json_array_foreach(json_object_get(st, keys[t]), k, r)
			{
				json_t *row = json_deep_copy(r);
				json_object_set(row, "step", json_object_get(st, "key"));
				rc = insert(db, tabs[t], io_cols, row, 1, err);
				json_decref(row);
				if (rc)
					goto fail;
			}
		}
		size_t k;
		json_t *r;
		json_array_foreach(json_object_get(st, "metrics"), k, r)
		{
			json_t *row = json_deep_copy(r);
			json_object_set(row, "step", json_object_get(st, "key"));
			rc = insert(db, "step_metrics", m_cols, row, 1, err);
			json_decref(row);
			if (rc)
				goto fail;
		}
	}
	json_t *run;
	json_array_foreach(json_object_get(x->bm, "runs"), i, run)
	{
		/* The same run imported twice is kept once. */
		sqlite3_stmt *q;
		if ((rc = sc_db_prepare(db, &q,
					"SELECT 1 FROM runs WHERE started_at = ? AND pid IS ? AND "
					"host IS ? AND result IS ?",
					err)))
			goto fail;
		sqlite3_bind_int64(q, 1, sc_json_int(run, "started_at", 0));
		sqlite3_bind_int64(q, 2, sc_json_int(run, "pid", 0));
		sqlite3_bind_text(q, 3, sc_json_str(run, "host", ""), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 4, sc_json_str(run, "result", ""), -1, SQLITE_TRANSIENT);
		int have = sc_db_row(db, q, err, "cannot read the runs");
		sqlite3_finalize(q);
		if (have < 0) {
			rc = have;
			goto fail;
		}
		if (have)
			continue;
		if ((rc = insert(db, "runs", sc_catalog_columns(SC_CATALOG_RUNS), run, 0, err)))
			goto fail;
		int64_t id = sqlite3_last_insert_rowid(db);
		size_t k;
		json_t *r;
		json_array_foreach(json_object_get(run, "provenance"), k, r)
		{
			json_t *row = json_deep_copy(r);
			json_object_set_new(row, "run", json_integer(id));
			rc = insert(db, "provenance", sc_catalog_columns(SC_CATALOG_PROVENANCE), row, 0, err);
			json_decref(row);
			if (rc)
				goto fail;
		}
		json_array_foreach(json_object_get(run, "run_steps"), k, r)
		{
			json_t *row = json_deep_copy(r);
			json_object_set_new(row, "run", json_integer(id));
			rc = insert(db, "run_steps", sc_catalog_columns(SC_CATALOG_RUN_STEPS), row, 0,
				    err);
			json_decref(row);
			if (rc)
				goto fail;
		}
	}
	return 0;
fail:
	sc_db_rollback(db);
	return rc;
}

int sc_bundle_import(sc_store *s, const char *path, sc_oid *result, sc_bundle_stats *st,
		     sc_err *err)
{
	memset(st, 0, sizeof(*st));
	import_ctx x = { .s = s, .path = path, .got = json_object(), .err = err };
	x.stage = sc_xasprintf("%s/tmp/import-%s", sc_store_root(s), sc_store_tmp_owner_tag());
	struct archive *a = archive_read_new();
	int rc = 0;
	if (!a) {
		rc = sc_errf(err, SC_ERR, "cannot read bundle '%s': out of memory", path);
		goto out;
	}
	archive_read_support_format_tar(a);
	archive_read_support_filter_all(a);
	if (sc_mkdir_p(x.stage, 0700, err)) {
		rc = SC_ERR;
		goto out;
	}
	struct stat bst;
	if (stat(path, &bst) == 0)
		x.file_bytes = (uint64_t)bst.st_size;
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		rc = sc_errf(err, errno == ENOENT ? SC_ENOTFOUND : SC_EINVAL, "cannot read bundle '%s': %s",
			     path, archive_error_string(a));
		goto out;
	}
	struct archive_entry *e;
	int first = 1;
	for (;;) {
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rc = bad(&x, "not a readable tar archive: ", archive_error_string(a));
			goto out;
		}
		const char *name = archive_entry_pathname(e);
		if (!name) {
			rc = bad(&x, "an entry without a name", NULL);
			goto out;
		}
		if (archive_entry_hardlink(e) || archive_entry_symlink(e) ||
		    archive_entry_filetype(e) != AE_IFREG) {
			rc = bad(&x, "an entry that is not a regular file: ", name);
			goto out;
		}
		if (first) {
			if (strcmp(name, MANIFEST_NAME)) {
				rc = bad(&x, "the first entry must be " MANIFEST_NAME ", found ", name);
				goto out;
			}
			x.raw_tar = archive_filter_count(a) == 1 &&
				    archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE;
			if ((rc = read_manifest(&x, a, e)) || (rc = declared_fits(&x)))
				goto out;
			first = 0;
			continue;
		}
		char hex[SC_OID_HEXLEN + 1];
		if (!valid_object_path(name, hex)) {
			rc = bad(&x, "an entry outside objects/: ", name);
			goto out;
		}
		if ((rc = stage_object(&x, a, e, hex)))
			goto out;
	}
	if (first) {
		rc = bad(&x, "an empty archive", NULL);
		goto out;
	}
	/* Every listed object must be there. */
	const char *k;
	json_t *v;
	json_object_foreach(x.expected, k, v)
		if (!json_object_get(x.got, k)) {
			rc = bad(&x, "a listed object is missing: ", k);
			goto out;
		}
	if ((rc = check_records(&x)))
		goto out;
	/* All checked: stage the records (an open transaction), adopt the
	 * objects, then commit, so that rows never name missing objects and a
	 * refused record leaves no object behind. */
	if ((rc = import_records(&x, err)))
		goto out;
	json_object_foreach(x.got, k, v)
	{
		sc_oid id;
		sc_oid_parse(&id, k);
		char *p = sc_path_join(x.stage, k);
		struct stat sb;
		if (stat(p, &sb) == 0)
			st->bytes += (uint64_t)sb.st_size;
		rc = sc_store_adopt(s, p, &id, err);
		free(p);
		if (rc) {
			sc_db_rollback(sc_store_db(s));
			goto out;
		}
		st->objects++;
	}
	if ((rc = sc_db_commit(sc_store_db(s), err)))
		goto out;
	sc_oid_parse(result, sc_json_str(x.bm, "result", ""));
	st->steps = json_array_size(json_object_get(x.bm, "steps"));
	st->runs = json_array_size(json_object_get(x.bm, "runs"));
out:
	archive_read_free(a);
	sc_err e2;
	if (sc_rm_rf(x.stage, &e2)) {
		/* left for gc: it removes everything under tmp/ */
	}
	free(x.stage);
	json_decref(x.bm);
	json_decref(x.expected);
	json_decref(x.got);
	return rc;
}
