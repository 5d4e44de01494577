/*
 * data.c - the real data of the simulation task, read in one streaming
 * pass per purpose: blocks of cells come in as CSR, leave as per-gene
 * counts (CSC, 8 bytes per non-zero), library sizes and the per-gene
 * variance of log1p(CP10k) that ranks the copula's genes. Built for 100k
 * cells x 2,000 genes: memory is the non-zeros plus one block.
 */
#include "tasks/simulation/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define READ_BLOCK 4096

void sc_sim_data_free(sc_sim_data *d)
{
	if (!d)
		return;
	free(d->colptr);
	free(d->row);
	free(d->val);
	free(d->lib);
	free(d->lnvar);
	sc_labels_free(&d->type);
	sc_labels_free(&d->batch);
	free(d->type_key);
	free(d->batch_key);
	sc_h5ad_strings_free(d->cell_names, d->n);
	sc_h5ad_strings_free(d->gene_names, d->genes);
	memset(d, 0, sizeof(*d));
}

/* Keep only the categories that have cells (in the file's order); a
 * missing value or a single category is an error naming the column. */
int sc_sim_covariate_check(sc_labels *l, const char *file, const char *key, sc_err *err)
{
	size_t *cnt = sc_xcalloc(l->ncat + 1, sizeof(size_t));
	size_t missing = sc_labels_counts(l, cnt);
	int rc = 0;
	if (missing) {
		size_t i = 0;
		while (l->codes[i] >= 0)
			i++;
		rc = sc_errf(err, SC_EINVAL,
			     "%s: obs/%s: %zu cell%s without a value (first: row %zu); the simulators "
			     "need a value for every cell",
			     file, key, missing, missing == 1 ? "" : "s", i);
		goto out;
	}
	int32_t *map = sc_xmalloc((l->ncat ? l->ncat : 1) * sizeof(int32_t));
	size_t used = 0;
	for (size_t k = 0; k < l->ncat; k++) {
		map[k] = cnt[k] ? (int32_t)used : -1;
		if (cnt[k]) {
			char *nm = l->names[k];
			l->names[k] = NULL;
			l->names[used++] = nm;
		} else {
			free(l->names[k]);
			l->names[k] = NULL;
		}
	}
	for (size_t i = 0; i < l->n; i++)
		l->codes[i] = map[l->codes[i]];
	l->ncat = used;
	free(map);
	if (used < 2)
		rc = sc_errf(err, SC_EINVAL,
			     "%s: obs/%s: a covariate with a single value ('%s'); a covariate needs at "
			     "least 2",
			     file, key, used ? l->names[0] : "");
out:
	free(cnt);
	return rc;
}

int sc_sim_counts_check(const sc_csr *b, size_t r0, const char *file, const char *counts,
			char *const *gene_names, sc_err *err)
{
	for (size_t i = 0; i < b->rows; i++)
		for (int64_t k = b->indptr[i]; k < b->indptr[i + 1]; k++) {
			double v = b->data[k];
			if (v != floor(v) || v > 2147483647.0)
				return sc_errf(err, SC_EINVAL,
					       "%s: %s: not counts: cell %zu, gene '%s' has %g; the NB "
					       "models need non-negative integers (give the raw counts "
					       "with 'counts: layers/NAME')",
					       file, counts, r0 + i, gene_names[b->indices[k]], v);
		}
	return 0;
}

/* Pass 1: library sizes, non-zeros per gene, log1p(CP10k) moments. */
static int scan(sc_sim_data *d, sc_h5ad *h, const char *counts, const char *file, size_t *nnz,
		double *s1, double *s2, sc_err *err)
{
	for (size_t r0 = 0; r0 < d->n; r0 += READ_BLOCK) {
		size_t r1 = r0 + READ_BLOCK < d->n ? r0 + READ_BLOCK : d->n;
		sc_csr b;
		int rc = sc_h5ad_read_rows(&b, h, counts, r0, r1, SC_H5AD_COUNTS, err);
		if (rc)
			return rc;
		if ((rc = sc_sim_counts_check(&b, r0, file, counts, d->gene_names, err))) {
			sc_csr_free(&b);
			return rc;
		}
		for (size_t i = 0; i < b.rows; i++) {
			double L = 0;
			for (int64_t k = b.indptr[i]; k < b.indptr[i + 1]; k++)
				L += b.data[k];
			d->lib[r0 + i] = L;
			for (int64_t k = b.indptr[i]; k < b.indptr[i + 1]; k++) {
				if (b.data[k] == 0)
					continue;
				size_t g = (size_t)b.indices[k];
				nnz[g]++;
				double v = log1p(b.data[k] / L * 1e4);
				s1[g] += v;
				s2[g] += v * v;
			}
		}
		sc_csr_free(&b);
	}
	return 0;
}

/* Pass 2: the non-zeros into their genes' columns. */
static int fill(sc_sim_data *d, sc_h5ad *h, const char *counts, sc_err *err)
{
	int64_t *next = sc_xmalloc(d->genes * sizeof(int64_t));
	memcpy(next, d->colptr, d->genes * sizeof(int64_t));
	int rc = 0;
	for (size_t r0 = 0; r0 < d->n && !rc; r0 += READ_BLOCK) {
		size_t r1 = r0 + READ_BLOCK < d->n ? r0 + READ_BLOCK : d->n;
		sc_csr b;
		if ((rc = sc_h5ad_read_rows(&b, h, counts, r0, r1, SC_H5AD_COUNTS, err)))
			break;
		for (size_t i = 0; i < b.rows; i++)
			for (int64_t k = b.indptr[i]; k < b.indptr[i + 1]; k++) {
				if (b.data[k] == 0)
					continue;
				int64_t at = next[b.indices[k]]++;
				d->row[at] = (int32_t)(r0 + i);
				d->val[at] = (int32_t)b.data[k];
			}
		sc_csr_free(&b);
	}
	free(next);
	return rc;
}

int sc_sim_data_read(sc_sim_data *out, const char *path, const char *counts,
		     const char *type_key, const char *batch_key, sc_err *err)
{
	memset(out, 0, sizeof(*out));
	sc_sim_data *d = out;
	sc_h5ad *h = NULL;
	int rc = sc_h5ad_open(&h, path, err);
	if (rc)
		return rc;
	const char *file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	sc_h5ad_shape(h, &d->n, &d->genes);
	size_t nn = 0, ng = 0;
	if ((rc = sc_h5ad_read_index(&d->cell_names, &nn, h, "obs", err)) ||
	    (rc = sc_h5ad_read_index(&d->gene_names, &ng, h, "var", err)))
		goto out;
	if ((rc = sc_h5ad_read_labels(&d->type, h, "obs", type_key, err)) ||
	    (rc = sc_sim_covariate_check(&d->type, file, type_key, err)))
		goto out;
	d->type_key = sc_xstrdup(type_key);
	if (batch_key) {
		if ((rc = sc_h5ad_read_labels(&d->batch, h, "obs", batch_key, err)) ||
		    (rc = sc_sim_covariate_check(&d->batch, file, batch_key, err)))
			goto out;
		d->batch_key = sc_xstrdup(batch_key);
	}
	if (d->n < 2 || d->genes < 1) {
		rc = sc_errf(err, SC_EINVAL, "%s: %zu cells x %zu genes: too few to fit a model", file,
			     d->n, d->genes);
		goto out;
	}
	size_t G = d->genes;
	size_t *nnz = sc_xcalloc(G, sizeof(size_t));
	double *s1 = sc_xcalloc(G, sizeof(double)), *s2 = sc_xcalloc(G, sizeof(double));
	d->lib = sc_xmalloc(d->n * sizeof(double));
	rc = scan(d, h, counts, file, nnz, s1, s2, err);
	if (!rc) {
		d->colptr = sc_xmalloc((G + 1) * sizeof(int64_t));
		d->colptr[0] = 0;
		for (size_t g = 0; g < G; g++)
			d->colptr[g + 1] = d->colptr[g] + (int64_t)nnz[g];
		size_t tot = (size_t)d->colptr[G];
		d->row = sc_xmalloc((tot ? tot : 1) * sizeof(int32_t));
		d->val = sc_xmalloc((tot ? tot : 1) * sizeof(int32_t));
		d->lnvar = sc_xmalloc(G * sizeof(double));
		double n = (double)d->n;
		for (size_t g = 0; g < G; g++) {
			double m = s1[g] / n, v = (s2[g] - n * m * m) / (n - 1);
			d->lnvar[g] = v > 0 ? v : 0;
		}
		rc = fill(d, h, counts, err);
	}
	free(nnz);
	free(s1);
	free(s2);
out:
	sc_h5ad_close(h);
	if (rc)
		sc_sim_data_free(d);
	return rc;
}

void sc_sim_data_gene(double *y, const sc_sim_data *d, size_t g)
{
	for (int64_t k = d->colptr[g]; k < d->colptr[g + 1]; k++)
		y[d->row[k]] = d->val[k];
}

static const double *rank_key;
static int by_var_desc(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	double x = rank_key[i], y = rank_key[j];
	if (x != y)
		return x > y ? -1 : 1;
	return (i > j) - (i < j);
}

void sc_sim_data_rank_variable(size_t *out, const sc_sim_data *d)
{
	for (size_t g = 0; g < d->genes; g++)
		out[g] = g;
	rank_key = d->lnvar;
	qsort(out, d->genes, sizeof(size_t), by_var_desc);
}
