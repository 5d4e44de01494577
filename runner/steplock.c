/*
 * steplock.c - per-step locks by atomic creation in the store (see
 * steplock.h for the contract). A lock is taken for each step a run
 * computes, so the cost is a few metadata operations per step; nothing
 * here is on the path of a cached step.
 *
 * Taking: write the owner record to a file of a name unique to this
 * process, link(2) it to locks/<key>.lock, unlink the unique name. link
 * either creates the lock or fails with EEXIST; on NFS a lost reply can
 * make a successful link report an error, so the unique file's link count
 * (2 when the link exists) decides.
 *
 * Breaking a stale lock: rename it to a unique name (only one breaker's
 * rename succeeds), then take the lock afresh. A breaker that renamed a
 * lock other than the one it judged stale (taken by someone else in
 * between) puts it back.
 */
#include "steplock.h"
#include "util/fs.h"
#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *lock_path(sc_store *s, const char *key)
{
	return sc_xasprintf("%s/locks/%s.lock", sc_store_root(s), key);
}

static void host_name(char *h, size_t n)
{
	if (gethostname(h, n - 1) < 0)
		snprintf(h, n, "unknown");
	h[n - 1] = 0;
}

/* A unique name beside the lock: host, pid and a counter. */
static char *unique_path(sc_store *s, const char *key, const char *what)
{
	static unsigned counter;
	char host[256];
	host_name(host, sizeof(host));
	return sc_xasprintf("%s/locks/%s.%s.%s.%ld.%u", sc_store_root(s), key, what, host,
			    (long)getpid(), counter++);
}

/* 1 when the lock at path is stale, 0 when it is held, -1 when it is gone
 * (or unreadable: then someone is replacing it). *ino is the file judged. */
static int lock_stale(const char *path, ino_t *ino)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat sb;
	char buf[512] = "";
	ssize_t n = fstat(fd, &sb) == 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	*ino = sb.st_ino;
	char host[256], me[256];
	long pid = 0;
	long long since = 0;
	if (sscanf(buf, "%255s %ld %lld", host, &pid, &since) != 3)
		return 1; /* not a lock this code wrote whole: a crash mid-write */
	host_name(me, sizeof(me));
	if (!strcmp(host, me))
		return !sc_pid_alive_since((pid_t)pid, since);
	/* Another host: judge by age. The lock's mtime is the file server's
	 * clock; so is a file we touch now, so clocks of nodes do not matter. */
	return difftime(time(NULL), sb.st_mtime) > SC_STEPLOCK_STALE_S;
}

static int try_link(const char *tmp, const char *path, int *got, sc_err *err)
{
	*got = 0;
	if (link(tmp, path) == 0) {
		*got = 1;
		return 0;
	}
	int e = errno;
	struct stat sb;
	if (stat(tmp, &sb) == 0 && sb.st_nlink == 2) {
		*got = 1;
		return 0;
	}
	if (e == EEXIST)
		return 0;
	return sc_errsys(err, e, "cannot create step lock '%s'", path);
}

static void break_stale(sc_store *s, const char *key, const char *path, ino_t judged)
{
	char *aside = unique_path(s, key, "stale");
	if (rename(path, aside) == 0) {
		struct stat sb;
		if (stat(aside, &sb) == 0 && sb.st_ino != judged) {
			/* Someone took the lock between our look and our rename:
			 * give it back (link fails only if yet another took it). */
			if (link(aside, path) < 0) {
				/* nothing more to do: the newest holder keeps it */
			}
		}
		unlink(aside);
	}
	free(aside);
}

int sc_steplock_take(sc_store *s, const char *key, int *got, sc_err *err)
{
	*got = 0;
	char *path = lock_path(s, key), *tmp = unique_path(s, key, "new");
	char host[256], rec[512];
	host_name(host, sizeof(host));
	int n = snprintf(rec, sizeof(rec), "%s %ld %lld\n", host, (long)getpid(),
			 (long long)sc_now_ns());
	int rc = sc_write_file_atomic(tmp, rec, (size_t)n, 0644, err);
	for (int attempt = 0; !rc && attempt < 3; attempt++) {
		if ((rc = try_link(tmp, path, got, err)) || *got)
			break;
		ino_t ino = 0;
		int st = lock_stale(path, &ino);
		if (st == 0)
			break;
		if (st == 1)
			break_stale(s, key, path, ino);
	}
	unlink(tmp);
	free(tmp);
	free(path);
	return rc;
}

void sc_steplock_release(sc_store *s, const char *key)
{
	/* Only our own: a lock broken as stale may since be someone else's. */
	char *path = lock_path(s, key);
	char buf[512] = "", host[256], me[256];
	long pid = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	host_name(me, sizeof(me));
	if (sscanf(buf, "%255s %ld", host, &pid) == 2 && !strcmp(host, me) && pid == (long)getpid())
		unlink(path);
	free(path);
}

void sc_steplock_refresh(sc_store *s, const char *key)
{
	char *path = lock_path(s, key);
	if (utimensat(AT_FDCWD, path, NULL, 0) < 0) {
		/* a lock gone from under us is found when the step is recorded */
	}
	free(path);
}
