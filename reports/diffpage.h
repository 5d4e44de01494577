/*
 * diffpage.h - `sceval diff --html`: the diff of two runs as one page.
 */
#ifndef SC_DIFFPAGE_H
#define SC_DIFFPAGE_H

#include <jansson.h>
#include "util/buf.h"

/* Append a complete, self-contained HTML page rendering d (sc_diff's JSON). */
void sc_diff_page(sc_buf *out, const json_t *d);

#endif
