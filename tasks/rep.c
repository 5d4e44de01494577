/*
 * rep.c - representations of cells for the evaluation tasks (see rep.h).
 */
#include "rep.h"
#include "util/fs.h"
#include "util/progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

char *sc_rep_path(const char *where)
{
	if (!strncmp(where, "obsm:", 5))
		return sc_xasprintf("obsm/%s", where + 5);
	if (!strncmp(where, "layer:", 6))
		return sc_xasprintf("layers/%s", where + 6);
	if (!strncmp(where, "layers:", 7))
		return sc_xasprintf("layers/%s", where + 7);
	return sc_xstrdup(where);
}

int sc_rep_check_finite(const sc_dmat *m, const char *file, const char *what, sc_err *err)
{
	size_t n = m->rows * m->cols;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(m->v[i]))
			return sc_errf(err, SC_EINVAL, "%s: %s: %s at cell %zu, column %zu",
				       sc_path_basename(file), what, isnan(m->v[i]) ? "NaN" : "Inf",
				       i / m->cols, i % m->cols);
	return 0;
}

int sc_rep_load(sc_dmat *out, sc_h5ad *h, const char *where, sc_err *err)
{
	char *path = sc_rep_path(where);
	int rc = sc_h5ad_read_dense(out, h, path, 0, err);
	if (!rc) {
		size_t n_obs, n_vars;
		sc_h5ad_shape(h, &n_obs, &n_vars);
		if (out->rows != n_obs)
			rc = sc_errf(err, SC_EINVAL, "%s: %s has %zu rows but the file has %zu cells",
				     sc_path_basename(sc_h5ad_path(h)), path, out->rows, n_obs);
		else
			rc = sc_rep_check_finite(out, sc_h5ad_path(h), path, err);
		if (rc)
			sc_dmat_free(out);
	}
	free(path);
	return rc;
}

size_t sc_labels_unlabel(sc_labels *l, const json_t *names)
{
	static const char *const dflt[] = { "nan", "NaN", NULL };
	size_t marked = 0;
	for (size_t k = 0; k < l->ncat; k++) {
		int hit = 0;
		if (names) {
			size_t i;
			json_t *v;
			json_array_foreach(names, i, v)
				hit |= json_is_string(v) && !strcmp(json_string_value(v), l->names[k]);
		} else {
			for (int i = 0; dflt[i]; i++)
				hit |= !strcmp(dflt[i], l->names[k]);
		}
		if (!hit)
			continue;
		for (size_t c = 0; c < l->n; c++)
			if (l->codes[c] == (int32_t)k) {
				l->codes[c] = -1;
				marked++;
			}
	}
	return marked;
}

/* Append rows to a CSR matrix whose arrays hold *cap values. */
static void csr_append(sc_csr *out, size_t *cap, const sc_csr *b)
{
	size_t have = (size_t)out->indptr[out->rows], add = (size_t)b->indptr[b->rows];
	if (have + add > *cap) {
		size_t c = *cap ? *cap : 1024;
		while (c < have + add)
			c *= 2;
		out->indices = sc_xrealloc(out->indices, sc_mulsz(c, sizeof(int32_t)));
		out->data = sc_xrealloc(out->data, sc_mulsz(c, sizeof(double)));
		*cap = c;
	}
	memcpy(out->indices + have, b->indices, add * sizeof(int32_t));
	memcpy(out->data + have, b->data, add * sizeof(double));
	for (size_t r = 1; r <= b->rows; r++)
		out->indptr[out->rows + r] = (int64_t)have + b->indptr[r];
	out->rows += b->rows;
}

/* Row storage (CSR, dense) is read in blocks of cells so that progress can
 * count them; the values are those of one read (every check is per row).
 * CSC is read at once: each block would read every column. */
int sc_rep_read_counts(sc_csr *out, sc_h5ad *h, const char *counts, sc_err *err)
{
	char *p = !strcmp(counts, "X") || !strncmp(counts, "layers/", 7) ||
				  !strncmp(counts, "obsm/", 5) || !strncmp(counts, "raw/", 4)
			  ? sc_xstrdup(counts)
			  : sc_xasprintf("layers/%s", counts);
	sc_h5ad_matinfo mi;
	int rc = sc_h5ad_matrix_info(&mi, h, p, err);
	if (rc || mi.storage == SC_H5AD_CSC || mi.rows < 4096) {
		rc = rc ? rc : sc_h5ad_read_csr(out, h, p, SC_H5AD_COUNTS, err);
		free(p);
		return rc;
	}
	memset(out, 0, sizeof(*out));
	out->cols = mi.cols;
	out->indptr = sc_xcalloc(mi.rows + 1, sizeof(int64_t));
	/* sized once from the stored count: growing by doubling would touch
	 * (and, past the first realloc that cannot move in place, copy) up to
	 * twice the final arrays */
	size_t cap = mi.nnz ? mi.nnz : 1, block = mi.rows / 64 > 2048 ? mi.rows / 64 : 2048;
	out->indices = sc_xmalloc(sc_mulsz(cap, sizeof(int32_t)));
	out->data = sc_xmalloc(sc_mulsz(cap, sizeof(double)));
	sc_progress pr;
	sc_progress_begin_unit(&pr, "reading counts", "cells", mi.rows);
	for (size_t r0 = 0; r0 < mi.rows && !rc; r0 += block) {
		size_t r1 = r0 + block < mi.rows ? r0 + block : mi.rows;
		sc_csr b;
		if ((rc = sc_h5ad_read_rows(&b, h, p, r0, r1, SC_H5AD_COUNTS, err)))
			break;
		csr_append(out, &cap, &b);
		sc_csr_free(&b);
		sc_progress_update(&pr, r1);
	}
	sc_progress_end(&pr);
	free(p);
	if (rc)
		sc_csr_free(out);
	return rc;
}

int sc_rep_gene_ids(char ***ids, size_t *n, sc_h5ad *h, const char *var_key, sc_err *err)
{
	if (!var_key || !*var_key)
		return sc_h5ad_read_index(ids, n, h, "var", err);
	sc_labels l;
	int rc = sc_h5ad_read_labels(&l, h, "var", var_key, err);
	if (rc)
		return rc;
	*n = l.n;
	*ids = sc_xcalloc(l.n ? l.n : 1, sizeof(char *));
	for (size_t i = 0; i < l.n; i++)
		(*ids)[i] = sc_xstrdup(l.codes[i] >= 0 ? l.names[l.codes[i]] : "");
	sc_labels_free(&l);
	return 0;
}

typedef struct named {
	const char *name;
	size_t idx;
} named;

static int named_cmp(const void *a, const void *b)
{
	return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

size_t sc_rep_match_names(int32_t *map, char *const *names, size_t n, char *const *ref, size_t nref)
{
	named *r = sc_xmalloc((nref ? nref : 1) * sizeof(named));
	for (size_t j = 0; j < nref; j++)
		r[j] = (named){ ref[j], j };
	if (nref > 1)
		qsort(r, nref, sizeof(named), named_cmp);
	uint8_t *have = sc_xcalloc(nref ? nref : 1, 1);
	for (size_t j = 0; j < n; j++) {
		named key = { names[j], 0 };
		named *f = nref ? bsearch(&key, r, nref, sizeof(named), named_cmp) : NULL;
		map[j] = f ? (int32_t)f->idx : -1;
		if (f)
			have[f->idx] = 1;
	}
	size_t missing = 0;
	for (size_t j = 0; j < nref; j++)
		missing += !have[j];
	free(have);
	free(r);
	return missing;
}
