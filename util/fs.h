/*
 * fs.h - small POSIX file helpers with EINTR handling and sc_err reporting.
 * Paths in messages are quoted as given.
 */
#ifndef SC_FS_H
#define SC_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "err.h"
#include "buf.h"

/* Write or read exactly n bytes (retrying on EINTR and short counts).
 * Returns 0, or -1 with errno set. sc_read_full returns bytes read (< n at EOF). */
int sc_write_full(int fd, const void *p, size_t n);
ssize_t sc_read_full(int fd, void *p, size_t n);
ssize_t sc_pread_full(int fd, void *p, size_t n, off_t off);

/* fsync a directory so a rename/link inside it is durable. */
int sc_fsync_dir(const char *dir, sc_err *err) SC_WUR;
/* mkdir -p with the given mode; existing directories are fine. */
int sc_mkdir_p(const char *path, unsigned mode, sc_err *err) SC_WUR;
/* rm -rf; missing path is fine. Makes read-only entries writable first. */
int sc_rm_rf(const char *path, sc_err *err) SC_WUR;
/* 0 when path is a regular file (or, with dir_ok, a directory); else an
 * error naming it and what it is. A FIFO or a device would block or never
 * end where a file is read: data and specs must be regular files. */
int sc_check_file(const char *path, int dir_ok, sc_err *err) SC_WUR;
/* Read a whole (small) regular file into b. */
int sc_read_file(sc_buf *b, const char *path, sc_err *err) SC_WUR;
/* Write a file atomically: temp in the same directory, fsync, rename, fsync dir. */
int sc_write_file_atomic(const char *path, const void *p, size_t n, unsigned mode,
			 sc_err *err) SC_WUR;
/* Writing a file the user named (export -o): sc_out_begin refuses an
 * existing path unless force, and even then anything but a regular file
 * (a symlink, FIFO or device is never written through), and returns an fd
 * on a new temporary file beside it (*tmp, caller frees). sc_out_commit
 * gives it the umask's mode, fsyncs, checks the path again and renames the
 * temporary file over it; on failure the temporary file is removed.
 * sc_out_abort closes and removes it. */
int sc_out_begin(const char *path, int force, char **tmp, sc_err *err);
int sc_out_commit(int fd, const char *tmp, const char *path, int force, sc_err *err) SC_WUR;
void sc_out_abort(int fd, const char *tmp);
/* Join two path parts with exactly one '/'. Caller frees. */
char *sc_path_join(const char *a, const char *b);
/* Directory part of a path (like dirname, but allocates). Caller frees. */
char *sc_path_dirname(const char *p);
const char *sc_path_basename(const char *p);
/* Absolute, symlink-resolved path; NULL with err on failure. Caller frees. */
char *sc_realpath(const char *p, sc_err *err);
int sc_path_exists(const char *p);
int sc_is_dir(const char *p);
/* Nanoseconds since the epoch (CLOCK_REALTIME) and a monotonic clock. */
int64_t sc_now_ns(void);
double sc_mono_sec(void);

#endif
