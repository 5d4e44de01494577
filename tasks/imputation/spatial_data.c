/*
 * tasks/imputation/spatial_data.c - the spatial setting's data: the gene
 * table that says which shared genes are held out, and both data sets read
 * on those genes and normalised alike for the methods and the scores.
 *
 * Library sizes come from the training genes only, so the held-out genes'
 * measured values never shape what a method sees of a spot.
 */
#include "imputation.h"
#include "io/h5ad.h"
#include "tasks/rep.h"
#include "util/buf.h"
#include "util/fs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GENES_HEADER "gene\treference_gene\trole"

void sc_imp_genes_free(sc_imp_genes *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		free(g->spatial[i]);
		free(g->reference[i]);
	}
	free(g->spatial);
	free(g->reference);
	free(g->test);
	memset(g, 0, sizeof(*g));
}

int sc_imp_genes_write(const sc_imp_genes *g, const char *path, sc_err *err)
{
	sc_buf b;
	sc_buf_init(&b);
	sc_buf_puts(&b, GENES_HEADER "\n");
	for (size_t i = 0; i < g->n; i++)
		sc_buf_printf(&b, "%s\t%s\t%s\n", g->spatial[i], g->reference[i],
			      g->test[i] ? "test" : "train");
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, err);
	sc_buf_free(&b);
	return rc;
}

int sc_imp_genes_read(sc_imp_genes *out, const char *path, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	sc_buf b;
	sc_buf_init(&b);
	int rc = sc_read_file(&b, path, err);
	if (rc)
		goto out;
	sc_buf_putc(&b, 0);
	char *save = NULL, *line = strtok_r(b.s, "\n", &save);
	if (!line || strcmp(line, GENES_HEADER)) {
		rc = sc_errf(err, SC_EINVAL, "%s: not a gene table of imputation.genes",
			     sc_path_basename(path));
		goto out;
	}
	size_t cap = 0;
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2) {
			rc = sc_errf(err, SC_EINVAL, "%s: malformed line '%s'", sc_path_basename(path), line);
			goto out;
		}
		*t1 = *t2 = 0;
		if (out->n == cap) {
			cap = cap ? 2 * cap : 64;
			out->spatial = sc_xrealloc(out->spatial, cap * sizeof(char *));
			out->reference = sc_xrealloc(out->reference, cap * sizeof(char *));
			out->test = sc_xrealloc(out->test, cap * sizeof(int));
		}
		out->spatial[out->n] = sc_xstrdup(line);
		out->reference[out->n] = sc_xstrdup(t1 + 1);
		out->test[out->n++] = !strcmp(t2 + 1, "test");
	}
out:
	sc_buf_free(&b);
	if (rc)
		sc_imp_genes_free(out);
	return rc;
}

void sc_imp_pair_free(sc_imp_pair *p)
{
	if (!p)
		return;
	sc_dmat_free(&p->sp_train);
	sc_dmat_free(&p->sp_test);
	sc_dmat_free(&p->ref_train);
	sc_dmat_free(&p->ref_test);
	free(p->sp_counts);
	sc_h5ad_strings_free(p->spots, p->n_spots);
	for (size_t j = 0; j < p->n_test; j++)
		free(p->test_names[j]);
	for (size_t j = 0; j < p->n_train; j++)
		free(p->train_names[j]);
	free(p->test_names);
	free(p->train_names);
	memset(p, 0, sizeof(*p));
}

/* Column index of each gene in names (exact names: the gene table holds
 * each data set's own spelling). */
static int locate(int32_t *col, char *const *want, size_t n, char *const *names, size_t nn,
		  const char *file, sc_err *err)
{
	size_t unmatched = sc_rep_match_names(col, want, n, names, nn);
	(void)unmatched;
	for (size_t j = 0; j < n; j++)
		if (col[j] < 0)
			return sc_errf(err, SC_EINVAL, "%s: gene '%s' of the gene table is not in it",
				       sc_path_basename(file), want[j]);
	return 0;
}

/* Rows of m (CSR) on the columns col (train first, then test) as two dense
 * matrices, each row scaled by 1e4 / its training total, then log1p. */
static void split_normalize(sc_dmat *train, sc_dmat *test, double *totals, const sc_csr *m,
			    const int32_t *col, size_t ntr, size_t nte, int normalize)
{
	sc_dmat_alloc(train, m->rows, ntr);
	sc_dmat_alloc(test, m->rows, nte);
	int32_t *where = sc_xmalloc((m->cols ? m->cols : 1) * sizeof(int32_t));
	for (size_t j = 0; j < m->cols; j++)
		where[j] = -1;
	for (size_t j = 0; j < ntr + nte; j++)
		where[col[j]] = (int32_t)j;
	for (size_t i = 0; i < m->rows; i++) {
		for (int64_t p = m->indptr[i]; p < m->indptr[i + 1]; p++) {
			int32_t j = where[m->indices[p]];
			if (j < 0)
				continue;
			if ((size_t)j < ntr)
				train->v[i * ntr + (size_t)j] = m->data[p];
			else
				test->v[i * nte + (size_t)j - ntr] = m->data[p];
		}
		double tot = 0;
		for (size_t j = 0; j < ntr; j++)
			tot += train->v[i * ntr + j];
		if (totals)
			totals[i] = tot;
		if (!normalize)
			continue;
		double f = tot > 0 ? 1e4 / tot : 1.0;
		for (size_t j = 0; j < ntr; j++)
			train->v[i * ntr + j] = log1p(train->v[i * ntr + j] * f);
		for (size_t j = 0; j < nte; j++)
			test->v[i * nte + j] = log1p(test->v[i * nte + j] * f);
	}
	free(where);
}

/* One data set's values on its genes of the table (train, then test). */
static int load_side(sc_dmat *train, sc_dmat *test, double *totals_or_null, char ***obs,
		     size_t *nobs, const char *path, char *const *genes_tr, size_t ntr,
		     char *const *genes_te, size_t nte, int normalize, sc_err *err)
{
	sc_h5ad *h = NULL;
	sc_csr m = { 0 };
	char **var = NULL;
	size_t nvar = 0;
	char **want = sc_xmalloc((ntr + nte + 1) * sizeof(char *));
	int32_t *col = sc_xmalloc((ntr + nte + 1) * sizeof(int32_t));
	memcpy(want, genes_tr, ntr * sizeof(char *));
	memcpy(want + ntr, genes_te, nte * sizeof(char *));
	int rc = sc_h5ad_open(&h, path, err);
	if (rc || (rc = sc_h5ad_read_index(&var, &nvar, h, "var", err)) ||
	    (rc = locate(col, want, ntr + nte, var, nvar, path, err)) ||
	    (rc = sc_h5ad_read_csr(&m, h, "X", 0, err)))
		goto out;
	for (size_t p = 0; p < sc_csr_nnz(&m); p++)
		if (!isfinite(m.data[p])) {
			rc = sc_errf(err, SC_EINVAL, "%s: X has a non-finite value", sc_path_basename(path));
			goto out;
		}
	if (obs && (rc = sc_h5ad_read_index(obs, nobs, h, "obs", err)))
		goto out;
	split_normalize(train, test, totals_or_null, &m, col, ntr, nte, normalize);
out:
	free(want);
	free(col);
	sc_csr_free(&m);
	sc_h5ad_strings_free(var, nvar);
	sc_h5ad_close(h);
	return rc;
}

int sc_imp_pair_load(sc_imp_pair *out, const char *spatial, const char *reference,
		     const char *genes, int normalize, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	sc_imp_genes g;
	int rc = sc_imp_genes_read(&g, genes, err);
	if (rc)
		return rc;
	char **ref_tr = sc_xmalloc((g.n + 1) * sizeof(char *));
	char **ref_te = sc_xmalloc((g.n + 1) * sizeof(char *));
	out->train_names = sc_xmalloc((g.n + 1) * sizeof(char *));
	out->test_names = sc_xmalloc((g.n + 1) * sizeof(char *));
	for (size_t j = 0; j < g.n; j++) {
		if (g.test[j]) {
			ref_te[out->n_test] = g.reference[j];
			out->test_names[out->n_test++] = sc_xstrdup(g.spatial[j]);
		} else {
			ref_tr[out->n_train] = g.reference[j];
			out->train_names[out->n_train++] = sc_xstrdup(g.spatial[j]);
		}
	}
	size_t ns = 0;
	{
		sc_h5ad *h = NULL;
		if (!(rc = sc_h5ad_open(&h, spatial, err)))
			sc_h5ad_shape(h, &ns, NULL);
		sc_h5ad_close(h);
	}
	if (!rc) {
		out->sp_counts = sc_xcalloc(ns ? ns : 1, sizeof(double));
		rc = load_side(&out->sp_train, &out->sp_test, out->sp_counts, &out->spots, &out->n_spots,
			       spatial, out->train_names, out->n_train, out->test_names, out->n_test,
			       normalize, err);
	}
	if (!rc)
		rc = load_side(&out->ref_train, &out->ref_test, NULL, NULL, NULL, reference, ref_tr,
			       out->n_train, ref_te, out->n_test, normalize, err);
	out->n_cells = out->ref_train.rows;
	free(ref_tr);
	free(ref_te);
	sc_imp_genes_free(&g);
	if (rc)
		sc_imp_pair_free(out);
	return rc;
}

int sc_imp_coords(sc_dmat *out, const char *spatial, sc_err *err)
{
	sc_h5ad *h = NULL;
	int rc = sc_h5ad_open(&h, spatial, err);
	if (rc)
		return rc;
	if (!sc_h5ad_has(h, "obsm/spatial"))
		rc = sc_errf(err, SC_EINVAL, "%s: the spots have no coordinates (no obsm/spatial)",
			     sc_path_basename(spatial));
	else if (!(rc = sc_h5ad_read_dense(out, h, "obsm/spatial", 0, err)) && out->cols < 2) {
		rc = sc_errf(err, SC_EINVAL, "%s: obsm/spatial has %zu column(s), not x and y",
			     sc_path_basename(spatial), out->cols);
		sc_dmat_free(out);
	}
	sc_h5ad_close(h);
	return rc;
}
