/*
 * tasks/grn/orgdb.h - Gene Ontology gene sets from the SQLite files of
 * Bioconductor's annotation packages as Debian ships them
 * (r-bioc-org.hs.eg.db: extdata/org.Hs.eg.sqlite; r-bioc-go.db:
 * extdata/GO.sqlite), read without R. The tables are scanned through a
 * reader the caller gives (the command wires store/foreign.h: tasks do not
 * reach into store/), by table and column name.
 *
 * A set is a GO term of one ontology with every gene annotated to it or to
 * a descendant (org.*.db's go_<ont>_all tables, all evidence codes), its
 * members written as symbols, Entrez ids or Ensembl ids; its size is the
 * number of distinct members written, and sets outside [min_size, max_size]
 * are left out. The result is a GMT text (sorted by GO id, members sorted
 * bytewise, description = the GO.db term name) opened by '#' lines naming
 * the sources and their dates (the metadata tables), which
 * sc_grn_genesets_read skips.
 */
#ifndef SC_GRN_ORGDB_H
#define SC_GRN_ORGDB_H

#include <stddef.h>
#include "util/buf.h"
#include "util/err.h"

/* A row of the requested columns (NULL for SQL NULL); non-zero stops. */
typedef int (*sc_grn_row_fn)(void *arg, const char *const *vals, sc_err *err);

/* One open database: scan(db, table, cols, n_cols, fn, arg, err) calls fn
 * for every row, or fails naming a missing table or column; name is the
 * file's base name, for messages and the GMT's header. */
typedef struct sc_grn_db_reader {
	void *db;
	const char *name;
	int (*scan)(void *db, const char *table, const char *const *cols, size_t n_cols,
		    sc_grn_row_fn fn, void *arg, sc_err *err);
} sc_grn_db_reader;

typedef struct sc_grn_orgdb_opts {
	sc_grn_db_reader orgdb; /* org.*.sqlite */
	sc_grn_db_reader godb;  /* GO.sqlite (term names) */
	const char *ontology; /* BP, MF or CC */
	const char *ids;      /* symbol, entrez or ensembl */
	size_t min_size, max_size;
} sc_grn_orgdb_opts;

/* What an import read, for the command's report. Strings are owned;
 * sc_grn_orgdb_info_free releases them. */
typedef struct sc_grn_orgdb_info {
	size_t terms;      /* terms with an annotated gene */
	size_t sets;       /* written (within the size bounds) */
	size_t genes;      /* distinct members over the written sets */
	size_t unnamed;    /* written terms GO.db has no name for */
	char *organism, *go_date, *gene_date, *ensembl_date, *godb_go_date;
} sc_grn_orgdb_info;

/* The ids option's accepted values, NULL-terminated. */
extern const char *const sc_grn_orgdb_id_types[];

/* Append the GMT text of the sets to out. Bad options, a file that is not
 * such a database, or a malformed GO id are errors naming the culprit. */
int sc_grn_orgdb_gmt(sc_buf *out, sc_grn_orgdb_info *info, const sc_grn_orgdb_opts *o,
		     sc_err *err) SC_WUR;
void sc_grn_orgdb_info_free(sc_grn_orgdb_info *info);

#endif
