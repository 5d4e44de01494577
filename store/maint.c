/*
 * maint.c - fsck and gc. Both walk the objects directory; fsck re-reads and
 * re-hashes every byte (the stat cache is never trusted here), gc marks
 * everything reachable from names and runs and sweeps the rest.
 *
 * Workload: stores of up to millions of objects and terabytes: object ids
 * are kept in sorted arrays (32 bytes each) searched by bisection, and
 * files are hashed in 1 MiB reads, so memory is O(objects), not O(bytes).
 */
#include "maint.h"
#include "store/catalog.h"
#include "store/db.h"
#include "util/fs.h"
#include "util/proc.h"
#include "util/progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct oidset {
	sc_oid *v;
	uint64_t *size; /* optional per-id payload */
	int *type;
	unsigned char *seen;
	size_t n, cap;
} oidset;

static void set_add(oidset *s, const sc_oid *id, uint64_t size, int type)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = sc_xrealloc(s->v, s->cap * sizeof(*s->v));
		s->size = sc_xrealloc(s->size, s->cap * sizeof(*s->size));
		s->type = sc_xrealloc(s->type, s->cap * sizeof(*s->type));
	}
	s->v[s->n] = *id;
	s->size[s->n] = size;
	s->type[s->n] = type;
	s->n++;
}

static int oid_cmp(const void *a, const void *b)
{
	return memcmp(a, b, SC_OID_RAW);
}

static long set_find(const oidset *s, const sc_oid *id)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(&s->v[mid], id, SC_OID_RAW);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void set_free(oidset *s)
{
	free(s->v);
	free(s->size);
	free(s->type);
	free(s->seen);
	memset(s, 0, sizeof(*s));
}

/* Catalog objects, sorted by id (the primary key order is the hex order,
 * which is the byte order of the raw ids). */
static int load_catalog(sc_store *s, oidset *set, sc_err *err)
{
	sqlite3 *db = sc_store_db(s);
	sqlite3_stmt *q;
	int rc = sc_db_prepare(db, &q, "SELECT id, size, type FROM objects ORDER BY id", err);
	if (rc)
		return rc;
	int r;
	while ((r = sc_db_row(db, q, err, "cannot list the objects")) > 0) {
		sc_oid id;
		if (sc_oid_parse(&id, (const char *)sqlite3_column_text(q, 0)))
			continue;
		set_add(set, &id, (uint64_t)sqlite3_column_int64(q, 1),
			!strcmp((const char *)sqlite3_column_text(q, 2), "tree"));
	}
	sqlite3_finalize(q);
	set->seen = sc_xcalloc(set->n ? set->n : 1, 1);
	return r;
}

/* Visit every object file: cb(ctx, id, path, st). Files with names that are
 * not object ids are reported through stray. */
typedef int (*visit_fn)(void *ctx, const sc_oid *id, const char *path, const struct stat *st);
typedef void (*stray_fn)(void *ctx, const char *path);

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **sorted_dir(const char *path, size_t *n, sc_err *err)
{
	DIR *d = opendir(path);
	if (!d) {
		sc_errsys(err, errno, "cannot read directory '%s'", path);
		return NULL;
	}
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = sc_xrealloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = sc_xstrdup(de->d_name);
	}
	closedir(d);
	/* qsort's pointer is declared non-null: allocate before sorting. */
	if (!v)
		v = sc_xcalloc(1, sizeof(*v));
	qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int walk_objects(sc_store *s, visit_fn fn, stray_fn stray, void *ctx, sc_err *err)
{
	char *objs = sc_path_join(sc_store_root(s), "objects");
	size_t ns;
	char **shards = sorted_dir(objs, &ns, err);
	int rc = 0;
	if (!shards) {
		free(objs);
		return SC_ERR;
	}
	for (size_t i = 0; i < ns && !rc; i++) {
		char *sp = sc_path_join(objs, shards[i]);
		struct stat st;
		if (strlen(shards[i]) != 2 || !sc_is_hex(shards[i]) || lstat(sp, &st) < 0 ||
		    !S_ISDIR(st.st_mode)) {
			stray(ctx, sp);
			free(sp);
			continue;
		}
		size_t nf;
		char **files = sorted_dir(sp, &nf, err);
		if (!files) {
			free(sp);
			rc = SC_ERR;
			break;
		}
		for (size_t j = 0; j < nf && !rc; j++) {
			char *fp = sc_path_join(sp, files[j]);
			char hex[SC_OID_HEXLEN + 1];
			snprintf(hex, sizeof(hex), "%s%s", shards[i], files[j]);
			sc_oid id;
			if (strlen(files[j]) != SC_OID_HEXLEN - 2 || sc_oid_parse(&id, hex) ||
			    lstat(fp, &st) < 0 || !S_ISREG(st.st_mode))
				stray(ctx, fp);
			else
				rc = fn(ctx, &id, fp, &st);
			free(fp);
		}
		free_names(files, nf);
		free(sp);
	}
	free_names(shards, ns);
	free(objs);
	return rc;
}

/* ---- fsck --------------------------------------------------------------- */

typedef struct fsck_ctx {
	sc_store *s;
	int fast;
	oidset cat;
	sc_fsck_cb cb;
	void *cbctx;
	sc_fsck_report *r;
	char *buf;
	sc_progress pr;
	uint64_t done_bytes;
	sc_err *err;
} fsck_ctx;

static void report(fsck_ctx *c, const char *what, const sc_oid *id, const char *path,
		   const char *fmt, ...) SC_PRINTF(5, 6);
static void report(fsck_ctx *c, const char *what, const sc_oid *id, const char *path,
		   const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	char hex[SC_OID_HEXLEN + 1];
	if (id)
		sc_oid_hex(id, hex);
	if (c->cb)
		c->cb(c->cbctx, what, id ? hex : path, detail);
}

static int hash_file(fsck_ctx *c, const char *path, sc_oid *out, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	sc_hasher *h = sc_hasher_new();
	uint64_t total = 0;
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, c->buf, 1 << 20);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -1;
			break;
		}
		if (r == 0)
			break;
		sc_hasher_update(h, c->buf, (size_t)r);
		total += (uint64_t)r;
		c->done_bytes += (uint64_t)r;
		sc_progress_update(&c->pr, c->done_bytes);
	}
	sc_hasher_final(h, out);
	sc_hasher_free(h);
	close(fd);
	*size = total;
	return rc;
}

static void check_tree(fsck_ctx *c, const sc_oid *id)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_err e;
	sc_tree_entry *ent = NULL;
	size_t n = 0;
	if (sc_store_read(c->s, id, &b, &e) || sc_tree_parse(&ent, &n, b.s, b.len, &e)) {
		c->r->corrupt++;
		report(c, "corrupt", id, NULL, "unreadable tree: %s", e.msg);
	} else {
		for (size_t i = 0; i < n; i++)
			if (!sc_store_has(c->s, &ent[i].oid)) {
				c->r->missing++;
				char parent[SC_OID_HEXLEN + 1];
				sc_oid_hex(id, parent);
				report(c, "missing", &ent[i].oid, NULL, "'%s' in tree %.12s",
				       ent[i].name, parent);
			}
	}
	sc_tree_free(ent, n);
	sc_buf_free(&b);
}

static int fsck_visit(void *ctx, const sc_oid *id, const char *path, const struct stat *st)
{
	fsck_ctx *c = ctx;
	c->r->objects++;
	c->r->bytes += (uint64_t)st->st_size;
	long k = set_find(&c->cat, id);
	if (k >= 0)
		c->cat.seen[k] = 1;
	else {
		c->r->unrecorded++;
		report(c, "unrecorded", id, NULL, "%lld bytes, not in the catalog",
		       (long long)st->st_size);
	}
	if (k >= 0 && (uint64_t)st->st_size != c->cat.size[k]) {
		c->r->corrupt++;
		report(c, "corrupt", id, NULL, "size %lld, recorded %llu", (long long)st->st_size,
		       (unsigned long long)c->cat.size[k]);
		return 0;
	}
	if (c->fast)
		return 0;
	sc_oid got;
	uint64_t size;
	if (hash_file(c, path, &got, &size) < 0) {
		c->r->corrupt++;
		report(c, "corrupt", id, NULL, "unreadable: %s", strerror(errno));
		return 0;
	}
	if (!sc_oid_eq(&got, id)) {
		char hex[SC_OID_HEXLEN + 1];
		sc_oid_hex(&got, hex);
		c->r->corrupt++;
		report(c, "corrupt", id, NULL, "content hashes to %s", hex);
		return 0;
	}
	if (k >= 0 && c->cat.type[k])
		check_tree(c, id);
	return 0;
}

static void fsck_stray(void *ctx, const char *path)
{
	fsck_ctx *c = ctx;
	c->r->stray++;
	report(c, "stray", NULL, path, "not an object file");
}

int sc_fsck_failed(const sc_fsck_report *r)
{
	return r->corrupt || r->missing || r->stray;
}

int sc_store_fsck(sc_store *s, int fast, sc_fsck_cb cb, void *ctx, sc_fsck_report *r, sc_err *err)
{
	fsck_ctx c;
	memset(&c, 0, sizeof(c));
	memset(r, 0, sizeof(*r));
	c.s = s;
	c.fast = fast;
	c.cb = cb;
	c.cbctx = ctx;
	c.r = r;
	c.err = err;
	int rc = load_catalog(s, &c.cat, err);
	if (rc)
		return rc;
	uint64_t total = 0;
	for (size_t i = 0; i < c.cat.n; i++)
		total += c.cat.size[i];
	c.buf = sc_xmalloc(1 << 20);
	sc_progress_begin(&c.pr, "checking objects", fast ? 0 : total);
	rc = walk_objects(s, fsck_visit, fsck_stray, &c, err);
	sc_progress_end(&c.pr);
	if (rc)
		goto out;
	for (size_t i = 0; i < c.cat.n; i++)
		if (!c.cat.seen[i]) {
			r->missing++;
			report(&c, "missing", &c.cat.v[i], NULL, "recorded in the catalog, no file");
		}
	/* Temporary files and scratch folders: a warning, not a problem (the
	 * objects are whole without them); a killed process leaves them. */
	char *tmp = sc_path_join(sc_store_root(s), "tmp");
	size_t nt;
	sc_err e2;
	char **t = sorted_dir(tmp, &nt, &e2);
	if (t) {
		for (size_t i = 0; i < nt; i++) {
			char *p = sc_path_join(tmp, t[i]);
			r->temps++;
			if (sc_store_tmp_in_use(p, t[i]) && sc_store_tmp_foreign(t[i]))
				report(&c, "temp", NULL, p, "made by process %ld of another machine "
							    "and changed in the last %d days: in use",
				       sc_store_tmp_owner(t[i]), SC_STORE_TMP_FOREIGN_S / 86400);
			else if (sc_store_tmp_in_use(p, t[i]))
				report(&c, "temp", NULL, p, "in use by process %ld",
				       sc_store_tmp_owner(t[i]));
			else
				report(&c, "temp", NULL, p, "left by a process that is gone (sceval gc "
							    "removes it)");
			free(p);
		}
		free_names(t, nt);
	}
	free(tmp);
	/* The catalog itself. */
	sqlite3_stmt *q;
	sqlite3 *db = sc_store_db(s);
	sc_err e3;
	if (!sc_db_prepare(db, &q, "PRAGMA quick_check", &e3)) {
		int qr;
		while ((qr = sc_db_row(db, q, &e3, "cannot check the catalog")) > 0) {
			const char *m = (const char *)sqlite3_column_text(q, 0);
			if (strcmp(m, "ok")) {
				r->corrupt++;
				report(&c, "corrupt", NULL, "catalog.db", "%s", m);
			}
		}
		sqlite3_finalize(q);
		if (qr < 0) {
			r->corrupt++;
			report(&c, "corrupt", NULL, "catalog.db", "%s", e3.msg);
		}
	} else {
		r->corrupt++;
		report(&c, "corrupt", NULL, "catalog.db", "%s", e3.msg);
	}
out:
	free(c.buf);
	set_free(&c.cat);
	return rc;
}

/* ---- gc ----------------------------------------------------------------- */

static void mark_live(void *ctx, const sc_oid *id)
{
	set_add(ctx, id, 0, 0);
}

static void sort_unique(oidset *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(sc_oid), oid_cmp);
	size_t w = 0;
	for (size_t i = 0; i < s->n; i++)
		if (w == 0 || memcmp(&s->v[w - 1], &s->v[i], SC_OID_RAW))
			s->v[w++] = s->v[i];
	s->n = w;
}

/* Children of the trees in ids (appended to out). A tree that cannot be
 * read fails: its children would look unused. */
static int tree_children(sc_store *s, const oidset *ids, oidset *out, sc_err *err)
{
	for (size_t i = 0; i < ids->n; i++) {
		int type;
		uint64_t size;
		int rc = sc_store_stat(s, &ids->v[i], &type, &size, err);
		if (rc == SC_ENOTFOUND)
			continue; /* neither recorded nor present: no children to keep */
		if (rc)
			return rc;
		if (type != SC_OBJ_TREE)
			continue;
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		sc_tree_entry *ent = NULL;
		size_t n = 0;
		rc = sc_store_read(s, &ids->v[i], &b, err);
		if (!rc)
			rc = sc_tree_parse(&ent, &n, b.s, b.len, err);
		for (size_t k = 0; !rc && k < n; k++)
			set_add(out, &ent[k].oid, 0, 0);
		sc_tree_free(ent, n);
		sc_buf_free(&b);
		if (rc) {
			char hex[SC_OID_HEXLEN + 1];
			sc_oid_hex(&ids->v[i], hex);
			return sc_errprefix(err, "cannot read tree %.12s (sceval fsck)", hex);
		}
	}
	return 0;
}

/* Extend live (the roots) with everything reachable through trees: expand
 * a frontier of newly reached ids until it is empty. Leaves live sorted. */
static int close_trees(sc_store *s, oidset *live, sc_err *err)
{
	sort_unique(live);
	oidset frontier = { 0 };
	for (size_t i = 0; i < live->n; i++)
		set_add(&frontier, &live->v[i], 0, 0);
	int rc = 0;
	while (frontier.n && !rc) {
		oidset next = { 0 }, fresh = { 0 };
		rc = tree_children(s, &frontier, &next, err);
		sort_unique(&next);
		for (size_t i = 0; i < next.n; i++)
			if (set_find(live, &next.v[i]) < 0)
				set_add(&fresh, &next.v[i], 0, 0);
		for (size_t i = 0; i < fresh.n; i++)
			set_add(live, &fresh.v[i], 0, 0);
		sort_unique(live);
		set_free(&next);
		set_free(&frontier);
		frontier = fresh;
	}
	set_free(&frontier);
	return rc;
}

typedef struct gc_ctx {
	oidset live;
	oidset dead;
	uint64_t dead_bytes;
} gc_ctx;

static int gc_visit(void *ctx, const sc_oid *id, const char *path, const struct stat *st)
{
	gc_ctx *g = ctx;
	(void)path;
	if (set_find(&g->live, id) < 0) {
		set_add(&g->dead, id, (uint64_t)st->st_size, 0);
		g->dead_bytes += (uint64_t)st->st_size;
	}
	return 0;
}

static void gc_stray(void *ctx, const char *path)
{
	(void)ctx;
	(void)path;
}

int sc_store_gc(sc_store *s, int dry_run, sc_gc_cb cb, void *ctx, sc_gc_report *r, sc_err *err)
{
	memset(r, 0, sizeof(*r));
	int rc = sc_store_lock(s, 1, 0, err);
	if (rc)
		return rc;
	gc_ctx g;
	memset(&g, 0, sizeof(g));
	if ((rc = sc_catalog_roots(s, mark_live, &g.live, err)))
		goto out;
	/* Nothing is deleted unless the live set was read completely. */
	if ((rc = close_trees(s, &g.live, err)) ||
	    (rc = walk_objects(s, gc_visit, gc_stray, &g, err)))
		goto out;
	r->kept = 0;
	r->removed = g.dead.n;
	r->removed_bytes = g.dead_bytes;
	for (size_t i = 0; i < g.dead.n; i++) {
		char hex[SC_OID_HEXLEN + 1];
		sc_oid_hex(&g.dead.v[i], hex);
		if (cb)
			cb(ctx, hex, g.dead.size[i]);
	}
	if (!dry_run && g.dead.n) {
		/* Catalog rows first: a crash after this leaves unrecorded files
		 * (harmless, removed next time), never rows without files. */
		sqlite3 *db = sc_store_db(s);
		if ((rc = sc_db_begin(db, err)))
			goto out;
		sqlite3_stmt *d1 = NULL, *d2 = NULL;
		if ((rc = sc_db_prepare(db, &d1, "DELETE FROM objects WHERE id = ?", err)) ||
		    (rc = sc_db_prepare(db, &d2, "DELETE FROM stat_cache WHERE object = ?", err))) {
			sqlite3_finalize(d1);
			sc_db_rollback(db);
			goto out;
		}
		for (size_t i = 0; i < g.dead.n && !rc; i++) {
			char id[SC_OID_IDLEN];
			sc_oid_id(&g.dead.v[i], id);
			sqlite3_bind_text(d1, 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(d2, 1, id, -1, SQLITE_TRANSIENT);
			rc = sc_db_done(db, d1, err, "cannot remove an object record");
			if (!rc)
				rc = sc_db_done(db, d2, err, "cannot update the stat cache");
			sqlite3_reset(d1);
			sqlite3_reset(d2);
		}
		sqlite3_finalize(d1);
		sqlite3_finalize(d2);
		if (rc) {
			sc_db_rollback(db);
			goto out;
		}
		if ((rc = sc_db_commit(db, err)))
			goto out;
		for (size_t i = 0; i < g.dead.n; i++) {
			char *p = sc_store_object_path(s, &g.dead.v[i]);
			if (unlink(p) < 0 && errno != ENOENT && !rc)
				rc = sc_errsys(err, errno, "cannot remove '%s'", p);
			free(p);
		}
	}
	/* Temporary files and scratch folders (step-*, import-* are folders):
	 * no writer runs while we hold the lock exclusively; one whose owner
	 * still runs is left all the same. Only what was removed is counted. */
	char *tmp = sc_path_join(sc_store_root(s), "tmp");
	size_t nt;
	sc_err e2;
	char **t = sorted_dir(tmp, &nt, &e2);
	if (t) {
		for (size_t i = 0; i < nt; i++) {
			char *p = sc_path_join(tmp, t[i]);
			if (!sc_store_tmp_in_use(p, t[i]) && (dry_run || !sc_rm_rf(p, &e2)))
				r->temps++;
			free(p);
		}
		free_names(t, nt);
	}
	free(tmp);
	/* Step lock files: no run holds one while gc has the store exclusively. */
	char *locks = sc_path_join(sc_store_root(s), "locks");
	size_t nl;
	char **lk = sorted_dir(locks, &nl, &e2);
	if (lk) {
		for (size_t i = 0; i < nl && !dry_run; i++) {
			char *p = sc_path_join(locks, lk[i]);
			unlink(p);
			free(p);
		}
		free_names(lk, nl);
	}
	free(locks);
	r->kept = g.live.n;
out:
	set_free(&g.live);
	set_free(&g.dead);
	return rc;
}
