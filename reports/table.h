/*
 * table.h - aligned text tables for the terminal (and the same rows as CSV).
 * Cells are copied; numbers are right-aligned, text left-aligned.
 */
#ifndef SC_TABLE_H
#define SC_TABLE_H

#include <stdio.h>
#include "util/buf.h"

typedef struct sc_table sc_table;

sc_table *sc_table_new(size_t ncols, const char *const *header);
void sc_table_free(sc_table *t);
/* Append a row of ncols cells (NULL cells print as empty). */
void sc_table_row(sc_table *t, const char *const *cells);
size_t sc_table_rows(const sc_table *t);
void sc_table_print(const sc_table *t, FILE *f);
/* RFC 4180 CSV with the header line. */
void sc_table_csv(const sc_table *t, sc_buf *out);

#endif
