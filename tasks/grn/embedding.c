/*
 * tasks/grn/embedding.c - reading, checking and building gene embeddings
 * (see embedding.h). Workload: 20,000 genes x 512 dims read once per step;
 * co-expression over a few thousand cells (the CellBench and PBMC files).
 */
#include "embedding.h"
#include "io/npy.h"
#include "io/table.h"
#include "tasks/core/pca.h"
#include "tasks/core/preprocess.h"
#include "tasks/core/rng.h"
#include "tasks/rep.h"
#include "util/buf.h"
#include "util/fs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sc_grn_embedding_free(sc_grn_embedding *e)
{
	if (!e)
		return;
	sc_dmat_free(&e->x);
	sc_h5ad_strings_free(e->ids, e->n);
	if (e->alt)
		sc_h5ad_strings_free(e->alt, e->n);
	memset(e, 0, sizeof(*e));
}

/* A var column of strings (symbols), n entries. */
static int var_strings(char ***out, sc_h5ad *h, const char *col, size_t n, sc_err *err)
{
	char **v = NULL;
	size_t m = 0;
	int rc = sc_rep_gene_ids(&v, &m, h, col, err);
	if (!rc && m != n) {
		sc_h5ad_strings_free(v, m);
		return sc_errf(err, SC_EINVAL, "var column '%s' has %zu values for %zu genes", col, m, n);
	}
	*out = v;
	return rc;
}

static int is_hdf5(const char *path)
{
	unsigned char b[8] = { 0 };
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(b, 1, 8, f) : 0;
	if (f)
		fclose(f);
	return n == 8 && !memcmp(b, "\x89HDF\r\n\x1a\n", 8);
}

/* A gene list: the var of an .h5ad, or a text file with one gene a line
 * (a second tab-separated field is the symbol). */
static int read_gene_list(sc_grn_embedding *e, const sc_grn_source *s, sc_err *err)
{
	if (!s->genes_path)
		return sc_errf(err, SC_EINVAL, "%s: a .npy embedding needs a gene list", s->label);
	sc_h5ad *h = NULL;
	if (is_hdf5(s->genes_path)) {
		int rc = sc_h5ad_open(&h, s->genes_path, err);
		if (!rc)
			rc = sc_rep_gene_ids(&e->ids, &e->n, h, s->var_key, err);
		if (!rc && s->symbol_key)
			rc = var_strings(&e->alt, h, s->symbol_key, e->n, err);
		sc_h5ad_close(h);
		return rc;
	}
	sc_buf b;
	sc_buf_init(&b);
	int rc = sc_read_file(&b, s->genes_path, err);
	size_t cap = 0;
	for (char *p = rc ? NULL : b.s, *save = NULL, *l = p ? strtok_r(p, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(l);
		if (len && l[len - 1] == '\r')
			l[--len] = 0;
		if (!len)
			continue;
		if (e->n == cap) {
			cap = cap ? 2 * cap : 1024;
			e->ids = sc_xrealloc(e->ids, cap * sizeof(char *));
			e->alt = sc_xrealloc(e->alt, cap * sizeof(char *));
		}
		char *tab = strchr(l, '\t');
		e->ids[e->n] = tab ? sc_xstrndup(l, (size_t)(tab - l)) : sc_xstrdup(l);
		e->alt[e->n++] = sc_xstrdup(tab ? tab + 1 : "");
	}
	sc_buf_free(&b);
	return rc;
}

static int load_vectors(sc_grn_embedding *e, const sc_grn_source *s, sc_err *err)
{
	if (!strcmp(s->where, "table")) {
		sc_named_matrix nm;
		int rc = sc_table_read_matrix(&nm, s->path, err);
		if (rc)
			return rc;
		e->x = nm.x;
		e->ids = nm.row_ids;
		e->n = nm.x.rows;
		for (size_t j = 0; j < nm.x.cols; j++)
			free(nm.col_names[j]);
		free(nm.col_names);
		return 0;
	}
	if (!strcmp(s->where, "npy")) {
		int rc = sc_npy_read(&e->x, s->path, err);
		return rc ? rc : read_gene_list(e, s, err);
	}
	sc_h5ad *h = NULL;
	int rc = sc_h5ad_open(&h, s->path, err);
	if (rc)
		return rc;
	int by_var = !strncmp(s->where, "varm/", 5);
	rc = sc_h5ad_read_dense(&e->x, h, s->where, 0, err);
	if (!rc && by_var) {
		rc = sc_rep_gene_ids(&e->ids, &e->n, h, s->var_key, err);
		if (!rc && s->symbol_key)
			rc = var_strings(&e->alt, h, s->symbol_key, e->n, err);
	} else if (!rc) {
		rc = sc_h5ad_read_index(&e->ids, &e->n, h, "obs", err);
		char *p = sc_xasprintf("obs/%s", SC_GRN_SYMBOL_COLUMN);
		if (!rc && sc_h5ad_has(h, p))
			rc = sc_h5ad_read_strings(&e->alt, &(size_t){ 0 }, h, p, err);
		free(p);
	}
	sc_h5ad_close(h);
	return rc;
}

static int cmp_idx_name(const void *a, const void *b, void *names)
{
	char **n = names;
	return strcmp(n[*(const size_t *)a], n[*(const size_t *)b]);
}

/* Genes whose row holds a NaN are dropped (a model that could not embed a
 * gene, e.g. scanpy's PCA loadings of genes outside the HVGs); their count
 * and the first one's name go to the caller's note. An infinite value is
 * an error: it is no missing value but a broken file. */
static int drop_nan_rows(sc_grn_embedding *e, const char *label, sc_grn_dropped *d, sc_err *err)
{
	size_t w = 0, d_cols = e->x.cols;
	for (size_t i = 0; i < e->x.rows; i++)
		for (size_t j = 0; j < d_cols; j++)
			if (isinf(e->x.v[i * d_cols + j]))
				return sc_errf(err, SC_EINVAL, "%s: gene '%s' has an infinite value (dim %zu)",
					       label, e->ids[i], j);
	for (size_t i = 0; i < e->x.rows; i++) {
		const double *r = e->x.v + i * d_cols;
		int nan = 0;
		for (size_t j = 0; j < d_cols; j++)
			nan |= isnan(r[j]);
		if (nan) {
			if (!d->n++)
				snprintf(d->first, sizeof(d->first), "%s", e->ids[i]);
			free(e->ids[i]);
			if (e->alt)
				free(e->alt[i]);
			continue;
		}
		if (w != i) {
			memmove(e->x.v + w * d_cols, r, d_cols * sizeof(double));
			e->ids[w] = e->ids[i];
			if (e->alt)
				e->alt[w] = e->alt[i];
		}
		w++;
	}
	e->x.rows = e->n = w;
	return 0;
}

/* Enough genes, unique ids. */
static int check_embedding(const sc_grn_embedding *e, const char *label, sc_err *err)
{
	if (e->n < 3 || !e->x.cols)
		return sc_errf(err, SC_EINVAL, "%s: %zu genes x %zu dims (without NaN rows): too small "
			       "to cluster", label, e->n, e->x.cols);
	size_t *ord = sc_xmalloc(e->n * sizeof(size_t));
	for (size_t i = 0; i < e->n; i++)
		ord[i] = i;
	qsort_r(ord, e->n, sizeof(size_t), cmp_idx_name, e->ids);
	size_t dups = 0, firstdup = 0;
	for (size_t i = 1; i < e->n; i++)
		if (!strcmp(e->ids[ord[i - 1]], e->ids[ord[i]]) && !dups++)
			firstdup = ord[i];
	free(ord);
	if (dups)
		return sc_errf(err, SC_EINVAL,
			       "%s: %zu duplicated gene name%s, e.g. '%s' (make them unique, or use var_key)",
			       label, dups, dups == 1 ? "" : "s", e->ids[firstdup]);
	return 0;
}

int sc_grn_embedding_load(sc_grn_embedding *out, sc_grn_dropped *dropped, const sc_grn_source *src,
			  sc_err *err)
{
	memset(out, 0, sizeof(*out));
	memset(dropped, 0, sizeof(*dropped));
	int rc = load_vectors(out, src, err);
	if (!rc && out->n != out->x.rows)
		rc = sc_errf(err, SC_EINVAL, "%s: %zu gene names for %zu embedding rows", src->label,
			     out->n, out->x.rows);
	if (!rc)
		rc = drop_nan_rows(out, src->label, dropped, err);
	if (!rc)
		rc = check_embedding(out, src->label, err);
	if (rc)
		sc_grn_embedding_free(out);
	return rc;
}

/* The dataset's genes expressed in at least min_cells cells, their
 * log1p(normalize_total) counts as genes x cells (dense). */
static int expressed_genes(sc_grn_embedding *out, sc_dmat *profiles, const char *data,
			   const sc_grn_expr_opts *o, sc_err *err)
{
	sc_h5ad *h = NULL;
	sc_csr m = { 0 }, t = { 0 };
	char **ids = NULL, **alt = NULL;
	size_t n = 0;
	int rc = sc_h5ad_open(&h, data, err);
	if (rc || (rc = sc_rep_read_counts(&m, h, o->counts, err)) ||
	    (rc = sc_rep_gene_ids(&ids, &n, h, o->var_key, err)) ||
	    (o->symbol_key && (rc = var_strings(&alt, h, o->symbol_key, n, err))) ||
	    (rc = sc_normalize_total_csr(&m, o->target_sum, err)))
		goto out;
	sc_log1p_csr(&m);
	sc_csr_transpose(&t, &m);
	size_t keep = 0;
	for (size_t g = 0; g < t.rows; g++) {
		size_t nz = 0;
		for (int64_t p = t.indptr[g]; p < t.indptr[g + 1]; p++)
			nz += t.data[p] != 0;
		if (nz >= o->min_cells)
			keep++;
	}
	if (keep < 3) {
		rc = sc_errf(err, SC_EINVAL, "%zu genes are expressed in at least %zu cells: too few",
			     keep, o->min_cells);
		goto out;
	}
	if (profiles)
		sc_dmat_alloc(profiles, keep, t.cols);
	out->ids = sc_xcalloc(keep, sizeof(char *));
	out->alt = alt ? sc_xcalloc(keep, sizeof(char *)) : NULL;
	out->n = 0;
	for (size_t g = 0; g < t.rows; g++) {
		size_t nz = 0;
		for (int64_t p = t.indptr[g]; p < t.indptr[g + 1]; p++)
			nz += t.data[p] != 0;
		if (nz < o->min_cells)
			continue;
		if (profiles)
			for (int64_t p = t.indptr[g]; p < t.indptr[g + 1]; p++)
				profiles->v[out->n * t.cols + (size_t)t.indices[p]] = t.data[p];
		out->ids[out->n] = sc_xstrdup(ids[g]);
		if (alt)
			out->alt[out->n] = sc_xstrdup(alt[g]);
		out->n++;
	}
out:
	sc_h5ad_strings_free(ids, n);
	if (alt)
		sc_h5ad_strings_free(alt, n);
	sc_csr_free(&m);
	sc_csr_free(&t);
	sc_h5ad_close(h);
	return rc;
}

int sc_grn_embed_coexpression(sc_grn_embedding *out, const char *data, const sc_grn_expr_opts *o,
			      sc_err *err)
{
	memset(out, 0, sizeof(*out));
	sc_dmat prof = { 0 };
	int rc = expressed_genes(out, &prof, data, o, err);
	if (rc)
		goto out;
	/* Standardise each gene's profile: cosine between standardised
	 * profiles is their Pearson correlation. A gene expressed in
	 * min_cells cells has a non-zero variance unless it is constant. */
	for (size_t g = 0; g < prof.rows; g++) {
		double *r = prof.v + g * prof.cols, s = 0, q = 0;
		for (size_t j = 0; j < prof.cols; j++)
			s += r[j];
		double mean = s / (double)prof.cols;
		for (size_t j = 0; j < prof.cols; j++)
			q += (r[j] - mean) * (r[j] - mean);
		double sd = sqrt(q / (double)prof.cols);
		for (size_t j = 0; j < prof.cols; j++)
			r[j] = sd > 0 ? (r[j] - mean) / sd : 0;
	}
	size_t nc = o->n_comps;
	size_t lim = (prof.rows < prof.cols ? prof.rows : prof.cols) - 1;
	if (nc > lim)
		nc = lim;
	rc = sc_pca_dense(&out->x, NULL, &prof, nc, err);
out:
	sc_dmat_free(&prof);
	if (rc)
		sc_grn_embedding_free(out);
	return rc;
}

int sc_grn_embed_random(sc_grn_embedding *out, const char *data, const sc_grn_expr_opts *o,
			uint64_t seed, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	int rc = expressed_genes(out, NULL, data, o, err);
	if (rc) {
		sc_grn_embedding_free(out);
		return rc;
	}
	sc_dmat_alloc(&out->x, out->n, o->n_comps);
	for (size_t g = 0; g < out->n; g++) {
		sc_rng r;
		sc_rng_stream(&r, seed, g);
		for (size_t j = 0; j < o->n_comps; j++)
			out->x.v[g * o->n_comps + j] = sc_rng_normal(&r);
	}
	return 0;
}

int sc_grn_embedding_write(const sc_grn_embedding *e, const char *path, const char *what,
			   sc_err *err)
{
	sc_h5ad_writer *w = NULL;
	char *key = sc_xasprintf("obsm/%s", SC_GRN_EMBED_KEY);
	int rc = sc_h5ad_create(&w, path, err);
	if (!rc)
		rc = sc_h5ad_write_index(w, "obs", e->ids, e->n, err);
	if (!rc && e->alt)
		rc = sc_h5ad_write_strings(w, "obs", SC_GRN_SYMBOL_COLUMN, e->alt, e->n, err);
	if (!rc)
		rc = sc_h5ad_write_index(w, "var", NULL, 0, err);
	if (!rc)
		rc = sc_h5ad_write_dense(w, key, &e->x, SC_H5AD_F64, err);
	if (!rc)
		rc = sc_h5ad_write_uns_string(w, "gene_embedding", what, err);
	if (!rc) {
		rc = sc_h5ad_writer_close(w, err);
		w = NULL;
	}
	sc_h5ad_writer_free(w);
	free(key);
	return rc;
}
