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

int sc_csv_formula(const char *s)
{
	const char *p = s;
	while (*p == '\'')
		p++;
	if (!*p || !strchr("=+-@\t\r", *p))
		return 0;
	/* A signed number stays a number: -0.5 is data, not a formula. */
	if (p == s && (*p == '-' || *p == '+')) {
		char *end;
		strtod(s, &end);
		if (end != s && !*end)
			return 0;
	}
	return 1;
}

void sc_buf_csv(sc_buf *b, const char *s)
{
	int formula = sc_csv_formula(s);
	if (!formula && !strpbrk(s, ",\"\r\n")) {
		sc_buf_puts(b, s);
		return;
	}
	sc_buf_putc(b, '"');
	if (formula)
		sc_buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			sc_buf_putc(b, '"');
		sc_buf_putc(b, *s);
	}
	sc_buf_putc(b, '"');
}

/* Length and code point of the UTF-8 sequence at p, 0 when it is not one
 * (bad lead or continuation byte, overlong form, surrogate, > U+10FFFF). */
static int utf8_seq(const unsigned char *p, unsigned *cp)
{
	int n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
	static const unsigned min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (!n || p[0] > 0xf4)
		return 0;
	unsigned v = p[0] & (0x7f >> n);
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* Append s with the characters that could act rather than show written as
 * \xHH or \uHHHH (see sc_buf_term); keep_space lets tab, LF and CR through,
 * html escapes & < > " ' as entities. */
static void put_visible(sc_buf *b, const char *s, int keep_space, int html)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned cp;
		int n;
		if (keep_space && (*p == '\t' || *p == '\n' || *p == '\r')) {
			sc_buf_putc(b, (char)*p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			sc_buf_printf(b, "\\x%02x", *p++);
		} else if (*p < 0x80) {
			const char *ent = !html	      ? NULL
					  : *p == '&'  ? "&amp;"
					  : *p == '<'  ? "&lt;"
					  : *p == '>'  ? "&gt;"
					  : *p == '"'  ? "&quot;"
					  : *p == '\'' ? "&#39;"
							: NULL;
			if (ent)
				sc_buf_puts(b, ent);
			else
				sc_buf_putc(b, (char)*p);
			p++;
		} else if (!(n = utf8_seq(p, &cp))) {
			sc_buf_printf(b, "\\x%02x", *p++);
		} else if ((cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
			   (cp >= 0x2066 && cp <= 0x2069)) {
			sc_buf_printf(b, "\\u%04x", cp);
			p += n;
		} else {
			sc_buf_add(b, p, (size_t)n);
			p += n;
		}
	}
}

void sc_buf_term(sc_buf *b, const char *s)
{
	put_visible(b, s, 0, 0);
}

void sc_buf_html(sc_buf *b, const char *s)
{
	put_visible(b, s, 1, 1);
}
