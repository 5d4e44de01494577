/*
 * tree.c - tree manifests (a directory's canonical listing) and checkout:
 * materialising an object or a tree at a path, read-only, by reflink or
 * copy. Never by hard link: the path would share the object's inode, and
 * whoever edits it (root, or after a chmod) would corrupt the store.
 */
#include "store.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

void sc_tree_free(sc_tree_entry *e, size_t n)
{
	if (!e)
		return;
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

int sc_tree_parse(sc_tree_entry **out, size_t *nout, const char *p, size_t len, sc_err *err)
{
	static const char magic[] = "sceval-tree 1\n";
	*out = NULL;
	*nout = 0;
	if (len < sizeof(magic) - 1 || memcmp(p, magic, sizeof(magic) - 1))
		return sc_errf(err, SC_ECORRUPT, "not a tree object");
	const char *c = p + sizeof(magic) - 1, *end = p + len;
	sc_tree_entry *v = NULL;
	size_t n = 0, cap = 0;
	while (c < end) {
		const char *nl = memchr(c, '\n', (size_t)(end - c));
		if (!nl)
			goto bad;
		char line[8192];
		size_t ll = (size_t)(nl - c);
		if (ll >= sizeof(line))
			goto bad;
		memcpy(line, c, ll);
		line[ll] = 0;
		unsigned mode;
		char type[8], id[80];
		unsigned long long size;
		int off = 0;
		if (sscanf(line, "%o %7s %79s %llu %n", &mode, type, id, &size, &off) != 4 || !off ||
		    !line[off])
			goto bad;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = sc_xrealloc(v, cap * sizeof(*v));
		}
		sc_tree_entry *e = &v[n];
		e->mode = mode;
		e->type = !strcmp(type, "blob") ? SC_OBJ_BLOB
			  : !strcmp(type, "tree") ? SC_OBJ_TREE
			  : !strcmp(type, "link") ? 2 : -1;
		e->size = size;
		if (e->type < 0 || sc_oid_parse(&e->oid, id) || strchr(line + off, '/') ||
		    !strcmp(line + off, ".") || !strcmp(line + off, ".."))
			goto bad;
		e->name = sc_xstrdup(line + off);
		n++;
		c = nl + 1;
	}
	*out = v;
	*nout = n;
	return 0;
bad:
	sc_tree_free(v, n);
	return sc_errf(err, SC_ECORRUPT, "malformed tree object");
}

static int copy_fd(int in, int out)
{
	/* Reflink first (btrfs, xfs): shares blocks, copy-on-write; then an
	 * in-kernel copy; then read and write. */
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	for (;;) {
		ssize_t r = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (r == 0)
			return 0;
	}
	if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
		return -1;
	/* Nothing was copied yet where these are returned: start over. */
	if (lseek(in, 0, SEEK_SET) < 0 || lseek(out, 0, SEEK_SET) < 0 || ftruncate(out, 0) < 0)
		return -1;
	char buf[1 << 16];
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		if (sc_write_full(out, buf, (size_t)r) < 0)
			return -1;
	}
}

/* An independent copy of the object at dest, read-only with the object's
 * read bits (and the matching execute bits for executables). */
static int checkout_blob(sc_store *s, const sc_oid *id, const char *dest, unsigned mode,
			 sc_err *err)
{
	char *src = sc_store_object_path(s, id);
	int rc = 0;
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		rc = errno == ENOENT ? sc_errf(err, SC_ENOTFOUND, "object for '%s' is missing", dest)
				     : sc_errsys(err, errno, "cannot read '%s'", src);
		goto out;
	}
	int o = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (o < 0) {
		rc = errno == EEXIST ? sc_errf(err, SC_EEXISTS, "'%s' already exists", dest)
				     : sc_errsys(err, errno, "cannot create '%s'", dest);
		close(in);
		goto out;
	}
	if (copy_fd(in, o) < 0 || fsync(o) < 0) {
		rc = sc_errsys(err, errno, "cannot write '%s'", dest);
		close(in);
		close(o);
		unlink(dest);
		goto out;
	}
	/* No wider than the object: its read bits follow its source's. */
	struct stat sb;
	unsigned r = fstat(in, &sb) == 0 ? (unsigned)sb.st_mode & 0444 : 0400;
	fchmod(o, (mode & 0111) ? r | (r >> 2) : r);
	close(in);
	if (close(o) < 0) {
		rc = sc_errsys(err, errno, "cannot write '%s'", dest);
		unlink(dest);
	}
out:
	free(src);
	return rc;
}

static int checkout_tree(sc_store *s, const sc_oid *id, const char *dest, sc_err *err)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_tree_entry *e = NULL;
	size_t n = 0;
	int rc = sc_store_read(s, id, &b, err);
	if (!rc)
		rc = sc_tree_parse(&e, &n, b.s, b.len, err);
	if (rc)
		goto out;
	if (mkdir(dest, 0755) < 0) {
		rc = errno == EEXIST ? sc_errf(err, SC_EEXISTS, "'%s' already exists", dest)
				     : sc_errsys(err, errno, "cannot create directory '%s'", dest);
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		char *p = sc_path_join(dest, e[i].name);
		if (e[i].type == SC_OBJ_TREE) {
			rc = checkout_tree(s, &e[i].oid, p, err);
		} else if (e[i].type == 2) {
			sc_buf t = SC_BUF_INIT;
			sc_buf_init(&t);
			rc = sc_store_read(s, &e[i].oid, &t, err);
			if (!rc && symlink(t.s, p) < 0)
				rc = sc_errsys(err, errno, "cannot create link '%s'", p);
			sc_buf_free(&t);
		} else {
			rc = checkout_blob(s, &e[i].oid, p, e[i].mode, err);
		}
		free(p);
	}
	if (!rc)
		chmod(dest, 0555);
out:
	sc_tree_free(e, n);
	sc_buf_free(&b);
	return rc;
}

int sc_store_checkout(sc_store *s, const sc_oid *id, const char *dest, sc_err *err)
{
	if (sc_path_exists(dest))
		return sc_errf(err, SC_EEXISTS, "'%s' already exists", dest);
	int type;
	uint64_t size;
	int rc = sc_store_stat(s, id, &type, &size, err);
	if (rc)
		return rc;
	if (type == SC_OBJ_TREE) {
		rc = checkout_tree(s, id, dest, err);
		if (rc) {
			sc_err e2;
			if (sc_rm_rf(dest, &e2)) {
				/* best effort: the first error is the one to report */
			}
		}
		return rc;
	}
	return checkout_blob(s, id, dest, 0644, err);
}
