/*
 * test_h5ad.c - the h5ad reader's API on files of known content: small
 * files written here by tests/oracle/h5ad_fixtures.py with h5py (values
 * fixed in that script and repeated below), and the real data, where the
 * expected numbers come from ../shared/data/SOURCES.md.
 */
#include "io/h5ad.h"
#include "unit.h"
#include "util/fs.h"

#include <math.h>

static char fx[4096];

static const char *fixture(const char *name)
{
	static char buf[4200];
	snprintf(buf, sizeof(buf), "%s/%s", fx, name);
	return buf;
}

static sc_h5ad *open_ok(const char *path)
{
	sc_h5ad *h = NULL;
	sc_err err = { 0, "" };
	int rc = sc_h5ad_open(&h, path, &err);
	OK(rc == 0, "open %s%s%s", sc_path_basename(path), rc ? ": " : "", rc ? err.msg : "");
	return h;
}

/* The matrix all fixtures share. */
static const double DENSE[4][3] = { { 1, 0, 2 }, { 0, 0, 3 }, { 4, 5, 0 }, { 0, 6, 0 } };

static int csr_equals(const sc_csr *m, size_t r0, size_t r1, double scale)
{
	if (m->rows != r1 - r0 || m->cols != 3)
		return 0;
	for (size_t i = 0; i < m->rows; i++) {
		double row[3] = { 0, 0, 0 };
		for (int64_t p = m->indptr[i]; p < m->indptr[i + 1]; p++) {
			if (p > m->indptr[i] && m->indices[p] <= m->indices[p - 1])
				return 0; /* sorted, no repeats */
			row[m->indices[p]] += m->data[p];
		}
		for (int j = 0; j < 3; j++)
			if (row[j] != scale * DENSE[r0 + i][j])
				return 0;
	}
	return 1;
}

static int labels_are(const sc_labels *l, const char *const *names, size_t ncat, const int *codes,
		      size_t n)
{
	if (l->ncat != ncat || l->n != n)
		return 0;
	for (size_t k = 0; k < ncat; k++)
		if (strcmp(l->names[k], names[k]))
			return 0;
	for (size_t i = 0; i < n; i++)
		if (l->codes[i] != codes[i])
			return 0;
	return 1;
}

static void test_errors(void)
{
	sc_h5ad *h = NULL;
	sc_err err = { 0, "" };
	OK(sc_h5ad_open(&h, "/nonexistent/x.h5ad", &err) == SC_ENOTFOUND && !h,
	   "missing file is SC_ENOTFOUND");
	OK(strstr(err.msg, "cannot open '/nonexistent/x.h5ad'") != NULL, "message names the file: %s",
	   err.msg);
	char path[4200];
	snprintf(path, sizeof(path), "%s/text.h5ad", fx);
	FILE *f = fopen(path, "w");
	fputs("not hdf5\n", f);
	fclose(f);
	OK(sc_h5ad_open(&h, path, &err) == SC_EINVAL, "text file rejected");
	OK(!strcmp(err.msg, "text.h5ad: not an HDF5 file"), "message: %s", err.msg);
	sc_h5ad_close(NULL); /* free accepts NULL */
}

static void test_legacy(void)
{
	sc_h5ad *h = open_ok(fixture("legacy.h5ad"));
	if (!h)
		return;
	sc_err err = { 0, "" };
	OK(sc_h5ad_encoding_of(h) == SC_H5AD_LEGACY, "legacy layout detected");
	size_t no, nv;
	sc_h5ad_shape(h, &no, &nv);
	OK(no == 4 && nv == 3, "shape 4 x 3");
	char **ix;
	size_t n;
	OK(sc_h5ad_read_index(&ix, &n, h, "obs", &err) == 0 && n == 4 && !strcmp(ix[0], "c1") &&
		   !strcmp(ix[3], "c4"),
	   "obs index from the compound 'index' field");
	sc_h5ad_strings_free(ix, n);
	sc_labels l;
	static const char *ct[] = { "B", "T", "NK" };
	static const int ctc[] = { 0, 1, 0, 2 };
	OK(sc_h5ad_read_labels(&l, h, "obs", "cell_type", &err) == 0 && labels_are(&l, ct, 3, ctc, 4),
	   "categorical from uns/cell_type_categories keeps the file's order");
	sc_labels_free(&l);
	double *v;
	OK(sc_h5ad_read_numeric(&v, &n, h, "obs", "score", &err) == 0 && n == 4 && v[0] == 1.5 &&
		   v[1] == 2.5 && isnan(v[2]) && v[3] == 4.0,
	   "float32 field with NaN");
	free(v);
	static const char *tf[] = { "False", "True" };
	static const int tfc[] = { 1, 0, 1, 0 };
	OK(sc_h5ad_read_labels(&l, h, "obs", "flag", &err) == 0 && labels_are(&l, tf, 2, tfc, 4),
	   "bool field as labels False < True");
	sc_labels_free(&l);
	static const char *kinds[] = { "coding", "noncoding" };
	static const int kc[] = { 1, 0, 1 };
	OK(sc_h5ad_read_labels(&l, h, "var", "kind", &err) == 0 && labels_are(&l, kinds, 2, kc, 3),
	   "var categorical from uns (int64 codes)");
	sc_labels_free(&l);
	sc_csr m;
	OK(sc_h5ad_read_csr(&m, h, "X", SC_H5AD_COUNTS, &err) == 0 && csr_equals(&m, 0, 4, 1),
	   "h5sparse X with uint16 indices and int64 indptr");
	sc_csr_free(&m);
	OK(sc_h5ad_read_rows(&m, h, "X", 1, 3, 0, &err) == 0 && csr_equals(&m, 1, 3, 1), "rows 1..3");
	sc_csr_free(&m);
	sc_dmat d;
	OK(sc_h5ad_read_dense(&d, h, "raw/X", 0, &err) == 0 && d.rows == 4 && d.cols == 3 &&
		   SC_AT(&d, 2, 1) == 50 && SC_AT(&d, 3, 1) == 60,
	   "raw.X at the root read as raw/X");
	sc_dmat_free(&d);
	OK(sc_h5ad_read_dense(&d, h, "obsm/X_pca", 0, &err) == 0 && d.rows == 4 && d.cols == 2 &&
		   SC_AT(&d, 0, 0) == 1 && SC_AT(&d, 3, 1) == 8,
	   "compound obsm field as a 4 x 2 matrix: %s", err.msg);
	sc_dmat_free(&d);
	OK(sc_h5ad_keys(&ix, &n, h, "obsm", &err) == 0 && n == 2 && !strcmp(ix[0], "X_pca") &&
		   !strcmp(ix[1], "X_umap"),
	   "keys of a compound obsm");
	sc_h5ad_strings_free(ix, n);
	char *s;
	OK(sc_h5ad_read_string(&s, h, "uns/note", &err) == 0 && !strcmp(s, "legacy"),
	   "1-element fixed-length string as a scalar");
	free(s);
	OK(sc_h5ad_read_index(&ix, &n, h, "raw/var", &err) == 0 && n == 3 && !strcmp(ix[2], "r3"),
	   "raw.var index");
	sc_h5ad_strings_free(ix, n);
	sc_h5ad_close(h);

	/* Editing a copy of a pre-0.7 file: compound obs and obsm cannot grow. */
	char copy[4200];
	snprintf(copy, sizeof(copy), "%s/legacy-edit.h5ad", fx);
	sc_h5ad_writer *w;
	if (sc_h5ad_edit(&w, copy, fixture("legacy.h5ad"), &err)) {
		OK(0, "edit a copy of the legacy file: %s", err.msg);
		return;
	}
	sc_dmat e;
	sc_dmat_alloc(&e, 4, 2);
	OK(sc_h5ad_write_dense(w, "obsm/emb", &e, SC_H5AD_F32, &err) == SC_EINVAL &&
		   strstr(err.msg, "obsm/emb: 'obsm' is a dataset (a pre-0.7 layout)"),
	   "no new key in a compound obsm: %s", err.msg);
	sc_dmat_free(&e);
	int32_t codes[4] = { 0, 0, 0, 0 };
	char *cats[] = { "a" };
	OK(sc_h5ad_write_categorical(w, "obs", "pred", codes, 4, cats, 1, 0, &err) == SC_EINVAL &&
		   strstr(err.msg, "a pre-0.7 (compound) data frame cannot take columns"),
	   "no new column in a compound obs: %s", err.msg);
	sc_h5ad_writer_free(w);
	OK(access(copy, F_OK) != 0, "an abandoned copy leaves no file");
}

static void test_variants(void)
{
	sc_h5ad *h = open_ok(fixture("variants.h5ad"));
	if (!h)
		return;
	sc_err err = { 0, "" };
	OK(sc_h5ad_encoding_of(h) == SC_H5AD_MODERN, "modern layout detected");
	sc_h5ad_matinfo mi;
	OK(sc_h5ad_matrix_info(&mi, h, "X", &err) == 0 && mi.storage == SC_H5AD_CSC && mi.nnz == 6 &&
		   !strcmp(mi.dtype, "int32") && !strcmp(mi.index_dtype, "int64"),
	   "CSC X described");
	sc_csr m;
	OK(sc_h5ad_read_csr(&m, h, "X", SC_H5AD_COUNTS, &err) == 0 && csr_equals(&m, 0, 4, 1),
	   "CSC converted to CSR");
	sc_csr_free(&m);
	OK(sc_h5ad_read_rows(&m, h, "X", 2, 4, 0, &err) == 0 && csr_equals(&m, 2, 4, 1),
	   "rows 2..4 of a CSC matrix");
	sc_csr_free(&m);
	OK(sc_h5ad_read_rows(&m, h, "layers/counts", 0, 4, 0, &err) == 0 && csr_equals(&m, 0, 4, 2),
	   "dense int64 layer as CSR");
	sc_csr_free(&m);
	sc_dmat d;
	OK(sc_h5ad_read_dense_rows(&d, h, "X", 1, 2, 0, &err) == 0 && d.rows == 1 &&
		   SC_AT(&d, 0, 2) == 3 && SC_AT(&d, 0, 0) == 0,
	   "one dense row from CSC");
	sc_dmat_free(&d);
	OK(sc_h5ad_read_rows(&m, h, "X", 3, 5, 0, &err) == SC_EINVAL, "rows past the end rejected");
	sc_labels l;
	static const char *g[] = { "lo", "hi" };
	static const int gc[] = { 1, -1, 0, 1 };
	OK(sc_h5ad_read_labels(&l, h, "obs", "grp", &err) == 0 && labels_are(&l, g, 2, gc, 4),
	   "categorical with a missing value");
	sc_labels_free(&l);
	sc_h5ad_column c;
	OK(sc_h5ad_read_column(&c, h, "obs", "grp", &err) == 0 && c.ordered == 1, "ordered flag read");
	sc_h5ad_column_free(&c);
	static const char *lv[] = { "10", "20", "30" };
	static const int lvc[] = { 0, 1, 2, 1 };
	OK(sc_h5ad_read_labels(&l, h, "obs", "level", &err) == 0 && labels_are(&l, lv, 3, lvc, 4),
	   "integer categories formatted");
	sc_labels_free(&l);
	double *v;
	size_t n;
	OK(sc_h5ad_read_numeric(&v, &n, h, "obs", "cnt", &err) == 0 && n == 4 && v[0] == 5 && isnan(v[1]) &&
		   v[3] == 9,
	   "nullable integer: masked value is NaN");
	free(v);
	static const char *okn[] = { "False", "True" };
	static const int okc[] = { 1, 0, -1, 1 };
	OK(sc_h5ad_read_labels(&l, h, "obs", "ok", &err) == 0 && labels_are(&l, okn, 2, okc, 4),
	   "nullable boolean labels, masked = -1");
	sc_labels_free(&l);
	static const char *nm[] = { "x", "y", "z" };
	static const int nmc[] = { 0, 1, 0, 2 };
	OK(sc_h5ad_read_labels(&l, h, "obs", "name", &err) == 0 && labels_are(&l, nm, 3, nmc, 4),
	   "string column labels sorted");
	sc_labels_free(&l);
	OK(sc_h5ad_read_numeric(&v, &n, h, "obs", "grp", &err) == SC_EINVAL &&
		   strstr(err.msg, "obs/grp: a categorical column, not numeric"),
	   "categorical is not numeric: %s", err.msg);
	OK(sc_h5ad_read_labels(&l, h, "obs", "nope", &err) == SC_ENOTFOUND &&
		   !strcmp(err.msg, "variants.h5ad: obs/nope: no such column; have: grp, level, cnt, ok, name, x"),
	   "missing column lists the columns: %s", err.msg);
	sc_h5ad_colinfo *ci;
	OK(sc_h5ad_columns(&ci, &n, h, "obs", &err) == 0 && n == 6 && ci[0].type == SC_H5AD_COL_CATEGORICAL &&
		   ci[0].ncat == 2 && ci[2].type == SC_H5AD_COL_NULLABLE_INT &&
		   ci[3].type == SC_H5AD_COL_NULLABLE_BOOL && ci[4].type == SC_H5AD_COL_STRING &&
		   ci[5].type == SC_H5AD_COL_FLOAT,
	   "column types listed in order");
	sc_h5ad_colinfo_free(ci, n);
	OK(sc_h5ad_columns(&ci, &n, h, "var", &err) == 0 && n == 0, "empty column-order (float64 [])");
	sc_h5ad_colinfo_free(ci, n);
	char **ix;
	OK(sc_h5ad_read_index(&ix, &n, h, "var", &err) == 0 && n == 3 && !strcmp(ix[1], "g2"),
	   "var index named by _index");
	sc_h5ad_strings_free(ix, n);
	double x;
	char *s;
	OK(sc_h5ad_read_scalar(&x, h, "uns/seed", &err) == 0 && x == 42, "numeric-scalar");
	OK(sc_h5ad_read_string(&s, h, "uns/title", &err) == 0 && !strcmp(s, "variants"), "string scalar");
	free(s);
	OK(sc_h5ad_keys(&ix, &n, h, "layers", &err) == 0 && n == 1 && !strcmp(ix[0], "counts"), "layers keys");
	sc_h5ad_strings_free(ix, n);
	OK(sc_h5ad_keys(&ix, &n, h, "nothere", &err) == 0 && n == 0, "a missing group has no keys");
	OK(sc_h5ad_read_csr(&m, h, "obsm/none", 0, &err) == SC_ENOTFOUND &&
		   !strcmp(err.msg, "variants.h5ad: obsm/none: no such element"),
	   "missing matrix: %s", err.msg);
	sc_h5ad_close(h);
}

static void test_small_layouts(void)
{
	sc_err err = { 0, "" };
	sc_h5ad *h = open_ok(fixture("unsorted.h5ad"));
	if (h) {
		sc_csr m;
		/* Rows sorted, repeats summed: row 2 = {0: 4, 1: 2 + 3}. */
		OK(sc_h5ad_read_csr(&m, h, "X", 0, &err) == 0 && csr_equals(&m, 0, 4, 1) &&
			   sc_csr_nnz(&m) == 6,
		   "unsorted and repeated indices made canonical");
		sc_csr_free(&m);
		sc_h5ad_close(h);
	}
	h = open_ok(fixture("noX.h5ad"));
	if (h) {
		size_t no, nv;
		sc_h5ad_shape(h, &no, &nv);
		OK(no == 2 && nv == 3 && !sc_h5ad_has(h, "X"), "no X: shape from obs and var");
		sc_csr m;
		OK(sc_h5ad_read_csr(&m, h, "X", 0, &err) == SC_ENOTFOUND, "reading the absent X fails cleanly");
		sc_h5ad_close(h);
	}
	h = open_ok(fixture("emptyX.h5ad"));
	if (h) {
		sc_csr m;
		OK(sc_h5ad_read_csr(&m, h, "X", 0, &err) == 0 && m.rows == 5 && m.cols == 0 &&
			   sc_csr_nnz(&m) == 0,
		   "5 x 0 X");
		sc_csr_free(&m);
		sc_h5ad_close(h);
	}
	h = open_ok(fixture("fixedattr.h5ad"));
	if (h) {
		OK(sc_h5ad_encoding_of(h) == SC_H5AD_MODERN, "fixed-length encoding attributes understood");
		sc_labels l;
		static const char *who[] = { "ann", "bob" };
		static const int wc[] = { 0, -1, 1 };
		OK(sc_h5ad_read_labels(&l, h, "obs", "who", &err) == 0 && labels_are(&l, who, 2, wc, 3),
		   "nullable-string-array labels");
		sc_labels_free(&l);
		static const char *kind[] = { "p", "q" };
		static const int kc[] = { 0, 0, 1 };
		OK(sc_h5ad_read_labels(&l, h, "obs", "kind", &err) == 0 && labels_are(&l, kind, 2, kc, 3),
		   "categorical with fixed-length categories and int ordered attr");
		sc_labels_free(&l);
		sc_dmat d;
		OK(sc_h5ad_read_dense(&d, h, "X", SC_H5AD_COUNTS, &err) == 0 && d.rows == 3 &&
			   SC_AT(&d, 2, 1) == 5,
		   "dense X");
		sc_dmat_free(&d);
		sc_h5ad_close(h);
	}
}

static void test_real(void)
{
	const char *p = unit_datafile("cellbench_3cl_celseq2_dropseq.h5ad");
	if (!p) {
		SKIP("cellbench_3cl_celseq2_dropseq.h5ad not found");
		return;
	}
	sc_h5ad *h = open_ok(p);
	if (!h)
		return;
	sc_err err = { 0, "" };
	sc_labels l;
	/* SOURCES.md: cell_line in {H1975 206, H2228 146, HCC827 147}. */
	OK(sc_h5ad_read_labels(&l, h, "obs", "cell_line", &err) == 0 && l.n == 499 && l.ncat == 3 &&
		   !strcmp(l.names[0], "H1975"),
	   "cell_line labels");
	size_t cnt[3] = { 0, 0, 0 };
	if (l.ncat == 3)
		sc_labels_counts(&l, cnt);
	OK(cnt[0] == 206 && cnt[1] == 146 && cnt[2] == 147, "cell_line counts 206/146/147");
	sc_labels_free(&l);
	OK(sc_h5ad_read_labels(&l, h, "obs", "cell_typ", &err) == SC_ENOTFOUND &&
		   strstr(err.msg, "cellbench_3cl_celseq2_dropseq.h5ad: obs/cell_typ: no such column; have: batch, ") ==
			   err.msg,
	   "missing column message: %.120s", err.msg);
	/* Whole read == concatenated row blocks == dense rows. */
	sc_csr all, b;
	int same = sc_h5ad_read_csr(&all, h, "X", SC_H5AD_COUNTS, &err) == 0;
	OK(same && all.rows == 499 && sc_csr_nnz(&all) == 3129363, "X read: 3129363 stored values");
	for (size_t r = 0; same && r < 499; r += 97) {
		size_t e = r + 97 < 499 ? r + 97 : 499;
		same = sc_h5ad_read_rows(&b, h, "X", r, e, 0, &err) == 0;
		for (size_t i = 0; same && i < b.rows; i++) {
			int64_t pa = all.indptr[r + i], pb = b.indptr[i];
			same = all.indptr[r + i + 1] - pa == b.indptr[i + 1] - pb;
			for (int64_t k = 0; same && k < b.indptr[i + 1] - pb; k++)
				same = all.indices[pa + k] == b.indices[pb + k] && all.data[pa + k] == b.data[pb + k];
		}
		sc_csr_free(&b);
	}
	OK(same, "row blocks agree with the whole read");
	sc_dmat d;
	int ok = sc_h5ad_read_dense_rows(&d, h, "X", 10, 12, 0, &err) == 0 && d.cols == 15073;
	for (size_t i = 0; ok && i < 2; i++) {
		double s1 = 0, s2 = 0;
		for (size_t j = 0; j < d.cols; j++)
			s1 += SC_AT(&d, i, j);
		for (int64_t p = all.indptr[10 + i]; p < all.indptr[11 + i]; p++)
			s2 += all.data[p];
		ok = s1 == s2;
	}
	OK(ok, "dense rows agree with CSR rows");
	sc_dmat_free(&d);
	sc_csr_free(&all);
	sc_h5ad_close(h);

	p = unit_datafile("scvi_citeseq_pbmc_5k_protein_v3_200cells.h5ad");
	if (!p) {
		SKIP("scvi citeseq file not found");
		return;
	}
	h = open_ok(p);
	if (!h)
		return;
	char **names;
	size_t n;
	OK(sc_h5ad_read_strings(&names, &n, h, "uns/protein_names", &err) == 0 && n == 29,
	   "uns/protein_names: 29 proteins (SOURCES.md)");
	sc_h5ad_strings_free(names, n);
	sc_dmat pe;
	OK(sc_h5ad_read_dense(&pe, h, "obsm/protein_expression", SC_H5AD_COUNTS, &err) == 0 && pe.rows == 200 &&
		   pe.cols == 29,
	   "LZF-compressed int64 obsm read: %s", err.msg);
	sc_dmat_free(&pe);
	sc_h5ad_close(h);
}

int main(void)
{
	char tmpl[] = "/tmp/sceval-h5ad.XXXXXX";
	if (!mkdtemp(tmpl)) {
		OK(0, "temporary directory");
		return 1;
	}
	snprintf(fx, sizeof(fx), "%s", tmpl);
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "%s tests/oracle/h5ad_fixtures.py %s", unit_python(), fx);
	int have = system(cmd) == 0;
	test_errors();
	if (have) {
		test_legacy();
		test_variants();
		test_small_layouts();
	} else {
		SKIP("fixtures: %s could not run tests/oracle/h5ad_fixtures.py", unit_python());
	}
	test_real();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fx);
	return unit_done();
}
