/*
 * html.h - the pieces every sceval page shares: a self-contained document
 * (inline CSS, no external resource of any kind), escaped text, numbers.
 * Every string that comes from data goes through sc_html_text/attr.
 */
#ifndef SC_HTML_H
#define SC_HTML_H

#include "util/buf.h"

/* "<!DOCTYPE html>...<body>" with the shared style sheet; title escaped. */
void sc_html_begin(sc_buf *b, const char *title);
void sc_html_end(sc_buf *b);
/* Escaped text (the same escaping serves attribute values). */
void sc_html_text(sc_buf *b, const char *s);
/* The first n bytes of s, escaped: for hashes and commits, which a forged
 * catalog or bundle could fill with markup. */
void sc_html_text_n(sc_buf *b, const char *s, size_t n);
/* A number with a fixed number of significant digits, or an em dash for NaN. */
void sc_html_num(sc_buf *b, double v, int digits);

#endif
