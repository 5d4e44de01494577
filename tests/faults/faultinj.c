/*
 * faultinj.c - an LD_PRELOAD shim that makes the n-th I/O or allocation call
 * of a process fail, for the failure-injection tests (tests/cli/t06*).
 *
 * SQLite's ioerr tests fail the n-th VFS call for every n; this does the same
 * one level lower, at the C library, so that the calls SQLite, libhdf5,
 * libarchive and libgit2 make on sceval's behalf fail as well as sceval's
 * own. Only calls through the dynamic symbol table are seen: stdio's internal
 * writes are not, which is why fopen, fwrite and fclose are counted too.
 *
 * Environment:
 *   SCEVAL_FAULT_FILE   a file whose first bytes hold the shared state (see
 *                       struct state); created if missing. Without it the
 *                       shim does nothing.
 *   SCEVAL_FAULT_FUNCS  comma-separated names of the calls to count, or the
 *                       classes "io" (every I/O call below) and "malloc"
 *                       (malloc, calloc, realloc) [io]
 *   SCEVAL_FAULT_N      the call (1-based, over all counted calls) that
 *                       fails; 0 only counts [0]
 *   SCEVAL_FAULT_ERRNO  EIO, ENOSPC or ENOMEM [EIO; ENOMEM for allocations]
 *   SCEVAL_FAULT_PERSIST  1: every counted call after the n-th fails too
 *   SCEVAL_FAULT_TRACE  1: write the call stack of the failed call to the
 *                       file named SCEVAL_FAULT_FILE with ".trace" added
 *
 * Counting starts when main() is entered (the calls of the dynamic loader and
 * of library constructors are the same for every command and not sceval's
 * to handle) and the count lives in the mapped file, so a forked step process
 * shares it with its parent and the total survives _exit() and kill. A
 * program that the shim's process executes runs without it: LD_PRELOAD is
 * removed from the environment when main() is entered.
 *
 * Allocations go straight to glibc's __libc_malloc family, and the real I/O
 * functions are looked up with dlsym(RTLD_NEXT) (which itself allocates only
 * through those), so the shim never calls itself.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* The mapped file: read by the test with od (native 64-bit integers). */
struct state {
	uint64_t calls;     /* counted calls so far, all processes together */
	uint64_t fired;     /* the call number that failed (0: none yet) */
	uint64_t failures;  /* how many calls were made to fail */
	char func[40];      /* the name of the first call that failed */
};

enum { F_IO = 1, F_MALLOC = 2 };
static struct state *st;
static int armed;
static uint64_t fail_at;
static int fail_errno = EIO;
static int persist, trace;
static char selected[512] = "io";
static char trace_path[4096];

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static int is_selected(const char *name, int cls)
{
	const char *p = selected;
	size_t n = strlen(name);
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if ((len == n && !memcmp(p, name, n)) ||
		    (len == 2 && !memcmp(p, "io", 2) && cls == F_IO) ||
		    (len == 6 && !memcmp(p, "malloc", 6) && cls == F_MALLOC))
			return 1;
		p += len + (e != NULL);
	}
	return 0;
}

static int (*get_open(void))(const char *, int, ...);

static void write_trace(void)
{
	void *frames[32];
	int n = backtrace(frames, 32);
	int fd = get_open()(trace_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		backtrace_symbols_fd(frames, n, fd);
		close(fd);
	}
}

/* Counts the call; true when it must fail (errno is then set). */
static int should_fail(const char *name, int cls)
{
	if (!armed || !st || !is_selected(name, cls))
		return 0;
	uint64_t k = __atomic_add_fetch(&st->calls, 1, __ATOMIC_SEQ_CST);
	if (fail_at == 0 || k < fail_at || (k > fail_at && !persist))
		return 0;
	if (k == fail_at) {
		st->fired = k;
		strncpy(st->func, name, sizeof(st->func) - 1);
		if (trace)
			write_trace();
	}
	__atomic_add_fetch(&st->failures, 1, __ATOMIC_SEQ_CST);
	errno = cls == F_MALLOC ? ENOMEM : fail_errno;
	return 1;
}

#define REAL(ret, name, ...)                                                  \
	static ret (*real_##name)(__VA_ARGS__);                               \
	static ret (*get_##name(void))(__VA_ARGS__)                           \
	{                                                                     \
		if (!real_##name)                                             \
			*(void **)&real_##name = dlsym(RTLD_NEXT, #name);     \
		return real_##name;                                           \
	}

static void map_state(const char *path)
{
	/* open(2) through the syscall wrapper the loader bound before us is
	 * fine here: the shim is not armed yet. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	struct stat sb;
	if (fstat(fd, &sb) == 0 && (size_t)sb.st_size < sizeof(struct state) &&
	    ftruncate(fd, sizeof(struct state)) != 0) {
		close(fd);
		return;
	}
	void *p = mmap(NULL, sizeof(struct state), PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);
	close(fd);
	if (p != MAP_FAILED)
		st = p;
}

static int parse_errno(const char *s)
{
	if (!s || !strcmp(s, "EIO"))
		return EIO;
	if (!strcmp(s, "ENOSPC"))
		return ENOSPC;
	if (!strcmp(s, "ENOMEM"))
		return ENOMEM;
	return EIO;
}

__attribute__((constructor)) static void faultinj_init(void)
{
	const char *file = getenv("SCEVAL_FAULT_FILE");
	if (!file || !*file)
		return;
	const char *v = getenv("SCEVAL_FAULT_FUNCS");
	if (v && *v)
		snprintf(selected, sizeof(selected), "%s", v);
	v = getenv("SCEVAL_FAULT_N");
	fail_at = v ? strtoull(v, NULL, 10) : 0;
	fail_errno = parse_errno(getenv("SCEVAL_FAULT_ERRNO"));
	v = getenv("SCEVAL_FAULT_PERSIST");
	persist = v && !strcmp(v, "1");
	v = getenv("SCEVAL_FAULT_TRACE");
	trace = v && !strcmp(v, "1");
	snprintf(trace_path, sizeof(trace_path), "%s.trace", file);
	map_state(file);
}

/* ---- arming at main() ------------------------------------------------- */

typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

static int armed_main(int argc, char **argv, char **envp)
{
	unsetenv("LD_PRELOAD");
	armed = 1;
	return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
		      void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	int (*start)(main_fn, int, char **, void (*)(void), void (*)(void),
		     void (*)(void), void *);
	*(void **)&start = dlsym(RTLD_NEXT, "__libc_start_main");
	real_main = main;
	return start(armed_main, argc, argv, init, fini, rtld_fini, stack_end);
}

/* ---- allocations ------------------------------------------------------ */

void *malloc(size_t n)
{
	return should_fail("malloc", F_MALLOC) ? NULL : __libc_malloc(n);
}

void *calloc(size_t k, size_t n)
{
	return should_fail("calloc", F_MALLOC) ? NULL : __libc_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
	return should_fail("realloc", F_MALLOC) ? NULL : __libc_realloc(p, n);
}

/* ---- I/O -------------------------------------------------------------- */

REAL(ssize_t, write, int, const void *, size_t)
ssize_t write(int fd, const void *b, size_t n)
{
	return should_fail("write", F_IO) ? -1 : get_write()(fd, b, n);
}

REAL(ssize_t, pwrite, int, const void *, size_t, off_t)
ssize_t pwrite(int fd, const void *b, size_t n, off_t o)
{
	return should_fail("pwrite", F_IO) ? -1 : get_pwrite()(fd, b, n, o);
}

REAL(ssize_t, pwrite64, int, const void *, size_t, off_t)
ssize_t pwrite64(int fd, const void *b, size_t n, off_t o)
{
	return should_fail("pwrite", F_IO) ? -1 : get_pwrite64()(fd, b, n, o);
}

REAL(ssize_t, copy_file_range, int, off_t *, int, off_t *, size_t, unsigned)
ssize_t copy_file_range(int in, off_t *io, int out, off_t *oo, size_t n, unsigned f)
{
	return should_fail("copy_file_range", F_IO) ? -1 :
		get_copy_file_range()(in, io, out, oo, n, f);
}

REAL(int, ftruncate, int, off_t)
int ftruncate(int fd, off_t n)
{
	return should_fail("ftruncate", F_IO) ? -1 : get_ftruncate()(fd, n);
}

REAL(int, ftruncate64, int, off_t)
int ftruncate64(int fd, off_t n)
{
	return should_fail("ftruncate", F_IO) ? -1 : get_ftruncate64()(fd, n);
}

REAL(int, fsync, int)
int fsync(int fd)
{
	return should_fail("fsync", F_IO) ? -1 : get_fsync()(fd);
}

REAL(int, fdatasync, int)
int fdatasync(int fd)
{
	return should_fail("fsync", F_IO) ? -1 : get_fdatasync()(fd);
}

REAL(int, rename, const char *, const char *)
int rename(const char *a, const char *b)
{
	return should_fail("rename", F_IO) ? -1 : get_rename()(a, b);
}

REAL(int, renameat, int, const char *, int, const char *)
int renameat(int fa, const char *a, int fb, const char *b)
{
	return should_fail("rename", F_IO) ? -1 : get_renameat()(fa, a, fb, b);
}

REAL(int, link, const char *, const char *)
int link(const char *a, const char *b)
{
	return should_fail("link", F_IO) ? -1 : get_link()(a, b);
}

REAL(int, linkat, int, const char *, int, const char *, int)
int linkat(int fa, const char *a, int fb, const char *b, int flags)
{
	return should_fail("link", F_IO) ? -1 : get_linkat()(fa, a, fb, b, flags);
}

REAL(int, mkdir, const char *, mode_t)
int mkdir(const char *p, mode_t m)
{
	return should_fail("mkdir", F_IO) ? -1 : get_mkdir()(p, m);
}

REAL(int, mkstemp, char *)
int mkstemp(char *t)
{
	return should_fail("open", F_IO) ? -1 : get_mkstemp()(t);
}

REAL(int, mkostemp, char *, int)
int mkostemp(char *t, int flags)
{
	return should_fail("open", F_IO) ? -1 : get_mkostemp()(t, flags);
}

/* open's mode argument is there only with O_CREAT or O_TMPFILE. */
static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
		(mode_t)va_arg(ap, int) : 0;
}

#define OPEN_LIKE(name)                                                       \
	REAL(int, name, const char *, int, ...)                               \
	int name(const char *p, int flags, ...)                               \
	{                                                                     \
		va_list ap;                                                   \
		va_start(ap, flags);                                          \
		mode_t m = open_mode(flags, ap);                              \
		va_end(ap);                                                   \
		return should_fail("open", F_IO) ? -1 : get_##name()(p, flags, m); \
	}
OPEN_LIKE(open)
OPEN_LIKE(open64)

#define OPENAT_LIKE(name)                                                     \
	REAL(int, name, int, const char *, int, ...)                          \
	int name(int d, const char *p, int flags, ...)                        \
	{                                                                     \
		va_list ap;                                                   \
		va_start(ap, flags);                                          \
		mode_t m = open_mode(flags, ap);                              \
		va_end(ap);                                                   \
		return should_fail("open", F_IO) ? -1 : get_##name()(d, p, flags, m); \
	}
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

/* The fortified open that _FORTIFY_SOURCE builds call (libarchive does). */
REAL(int, __open_2, const char *, int)
int __open_2(const char *p, int flags)
{
	return should_fail("open", F_IO) ? -1 : get___open_2()(p, flags);
}

REAL(FILE *, fopen, const char *, const char *)
FILE *fopen(const char *p, const char *mode)
{
	return should_fail("fopen", F_IO) ? NULL : get_fopen()(p, mode);
}

REAL(FILE *, fopen64, const char *, const char *)
FILE *fopen64(const char *p, const char *mode)
{
	return should_fail("fopen", F_IO) ? NULL : get_fopen64()(p, mode);
}

REAL(size_t, fwrite, const void *, size_t, size_t, FILE *)
size_t fwrite(const void *b, size_t sz, size_t n, FILE *f)
{
	/* A failed stdio write marks the stream in error as glibc does. */
	if (should_fail("fwrite", F_IO)) {
		f->_flags |= 0x20; /* _IO_ERR_SEEN */
		return 0;
	}
	return get_fwrite()(b, sz, n, f);
}

/* A failing fclose still closes (as the real one does when its final flush
 * fails): the bytes may be written, but the caller is told they are not. */
REAL(int, fclose, FILE *)
int fclose(FILE *f)
{
	int fail = should_fail("fclose", F_IO);
	int e = errno;
	int rc = get_fclose()(f);
	if (fail) {
		errno = e;
		return EOF;
	}
	return rc;
}
