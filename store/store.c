/*
 * store.c - opening stores, writing objects durably, and recording them.
 *
 * Built for files from a few bytes to hundreds of GiB: memory stays at two
 * 4 MiB buffers whatever the size. A new file is read once; each chunk is
 * hashed on a second thread while it is written to an unnamed temporary
 * file, which is fsynced and linked into place. An unchanged file (same device, inode, size, mtime and
 * ctime as when last hashed) is not read at all: the stat cache gives its
 * hash.
 */
#include "store.h"
#include "store/db.h"
#include "util/fs.h"
#include "util/proc.h"
#include "util/progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (4u << 20)
#define PIPELINE_MIN (16u << 20)

struct sc_store {
	char *top, *root, *objects, *tmp;
	sqlite3 *db;
	int lock_fd;
	unsigned umask; /* the process's, read once: objects never exceed it */
	char host[256];
};

const char *sc_store_root(const sc_store *s) { return s->root; }
const char *sc_store_top(const sc_store *s) { return s->top; }
sqlite3 *sc_store_db(sc_store *s) { return s->db; }

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* ---- opening ---------------------------------------------------------- */

static int make_layout(const char *root, sc_err *err)
{
	static const char *sub[] = { "objects", "tmp", "locks" };
	if (sc_mkdir_p(root, 0755, err))
		return SC_ERR;
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		char *p = sc_path_join(root, sub[i]);
		int rc = sc_mkdir_p(p, 0755, err);
		free(p);
		if (rc)
			return rc;
	}
	return 0;
}

int sc_store_init(const char *dir, int *created, sc_err *err)
{
	int rc;
	if (sc_mkdir_p(dir, 0755, err))
		return SC_ERR;
	char *root = sc_path_join(dir, ".sceval");
	char *cat = sc_path_join(root, "catalog.db");
	*created = !sc_path_exists(cat);
	sqlite3 *db = NULL;
	if ((rc = make_layout(root, err)))
		goto out;
	if ((rc = sc_catalog_open(&db, cat, 1, err)))
		goto out;
	char *parent = sc_path_dirname(root);
	rc = sc_fsync_dir(root, err);
	if (!rc)
		rc = sc_fsync_dir(parent, err);
	free(parent);
out:
	sc_catalog_close(db);
	free(cat);
	free(root);
	return rc;
}

static char *find_root(const char *dir, sc_err *err)
{
	if (dir) {
		char *abs = sc_realpath(dir, err);
		if (!abs) {
			sc_errf(err, SC_ENOTFOUND, "no sceval store at '%s'", dir);
			return NULL;
		}
		char *cand = sc_path_join(abs, ".sceval");
		char *cat = sc_path_join(cand, "catalog.db");
		if (sc_path_exists(cat)) {
			free(cat);
			free(abs);
			return cand;
		}
		free(cat);
		free(cand);
		cat = sc_path_join(abs, "catalog.db");
		if (!strcmp(sc_path_basename(abs), ".sceval") && sc_path_exists(cat)) {
			free(cat);
			return abs;
		}
		free(cat);
		sc_errf(err, SC_ENOTFOUND, "no sceval store at '%s' (run 'sceval init %s')", dir,
			dir);
		free(abs);
		return NULL;
	}
	char *cwd = getcwd(NULL, 0);
	if (!cwd) {
		sc_errsys(err, errno, "cannot get the working directory");
		return NULL;
	}
	for (;;) {
		char *cand = sc_path_join(cwd, ".sceval");
		char *cat = sc_path_join(cand, "catalog.db");
		int ok = sc_path_exists(cat);
		free(cat);
		if (ok) {
			free(cwd);
			return cand;
		}
		free(cand);
		if (!strcmp(cwd, "/"))
			break;
		char *up = sc_path_dirname(cwd);
		free(cwd);
		cwd = up;
	}
	free(cwd);
	sc_errf(err, SC_ENOTFOUND,
		"not in a sceval store (no .sceval here or in any parent); run 'sceval init' "
		"or use --store DIR");
	return NULL;
}

int sc_store_open(sc_store **out, const char *dir, sc_err *err)
{
	if (!dir) {
		const char *env = getenv("SCEVAL_DIR");
		if (env && *env)
			dir = env;
	}
	char *root = find_root(dir, err);
	if (!root)
		return err ? err->code : SC_ENOTFOUND;
	sc_store *s = sc_xcalloc(1, sizeof(*s));
	s->lock_fd = -1;
	s->root = root;
	s->top = sc_path_dirname(root);
	s->objects = sc_path_join(root, "objects");
	s->tmp = sc_path_join(root, "tmp");
	mode_t m = umask(0);
	umask(m);
	s->umask = (unsigned)m;
	if (gethostname(s->host, sizeof(s->host) - 1) < 0)
		strcpy(s->host, "unknown");
	char *cat = sc_path_join(root, "catalog.db");
	int rc = make_layout(root, err);
	if (!rc)
		rc = sc_catalog_open(&s->db, cat, 0, err);
	free(cat);
	if (rc) {
		sc_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void sc_store_free(sc_store *s)
{
	if (!s)
		return;
	sc_catalog_close(s->db);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->top);
	free(s->root);
	free(s->objects);
	free(s->tmp);
	free(s);
}

int sc_store_lock(sc_store *s, int exclusive, int wait, sc_err *err)
{
	if (s->lock_fd < 0) {
		char *p = sc_path_join(s->root, "lock");
		s->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (s->lock_fd < 0) {
			int rc = sc_errsys(err, errno, "cannot open the store lock '%s'", p);
			free(p);
			return rc;
		}
		free(p);
	}
	int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
	while (flock(s->lock_fd, op) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return sc_errf(err, SC_EBUSY, "the store is in use by another sceval process");
		return sc_errsys(err, errno, "cannot lock the store");
	}
	return 0;
}

/* ---- temporary files of dead processes --------------------------------- */

long sc_store_tmp_owner(const char *name)
{
	const char *p = NULL;
	if (!strncmp(name, "obj-", 4) || !strncmp(name, "import-", 7))
		p = strchr(name, '-') + 1;
	else if (!strncmp(name, "step-", 5)) {
		p = strchr(name + 5, '-');
		p = p ? p + 1 : NULL;
	}
	if (!p || *p < '0' || *p > '9')
		return -1;
	return strtol(p, NULL, 10);
}

void sc_store_clean_tmp(sc_store *s)
{
	DIR *d = opendir(s->tmp);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		long pid = sc_store_tmp_owner(de->d_name);
		char *p = sc_path_join(s->tmp, de->d_name);
		struct stat st;
		if (pid <= 0 || lstat(p, &st) < 0 ||
		    sc_pid_alive_since((pid_t)pid, ts_ns(&st.st_mtim))) {
			free(p);
			continue;
		}
		sc_err e;
		if (sc_rm_rf(p, &e)) {
			/* fsck will report it; gc removes it */
		}
		free(p);
	}
	closedir(d);
}

/* ---- object files ----------------------------------------------------- */

char *sc_store_object_path(const sc_store *s, const sc_oid *id)
{
	char hex[SC_OID_HEXLEN + 1];
	sc_oid_hex(id, hex);
	return sc_xasprintf("%s/%.2s/%s", s->objects, hex, hex + 2);
}

int sc_store_has(const sc_store *s, const sc_oid *id)
{
	char *p = sc_store_object_path(s, id);
	int ok = access(p, F_OK) == 0;
	free(p);
	return ok;
}

/* A temporary file for a new object: unnamed where the filesystem allows
 * (so a killed process leaves nothing behind), else named in tmp/. */
typedef struct tmpobj {
	int fd;
	char *name;    /* NULL for O_TMPFILE */
	unsigned mode; /* the object's mode once placed */
} tmpobj;

/* An object is read-only, and readable by group and others only where its
 * source was: adding /etc/shadow (0640) must not make a world-readable
 * object. src_mode 0: no source file (generated bytes, imports). */
static unsigned object_mode(const sc_store *s, unsigned src_mode)
{
	unsigned m = src_mode ? 0400 | (src_mode & 0044) : 0444;
	return m & ~s->umask;
}

static int tmp_open(sc_store *s, tmpobj *t, sc_err *err)
{
	t->name = NULL;
	t->fd = open(s->objects, O_TMPFILE | O_RDWR | O_CLOEXEC, 0444);
	if (t->fd >= 0)
		return 0;
	t->name = sc_xasprintf("%s/obj-%ld-XXXXXX", s->tmp, (long)getpid());
	t->fd = mkostemp(t->name, O_CLOEXEC);
	if (t->fd < 0) {
		int rc = sc_errsys(err, errno, "cannot create a temporary file in '%s'", s->tmp);
		free(t->name);
		t->name = NULL;
		return rc;
	}
	return 0;
}

static void tmp_discard(tmpobj *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->name)
		unlink(t->name);
	free(t->name);
	t->fd = -1;
	t->name = NULL;
}

/* Give the verified temporary file its final name. An object already there
 * is success: content addressing makes it the same bytes. */
static int tmp_place(sc_store *s, tmpobj *t, const sc_oid *id, sc_err *err)
{
	char hex[SC_OID_HEXLEN + 1];
	sc_oid_hex(id, hex);
	char *shard = sc_xasprintf("%s/%.2s", s->objects, hex);
	char *dest = sc_xasprintf("%s/%s", shard, hex + 2);
	int rc = 0;
	if (fsync(t->fd) < 0) {
		rc = sc_errsys(err, errno, "cannot write object %s", hex);
		goto out;
	}
	if (access(dest, F_OK) == 0)
		goto out;
	if (mkdir(shard, 0755) == 0) {
		if ((rc = sc_fsync_dir(s->objects, err)))
			goto out;
	} else if (errno != EEXIST) {
		rc = sc_errsys(err, errno, "cannot create directory '%s'", shard);
		goto out;
	}
	int lr;
	if (fchmod(t->fd, t->mode) < 0) {
		rc = sc_errsys(err, errno, "cannot set the mode of object %s", hex);
		goto out;
	}
	if (t->name) {
		lr = link(t->name, dest);
	} else {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
		lr = linkat(AT_FDCWD, proc, AT_FDCWD, dest, AT_SYMLINK_FOLLOW);
	}
	if (lr < 0 && errno != EEXIST) {
		rc = sc_errsys(err, errno, "cannot link object into '%s'", dest);
		goto out;
	}
	rc = sc_fsync_dir(shard, err);
out:
	tmp_discard(t);
	free(dest);
	free(shard);
	return rc;
}

/* The hashing thread of a large copy: hashes each chunk while the caller
 * writes it. Two buffers alternate: the caller reads into one while the
 * other is hashed and written. */
typedef struct hash_worker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const char *chunk; /* the chunk to hash, NULL when idle */
	size_t n;
	int quit;
	sc_hasher *h;
} hash_worker;

static void *hash_main(void *arg)
{
	hash_worker *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->chunk && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->chunk)
			break;
		const char *p = w->chunk;
		size_t n = w->n;
		pthread_mutex_unlock(&w->mu);
		sc_hasher_update(w->h, p, n);
		pthread_mutex_lock(&w->mu);
		w->chunk = NULL;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Waits until the worker has finished its chunk (if it has one). */
static void hash_wait(hash_worker *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->chunk)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

static void hash_post(hash_worker *w, const char *p, size_t n)
{
	pthread_mutex_lock(&w->mu);
	w->chunk = p;
	w->n = n;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Copy src_fd (size bytes expected) into a new object, hashing on the way.
 * The source is read once. Large files are hashed on a second thread while
 * the chunk is written, so a copy costs about the larger of the hash and the
 * write rather than their sum. What was written is not read back: a re-read
 * right after writing returns the page cache, not the disk, so it would cost
 * a second hash and prove nothing about the medium; fsck re-hashes every
 * object from storage. label names the source in messages. */
static int write_stream(sc_store *s, int src_fd, unsigned src_mode, uint64_t expect,
			const char *label, sc_oid *out, uint64_t *size_out, sc_err *err)
{
	tmpobj t = { -1, NULL, object_mode(s, src_mode) };
	int rc = tmp_open(s, &t, err);
	if (rc)
		return rc;
	char *buf[2] = { sc_xmalloc(CHUNK), NULL };
	hash_worker w;
	memset(&w, 0, sizeof(w));
	w.h = sc_hasher_new();
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	pthread_t th;
	int threaded = expect >= PIPELINE_MIN && pthread_create(&th, NULL, hash_main, &w) == 0;
	if (threaded)
		buf[1] = sc_xmalloc(CHUNK);
	if (expect > 0)
		posix_fadvise(src_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	sc_progress pr;
	sc_progress_begin(&pr, label, expect);
	uint64_t total = 0;
	for (unsigned i = 0;; i ^= threaded) {
		ssize_t r = sc_read_full(src_fd, buf[i], CHUNK);
		if (r < 0) {
			rc = sc_errsys(err, errno, "cannot read '%s'", label);
			break;
		}
		if (r == 0)
			break;
		if (threaded) {
			hash_wait(&w); /* the other buffer is hashed: post this one */
			hash_post(&w, buf[i], (size_t)r);
		} else {
			sc_hasher_update(w.h, buf[i], (size_t)r);
		}
		if (sc_write_full(t.fd, buf[i], (size_t)r) < 0) {
			rc = sc_errsys(err, errno, "cannot write object for '%s'", label);
			break;
		}
		total += (uint64_t)r;
		sc_progress_update(&pr, total);
	}
	sc_progress_end(&pr);
	if (threaded) {
		hash_wait(&w);
		pthread_mutex_lock(&w.mu);
		w.quit = 1;
		pthread_cond_broadcast(&w.cv);
		pthread_mutex_unlock(&w.mu);
		pthread_join(th, NULL);
	}
	if (!rc) {
		sc_hasher_final(w.h, out);
		*size_out = total;
		rc = tmp_place(s, &t, out, err);
	}
	tmp_discard(&t);
	pthread_mutex_destroy(&w.mu);
	pthread_cond_destroy(&w.cv);
	sc_hasher_free(w.h);
	free(buf[0]);
	free(buf[1]);
	return rc;
}

int sc_store_adopt(sc_store *s, const char *path, const sc_oid *id, sc_err *err)
{
	tmpobj t = { -1, NULL, object_mode(s, 0) };
	t.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t.fd < 0)
		return sc_errsys(err, errno, "cannot open '%s'", path);
	t.name = sc_xstrdup(path);
	return tmp_place(s, &t, id, err);
}

int sc_store_put_buf(sc_store *s, const void *p, size_t n, sc_oid *out, sc_err *err)
{
	sc_hash_buf(out, p, n);
	if (sc_store_has(s, out))
		return 0;
	tmpobj t = { -1, NULL, object_mode(s, 0) };
	int rc = tmp_open(s, &t, err);
	if (rc)
		return rc;
	if (sc_write_full(t.fd, p, n) < 0) {
		rc = sc_errsys(err, errno, "cannot write object");
		tmp_discard(&t);
		return rc;
	}
	return tmp_place(s, &t, out, err);
}

/* ---- ingest: files, symlinks, directories ------------------------------ */

static sc_ingested *list_push(sc_ingest_list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = sc_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	sc_ingested *e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

void sc_ingest_list_free(sc_ingest_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].source);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cache_lookup(sc_store *s, const struct stat *st, sc_oid *out)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT object FROM stat_cache WHERE dev = ? AND ino = ? AND size = ? "
			       "AND mtime_ns = ? AND ctime_ns = ?",
			       -1, &q, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)st->st_dev);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)st->st_ino);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)st->st_size);
	sqlite3_bind_int64(q, 4, ts_ns(&st->st_mtim));
	sqlite3_bind_int64(q, 5, ts_ns(&st->st_ctim));
	int hit = 0;
	/* Any failure is a miss: the file is then read and hashed in full. */
	if (sqlite3_step(q) == SQLITE_ROW &&
	    sc_oid_parse(out, (const char *)sqlite3_column_text(q, 0)) == 0)
		hit = sc_store_has(s, out);
	sqlite3_finalize(q);
	return hit;
}

static int ingest_file(sc_store *s, const char *path, const char *abs, sc_ingest_list *l,
		       sc_oid *out, uint64_t *size_out, int top, sc_err *err)
{
	/* Non-blocking: the path may have become a FIFO since it was checked. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (top ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return sc_errsys(err, errno, "cannot read '%s'", path);
	struct stat a, b;
	int rc = 0;
	if (fstat(fd, &a) < 0) {
		rc = sc_errsys(err, errno, "cannot stat '%s'", path);
		goto out;
	}
	if (!S_ISREG(a.st_mode)) {
		rc = sc_errf(err, SC_EINVAL, "cannot add '%s': not a regular file", path);
		goto out;
	}
	sc_ingested *e;
	if (cache_lookup(s, &a, out)) {
		e = list_push(l);
		e->size = (uint64_t)a.st_size;
		goto fill;
	}
	/* Racily-clean guard (as git's index): only cache a file whose mtime is
	 * well before we started reading, so a write in the same timestamp tick
	 * after our read cannot hide behind an unchanged mtime. */
	struct timespec start;
	clock_gettime(CLOCK_REALTIME_COARSE, &start);
	uint64_t size = 0;
	if ((rc = write_stream(s, fd, (unsigned)a.st_mode, (uint64_t)a.st_size, path, out, &size,
			       err)))
		goto out;
	if (fstat(fd, &b) < 0) {
		rc = sc_errsys(err, errno, "cannot stat '%s'", path);
		goto out;
	}
	if (b.st_size != a.st_size || ts_ns(&b.st_mtim) != ts_ns(&a.st_mtim) ||
	    size != (uint64_t)a.st_size) {
		rc = sc_errf(err, SC_EINVAL, "'%s' changed while it was being read; add it again",
			     path);
		goto out;
	}
	l->hashed_bytes += size;
	e = list_push(l);
	e->size = size;
	e->cacheable = ts_ns(&a.st_mtim) < ts_ns(&start) - 100000000LL &&
		       ts_ns(&a.st_ctim) < ts_ns(&start) - 100000000LL;
fill:
	e->oid = *out;
	e->type = SC_OBJ_BLOB;
	e->source = abs ? sc_xstrdup(abs) : NULL;
	e->top = top;
	e->dev = (uint64_t)a.st_dev;
	e->ino = (uint64_t)a.st_ino;
	e->st_size = (uint64_t)a.st_size;
	e->mtime_ns = ts_ns(&a.st_mtim);
	e->ctime_ns = ts_ns(&a.st_ctim);
	if (size_out)
		*size_out = e->size;
out:
	close(fd);
	return rc;
}

typedef struct dent {
	char *name;
	struct stat st;
} dent;

static int dent_cmp(const void *x, const void *y)
{
	return strcmp(((const dent *)x)->name, ((const dent *)y)->name);
}

static int ingest_path(sc_store *s, const char *path, sc_ingest_list *l, sc_oid *out,
		       uint64_t *size_out, unsigned *mode_out, int *type_out, int top, sc_err *err);

static int ingest_dir(sc_store *s, const char *path, sc_ingest_list *l, sc_oid *out,
		      uint64_t *size_out, int top, sc_err *err)
{
	DIR *d = opendir(path);
	if (!d)
		return sc_errsys(err, errno, "cannot read directory '%s'", path);
	dent *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strchr(de->d_name, '\n')) {
			rc = sc_errf(err, SC_EINVAL, "'%s/%s': names with a newline cannot be stored",
				     path, de->d_name);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			v = sc_xrealloc(v, cap * sizeof(*v));
		}
		v[n].name = sc_xstrdup(de->d_name);
		n++;
	}
	closedir(d);
	if (rc)
		goto out;
	if (n > 1)
		qsort(v, n, sizeof(*v), dent_cmp);
	sc_buf m = SC_BUF_INIT;
	sc_buf_init(&m);
	sc_buf_puts(&m, "sceval-tree 1\n");
	for (size_t i = 0; i < n && !rc; i++) {
		char *child = sc_path_join(path, v[i].name);
		sc_oid cid;
		uint64_t csize = 0;
		unsigned mode = 0;
		int type = 0;
		rc = ingest_path(s, child, l, &cid, &csize, &mode, &type, 0, err);
		free(child);
		if (rc)
			break;
		char id[SC_OID_IDLEN];
		sc_oid_id(&cid, id);
		static const char *tn[] = { "blob", "tree", "link" };
		sc_buf_printf(&m, "%06o %s %s %llu %s\n", mode, tn[type], id,
			      (unsigned long long)csize, v[i].name);
	}
	if (!rc) {
		rc = sc_store_put_buf(s, m.s, m.len, out, err);
		if (!rc) {
			sc_ingested *e = list_push(l);
			e->oid = *out;
			e->type = SC_OBJ_TREE;
			e->size = m.len;
			e->top = top;
			e->source = top ? sc_realpath(path, NULL) : NULL;
			*size_out = m.len;
		}
	}
	sc_buf_free(&m);
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	return rc;
}

static int ingest_path(sc_store *s, const char *path, sc_ingest_list *l, sc_oid *out,
		       uint64_t *size_out, unsigned *mode_out, int *type_out, int top, sc_err *err)
{
	/* The path the user names is followed like sha256sum follows it; links
	 * inside a directory are stored as links. */
	struct stat st;
	if ((top ? stat(path, &st) : lstat(path, &st)) < 0)
		return sc_errsys(err, errno, "cannot add '%s'", path);
	if (S_ISREG(st.st_mode)) {
		*mode_out = (st.st_mode & 0111) ? 0100755 : 0100644;
		*type_out = 0;
		char *abs = top ? sc_realpath(path, NULL) : NULL;
		int rc = ingest_file(s, path, abs, l, out, size_out, top, err);
		free(abs);
		return rc;
	}
	if (S_ISDIR(st.st_mode)) {
		*mode_out = 040000;
		*type_out = 1;
		return ingest_dir(s, path, l, out, size_out, top, err);
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX + 1];
		ssize_t n = readlink(path, target, PATH_MAX);
		if (n < 0)
			return sc_errsys(err, errno, "cannot read link '%s'", path);
		*mode_out = 0120000;
		*type_out = 2;
		int rc = sc_store_put_buf(s, target, (size_t)n, out, err);
		if (!rc) {
			sc_ingested *e = list_push(l);
			e->oid = *out;
			e->type = SC_OBJ_BLOB;
			e->size = (uint64_t)n;
			e->top = top;
			*size_out = (uint64_t)n;
		}
		return rc;
	}
	return sc_errf(err, SC_EINVAL, "cannot add '%s': not a regular file, directory or symlink",
		       path);
}

int sc_store_ingest(sc_store *s, const char *path, sc_ingest_list *l, sc_oid *out, sc_err *err)
{
	uint64_t size;
	unsigned mode;
	int type;
	return ingest_path(s, path, l, out, &size, &mode, &type, 1, err);
}

/* ---- catalog records --------------------------------------------------- */

int sc_store_note(sc_store *s, const sc_oid *id, int type, uint64_t size, const char *kind,
		  int listed, const char *source, sc_err *err)
{
	char sid[SC_OID_IDLEN];
	sc_oid_id(id, sid);
	int64_t now = sc_now_ns();
	sqlite3_stmt *q = NULL;
	int rc;
	if ((rc = sc_db_prepare(s->db, &q,
				"INSERT INTO objects (id, type, kind, size, listed, added_at) "
				"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
				"listed = max(listed, excluded.listed)",
				err)))
		return rc;
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, type == SC_OBJ_TREE ? "tree" : "blob", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)size);
	sqlite3_bind_int(q, 5, listed ? 1 : 0);
	sqlite3_bind_int64(q, 6, now);
	rc = sc_db_done(s->db, q, err, "cannot record an object");
	sqlite3_finalize(q);
	if (rc || !source)
		return rc;
	if ((rc = sc_db_prepare(s->db, &q,
				"INSERT INTO object_sources (object, path, host, added_at) "
				"VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET added_at = excluded.added_at",
				err)))
		return rc;
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, s->host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 4, now);
	rc = sc_db_done(s->db, q, err, "cannot record an object's source");
	sqlite3_finalize(q);
	return rc;
}

static int cache_store(sc_store *s, const sc_ingested *e, sc_err *err)
{
	char sid[SC_OID_IDLEN];
	sc_oid_id(&e->oid, sid);
	sqlite3_stmt *q;
	int rc = sc_db_prepare(s->db, &q,
			       "INSERT OR REPLACE INTO stat_cache (dev, ino, size, mtime_ns, ctime_ns, "
			       "object) VALUES (?, ?, ?, ?, ?, ?)",
			       err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)e->dev);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)e->ino);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)e->st_size);
	sqlite3_bind_int64(q, 4, e->mtime_ns);
	sqlite3_bind_int64(q, 5, e->ctime_ns);
	sqlite3_bind_text(q, 6, sid, -1, SQLITE_TRANSIENT);
	rc = sc_db_done(s->db, q, err, "cannot update the stat cache");
	sqlite3_finalize(q);
	return rc;
}

static int set_name(sc_store *s, const sc_oid *id, const char *name, int force, sc_err *err)
{
	char sid[SC_OID_IDLEN];
	sc_oid_id(id, sid);
	sqlite3_stmt *q;
	int rc = sc_db_prepare(s->db, &q, "SELECT object FROM names WHERE name = ?", err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
	int r = sc_db_row(s->db, q, err, "cannot read the names");
	if (r < 0) {
		sqlite3_finalize(q);
		return r;
	}
	if (r > 0) {
		const char *cur = (const char *)sqlite3_column_text(q, 0);
		if (strcmp(cur, sid) && !force) {
			rc = sc_errf(err, SC_EEXISTS,
				     "name '%s' already refers to %.19s; use --force to move it", name,
				     sc_oid_hex_of(cur));
			sqlite3_finalize(q);
			return rc;
		}
	}
	sqlite3_finalize(q);
	if ((rc = sc_db_prepare(s->db, &q,
				"INSERT INTO names (name, object, created_at) VALUES (?, ?, ?) "
				"ON CONFLICT (name) DO UPDATE SET object = excluded.object, "
				"created_at = excluded.created_at",
				err)))
		return rc;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, sc_now_ns());
	rc = sc_db_done(s->db, q, err, "cannot record a name");
	sqlite3_finalize(q);
	return rc;
}

int sc_store_valid_name(const char *name, sc_err *err)
{
	size_t n = strlen(name);
	if (!n || n > 200)
		return sc_errf(err, SC_EINVAL, "invalid name '%s': must be 1 to 200 characters", name);
	if (name[0] == '-' || name[0] == '.')
		return sc_errf(err, SC_EINVAL, "invalid name '%s': must not start with '-' or '.'",
			       name);
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-+@/=,", *p)))
			return sc_errf(err, SC_EINVAL,
				       "invalid name '%s': use letters, digits and ._-+@/=,", name);
	if (n >= 6 && sc_is_hex(name))
		return sc_errf(err, SC_EINVAL,
			       "invalid name '%s': it would read as a hash prefix", name);
	return 0;
}

int sc_store_record(sc_store *s, const sc_ingest_list *l, const char *kind, const char *name,
		    int force_name, sc_err *err)
{
	int rc = sc_db_begin(s->db, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < l->n && !rc; i++) {
		const sc_ingested *e = &l->v[i];
		rc = sc_store_note(s, &e->oid, e->type, e->size, kind, e->top, e->source, err);
		if (!rc && e->cacheable)
			rc = cache_store(s, e, err);
		if (!rc && name && e->top)
			rc = set_name(s, &e->oid, name, force_name, err);
	}
	if (rc) {
		sc_db_rollback(s->db);
		return rc;
	}
	return sc_db_commit(s->db, err);
}

int sc_store_put_record(sc_store *s, const void *p, size_t n, const char *kind, sc_oid *out,
			sc_err *err)
{
	int rc = sc_store_put_buf(s, p, n, out, err);
	if (rc)
		return rc;
	int own = sqlite3_get_autocommit(s->db);
	if (own && (rc = sc_db_begin(s->db, err)))
		return rc;
	rc = sc_store_note(s, out, SC_OBJ_BLOB, n, kind, 0, NULL, err);
	if (own) {
		if (rc)
			sc_db_rollback(s->db);
		else
			rc = sc_db_commit(s->db, err);
	}
	return rc;
}

int sc_store_tag(sc_store *s, const sc_oid *id, const char *name, int force, sc_err *err)
{
	int rc = sc_store_valid_name(name, err);
	if (rc)
		return rc;
	char sid[SC_OID_IDLEN];
	sc_oid_id(id, sid);
	if ((rc = sc_db_begin(s->db, err)))
		return rc;
	sqlite3_stmt *q;
	if ((rc = sc_db_prepare(s->db, &q, "SELECT 1 FROM objects WHERE id = ?", err)))
		goto fail;
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_TRANSIENT);
	int known = sc_db_row(s->db, q, err, "cannot read the objects");
	sqlite3_finalize(q);
	if (known < 0) {
		rc = known;
		goto fail;
	}
	if (!known) {
		rc = sc_errf(err, SC_ENOTFOUND, "%.12s is not recorded in the catalog",
			     sc_oid_hex_of(sid));
		goto fail;
	}
	if ((rc = set_name(s, id, name, force, err)))
		goto fail;
	return sc_db_commit(s->db, err);
fail:
	sc_db_rollback(s->db);
	return rc;
}

/* ---- lookup and reading ----------------------------------------------- */

int sc_store_resolve(sc_store *s, const char *ref, sc_oid *out, sc_err *err)
{
	char hex[SC_OID_HEXLEN + 1];
	int nhex = sc_oid_parse_prefix(hex, ref);
	if (nhex == SC_OID_HEXLEN) {
		if (sc_oid_parse(out, hex) == 0 && sc_store_has(s, out))
			return 0;
		return sc_errf(err, SC_ENOTFOUND, "'%s': no such object", ref);
	}
	sqlite3_stmt *q;
	int rc;
	if ((rc = sc_db_prepare(s->db, &q, "SELECT object FROM names WHERE name = ?", err)))
		return rc;
	sqlite3_bind_text(q, 1, ref, -1, SQLITE_TRANSIENT);
	int r = sc_db_row(s->db, q, err, "cannot read the names");
	if (r < 0) {
		sqlite3_finalize(q);
		return r;
	}
	if (r > 0) {
		rc = sc_oid_parse(out, (const char *)sqlite3_column_text(q, 0));
		sqlite3_finalize(q);
		if (rc)
			return sc_errf(err, SC_ECORRUPT, "name '%s' holds a malformed id", ref);
		return 0;
	}
	sqlite3_finalize(q);
	if (nhex < 0)
		return sc_errf(err, SC_ENOTFOUND, "'%s': no such object or name", ref);
	if (nhex < 6)
		return sc_errf(err, SC_ENOTFOUND,
			       "'%s': no such name (a hash prefix needs at least 6 hex digits)", ref);
	char lo[SC_OID_IDLEN + 1], hi[SC_OID_IDLEN + 2];
	snprintf(lo, sizeof(lo), SC_OID_PREFIX "%s", hex);
	snprintf(hi, sizeof(hi), "%sg", lo);
	if ((rc = sc_db_prepare(s->db, &q,
				"SELECT id FROM objects WHERE id >= ? AND id < ? ORDER BY id LIMIT 11",
				err)))
		return rc;
	sqlite3_bind_text(q, 1, lo, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, hi, -1, SQLITE_TRANSIENT);
	sc_buf cands = SC_BUF_INIT;
	sc_buf_init(&cands);
	int n = 0;
	while ((r = sc_db_row(s->db, q, err, "cannot read the objects")) > 0) {
		const char *id = (const char *)sqlite3_column_text(q, 0);
		if (n == 0)
			sc_oid_parse(out, id);
		if (n < 10)
			sc_buf_printf(&cands, "%s%s", n ? ", " : "", sc_oid_hex_of(id));
		n++;
	}
	sqlite3_finalize(q);
	if (r < 0)
		rc = r;
	else if (n == 0)
		rc = sc_errf(err, SC_ENOTFOUND, "'%s': no such object or name", ref);
	else if (n > 1)
		rc = sc_errf(err, SC_EAMBIGUOUS, "'%s' is ambiguous: it matches %s%s%s", ref,
			     n > 10 ? "more than 10 objects: " : "", cands.s, n > 10 ? ", ..." : "");
	sc_buf_free(&cands);
	return rc;
}

int sc_store_open_object(sc_store *s, const sc_oid *id, sc_err *err)
{
	char *p = sc_store_object_path(s, id);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	int rc = fd;
	if (fd < 0) {
		char hex[SC_OID_HEXLEN + 1];
		sc_oid_hex(id, hex);
		rc = errno == ENOENT ? sc_errf(err, SC_ENOTFOUND, "object %.12s is missing", hex)
				     : sc_errsys(err, errno, "cannot open object %.12s", hex);
	}
	free(p);
	return rc;
}

int sc_store_read(sc_store *s, const sc_oid *id, sc_buf *b, sc_err *err)
{
	int fd = sc_store_open_object(s, id, err);
	if (fd < 0)
		return fd;
	char tmp[65536];
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = sc_errsys(err, errno, "cannot read object");
			break;
		}
		if (r == 0)
			break;
		sc_buf_add(b, tmp, (size_t)r);
	}
	close(fd);
	return rc;
}

int sc_store_stat(sc_store *s, const sc_oid *id, int *type, uint64_t *size, sc_err *err)
{
	char sid[SC_OID_IDLEN];
	sc_oid_id(id, sid);
	sqlite3_stmt *q;
	int rc = sc_db_prepare(s->db, &q, "SELECT type, size FROM objects WHERE id = ?", err);
	if (rc)
		return rc;
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_TRANSIENT);
	/* A catalog error is an error, not "unrecorded": gc walks trees by
	 * this type. */
	int r = sc_db_row(s->db, q, err, "cannot read the objects");
	if (r < 0) {
		sqlite3_finalize(q);
		return r;
	}
	if (r > 0) {
		*type = !strcmp((const char *)sqlite3_column_text(q, 0), "tree") ? SC_OBJ_TREE
										 : SC_OBJ_BLOB;
		*size = (uint64_t)sqlite3_column_int64(q, 1);
		sqlite3_finalize(q);
		return 0;
	}
	sqlite3_finalize(q);
	char *p = sc_store_object_path(s, id);
	struct stat st;
	if (stat(p, &st) < 0) {
		free(p);
		return sc_errf(err, SC_ENOTFOUND, "object %.12s is missing", sc_oid_hex_of(sid));
	}
	free(p);
	*size = (uint64_t)st.st_size;
	*type = SC_OBJ_BLOB;
	return 0;
}
