/*
 * h5ad.h - AnnData (.h5ad) files on libhdf5: a reader for every layout
 * anndata has written (current encoding, 0.7.x object-reference
 * categoricals, pre-0.7 compound dataframes and h5sparse groups) and a
 * deterministic, streaming writer of the current encoding.
 *
 * Reading is lazy: opening reads the obs/var index lengths and the layout;
 * everything else is read when asked for, and only that (listing columns
 * never touches X). Matrices are read by row blocks so that X of a million
 * cells needs the result plus one chunk of memory.
 *
 * Errors: every failure fills err with "<file>: <element>: problem", the
 * file named by its basename, e.g.
 *   cellbench.h5ad: obs/cell_line: no such column; have: batch, cell_type
 * Bad files (truncated, wrong shapes, indices out of range, non-monotone
 * indptr, NaN counts) give SC_ECORRUPT/SC_EINVAL, never a crash. HDF5's own
 * error printing is silenced; its innermost message is appended where it
 * helps.
 *
 * Ownership: everything returned through an out-parameter belongs to the
 * caller and is released by the free named beside the function. Every free
 * accepts NULL (or a zeroed struct).
 *
 * Paths name elements as anndata does: "X", "layers/counts", "raw/X",
 * "obsm/X_pca", "varm/PCs", "obsp/distances", "uns/protein_names"; data
 * frames are "obs", "var" and "raw/var". Legacy root names (raw.X,
 * raw.var) are found under their modern spelling.
 */
#ifndef SC_H5AD_H
#define SC_H5AD_H

#include <stddef.h>
#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

typedef struct sc_h5ad sc_h5ad;

/* The layout generation of a file, as far as the reader can tell. */
typedef enum sc_h5ad_encoding {
	SC_H5AD_MODERN = 0, /* encoding-type/encoding-version 0.2.0 data frames (anndata >= 0.8) */
	SC_H5AD_V07 = 1,    /* data frame groups 0.1.0, categorical codes + object references */
	SC_H5AD_LEGACY = 2, /* before 0.7: compound obs/var, uns/<col>_categories, h5sparse */
} sc_h5ad_encoding;

int sc_h5ad_open(sc_h5ad **out, const char *path, sc_err *err) SC_WUR;
/* Read, in a child process with a time limit, the parts of a file libhdf5
 * has been seen to crash or hang on (attributes, variable-length strings):
 * SC_ECORRUPT "'NAME': libhdf5 crashed reading it (...): the file is
 * corrupt" when it does, else 0 (also for files that are not HDF5, whose
 * errors the reader reports). For callers that open a user's file in their
 * own process (h5ad_probe.c). */
int sc_h5ad_probe(const char *path, sc_err *err) SC_WUR;
void sc_h5ad_close(sc_h5ad *h);
const char *sc_h5ad_path(const sc_h5ad *h);
sc_h5ad_encoding sc_h5ad_encoding_of(const sc_h5ad *h);
/* "modern", "0.7" or "legacy". */
const char *sc_h5ad_encoding_name(sc_h5ad_encoding e);
void sc_h5ad_shape(const sc_h5ad *h, size_t *n_obs, size_t *n_vars);

/* Whether an element exists (after legacy name mapping). */
int sc_h5ad_has(sc_h5ad *h, const char *path);

/* ---- data frames (obs, var, raw/var) ---- */

typedef enum sc_h5ad_coltype {
	SC_H5AD_COL_CATEGORICAL,
	SC_H5AD_COL_STRING,
	SC_H5AD_COL_INT,
	SC_H5AD_COL_FLOAT,
	SC_H5AD_COL_BOOL,
	SC_H5AD_COL_NULLABLE_INT,
	SC_H5AD_COL_NULLABLE_BOOL,
	SC_H5AD_COL_NULLABLE_STRING,
	SC_H5AD_COL_OTHER, /* listed but not readable as a column (e.g. 2-D) */
} sc_h5ad_coltype;

/* "categorical", "string", "int", "float", "bool", "nullable-int", ... */
const char *sc_h5ad_coltype_name(sc_h5ad_coltype t);

typedef struct sc_h5ad_colinfo {
	char *name;
	sc_h5ad_coltype type;
	char dtype[24]; /* stored type: "int64", "float32", "bool", "str"; codes' for categoricals */
	size_t ncat;    /* categoricals: number of categories */
	int ordered;    /* categoricals: the ordered flag */
} sc_h5ad_colinfo;

/* The columns of a data frame in column-order, without their values. */
int sc_h5ad_columns(sc_h5ad_colinfo **out, size_t *n, sc_h5ad *h, const char *df,
		    sc_err *err) SC_WUR;
void sc_h5ad_colinfo_free(sc_h5ad_colinfo *c, size_t n);

/* The index (obs_names, var_names) as strings; free with sc_h5ad_strings_free. */
int sc_h5ad_read_index(char ***out, size_t *n, sc_h5ad *h, const char *df, sc_err *err) SC_WUR;
void sc_h5ad_strings_free(char **s, size_t n);

/* One column with its values. Which arrays are set depends on type:
 *   CATEGORICAL       codes (-1 = missing), categories[ncat] (numbers formatted), ordered
 *   STRING            s
 *   INT               i
 *   FLOAT             f
 *   BOOL              b (0/1)
 *   NULLABLE_INT      i + mask      NULLABLE_BOOL  b + mask
 *   NULLABLE_STRING   s + mask (s[k] is "" where masked)
 * mask[k] = 1 means missing. */
typedef struct sc_h5ad_column {
	sc_h5ad_coltype type;
	char dtype[24];
	size_t n;
	int32_t *codes;
	char **categories;
	size_t ncat;
	int ordered;
	char **s;
	int64_t *i;
	double *f;
	uint8_t *b;
	uint8_t *mask;
} sc_h5ad_column;

int sc_h5ad_read_column(sc_h5ad_column *out, sc_h5ad *h, const char *df, const char *col,
			sc_err *err) SC_WUR;
void sc_h5ad_column_free(sc_h5ad_column *c);

/* A column as labels: categoricals keep the file's categories and order;
 * strings, ints, floats and bools become categories sorted (bytewise,
 * numerically, False < True); missing values and NaN are -1.
 * Free with sc_labels_free. */
int sc_h5ad_read_labels(sc_labels *out, sc_h5ad *h, const char *df, const char *col,
			sc_err *err) SC_WUR;
/* A numeric or bool column as doubles (NaN where a nullable value is
 * missing). *out has n entries; free with free(). */
int sc_h5ad_read_numeric(double **out, size_t *n, sc_h5ad *h, const char *df, const char *col,
			 sc_err *err) SC_WUR;

/* ---- matrices (X, layers/KEY, raw/X, obsm/KEY, varm/KEY, obsp/KEY, varp/KEY) ---- */

typedef enum sc_h5ad_storage {
	SC_H5AD_DENSE,
	SC_H5AD_CSR,
	SC_H5AD_CSC,
} sc_h5ad_storage;

const char *sc_h5ad_storage_name(sc_h5ad_storage s); /* "dense", "csr", "csc" */

typedef struct sc_h5ad_matinfo {
	sc_h5ad_storage storage;
	size_t rows, cols;
	size_t nnz;          /* stored entries; rows * cols for dense */
	char dtype[24];      /* values: "float32", "int64", ... */
	char index_dtype[24]; /* sparse: indices' type ("" for dense) */
	char indptr_dtype[24];
	char filter[24];     /* "gzip", "lzf", "none", ... (of the values) */
	int legacy_sparse;   /* stored as an h5sparse group */
} sc_h5ad_matinfo;

/* Describe a matrix without reading its values. Checks that the shape
 * agrees with the axes (X and layers: n_obs x n_vars; obsm: n_obs rows; ...)
 * and that the sparse arrays' lengths agree with each other. */
int sc_h5ad_matrix_info(sc_h5ad_matinfo *out, sc_h5ad *h, const char *path, sc_err *err) SC_WUR;

enum {
	/* Values must be finite and non-negative (raw counts). */
	SC_H5AD_COUNTS = 1u << 0,
};

/* A whole matrix as CSR (dense and CSC converted). Row indices within a
 * row come out sorted, duplicates summed. Free with sc_csr_free. */
int sc_h5ad_read_csr(sc_csr *out, sc_h5ad *h, const char *path, unsigned flags,
		     sc_err *err) SC_WUR;
/* Rows [r0, r1) as a CSR block (r1 - r0 rows, all columns). */
int sc_h5ad_read_rows(sc_csr *out, sc_h5ad *h, const char *path, size_t r0, size_t r1,
		      unsigned flags, sc_err *err) SC_WUR;
/* A whole matrix, or rows [r0, r1), dense. Free with sc_dmat_free. */
int sc_h5ad_read_dense(sc_dmat *out, sc_h5ad *h, const char *path, unsigned flags,
		       sc_err *err) SC_WUR;
int sc_h5ad_read_dense_rows(sc_dmat *out, sc_h5ad *h, const char *path, size_t r0, size_t r1,
			    unsigned flags, sc_err *err) SC_WUR;

/* Order-sensitive checksums of a matrix's values, read block by block:
 * sum, sum of squares, sum of |x|, sum of (row+1)*x and of (col+1)*x over
 * stored entries, and the number of non-zero values. */
typedef struct sc_h5ad_checksum {
	double sum, sumsq, sumabs, rowsum, colsum;
	size_t nonzero;
} sc_h5ad_checksum;
int sc_h5ad_matrix_checksum(sc_h5ad_checksum *out, sc_h5ad *h, const char *path,
			    sc_err *err) SC_WUR;

/* ---- groups and uns ---- */

/* Names of the members of a group ("layers", "obsm", "uns", "uns/neighbors"),
 * sorted. A missing group has no keys (not an error). */
int sc_h5ad_keys(char ***out, size_t *n, sc_h5ad *h, const char *group, sc_err *err) SC_WUR;

typedef enum sc_h5ad_kind {
	SC_H5AD_KIND_GROUP,
	SC_H5AD_KIND_DATASET,
} sc_h5ad_kind;

/* What an element is, without reading it. */
typedef struct sc_h5ad_elem {
	sc_h5ad_kind kind;
	char encoding[32]; /* encoding-type attribute, or "" */
	int ndim;          /* datasets: 0 for scalars */
	size_t shape[2];   /* datasets: first two dimensions */
	char dtype[24];    /* datasets: "float32", "str", "compound", ... */
} sc_h5ad_elem;
int sc_h5ad_elem_info(sc_h5ad_elem *out, sc_h5ad *h, const char *path, sc_err *err) SC_WUR;

/* A scalar string (0-d, or a 1-element array as old files stored it). Free with free(). */
int sc_h5ad_read_string(char **out, sc_h5ad *h, const char *path, sc_err *err) SC_WUR;
/* A numeric or bool scalar (0-d or 1-element). */
int sc_h5ad_read_scalar(double *out, sc_h5ad *h, const char *path, sc_err *err) SC_WUR;
/* A 1-D string array (e.g. uns/protein_names). Free with sc_h5ad_strings_free. */
int sc_h5ad_read_strings(char ***out, size_t *n, sc_h5ad *h, const char *path,
			 sc_err *err) SC_WUR;

/* ---- writing (h5ad_write.c) ----
 *
 * A writer produces the current encoding (anndata 0.8 attributes on every
 * element, dataframe 0.2.0, categorical 0.2.0, csr_matrix 0.1.0) that
 * anndata 0.8 reads exactly. Files are deterministic: the same calls give
 * the same bytes (no timestamps, fixed chunking, fixed compression).
 *
 * Order of calls for a new file: sc_h5ad_create, then for obs and var the
 * index first (sc_h5ad_write_index) and then their columns; matrices and
 * uns entries at any point; sc_h5ad_writer_close to finish (writes the
 * column-order attributes and checks shapes). sc_h5ad_writer_free without
 * close abandons the file (it is removed).
 *
 * Every writer is atomic: the file is written under a temporary name in
 * the destination directory, fsynced and renamed into place on close (the
 * directory fsynced too); freed without closing, nothing appears at path.
 *
 * Editing: sc_h5ad_edit opens a copy of an existing file read-write so that
 * a method can add one element (an obsm embedding, an obs column of
 * predictions): a copy of copy_from when set (store objects stay
 * immutable), else of path itself, renamed over path on close.
 */
typedef struct sc_h5ad_writer sc_h5ad_writer;

/* Value types for matrices on disk. */
typedef enum sc_h5ad_dtype {
	SC_H5AD_F32,
	SC_H5AD_F64,
	SC_H5AD_I32,
	SC_H5AD_I64,
} sc_h5ad_dtype;

int sc_h5ad_create(sc_h5ad_writer **out, const char *path, sc_err *err) SC_WUR;
int sc_h5ad_edit(sc_h5ad_writer **out, const char *path, const char *copy_from,
		 sc_err *err) SC_WUR;
/* Deflate level (0 = none, 1..9; default 4, with byte shuffling) of the
 * datasets created from now on. */
void sc_h5ad_writer_set_gzip(sc_h5ad_writer *w, int level);
/* Finish: write pending attributes, flush, close; on success the file is complete. */
int sc_h5ad_writer_close(sc_h5ad_writer *w, sc_err *err) SC_WUR;
/* Release without finishing: a file being created or copied is removed. */
void sc_h5ad_writer_free(sc_h5ad_writer *w);

/* Data frame df ("obs" or "var"): the index, then columns of n values. */
int sc_h5ad_write_index(sc_h5ad_writer *w, const char *df, char *const *names, size_t n,
			sc_err *err) SC_WUR;
int sc_h5ad_write_categorical(sc_h5ad_writer *w, const char *df, const char *col,
			      const int32_t *codes, size_t n, char *const *cats, size_t ncat,
			      int ordered, sc_err *err) SC_WUR;
int sc_h5ad_write_strings(sc_h5ad_writer *w, const char *df, const char *col, char *const *s,
			  size_t n, sc_err *err) SC_WUR;
int sc_h5ad_write_float(sc_h5ad_writer *w, const char *df, const char *col, const double *v,
			size_t n, sc_err *err) SC_WUR;
int sc_h5ad_write_int(sc_h5ad_writer *w, const char *df, const char *col, const int64_t *v,
		      size_t n, sc_err *err) SC_WUR;
int sc_h5ad_write_bool(sc_h5ad_writer *w, const char *df, const char *col, const uint8_t *v,
		       size_t n, sc_err *err) SC_WUR;

/* A dense matrix at path ("X", "obsm/X_emb", "layers/x", "varm/PCs"). */
int sc_h5ad_write_dense(sc_h5ad_writer *w, const char *path, const sc_dmat *m,
			sc_h5ad_dtype dtype, sc_err *err) SC_WUR;
/* A whole CSR matrix at path. */
int sc_h5ad_write_csr(sc_h5ad_writer *w, const char *path, const sc_csr *m, sc_h5ad_dtype dtype,
		      sc_err *err) SC_WUR;
/* Streaming CSR: begin, append row blocks (each a valid sc_csr with cols
 * columns), end. Only one stream may be open at a time. Memory: the block. */
int sc_h5ad_csr_begin(sc_h5ad_writer *w, const char *path, size_t cols, sc_h5ad_dtype dtype,
		      sc_err *err) SC_WUR;
int sc_h5ad_csr_append(sc_h5ad_writer *w, const sc_csr *block, sc_err *err) SC_WUR;
int sc_h5ad_csr_end(sc_h5ad_writer *w, sc_err *err) SC_WUR;

/* uns entries (key may be nested: "params/seed"; groups are created). */
int sc_h5ad_write_uns_string(sc_h5ad_writer *w, const char *key, const char *v,
			     sc_err *err) SC_WUR;
int sc_h5ad_write_uns_float(sc_h5ad_writer *w, const char *key, double v, sc_err *err) SC_WUR;
int sc_h5ad_write_uns_int(sc_h5ad_writer *w, const char *key, int64_t v, sc_err *err) SC_WUR;
int sc_h5ad_write_uns_strings(sc_h5ad_writer *w, const char *key, char *const *s, size_t n,
			      sc_err *err) SC_WUR;

#endif
