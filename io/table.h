/*
 * table.h - readers for the gene-function task's inputs: a gene label table
 * (TSV/CSV with a header; id and label columns chosen by name) and a gene x
 * feature matrix (CSV/TSV: first column row ids, header = feature names).
 *
 * Format: the delimiter is a tab for .tsv/.tab/.txt names, a comma for
 * .csv, else a tab if the header line has one, else a comma. Fields may be
 * double-quoted ("a,b", "say ""hi""") as pandas writes them; a quoted field
 * cannot span lines. CRLF line ends and blank lines are accepted. Missing
 * values are pandas' default NA strings ("", NA, NaN, nan, N/A, null,
 * None, <NA>, ...). A malformed line fails with its number:
 *   genes.tsv:7: expected 3 fields, got 2
 *
 * Ownership: the structs own everything they point to; their _free
 * functions release it and zero the struct (a zeroed struct is a no-op).
 */
#ifndef SC_CLASSIFY_TABLE_H
#define SC_CLASSIFY_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

typedef struct sc_gene_labels {
	size_t n;       /* genes with a label, in file order of first appearance */
	char **ids;     /* n gene ids */
	int32_t *codes; /* n codes into names */
	size_t ncat;
	char **names;   /* ncat labels, sorted by byte value (sklearn's LabelEncoder order) */
	size_t nmissing;    /* rows skipped for a missing label */
	size_t nduplicates; /* repeated rows with the same id and label, merged */
} sc_gene_labels;

/* Genes and labels from the columns named id_col and label_col. The same id
 * with two different labels is an error (which one would a classifier
 * learn?); the same id and label twice is merged and counted. */
int sc_table_read_labels(sc_gene_labels *out, const char *path, const char *id_col,
			 const char *label_col, sc_err *err) SC_WUR;
void sc_gene_labels_free(sc_gene_labels *g);

/* Code of each of the n ids (-1 where the id has no label); *out_matched
 * (may be NULL) gets how many have one. */
void sc_gene_labels_align(int32_t *codes, size_t *out_matched, const sc_gene_labels *g,
			  char *const *ids, size_t n);

typedef struct sc_named_matrix {
	sc_dmat x;        /* rows x cols */
	char **row_ids;   /* x.rows ids from the first column */
	char **col_names; /* x.cols names from the header */
	size_t nnan;      /* values that were NA strings, stored as NaN */
} sc_named_matrix;

/* The header has one field per column, the first naming the id column (it
 * may be empty); a header one field short (R's write.table) names the value
 * columns only. Values must parse as numbers or be NA strings; row ids
 * must be unique. */
int sc_table_read_matrix(sc_named_matrix *out, const char *path, sc_err *err) SC_WUR;
void sc_named_matrix_free(sc_named_matrix *m);

#endif
