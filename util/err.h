/*
 * err.h - the error object every fallible sceval function writes into.
 *
 * Library code returns int: 0 on success, one of the named negative codes
 * below for the failures a caller may want to tell apart, SC_ERR (-1)
 * otherwise. The human-readable message goes into an sc_err owned by the
 * caller (never a global), in git's style: lowercase, problem first, no
 * full stop, offending value quoted. The CLI prefixes "sceval CMD: ".
 *
 * Invariant: when a function returns non-zero it has filled err (if err is
 * non-NULL); when it returns 0 err is untouched.
 */
#ifndef SC_ERR_H
#define SC_ERR_H

#include <stddef.h>

#define SC_WUR __attribute__((warn_unused_result))
#define SC_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum {
	SC_OK = 0,
	SC_ERR = -1,        /* anything else */
	SC_ENOTFOUND = -2,  /* a key, object, column, file that is not there */
	SC_EEXISTS = -3,    /* something that must be new already exists */
	SC_EAMBIGUOUS = -4, /* a prefix or name matching more than one thing */
	SC_ECORRUPT = -5,   /* bytes that do not match their hash or format */
	SC_EIO = -6,        /* an operating-system I/O failure (disk full, ...) */
	SC_EINVAL = -7,     /* malformed input from a user or a file */
	SC_EINTR = -8,      /* interrupted by a signal */
	SC_EBUSY = -9,      /* a lock held by another process */
};

typedef struct sc_err {
	int code;
	char msg[2048];
} sc_err;

/* Set err (if non-NULL) from a printf format; returns code for tail calls. */
int sc_errf(sc_err *err, int code, const char *fmt, ...) SC_PRINTF(3, 4);
/* Same, appending ": strerror(errnum)". */
int sc_errsys(sc_err *err, int errnum, const char *fmt, ...) SC_PRINTF(3, 4);
/* Prefix an existing message: "prefix: old message". Keeps the code. */
int sc_errprefix(sc_err *err, const char *fmt, ...) SC_PRINTF(2, 3);
void sc_err_clear(sc_err *err);

/* Allocation that cannot fail: on exhaustion it prints one line and aborts
 * (as git's xmalloc dies). Numerical code would otherwise drown in checks. */
void *sc_xmalloc(size_t n);
void *sc_xcalloc(size_t n, size_t size);
void *sc_xrealloc(void *p, size_t n);
char *sc_xstrdup(const char *s);
char *sc_xstrndup(const char *s, size_t n);
char *sc_xasprintf(const char *fmt, ...) SC_PRINTF(1, 2);
/* Multiply sizes, aborting on overflow. */
size_t sc_mulsz(size_t a, size_t b);

#endif
