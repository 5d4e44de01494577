/*
 * csv.c - an RFC 4180 reader for the per-class and per-label tables steps
 * store as outputs, and round-trip number printing for the report's CSV
 * files. The tables are small (classes x classes, labels x metrics), so
 * the reader copies every field; it never trusts the bytes: a quote left
 * open or a ragged row is an error, not a crash.
 */
#include "csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sc_csv_free(sc_csv *t)
{
	if (!t || !t->cell)
		return;
	for (size_t i = 0; i < t->rows * t->cols; i++)
		free(t->cell[i]);
	free(t->cell);
	memset(t, 0, sizeof(*t));
}

long sc_csv_col(const sc_csv *t, const char *name)
{
	for (size_t c = 0; t->rows && c < t->cols; c++)
		if (!strcmp(t->cell[c], name))
			return (long)c;
	return -1;
}

typedef struct row {
	char **f;
	size_t n, cap;
} row;

static void row_add(row *r, sc_buf *field)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->f = sc_xrealloc(r->f, r->cap * sizeof(char *));
	}
	r->f[r->n++] = sc_xstrdup(field->s);
	sc_buf_reset(field);
}

static void row_clear(row *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->f[i]);
	r->n = 0;
}

int sc_csv_parse(sc_csv *out, const char *p, size_t n, const char *what, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	sc_buf field = SC_BUF_INIT;
	sc_buf_init(&field);
	row r = { 0 };
	size_t cap = 0, line = 1;
	int rc = 0;
	size_t i = 0;
	while (i < n) {
		/* One record: fields until an unquoted line end or the end. */
		int end_of_row = 0;
		while (!end_of_row) {
			if (i < n && p[i] == '"') {
				size_t open_line = line;
				i++;
				for (;;) {
					if (i >= n) {
						rc = sc_errf(err, SC_ECORRUPT,
							     "%s: line %zu: quoted field never closed", what,
							     open_line);
						goto out;
					}
					if (p[i] == '"') {
						if (i + 1 < n && p[i + 1] == '"') {
							sc_buf_putc(&field, '"');
							i += 2;
							continue;
						}
						i++;
						break;
					}
					line += p[i] == '\n';
					sc_buf_putc(&field, p[i++]);
				}
				/* sc_buf_csv's guard against formulas comes off. */
				if (field.len > 1 && field.s[0] == '\'' && sc_csv_formula(field.s + 1)) {
					memmove(field.s, field.s + 1, field.len);
					field.len--;
				}
				if (i < n && p[i] != ',' && p[i] != '\n' && p[i] != '\r') {
					rc = sc_errf(err, SC_ECORRUPT,
						     "%s: line %zu: text after a closing quote", what, line);
					goto out;
				}
			} else {
				while (i < n && p[i] != ',' && p[i] != '\n' && p[i] != '\r')
					sc_buf_putc(&field, p[i++]);
			}
			row_add(&r, &field);
			if (i < n && p[i] == ',') {
				i++;
				continue;
			}
			if (i < n && p[i] == '\r')
				i++;
			if (i < n && p[i] == '\n')
				i++;
			line++;
			end_of_row = 1;
		}
		if (!out->rows)
			out->cols = r.n;
		if (r.n > out->cols) {
			rc = sc_errf(err, SC_ECORRUPT, "%s: line %zu has %zu fields, the header %zu",
				     what, line - 1, r.n, out->cols);
			goto out;
		}
		if ((out->rows + 1) * out->cols > cap) {
			cap = cap ? 2 * cap : 16 * (out->cols ? out->cols : 1);
			while (cap < (out->rows + 1) * out->cols)
				cap *= 2;
			out->cell = sc_xrealloc(out->cell, cap * sizeof(char *));
		}
		for (size_t c = 0; c < out->cols; c++)
			out->cell[out->rows * out->cols + c] = c < r.n ? r.f[c] : sc_xstrdup("");
		for (size_t c = out->cols; c < r.n; c++)
			free(r.f[c]);
		r.n = 0;
		out->rows++;
	}
out:
	row_clear(&r);
	free(r.f);
	sc_buf_free(&field);
	if (rc)
		sc_csv_free(out);
	return rc;
}

void sc_buf_num(sc_buf *b, double v)
{
	if (isnan(v)) {
		sc_buf_puts(b, "nan");
		return;
	}
	if (isinf(v)) {
		sc_buf_puts(b, v > 0 ? "inf" : "-inf");
		return;
	}
	char s[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, v);
		if (strtod(s, NULL) == v)
			break;
	}
	sc_buf_puts(b, s);
}
