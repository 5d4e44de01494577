/*
 * child.h - run a function in a forked child with a time limit, for work
 * that a library may crash or hang on: libhdf5 1.10 reading a corrupt
 * file (tests/fuzz/README.md, "libhdf5 findings") can die of SIGSEGV or
 * loop forever, and neither may take sceval down with it or block it.
 *
 * The child's stdout and stderr go into pipes the parent collects, so that
 * what a crashed child printed half of (or the C library's own last words,
 * "free(): invalid size") never reaches the user unasked. The child ends with _exit (no atexit handlers, no stdio of the
 * parent flushed twice).
 */
#ifndef SC_CHILD_H
#define SC_CHILD_H

#include <stddef.h>
#include "util/err.h"

typedef struct sc_child_result {
	int status;    /* exit status when the child exited, else -1 */
	int signal;    /* the signal that killed it, else 0 */
	int timed_out; /* killed by us after the time limit */
	double limit;  /* that limit, in seconds */
	char *out;     /* what it wrote to stdout (NUL-terminated) */
	size_t out_len;
	char *err;     /* what it wrote to stderr (NUL-terminated) */
	size_t err_len;
} sc_child_result;

/* Run fn(arg) in a child: its return value becomes the exit status (0-255).
 * Waits at most timeout seconds, then kills the child (SIGKILL). Returns 0
 * with *out filled however the child ended, or an error when the child
 * could not be started. */
int sc_child_run(sc_child_result *out, int (*fn)(void *arg), void *arg, double timeout,
		 sc_err *err) SC_WUR;
/* When the child crashed or hung: SC_ECORRUPT with "'NAME': WHO crashed
 * reading it (Segmentation fault): the file is corrupt", or "... did not
 * finish reading it in N s (SCEVAL_READ_TIMEOUT): the file is corrupt";
 * 0 when it exited. */
int sc_child_blame(const sc_child_result *r, const char *name, const char *who, sc_err *err);
void sc_child_result_free(sc_child_result *r);

#endif
