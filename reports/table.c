/*
 * table.c - aligned text tables (see table.h).
 */
#include "table.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

struct sc_table {
	size_t ncols, nrows, cap;
	char **cells; /* (nrows + 1) x ncols, row 0 = header */
};

sc_table *sc_table_new(size_t ncols, const char *const *header)
{
	sc_table *t = sc_xcalloc(1, sizeof(*t));
	t->ncols = ncols;
	sc_table_row(t, header);
	t->nrows = 0;
	return t;
}

void sc_table_free(sc_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < (t->nrows + 1) * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void sc_table_row(sc_table *t, const char *const *cells)
{
	size_t have = t->cells ? t->nrows + 1 : 0;
	if (have + 1 > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = sc_xrealloc(t->cells, t->cap * t->ncols * sizeof(char *));
	}
	for (size_t j = 0; j < t->ncols; j++)
		t->cells[have * t->ncols + j] = sc_xstrdup(cells && cells[j] ? cells[j] : "");
	if (have)
		t->nrows++;
}

size_t sc_table_rows(const sc_table *t)
{
	return t->nrows;
}

static int numeric(const char *s)
{
	if (!*s)
		return 0;
	char *end;
	strtod(s, &end);
	return *end == 0 || !strcmp(s, "nan") || !strcmp(s, "NaN");
}

void sc_table_print(const sc_table *t, FILE *f)
{
	/* For a terminal: names from data (labels, task names) with control
	 * characters or bidi overrides are printed escaped (sc_buf_term). */
	size_t nc = (t->nrows + 1) * t->ncols;
	char **esc = sc_xcalloc(nc ? nc : 1, sizeof(char *));
	for (size_t i = 0; i < nc; i++) {
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		sc_buf_term(&b, t->cells[i]);
		esc[i] = sc_buf_detach(&b);
	}
	size_t *w = sc_xcalloc(t->ncols, sizeof(size_t));
	for (size_t i = 0; i <= t->nrows; i++)
		for (size_t j = 0; j < t->ncols; j++) {
			size_t l = strlen(esc[i * t->ncols + j]);
			if (l > w[j])
				w[j] = l;
		}
	for (size_t i = 0; i <= t->nrows; i++) {
		for (size_t j = 0; j < t->ncols; j++) {
			const char *c = esc[i * t->ncols + j];
			int right = i > 0 && numeric(c);
			int last = j + 1 == t->ncols;
			if (right)
				fprintf(f, "%*s", (int)w[j], c);
			else if (last)
				fputs(c, f);
			else
				fprintf(f, "%-*s", (int)w[j], c);
			if (!last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
	free(w);
	for (size_t i = 0; i < nc; i++)
		free(esc[i]);
	free(esc);
}

void sc_table_csv(const sc_table *t, sc_buf *out)
{
	for (size_t i = 0; i <= t->nrows; i++) {
		for (size_t j = 0; j < t->ncols; j++) {
			if (j)
				sc_buf_putc(out, ',');
			sc_buf_csv(out, t->cells[i * t->ncols + j]);
		}
		sc_buf_puts(out, "\r\n");
	}
}
