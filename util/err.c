/*
 * err.c - error objects and allocation helpers shared by every layer.
 */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sc_errf(sc_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

int sc_errsys(sc_err *err, int errnum, const char *fmt, ...)
{
	int code = SC_ERR;
	if (errnum == ENOENT)
		code = SC_ENOTFOUND;
	else if (errnum == EEXIST)
		code = SC_EEXISTS;
	else if (errnum == EINTR)
		code = SC_EINTR;
	else if (errnum == EIO || errnum == ENOSPC || errnum == EFBIG || errnum == EDQUOT ||
		 errnum == EROFS)
		code = SC_EIO;
	if (err) {
		char tmp[sizeof(err->msg)];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(tmp, sizeof(tmp), fmt, ap);
		va_end(ap);
		snprintf(err->msg, sizeof(err->msg), "%.1900s: %s", tmp, strerror(errnum));
		err->code = code;
	}
	return code;
}

int sc_errprefix(sc_err *err, const char *fmt, ...)
{
	if (!err)
		return SC_ERR;
	char pre[sizeof(err->msg)], old[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%.600s: %.1400s", pre, old);
	return err->code ? err->code : SC_ERR;
}

void sc_err_clear(sc_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = 0;
	}
}

static void oom(size_t n)
{
	fprintf(stderr, "sceval: out of memory allocating %zu bytes\n", n);
	abort();
}

void *sc_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *sc_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *sc_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *sc_xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom(strlen(s) + 1);
	return p;
}

char *sc_xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom(n + 1);
	return p;
}

char *sc_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(strlen(fmt));
	return p;
}

size_t sc_mulsz(size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b) {
		fprintf(stderr, "sceval: size overflow (%zu x %zu)\n", a, b);
		abort();
	}
	return a * b;
}
