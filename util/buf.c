/*
 * buf.c - growable NUL-terminated byte buffers, plus the two escapers
 * (HTML, CSV) that every text output of sceval goes through.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char empty_[1];

void sc_buf_init(sc_buf *b)
{
	b->s = empty_;
	b->len = b->cap = 0;
}

void sc_buf_free(sc_buf *b)
{
	if (b->cap)
		free(b->s);
	sc_buf_init(b);
}

void sc_buf_reset(sc_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->s[0] = 0;
}

void sc_buf_grow(sc_buf *b, size_t extra)
{
	if (!b->s)
		sc_buf_init(b);
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap = cap < 1u << 30 ? cap * 2 : cap + (1u << 30);
	if (b->cap) {
		b->s = sc_xrealloc(b->s, cap);
	} else {
		b->s = sc_xmalloc(cap);
		b->s[0] = 0;
	}
	b->cap = cap;
}

void sc_buf_add(sc_buf *b, const void *p, size_t n)
{
	sc_buf_grow(b, n);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = 0;
}

void sc_buf_puts(sc_buf *b, const char *s)
{
	sc_buf_add(b, s, strlen(s));
}

void sc_buf_putc(sc_buf *b, char c)
{
	sc_buf_add(b, &c, 1);
}

void sc_buf_printf(sc_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sc_buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *sc_buf_detach(sc_buf *b)
{
	char *s = b->cap ? b->s : sc_xstrdup("");
	sc_buf_init(b);
	return s;
}

void sc_buf_html(sc_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sc_buf_puts(b, "&amp;"); break;
		case '<': sc_buf_puts(b, "&lt;"); break;
		case '>': sc_buf_puts(b, "&gt;"); break;
		case '"': sc_buf_puts(b, "&quot;"); break;
		case '\'': sc_buf_puts(b, "&#39;"); break;
		default: sc_buf_putc(b, *s);
		}
	}
}

void sc_buf_csv(sc_buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		sc_buf_puts(b, s);
		return;
	}
	sc_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			sc_buf_putc(b, '"');
		sc_buf_putc(b, *s);
	}
	sc_buf_putc(b, '"');
}
