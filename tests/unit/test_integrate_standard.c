/*
 * test_integrate_standard.c - the standard embedding (normalize_total 1e4,
 * log1p, 2000 seurat HVGs, scale clipped at 10, PCA 50) on CellBench against
 * scanpy's definitions written out in numpy/pandas/sklearn
 * (tests/oracle/standard_ref.py): the same genes, the same PCA scores.
 */
#include "unit.h"
#include "binio.h"
#include "integrate_checks.h"
#include "tasks/integrate/baseline.h"
#include "tasks/integrate/standard.h"
#include "tasks/core/pca.h"
#include "tasks/core/rng.h"

#include <math.h>

static void dense_to_csr(sc_csr *out, const double *v, size_t r, size_t c)
{
	size_t nnz = 0, q = 0;
	for (size_t i = 0; i < r * c; i++)
		nnz += v[i] != 0;
	sc_csr_alloc(out, r, c, nnz);
	for (size_t i = 0; i < r; i++) {
		for (size_t j = 0; j < c; j++)
			if (v[i * c + j] != 0) {
				out->indices[q] = (int32_t)j;
				out->data[q++] = v[i * c + j];
			}
		out->indptr[i + 1] = (int64_t)q;
	}
}

/* Largest |a - b| over the first ncols columns, relative to column b's
 * largest magnitude (PCA scores have no natural per-entry scale). */
static double col_err(const sc_dmat *a, const double *b, size_t ncols)
{
	double m = 0;
	for (size_t j = 0; j < ncols; j++) {
		double big = 0, e = 0;
		for (size_t i = 0; i < a->rows; i++) {
			big = fmax(big, fabs(b[i * a->cols + j]));
			e = fmax(e, fabs(SC_AT(a, i, j) - b[i * a->cols + j]));
		}
		m = fmax(m, e / big);
	}
	return m;
}

static void test_cellbench(void)
{
	const char *h5 = unit_datafile("cellbench_3cl_celseq2_dropseq.h5ad");
	if (!h5) {
		SKIP("standard embedding: cellbench_3cl_celseq2_dropseq.h5ad not found");
		return;
	}
	char path[4096], args[8400];
	snprintf(path, sizeof(path), "%s", h5);
	const char *dir = binio_tmpdir();
	snprintf(args, sizeof(args), "'%s' '%s' 2000 50", path, dir);
	void *cv = NULL, *hv = NULL, *ev = NULL;
	size_t r, c, hr, hc, er, ec;
	if (binio_oracle(unit_python(), "standard_ref.py", args) != 0 ||
	    binio_read(binio_path(dir, "counts.bin"), 1, &cv, &r, &c) ||
	    binio_read(binio_path(dir, "hvg.bin"), 2, &hv, &hr, &hc) ||
	    binio_read(binio_path(dir, "expected.bin"), 1, &ev, &er, &ec)) {
		OK(0, "the standard-pipeline oracle ran");
		goto out;
	}
	sc_csr counts;
	dense_to_csr(&counts, cv, r, c);
	double *keep_data = malloc(sc_csr_nnz(&counts) * sizeof(double));
	memcpy(keep_data, counts.data, sc_csr_nnz(&counts) * sizeof(double));
	sc_standard_opts o;
	sc_standard_opts_default(&o);
	uint8_t *sel = malloc(c);
	sc_dmat x, pcs, pcs2;
	sc_err err = { 0 };
	int rc = sc_standard_lognorm_hvg(&x, sel, &counts, &o, &err);
	OK(rc == 0, "log-normalised HVG matrix (%s)", rc ? err.msg : "ok");
	if (rc)
		goto done;
	size_t diff = 0, nsel = 0;
	for (size_t j = 0; j < c; j++) {
		diff += sel[j] != (((int32_t *)hv)[j] != 0);
		nsel += sel[j];
	}
	OK(diff == 0 && nsel == 2000 && x.cols == 2000,
	   "the 2000 seurat-flavour genes are scanpy's (%zu differ)", diff);
	rc = sc_standard_pca(&pcs, &x, &o, &err);
	OK(rc == 0 && pcs.rows == er && pcs.cols == ec, "PCA of the scaled matrix (%s)",
	   rc ? err.msg : "ok");
	if (rc == 0 && pcs.cols == ec) {
		double e = col_err(&pcs, ev, 50);
		OK(e <= 1e-8, "the 50 PCs equal sklearn's on scanpy's pipeline (max %.3g of the "
			      "column scale)", e);
	}
	rc = sc_standard_embedding(&pcs2, &counts, &o, &err);
	OK(rc == 0 && pcs2.rows == pcs.rows && pcs2.cols == pcs.cols &&
		   !memcmp(pcs.v, pcs2.v, pcs.rows * pcs.cols * sizeof(double)),
	   "sc_standard_embedding gives the two steps' bytes");
	OK(!memcmp(keep_data, counts.data, sc_csr_nnz(&counts) * sizeof(double)),
	   "the caller's counts are not modified");
	sc_dmat_free(&pcs);
	sc_dmat_free(&pcs2);
	sc_dmat_free(&x);

	/* the three batch baselines: ComBat and Harmony must mix the two
	 * protocols far better than the unintegrated PCs, keeping cell lines */
	void *bv = NULL, *lv = NULL;
	size_t br, bc, lr, lc;
	if (binio_read(binio_path(dir, "batch.bin"), 2, &bv, &br, &bc) == 0 &&
	    binio_read(binio_path(dir, "labels.bin"), 2, &lv, &lr, &lc) == 0 && br == r && lr == r) {
		sc_labels lab = { r, bv, 2, NULL };
		double share[3], acc[3];
		for (int b = 0; b < 3; b++) {
			sc_dmat e;
			rc = sc_batch_baseline_embed(&e, &counts, &lab, (sc_batch_baseline)b, NULL, 1,
						     &err);
			OK(rc == 0 && e.rows == r && e.cols == 50, "baseline %s runs (%s)",
			   sc_batch_baseline_name((sc_batch_baseline)b), rc ? err.msg : "ok");
			share[b] = rc ? NAN : other_batch_share(&e, bv);
			acc[b] = rc ? NAN : centroid_accuracy(&e, lv);
			if (rc == 0)
				sc_dmat_free(&e);
		}
		printf("# other-batch share of 15-NN: unintegrated %.3f, combat %.3f, harmony %.3f\n",
		       share[0], share[1], share[2]);
		printf("# cell-line nearest-centroid accuracy: %.3f, %.3f, %.3f\n", acc[0], acc[1],
		       acc[2]);
		OK(share[0] < 0.05 && share[1] > 0.25 && share[2] > 0.25,
		   "ComBat and Harmony mix the protocols (15-NN other-batch share %.3f -> %.3f, %.3f)",
		   share[0], share[1], share[2]);
		OK(acc[1] >= 0.95 && acc[2] >= 0.95,
		   "and keep the cell lines apart (nearest-centroid accuracy %.3f, %.3f)", acc[1],
		   acc[2]);
		sc_batch_baseline bb;
		OK(sc_batch_baseline_parse(&bb, "harmony", &err) == 0 && bb == SC_BASELINE_HARMONY &&
			   sc_batch_baseline_parse(&bb, "mnn", &err) == SC_EINVAL,
		   "baseline names parse: %s", err.msg);
	} else {
		OK(0, "read the batch and cell-line labels");
	}
	free(bv);
	free(lv);

	o.n_top_genes = 0;
	rc = sc_standard_lognorm_hvg(&x, sel, &counts, &o, &err);
	OK(rc == 0 && x.cols == c, "n_top_genes 0 keeps all %zu genes", c);
	sc_dmat_free(&x);
	counts.data[5] = -1;
	rc = sc_standard_embedding(&pcs, &counts, &o, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "counts must be >= 0 (found '-1')"),
	   "negative counts are refused: %s", err.msg);
done:
	free(sel);
	free(keep_data);
	sc_csr_free(&counts);
out:
	free(cv);
	free(hv);
	free(ev);
	binio_rmdir(dir);
}

/* Counts with rows stored out of column order, duplicate entries and
 * explicit zeros, as some writers leave them. */
static void messy_counts(sc_csr *out, size_t n, size_t p, uint64_t seed)
{
	sc_rng r;
	sc_rng_seed(&r, seed);
	size_t cap = n * (p + 4), q = 0;
	sc_csr_alloc(out, n, p, cap);
	for (size_t i = 0; i < n; i++) {
		size_t start = q;
		for (size_t j = 0; j < p; j++) {
			uint64_t v = sc_rng_poisson(&r, 0.3 + (double)((i % 7) * (j % 5)) * 0.2);
			if (v || sc_rng_below(&r, 50) == 0) { /* some explicit zeros */
				out->indices[q] = (int32_t)j;
				out->data[q++] = (double)v;
			}
		}
		if (i % 3 == 0 && q - start > 1) /* reversed order */
			for (size_t a = start, b = q - 1; a < b; a++, b--) {
				int32_t ti = out->indices[a];
				double td = out->data[a];
				out->indices[a] = out->indices[b];
				out->data[a] = out->data[b];
				out->indices[b] = ti;
				out->data[b] = td;
			}
		if (i % 5 == 0) { /* a duplicate of column 1 */
			out->indices[q] = 1;
			out->data[q++] = 2;
		}
		out->indptr[i + 1] = (int64_t)q;
	}
}

/* The pipeline as the dense code path computes it (copy, normalise, log1p,
 * select, densify, scale, PCA): the reference for the sparse path. */
static int dense_reference(sc_dmat *scores, sc_dmat *x, const sc_csr *counts, size_t ntop,
			   sc_err *err)
{
	sc_standard_opts o;
	sc_standard_opts_default(&o);
	o.n_top_genes = ntop;
	o.n_comps = 10;
	size_t p = counts->cols, nnz = sc_csr_nnz(counts);
	sc_csr c, sub;
	sc_csr_alloc(&c, counts->rows, p, nnz);
	memcpy(c.indptr, counts->indptr, (counts->rows + 1) * sizeof(int64_t));
	memcpy(c.indices, counts->indices, nnz * sizeof(int32_t));
	memcpy(c.data, counts->data, nnz * sizeof(double));
	uint8_t *keep = malloc(p);
	memset(keep, 1, p);
	int rc = sc_normalize_total_csr(&c, o.target_sum, err);
	sc_log1p_csr(&c);
	sc_hvg_opts h;
	sc_hvg_opts_default(&h, SC_HVG_SEURAT);
	h.n_top_genes = ntop;
	if (!rc && ntop)
		rc = sc_hvg(keep, NULL, &c, &h, err);
	sc_csr_select_cols(&sub, &c, keep);
	sc_csr_to_dense(x, &sub);
	sc_csr_free(&c);
	sc_csr_free(&sub);
	free(keep);
	if (rc)
		return rc;
	sc_dmat xs;
	sc_dmat_alloc(&xs, x->rows, x->cols);
	memcpy(xs.v, x->v, x->rows * x->cols * sizeof(double));
	sc_scale_dense(&xs, 1, o.max_value);
	rc = sc_pca_dense(scores, NULL, &xs, o.n_comps, err);
	sc_dmat_free(&xs);
	return rc;
}

/* The sparse path (never dense, PCA by blocks of rows) gives the dense
 * path's bytes: on 9000 cells the blocks of 4096 rows are crossed. */
static void test_sparse_is_dense(void)
{
	size_t n = 9000, p = 40, ntops[2] = { 0, 25 };
	for (int t = 0; t < 2; t++) {
		sc_csr counts, x;
		sc_dmat ref = { 0 }, xd = { 0 }, got = { 0 };
		sc_err err = { 0 };
		messy_counts(&counts, n, p, 7 + (uint64_t)t);
		int rc = dense_reference(&ref, &xd, &counts, ntops[t], &err);
		OK(rc == 0, "dense reference runs (%s)", rc ? err.msg : "ok");
		sc_standard_opts o;
		sc_standard_opts_default(&o);
		o.n_top_genes = ntops[t];
		o.n_comps = 10;
		uint8_t *sel = calloc(p, 1);
		rc = sc_standard_lognorm_hvg_sparse(&x, sel, &counts, &o, &err);
		OK(rc == 0 && counts.data == NULL, "sparse log-normalisation runs and takes the counts");
		sc_csr canon;
		sc_dmat_to_csr(&canon, &xd);
		size_t nnz = sc_csr_nnz(&canon);
		OK(x.rows == canon.rows && x.cols == canon.cols && sc_csr_nnz(&x) == nnz &&
			   !memcmp(x.indptr, canon.indptr, (n + 1) * sizeof(int64_t)) &&
			   !memcmp(x.indices, canon.indices, nnz * sizeof(int32_t)) &&
			   !memcmp(x.data, canon.data, nnz * sizeof(double)),
		   "n_top_genes %zu: the CSR is the dense matrix's (%zu of %zu genes)", ntops[t],
		   x.cols, p);
		rc = sc_standard_pca_sparse(&got, &x, &o, &err);
		OK(rc == 0 && got.rows == ref.rows && got.cols == ref.cols &&
			   !memcmp(got.v, ref.v, ref.rows * ref.cols * sizeof(double)),
		   "n_top_genes %zu: PCA scores equal the dense path's, byte for byte", ntops[t]);
		free(sel);
		sc_csr_free(&canon);
		sc_csr_free(&x);
		sc_dmat_free(&ref);
		sc_dmat_free(&xd);
		sc_dmat_free(&got);
	}
	sc_err err = { 0 };
	sc_dmat s;
	OK(sc_pca_rows(&s, NULL, 5, 6, NULL, NULL, 2, &err) == SC_EINVAL,
	   "sc_pca_rows refuses more columns than rows: %s", err.msg);
}

int main(void)
{
	test_sparse_is_dense();
	test_cellbench();
	return unit_done();
}
