/*
 * fuzz_h5ad_reads.h - what the h5ad targets read from a file (shared by
 * fuzz_h5ad.c and fuzz_h5ad_struct.c): everything `sceval inspect` and the
 * tasks read: the data frames' indexes and columns (as values, as labels,
 * as numbers), every matrix (info, CSR, row blocks, dense, checksums) and
 * the uns scalars.
 *
 * Elements claiming more than FUZZ_MAX values are described but not read:
 * HDF5 lets a file of a few bytes declare a dataset of 2^60 fill values,
 * and reading that is a resource limit, not a parser bug.
 *
 * Invariants: failures have messages; a CSR matrix read back has
 * indptr[0] = 0, non-decreasing indptr, column indices in range, and the
 * shape matrix_info announced; codes are -1 or below ncat.
 */
#ifndef SC_FUZZ_H5AD_READS_H
#define SC_FUZZ_H5AD_READS_H

#include "fuzz.h"
#include "io/h5ad.h"
#define FUZZ_MAX ((size_t)1 << 20)

/* The reader refuses an element larger than the memory limit before
 * allocating it (util/limits.h). Set below libFuzzer's -rss_limit_mb
 * (2048), so that what still runs out of memory is an allocation that no
 * guard covers (a finding), not one that a guard would refuse on a machine
 * with less memory. */
__attribute__((constructor)) static void fuzz_mem_limit(void)
{
	setenv("SCEVAL_MEM_LIMIT", "1G", 0);
}

static void check_csr(const sc_csr *m, size_t rows, size_t cols, const char *path)
{
	if (m->rows != rows || m->cols != cols)
		fuzz_fail("%s: read %zu x %zu, announced %zu x %zu", path, m->rows, m->cols, rows, cols);
	if (m->indptr[0] != 0)
		fuzz_fail("%s: indptr[0] = %lld", path, (long long)m->indptr[0]);
	for (size_t i = 0; i < m->rows; i++) {
		if (m->indptr[i + 1] < m->indptr[i])
			fuzz_fail("%s: indptr decreases at row %zu", path, i);
		for (int64_t k = m->indptr[i]; k < m->indptr[i + 1]; k++)
			if (m->indices[k] < 0 || (size_t)m->indices[k] >= m->cols)
				fuzz_fail("%s: column index %d of %zu", path, m->indices[k], m->cols);
	}
}

static void read_matrix(sc_h5ad *h, const char *path)
{
	sc_err err;
	memset(&err, 0, sizeof(err));
	sc_h5ad_matinfo mi;
	int rc = sc_h5ad_matrix_info(&mi, h, path, &err);
	if (rc) {
		fuzz_check_err(rc, &err, "sc_h5ad_matrix_info");
		return;
	}
	if (mi.rows > FUZZ_MAX || mi.cols > FUZZ_MAX || mi.nnz > FUZZ_MAX ||
	    (mi.cols && mi.rows > FUZZ_MAX / mi.cols))
		return;
	sc_csr m;
	memset(&m, 0, sizeof(m));
	for (unsigned flags = 0; flags <= SC_H5AD_COUNTS; flags += SC_H5AD_COUNTS) {
		rc = sc_h5ad_read_csr(&m, h, path, flags, &err);
		if (rc)
			fuzz_check_err(rc, &err, "sc_h5ad_read_csr");
		else
			check_csr(&m, mi.rows, mi.cols, path);
		sc_csr_free(&m);
		memset(&m, 0, sizeof(m));
	}
	if (mi.rows > 1) {
		rc = sc_h5ad_read_rows(&m, h, path, 1, mi.rows, 0, &err);
		if (rc)
			fuzz_check_err(rc, &err, "sc_h5ad_read_rows");
		else
			check_csr(&m, mi.rows - 1, mi.cols, path);
		sc_csr_free(&m);
	}
	sc_dmat d;
	memset(&d, 0, sizeof(d));
	rc = sc_h5ad_read_dense(&d, h, path, 0, &err);
	if (rc)
		fuzz_check_err(rc, &err, "sc_h5ad_read_dense");
	else if (d.rows != mi.rows || d.cols != mi.cols)
		fuzz_fail("%s: dense %zu x %zu, announced %zu x %zu", path, d.rows, d.cols, mi.rows,
			  mi.cols);
	sc_dmat_free(&d);
	sc_h5ad_checksum cs;
	rc = sc_h5ad_matrix_checksum(&cs, h, path, &err);
	if (rc)
		fuzz_check_err(rc, &err, "sc_h5ad_matrix_checksum");
}

static void read_frame(sc_h5ad *h, const char *df, size_t n_rows)
{
	sc_err err;
	memset(&err, 0, sizeof(err));
	if (!sc_h5ad_has(h, df) || n_rows > FUZZ_MAX)
		return;
	char **ix = NULL;
	size_t n = 0;
	int rc = sc_h5ad_read_index(&ix, &n, h, df, &err);
	if (rc)
		fuzz_check_err(rc, &err, "sc_h5ad_read_index");
	else
		sc_h5ad_strings_free(ix, n);
	sc_h5ad_colinfo *cols = NULL;
	size_t nc = 0;
	rc = sc_h5ad_columns(&cols, &nc, h, df, &err);
	if (rc) {
		fuzz_check_err(rc, &err, "sc_h5ad_columns");
		return;
	}
	for (size_t i = 0; i < nc && i < 32; i++) {
		sc_h5ad_column c;
		memset(&c, 0, sizeof(c));
		rc = sc_h5ad_read_column(&c, h, df, cols[i].name, &err);
		if (rc)
			fuzz_check_err(rc, &err, "sc_h5ad_read_column");
		else if (c.type == SC_H5AD_COL_CATEGORICAL)
			for (size_t k = 0; k < c.n; k++)
				if (c.codes[k] < -1 || (c.codes[k] >= 0 && (size_t)c.codes[k] >= c.ncat))
					fuzz_fail("%s/%s: code %d of %zu categories", df, cols[i].name,
						  c.codes[k], c.ncat);
		sc_h5ad_column_free(&c);
		sc_labels l;
		memset(&l, 0, sizeof(l));
		rc = sc_h5ad_read_labels(&l, h, df, cols[i].name, &err);
		if (rc)
			fuzz_check_err(rc, &err, "sc_h5ad_read_labels");
		else
			for (size_t k = 0; k < l.n; k++)
				if (l.codes[k] < -1 || (l.codes[k] >= 0 && (size_t)l.codes[k] >= l.ncat))
					fuzz_fail("%s/%s: label code %d of %zu", df, cols[i].name,
						  l.codes[k], l.ncat);
		sc_labels_free(&l);
		double *v = NULL;
		size_t nv = 0;
		rc = sc_h5ad_read_numeric(&v, &nv, h, df, cols[i].name, &err);
		if (!rc)
			free(v);
	}
	sc_h5ad_colinfo_free(cols, nc);
}

static void read_group(sc_h5ad *h, const char *group)
{
	sc_err err;
	char **keys = NULL;
	size_t n = 0;
	int rc = sc_h5ad_keys(&keys, &n, h, group, &err);
	if (rc) {
		fuzz_check_err(rc, &err, "sc_h5ad_keys");
		return;
	}
	for (size_t i = 0; i < n && i < 16; i++) {
		char *p = sc_xasprintf("%s/%s", group, keys[i]);
		if (strcmp(group, "uns")) {
			read_matrix(h, p);
		} else {
			sc_h5ad_elem e;
			if (!sc_h5ad_elem_info(&e, h, p, &err) && e.kind == SC_H5AD_KIND_DATASET) {
				char *s = NULL, **sv = NULL;
				double x;
				size_t ns = 0;
				if (!sc_h5ad_read_string(&s, h, p, &err))
					free(s);
				if (!sc_h5ad_read_scalar(&x, h, p, &err))
					(void)x;
				if (e.shape[0] <= FUZZ_MAX && !sc_h5ad_read_strings(&sv, &ns, h, p, &err))
					sc_h5ad_strings_free(sv, ns);
			}
		}
		free(p);
	}
	sc_h5ad_strings_free(keys, n);
}

/* Open path and read everything; failures must carry messages. */
static void fuzz_h5ad_reads(const char *p)
{
	sc_h5ad *h = NULL;
	sc_err err;
	memset(&err, 0, sizeof(err));
	int rc = sc_h5ad_open(&h, p, &err);
	if (rc) {
		fuzz_check_err(rc, &err, "sc_h5ad_open");
		return;
	}
	size_t n_obs, n_vars;
	sc_h5ad_shape(h, &n_obs, &n_vars);
	(void)sc_h5ad_encoding_name(sc_h5ad_encoding_of(h));
	read_frame(h, "obs", n_obs);
	read_frame(h, "var", n_vars);
	read_frame(h, "raw/var", FUZZ_MAX);
	read_matrix(h, "X");
	read_matrix(h, "raw/X");
	static const char *const groups[] = { "layers", "obsm", "varm", "obsp", "uns" };
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		read_group(h, groups[i]);
	sc_h5ad_close(h);
}

#endif
