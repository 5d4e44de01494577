/*
 * buf.h - a growable byte buffer, always NUL-terminated (git's strbuf idea).
 *
 * Invariant: b->s is never NULL after sc_buf_init and b->s[b->len] == 0.
 * The buffer owns b->s; sc_buf_free releases it; sc_buf_detach hands it over.
 */
#ifndef SC_BUF_H
#define SC_BUF_H

#include <stddef.h>
#include "err.h"

typedef struct sc_buf {
	char *s;
	size_t len, cap;
} sc_buf;

#define SC_BUF_INIT { NULL, 0, 0 }

void sc_buf_init(sc_buf *b);
void sc_buf_free(sc_buf *b);
void sc_buf_reset(sc_buf *b);
void sc_buf_grow(sc_buf *b, size_t extra);
void sc_buf_add(sc_buf *b, const void *p, size_t n);
void sc_buf_puts(sc_buf *b, const char *s);
void sc_buf_putc(sc_buf *b, char c);
void sc_buf_printf(sc_buf *b, const char *fmt, ...) SC_PRINTF(2, 3);
char *sc_buf_detach(sc_buf *b);
/* Append s with HTML special characters escaped (& < > " ') and, as in
 * sc_buf_term, control characters (but tab, LF, CR), bytes that are not
 * UTF-8 and the bidirectional overrides written out visibly: a label must
 * not reorder the text around it or read as something it is not (a
 * U+202E in "abc\u202eevil" would show it as "abclive"). */
void sc_buf_html(sc_buf *b, const char *s);
/* Append s as an RFC 4180 CSV field (quoted when it holds , " CR or LF).
 * Every CSV sceval writes goes through here. A field a spreadsheet would
 * run as a formula (sc_csv_formula) is neutralised the OWASP way: quoted,
 * with a single quote in front; sc_csv_parse takes that quote off again. */
void sc_buf_csv(sc_buf *b, const char *s);
/* Append s made safe for a terminal: C0 controls, DEL and bytes that are
 * not UTF-8 as \xHH, C1 controls and the bidirectional embeddings,
 * overrides and isolates (U+202A-U+202E, U+2066-U+2069) as \uHHHH. Text
 * read from a data file must not move the cursor, recolour or reorder the
 * terminal's output. */
void sc_buf_term(sc_buf *b, const char *s);
/* Whether s, after any leading single quotes, starts with = + - @ tab or
 * CR and is not a number (-0.5 and -inf stay numbers). */
int sc_csv_formula(const char *s);

#endif
