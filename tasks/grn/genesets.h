/*
 * tasks/grn/genesets.h - gene sets for the gene-network task: read from a
 * GMT file (MSigDB's and Enrichr's format: name, description, genes, tab
 * separated, one set a line) or from a two-column table (a gene id column
 * and a set column, e.g. the cell-cycle phases), and matched against the
 * genes of an embedding by id or by symbol.
 *
 * Ownership: sc_grn_genesets owns its strings; sc_grn_genesets_free
 * releases them and zeroes the struct (a zeroed struct is a no-op).
 */
#ifndef SC_GRN_GENESETS_H
#define SC_GRN_GENESETS_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

typedef struct sc_grn_genesets {
	size_t n;       /* sets, in file order */
	char **names;   /* n set names (unique) */
	char **descs;   /* n descriptions ("" when none) */
	size_t *off;    /* n + 1 offsets into genes */
	char **genes;   /* members, each set's without repeats */
} sc_grn_genesets;

/* Read a GMT file, or a table when its header holds the columns id_col and
 * set_col. Lines opening with '#' are comments (sceval genesets import writes its
 * sources there). A GMT line without genes, a repeated set name or no set at all
 * is an error naming the line. */
int sc_grn_genesets_read(sc_grn_genesets *out, const char *path, const char *id_col,
			 const char *set_col, sc_err *err) SC_WUR;
void sc_grn_genesets_free(sc_grn_genesets *g);

/* The sets' members as gene indices of an embedding: a member matches the
 * gene whose id equals it, else the gene whose symbol (alt, may be NULL)
 * equals it. Unmatched members are dropped, repeats kept once.
 * Out: set_off (n + 1 entries) and set_genes (caller frees both);
 * counts of members matched by id, by symbol and not at all. */
typedef struct sc_grn_match_counts {
	size_t by_id, by_symbol, unmatched;
} sc_grn_match_counts;
void sc_grn_genesets_match(size_t **set_off, int32_t **set_genes, sc_grn_match_counts *counts,
			   const sc_grn_genesets *g, char *const *ids, char *const *alt, size_t n);

#endif
