/*
 * fs.c - POSIX file helpers: full reads and writes, durable atomic writes,
 * recursive mkdir and removal. Every store and runner write goes through
 * these so that EINTR, short writes and fsync are handled in one place.
 */
#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int sc_write_full(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t sc_read_full(int fd, void *p, size_t n)
{
	char *c = p;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, c + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

ssize_t sc_pread_full(int fd, void *p, size_t n, off_t off)
{
	char *c = p;
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, c + got, n - got, off + (off_t)got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int sc_fsync_dir(const char *dir, sc_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sc_errsys(err, errno, "cannot open directory '%s'", dir);
	if (fsync(fd) < 0 && errno != EINVAL) {
		int e = errno;
		close(fd);
		return sc_errsys(err, e, "cannot sync directory '%s'", dir);
	}
	close(fd);
	return 0;
}

int sc_mkdir_p(const char *path, unsigned mode, sc_err *err)
{
	char *p = sc_xstrdup(path);
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = 0;
	for (char *s = p + 1;; s++) {
		int end = *s == 0;
		if (*s == '/' || end) {
			*s = 0;
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				int e = errno;
				int rc = sc_errsys(err, e, "cannot create directory '%s'", p);
				free(p);
				return rc;
			}
			if (end)
				break;
			*s = '/';
		}
	}
	struct stat st;
	int rc = 0;
	if (stat(path, &st) < 0)
		rc = sc_errsys(err, errno, "cannot create directory '%s'", path);
	else if (!S_ISDIR(st.st_mode))
		rc = sc_errf(err, SC_EEXISTS, "'%s' exists and is not a directory", path);
	free(p);
	return rc;
}

int sc_rm_rf(const char *path, sc_err *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : sc_errsys(err, errno, "cannot stat '%s'", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return sc_errsys(err, errno, "cannot remove '%s'", path);
		return 0;
	}
	if ((st.st_mode & 0700) != 0700)
		chmod(path, st.st_mode | 0700);
	DIR *d = opendir(path);
	if (!d)
		return sc_errsys(err, errno, "cannot open directory '%s'", path);
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *c = sc_path_join(path, de->d_name);
		rc = sc_rm_rf(c, err);
		free(c);
		if (rc)
			break;
	}
	closedir(d);
	if (!rc && rmdir(path) < 0 && errno != ENOENT)
		rc = sc_errsys(err, errno, "cannot remove directory '%s'", path);
	return rc;
}

int sc_check_file(const char *path, int dir_ok, sc_err *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return sc_errsys(err, errno, "cannot open '%s'", path);
	if (S_ISREG(st.st_mode) || (dir_ok && S_ISDIR(st.st_mode)))
		return 0;
	return sc_errf(err, SC_EINVAL, "'%s' is not a regular file%s", path,
		       S_ISFIFO(st.st_mode)  ? " (a FIFO)"
		       : S_ISDIR(st.st_mode) ? " (a directory)"
		       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? " (a device)"
		       : S_ISSOCK(st.st_mode) ? " (a socket)"
					      : "");
}

int sc_read_file(sc_buf *b, const char *path, sc_err *err)
{
	/* Non-blocking: a FIFO must not hang us; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return sc_errsys(err, errno, "cannot open '%s'", path);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sc_check_file(path, 0, err) ? err->code
						    : sc_errf(err, SC_EINVAL, "'%s' is not a regular file",
							      path);
	}
	char tmp[65536];
	for (;;) {
		ssize_t r = read(fd, tmp, sizeof(tmp));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return sc_errsys(err, e, "cannot read '%s'", path);
		}
		if (r == 0)
			break;
		sc_buf_add(b, tmp, (size_t)r);
	}
	close(fd);
	return 0;
}

int sc_write_file_atomic(const char *path, const void *p, size_t n, unsigned mode, sc_err *err)
{
	char *dir = sc_path_dirname(path);
	char *tmp = sc_xasprintf("%s/.tmp-%ld-XXXXXX", dir, (long)getpid());
	int rc = 0;
	int fd = mkstemp(tmp);
	if (fd < 0) {
		rc = sc_errsys(err, errno, "cannot create a temporary file in '%s'", dir);
		goto out;
	}
	if (sc_write_full(fd, p, n) < 0 || fsync(fd) < 0) {
		rc = sc_errsys(err, errno, "cannot write '%s'", path);
		close(fd);
		unlink(tmp);
		goto out;
	}
	fchmod(fd, mode);
	if (close(fd) < 0) {
		rc = sc_errsys(err, errno, "cannot write '%s'", path);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		rc = sc_errsys(err, errno, "cannot rename into '%s'", path);
		unlink(tmp);
		goto out;
	}
	rc = sc_fsync_dir(dir, err);
out:
	free(tmp);
	free(dir);
	return rc;
}

static int out_check(const char *path, int force, sc_err *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : sc_errsys(err, errno, "cannot check '%s'", path);
	if (!S_ISREG(st.st_mode))
		return sc_errf(err, SC_EEXISTS, "'%s' exists and is not a regular file: not replacing it",
			       path);
	if (!force)
		return sc_errf(err, SC_EEXISTS, "'%s' already exists (--force replaces it)", path);
	return 0;
}

int sc_out_begin(const char *path, int force, char **tmp, sc_err *err)
{
	*tmp = NULL;
	int rc = out_check(path, force, err);
	if (rc)
		return rc;
	char *dir = sc_path_dirname(path);
	*tmp = sc_xasprintf("%s/.%s.tmp-%ld-XXXXXX", dir, sc_path_basename(path), (long)getpid());
	int fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = sc_errsys(err, errno, "cannot create a temporary file in '%s'", dir);
		free(*tmp);
		*tmp = NULL;
	}
	free(dir);
	return fd < 0 ? rc : fd;
}

void sc_out_abort(int fd, const char *tmp)
{
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
}

int sc_out_commit(int fd, const char *tmp, const char *path, int force, sc_err *err)
{
	mode_t mask = umask(0);
	umask(mask);
	int rc = 0;
	if (fchmod(fd, 0666 & ~mask) < 0 || fsync(fd) < 0)
		rc = sc_errsys(err, errno, "cannot write '%s'", path);
	if (close(fd) < 0 && !rc)
		rc = sc_errsys(err, errno, "cannot write '%s'", path);
	/* Again: the path may have appeared while we wrote. */
	if (!rc)
		rc = out_check(path, force, err);
	if (!rc && rename(tmp, path) < 0)
		rc = sc_errsys(err, errno, "cannot rename into '%s'", path);
	if (rc) {
		unlink(tmp);
		return rc;
	}
	char *dir = sc_path_dirname(path);
	rc = sc_fsync_dir(dir, err);
	/* The file is complete but its name may not survive a crash: a failed
	 * command leaves nothing behind, so that running it again works. */
	if (rc)
		unlink(path);
	free(dir);
	return rc;
}

char *sc_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (la == 1 && a[0] == '/')
		return sc_xasprintf("/%s", b);
	return sc_xasprintf("%.*s/%s", (int)la, a, b);
}

char *sc_path_dirname(const char *p)
{
	const char *s = strrchr(p, '/');
	if (!s)
		return sc_xstrdup(".");
	if (s == p)
		return sc_xstrdup("/");
	return sc_xstrndup(p, (size_t)(s - p));
}

const char *sc_path_basename(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

char *sc_realpath(const char *p, sc_err *err)
{
	char *r = realpath(p, NULL);
	if (!r)
		sc_errsys(err, errno, "cannot resolve '%s'", p);
	return r;
}

int sc_path_exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

int sc_is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int64_t sc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double sc_mono_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
