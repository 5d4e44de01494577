/*
 * csv.h - reading the small CSV tables that evaluation steps write
 * (confusion.csv, report.csv, labels.csv) and printing numbers so that
 * they read back as the same double.
 *
 * The reader takes RFC 4180 (quoted fields with "" for a quote, embedded
 * commas and line breaks) with LF or CRLF line ends. A table owns its
 * strings; sc_csv_free releases them and accepts a zeroed table.
 */
#ifndef SC_CSV_H
#define SC_CSV_H

#include <stddef.h>
#include "util/buf.h"
#include "util/err.h"

typedef struct sc_csv {
	size_t rows, cols; /* rows includes the header; cols = the header's width */
	char **cell;       /* rows x cols, row-major; short rows are padded with "" */
} sc_csv;

/* Parse n bytes. A row wider than the header, or an unterminated quote, is
 * SC_ECORRUPT (what names the table in the message). */
int sc_csv_parse(sc_csv *out, const char *p, size_t n, const char *what, sc_err *err) SC_WUR;
void sc_csv_free(sc_csv *t);
static inline const char *sc_csv_at(const sc_csv *t, size_t r, size_t c)
{
	return t->cell[r * t->cols + c];
}
/* Column index of a header name, or -1. */
long sc_csv_col(const sc_csv *t, const char *name);

/* The shortest "%.{15,16,17}g" spelling that reads back as v; "nan", "inf",
 * "-inf" for the non-finite values. */
void sc_buf_num(sc_buf *b, double v);

#endif
