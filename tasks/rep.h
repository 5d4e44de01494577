/*
 * rep.h - reading what tasks evaluate from .h5ad files: a representation of
 * the cells (an embedding in obsm, a layer, X) as a dense matrix checked for
 * NaN and Inf, and a label column with a clear error naming what exists.
 */
#ifndef SC_REP_H
#define SC_REP_H

#include <jansson.h>
#include "io/h5ad.h"
#include "util/mat.h"
#include "util/err.h"

/* where: "X", "raw/X", "layers/NAME", "obsm/KEY" (also "obsm:KEY", "layer:NAME"). */
int sc_rep_load(sc_dmat *out, sc_h5ad *h, const char *where, sc_err *err) SC_WUR;
/* Normalise "obsm:KEY" / "layer:NAME" / "layers:NAME" spellings to h5ad paths. Caller frees. */
char *sc_rep_path(const char *where);
/* Every value finite; else an error naming the file, element, row and column. */
int sc_rep_check_finite(const sc_dmat *m, const char *file, const char *what, sc_err *err) SC_WUR;

/* Raw counts (finite, non-negative) of a dataset as CSR: counts is "X",
 * "layers/NAME" or just "NAME" (a layer), "raw/X", or "obsm/KEY". */
int sc_rep_read_counts(sc_csr *out, sc_h5ad *h, const char *counts, sc_err *err) SC_WUR;
/* Gene ids of a dataset: the var index, or the values of a var column
 * (e.g. symbols) when var_key is given. Free with sc_h5ad_strings_free. */
int sc_rep_gene_ids(char ***ids, size_t *n, sc_h5ad *h, const char *var_key, sc_err *err) SC_WUR;

/* map[j] = the index of names[j] in ref, or -1 (n entries). Returns how
 * many entries of ref no name matched. O((n + nref) log nref). */
size_t sc_rep_match_names(int32_t *map, char *const *names, size_t n, char *const *ref, size_t nref);

/* Mark cells whose category is one of names (a JSON array of strings; NULL:
 * "nan" and "NaN", how a missing label looks after a str conversion) as
 * missing (-1). Returns how many cells were marked. */
size_t sc_labels_unlabel(sc_labels *l, const json_t *names);

#endif
