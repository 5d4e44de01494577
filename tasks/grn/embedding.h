/*
 * tasks/grn/embedding.h - gene embeddings for the gene-network task: read
 * from where a method left them (a dataset's varm, a genes-as-rows .h5ad, a
 * CSV/TSV table, a .npy with a gene list) with each gene's id and symbol,
 * checked (finite rows, unique ids); and the two built-in embeddings,
 * co-expression (each gene's standardised profile across cells, reduced by
 * PCA) and random (seeded Gaussian rows: the floor).
 */
#ifndef SC_GRN_EMBEDDING_H
#define SC_GRN_EMBEDDING_H

#include "io/h5ad.h"
#include "util/err.h"
#include "util/mat.h"

/* The obsm key of the built-ins' genes-as-rows output and its symbol column. */
#define SC_GRN_EMBED_KEY "X_gene_embedding"
#define SC_GRN_SYMBOL_COLUMN "symbol"

typedef struct sc_grn_embedding {
	sc_dmat x;   /* genes x dims */
	char **ids;  /* x.rows gene ids */
	char **alt;  /* x.rows symbols, or NULL */
	size_t n;
} sc_grn_embedding;

typedef struct sc_grn_source {
	const char *path;       /* the file holding the vectors */
	const char *where;      /* "obsm/KEY" (genes as rows), "varm/KEY", "table", "npy" */
	const char *genes_path; /* "npy": a dataset .h5ad (its var) or a list, one gene a line */
	const char *var_key;    /* var column of gene ids (NULL: the index) */
	const char *symbol_key; /* var column of symbols (NULL: none) */
	const char *label;      /* how messages name the embedding */
} sc_grn_source;

/* Genes dropped for NaN values: how many, and the first one's name. */
typedef struct sc_grn_dropped {
	size_t n;
	char first[256];
} sc_grn_dropped;

/* Load and check: genes with a NaN in their row are dropped (counted in
 * dropped); an infinite value, duplicated gene names, fewer than 3 genes
 * or a gene list that does not fit the rows are errors naming the gene. */
int sc_grn_embedding_load(sc_grn_embedding *out, sc_grn_dropped *dropped, const sc_grn_source *src,
			  sc_err *err) SC_WUR;
void sc_grn_embedding_free(sc_grn_embedding *e);

/* The genes of a dataset (ids, symbols) and which are expressed (non-zero)
 * in at least min_cells cells; counts: "X" or a layer. keep: n entries. */
typedef struct sc_grn_expr_opts {
	const char *counts, *var_key, *symbol_key;
	size_t min_cells, n_comps;
	double target_sum;
} sc_grn_expr_opts;

/* Co-expression: log1p(normalize_total) counts, each kept gene's profile
 * across cells standardised (mean 0, variance 1), PCA over cells. */
int sc_grn_embed_coexpression(sc_grn_embedding *out, const char *data, const sc_grn_expr_opts *o,
			      sc_err *err) SC_WUR;
/* Random: the same genes as co-expression keeps, each row n_comps standard
 * normals from its own stream of the seed (bytes independent of threads). */
int sc_grn_embed_random(sc_grn_embedding *out, const char *data, const sc_grn_expr_opts *o,
			uint64_t seed, sc_err *err) SC_WUR;
/* Write genes as obs (index ids, column symbol) and obsm/SC_GRN_EMBED_KEY. */
int sc_grn_embedding_write(const sc_grn_embedding *e, const char *path, const char *what,
			   sc_err *err) SC_WUR;

#endif
