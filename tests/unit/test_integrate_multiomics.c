/*
 * test_integrate_multiomics.c - the multiomics building blocks against numpy
 * (tests/oracle/multiomics_ref.py) on real data: TF-IDF and LSI of the
 * sci-CAR kidney ATAC peaks, CLR of CITE-seq protein counts (per cell and
 * per feature), the variance balance of the concatenated embedding, and the
 * weighted-nearest-neighbour graph against a brute-force numpy
 * transcription of Seurat's steps (weights, bandwidths, joint neighbours).
 */
#include "unit.h"
#include "binio.h"
#include "tasks/core/pca.h"
#include "tasks/integrate/multiomics.h"
#include "tasks/integrate/wnn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void dense_to_csr(sc_csr *out, const double *v, size_t r, size_t c)
{
	size_t nnz = 0;
	for (size_t i = 0; i < r * c; i++)
		nnz += v[i] != 0;
	sc_csr_alloc(out, r, c, nnz);
	size_t q = 0;
	for (size_t i = 0; i < r; i++) {
		for (size_t j = 0; j < c; j++)
			if (v[i * c + j] != 0) {
				out->indices[q] = (int32_t)j;
				out->data[q++] = v[i * c + j];
			}
		out->indptr[i + 1] = (int64_t)q;
	}
}

static double max_rel(const double *a, const double *b, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++) {
		double s = fabs(b[i]) > 1 ? fabs(b[i]) : 1, e = fabs(a[i] - b[i]) / s;
		m = e > m || isnan(e) ? e : m;
	}
	return m;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double *load(const char *dir, const char *name, size_t *r, size_t *c)
{
	void *v = NULL;
	if (binio_read(binio_path(dir, name), 1, &v, r, c) != 0)
		return NULL;
	return v;
}

/* Total variance (sum of column variances, ddof 1) of columns [c0, c1). */
static double total_var(const sc_dmat *x, size_t c0, size_t c1)
{
	double tv = 0;
	for (size_t j = c0; j < c1; j++) {
		double m = 0, v = 0;
		for (size_t i = 0; i < x->rows; i++)
			m += SC_AT(x, i, j);
		m /= (double)x->rows;
		for (size_t i = 0; i < x->rows; i++)
			v += (SC_AT(x, i, j) - m) * (SC_AT(x, i, j) - m);
		tv += v / (double)(x->rows - 1);
	}
	return tv;
}

/* A plain RNA embedding for the WNN check (not the standard pipeline, which
 * is tested elsewhere): PCA of log1p(CP10k), naive loops + the core PCA. */
static int rna_pcs(sc_dmat *out, const double *counts, size_t r, size_t c, size_t k)
{
	sc_dmat x;
	sc_dmat_alloc(&x, r, c);
	for (size_t i = 0; i < r; i++) {
		double s = 0;
		for (size_t j = 0; j < c; j++)
			s += counts[i * c + j];
		for (size_t j = 0; j < c; j++)
			SC_AT(&x, i, j) = s > 0 ? log1p(counts[i * c + j] / s * 1e4) : 0;
	}
	sc_err err = { 0 };
	int rc = sc_pca_dense(out, NULL, &x, k, &err);
	sc_dmat_free(&x);
	return rc;
}

/*
 * Cells whose neighbour sets are not decided by the data: in either modality
 * (rows l2-normalised, as WNN does) the distances at a set boundary of WNN
 * (the k-th and (k+1)-th neighbour counting the cell itself, and the
 * knn_range-th and next) are equal to within rounding. Real data has such
 * near-ties: sci-CAR's sparse ATAC profiles give groups of cells whose LSI
 * rows differ in the last bit, so their distances agree to 1 ulp after the
 * square root but not before it, and the numpy transcription (stable sort
 * of sqrt distances, ties by index) and sceval's kNN (exact squared
 * distances, ties by index) may keep different members of the group, both
 * correctly. A d-term sum of squares carries a relative error of at most
 * about d eps (50 x 2.2e-16 ~ 1e-14); 1e-12 is a margin of 100 over that.
 * mark[i] = 1 for such cells; returns their number.
 */
static size_t near_tie_cells(uint8_t *mark, const sc_dmat *m1, const sc_dmat *m2, size_t k,
			     size_t kr)
{
	size_t n = m1->rows, count = 0;
	double *d = malloc(n * sizeof(double));
	memset(mark, 0, n);
	for (int mod = 0; mod < 2; mod++) {
		const sc_dmat *m = mod ? m2 : m1;
		for (size_t i = 0; i < n; i++) {
			double ni = 0;
			for (size_t c = 0; c < m->cols; c++)
				ni += SC_AT(m, i, c) * SC_AT(m, i, c);
			for (size_t j = 0; j < n; j++) {
				double nj = 0, s = 0;
				for (size_t c = 0; c < m->cols; c++)
					nj += SC_AT(m, j, c) * SC_AT(m, j, c);
				for (size_t c = 0; c < m->cols; c++) {
					double t = SC_AT(m, i, c) / sqrt(ni) - SC_AT(m, j, c) / sqrt(nj);
					s += t * t;
				}
				d[j] = sqrt(s);
			}
			qsort(d, n, sizeof(double), dbl_cmp);
			size_t b[2] = { k, kr };
			for (int q = 0; q < 2; q++)
				if (b[q] < n && d[b[q]] - d[b[q] - 1] <= 1e-12 * d[b[q]])
					mark[i] = 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		count += mark[i];
	free(d);
	return count;
}

static void test_wnn_oracle(const char *dir, const sc_dmat *m1, const sc_dmat *m2,
			    const char *what)
{
	binio_write(binio_path(dir, "m1.bin"), 1, m1->v, m1->rows, m1->cols);
	binio_write(binio_path(dir, "m2.bin"), 1, m2->v, m2->rows, m2->cols);
	char args[4200];
	snprintf(args, sizeof(args), "wnn '%s'", dir);
	int orc = binio_oracle(unit_python(), "multiomics_ref.py", args);
	sc_wnn_opts o;
	sc_wnn_opts_default(&o);
	sc_wnn_graph g;
	sc_err err = { 0 };
	int rc = sc_wnn_build(&g, m1, m2, &o, &err);
	OK(rc == 0, "%s: wnn runs (%s)", what, rc ? err.msg : "ok");
	if (rc)
		return;
	size_t n = g.n, k = g.k, bad = 0, self = 0, unsorted = 0;
	for (size_t i = 0; i < n; i++) {
		double w0 = g.weight[2 * i], w1 = g.weight[2 * i + 1];
		bad += !(w0 >= 0 && w0 <= 1 && w1 >= 0 && w1 <= 1 && fabs(w0 + w1 - 1) <= 1e-15);
		for (size_t t = 0; t < k; t++) {
			self += (size_t)g.idx[i * k + t] == i;
			unsorted += t && g.dist[i * k + t] < g.dist[i * k + t - 1];
		}
	}
	OK(bad == 0, "%s: weights in [0, 1] summing to 1 for every cell (%zu bad)", what, bad);
	OK(self == 0 && unsorted == 0, "%s: joint neighbours exclude the cell, sorted by distance",
	   what);
	const sc_csr *C = &g.connectivities;
	size_t asym = 0;
	for (size_t i = 0; i < C->rows; i++)
		for (int64_t p = C->indptr[i]; p < C->indptr[i + 1]; p++) {
			size_t j = (size_t)C->indices[p];
			int found = 0;
			for (int64_t q = C->indptr[j]; q < C->indptr[j + 1]; q++)
				if ((size_t)C->indices[q] == i && C->data[q] == C->data[p])
					found = 1;
			asym += !found;
		}
	OK(C->rows == n && C->cols == n && asym == 0 && sc_csr_nnz(C) >= n * k,
	   "%s: the joint connectivity graph is n x n and symmetric", what);
	double wsum = 0;
	for (size_t i = 0; i < n; i++)
		wsum += g.weight[2 * i];
	printf("# %s: mean weight of modality 1 %.3f\n", what, wsum / (double)n);
	if (orc != 0) {
		OK(0, "%s: the wnn oracle ran", what);
		goto out;
	}
	size_t r, c, ri, ci, rs, cs;
	double *w = load(dir, "wnn_weight.bin", &r, &c), *sig = load(dir, "wnn_sigma.bin", &rs, &cs);
	void *iv = NULL;
	binio_read(binio_path(dir, "wnn_idx.bin"), 2, &iv, &ri, &ci);
	if (w && sig && iv && r == n && c == 2 && ri == n && ci == k && rs == n && cs == 2) {
		OK(max_rel(g.sigma, sig, 2 * n) <= 1e-10, "%s: bandwidths equal the numpy transcription "
							  "(max rel %.3g)", what, max_rel(g.sigma, sig, 2 * n));
		uint8_t *tie = malloc(n);
		size_t ties = near_tie_cells(tie, m1, m2, k, o.knn_range);
		double e = 0;
		size_t diff = 0;
		for (size_t i = 0; i < n; i++) {
			if (tie[i])
				continue;
			e = fmax(e, fmax(fabs(g.weight[2 * i] - w[2 * i]),
					 fabs(g.weight[2 * i + 1] - w[2 * i + 1])));
			for (size_t t = 0; t < k; t++)
				diff += g.idx[i * k + t] != ((int32_t *)iv)[i * k + t];
		}
		free(tie);
		/* a coverage guard, not a tolerance: the check below must still
		 * speak for most cells (sci-CAR has 28 of 554 near-tied) */
		OK(ties * 10 <= n, "%s: the oracle check covers at least 90%% of cells (%zu of %zu "
				   "near-tied)", what, ties, n);
		OK(e <= 1e-9, "%s: modality weights equal the numpy transcription (max %.3g, %zu "
			      "near-tied cells left out)", what, e, ties);
		OK(diff == 0, "%s: joint neighbours equal the numpy transcription (%zu differ)", what,
		   diff);
	} else {
		OK(0, "%s: read the wnn oracle output", what);
	}
	free(w);
	free(sig);
	free(iv);
out:
	sc_wnn_graph_free(&g);
}

static void test_separation(const char *dir, const double *rna, size_t rr, size_t rc_,
			    const double *atac, size_t ar, size_t ac);

static void test_scicar(void)
{
	const char *h5 = unit_datafile("openproblems_scicar_kidney_rna_atac_sample.h5ad");
	if (!h5) {
		SKIP("multiomics: openproblems_scicar_kidney_rna_atac_sample.h5ad not found");
		return;
	}
	char path[4096], args[8400];
	snprintf(path, sizeof(path), "%s", h5);
	const char *dir = binio_tmpdir();
	snprintf(args, sizeof(args), "scicar '%s' '%s'", path, dir);
	size_t ar, ac, tr, tc, lr, lc, sr, sc, rr, rc_;
	double *atac = NULL, *tf = NULL, *lsi = NULL, *sv = NULL, *rna = NULL;
	if (binio_oracle(unit_python(), "multiomics_ref.py", args) != 0 ||
	    !(atac = load(dir, "atac.bin", &ar, &ac)) || !(tf = load(dir, "tfidf.bin", &tr, &tc)) ||
	    !(lsi = load(dir, "lsi.bin", &lr, &lc)) || !(sv = load(dir, "sv.bin", &sr, &sc)) ||
	    !(rna = load(dir, "rna.bin", &rr, &rc_))) {
		OK(0, "multiomics oracle prepared sci-CAR");
		goto out;
	}
	sc_csr x;
	dense_to_csr(&x, atac, ar, ac);
	sc_err err = { 0 };
	int rc = sc_tfidf_csr(&x, 1e4, &err);
	sc_dmat xd;
	sc_csr_to_dense(&xd, &x);
	OK(rc == 0 && max_rel(xd.v, tf, ar * ac) <= 1e-13,
	   "TF-IDF of the sci-CAR peaks equals muon's formula in numpy (max rel %.3g)",
	   max_rel(xd.v, tf, ar * ac));
	sc_dmat_free(&xd);
	sc_dmat L, L1;
	double s[50];
	rc = sc_lsi(&L, s, &x, 50, 0, &err);
	OK(rc == 0, "lsi runs (%s)", rc ? err.msg : "ok");
	if (rc == 0) {
		OK(max_rel(s, sv, 50) <= 1e-10, "LSI singular values equal numpy's SVD (max rel %.3g)",
		   max_rel(s, sv, 50));
		OK(L.rows == lr && L.cols == lc && max_rel(L.v, lsi, lr * lc) <= 1e-8,
		   "LSI components equal numpy's SVD, z-scored and sign-fixed (max rel %.3g)",
		   max_rel(L.v, lsi, lr * lc));
		rc = sc_lsi(&L1, NULL, &x, 50, 1, &err);
		double e = 0;
		for (size_t i = 0; rc == 0 && i < L.rows; i++)
			for (size_t j = 1; j < 50; j++)
				e = fmax(e, fabs(SC_AT(&L1, i, j - 1) - SC_AT(&L, i, j)));
		OK(rc == 0 && L1.cols == 49 && e == 0, "drop_first removes exactly component 1");

		/* concatenation: LSI (49 dims) and an RNA PCA (30 dims) of very different scales */
		sc_dmat R, J;
		if (rna_pcs(&R, rna, rr, rc_, 30) == 0) {
			for (size_t i = 0; i < R.rows * R.cols; i++)
				R.v[i] *= 7;
			sc_dmat blocks[2] = { R, L1 };
			rc = sc_concat_embeddings(&J, blocks, NULL, 2, &err);
			OK(rc == 0 && J.cols == 79, "concatenation runs (%s)", rc ? err.msg : "ok");
			if (rc == 0) {
				double v0 = total_var(&J, 0, 30), v1 = total_var(&J, 30, 79);
				OK(fabs(v0 - 1) < 1e-12 && fabs(v1 - 1) < 1e-12,
				   "both blocks carry total variance 1 after scaling (%.15f, %.15f)", v0,
				   v1);
				double wts[2] = { 2, 0.5 };
				sc_dmat J2;
				if (sc_concat_embeddings(&J2, blocks, wts, 2, &err) == 0) {
					double a = total_var(&J2, 0, 30), b = total_var(&J2, 30, 79);
					OK(fabs(a - 2) < 1e-12 && fabs(b - 0.5) < 1e-12,
					   "weights 2 and 0.5 give total variances %.6f and %.6f", a, b);
					sc_dmat_free(&J2);
				}
				sc_dmat_free(&J);
			}
			test_wnn_oracle(dir, &R, &L1, "sci-CAR RNA + ATAC");
			test_separation(dir, rna, rr, rc_, atac, ar, ac);
			sc_dmat_free(&R);
		} else {
			OK(0, "rna pcs for the concatenation test");
		}
		sc_dmat_free(&L1);
		sc_dmat_free(&L);
	}
	sc_csr_free(&x);
out:
	free(atac);
	free(tf);
	free(lsi);
	free(sv);
	free(rna);
	binio_rmdir(dir);
}

/* The real pipelines on sci-CAR; the joint representations must separate
 * the annotated cell types at least as well as the worse single modality
 * (judged by the oracle: 5-fold nearest-centroid accuracy for embeddings,
 * 20-neighbour majority vote for graphs). */
static void test_separation(const char *dir, const double *rna, size_t rr, size_t rc_,
			    const double *atac, size_t ar, size_t ac)
{
	sc_csr rx, ax;
	dense_to_csr(&rx, rna, rr, rc_);
	dense_to_csr(&ax, atac, ar, ac);
	sc_dmat R, A, J;
	sc_err err = { 0 };
	int rc = sc_modality_embedding(&R, &rx, SC_MODALITY_RNA, 30, &err);
	OK(rc == 0 && R.cols == 30, "RNA embedding of sci-CAR (%s)", rc ? err.msg : "ok");
	int rc2 = sc_modality_embedding(&A, &ax, SC_MODALITY_ATAC, 50, &err);
	OK(rc2 == 0 && A.cols == 49, "ATAC embedding of sci-CAR: 49 LSI components (%s)",
	   rc2 ? err.msg : "ok");
	sc_csr_free(&rx);
	sc_csr_free(&ax);
	if (rc || rc2)
		return;
	sc_dmat blocks[2] = { R, A };
	sc_wnn_opts o;
	sc_wnn_opts_default(&o);
	sc_wnn_graph g;
	if (sc_concat_embeddings(&J, blocks, NULL, 2, &err) != 0 ||
	    sc_wnn_build(&g, &R, &A, &o, &err) != 0) {
		OK(0, "joint representations of sci-CAR (%s)", err.msg);
		goto out;
	}
	binio_write(binio_path(dir, "emb_rna.bin"), 1, R.v, R.rows, R.cols);
	binio_write(binio_path(dir, "emb_atac.bin"), 1, A.v, A.rows, A.cols);
	binio_write(binio_path(dir, "emb_concat.bin"), 1, J.v, J.rows, J.cols);
	binio_write(binio_path(dir, "wnn.idx.bin"), 2, g.idx, g.n, g.k);
	char args[4400];
	snprintf(args, sizeof(args), "separation '%s' emb_rna emb_atac emb_concat wnn", dir);
	size_t sr, sc;
	double *sep;
	if (binio_oracle(unit_python(), "multiomics_ref.py", args) != 0 ||
	    !(sep = load(dir, "separation.bin", &sr, &sc)) || sr != 4 || sc != 2) {
		OK(0, "the separation oracle ran");
	} else {
		double worse_nc = fmin(sep[0], sep[2]), worse_vote = fmin(sep[1], sep[3]);
		OK(sep[4] >= worse_nc, "concatenation separates cell types at least as well as the "
				       "worse modality: nearest centroid %.3f (RNA %.3f, ATAC %.3f)",
		   sep[4], sep[0], sep[2]);
		OK(sep[7] >= worse_vote, "the WNN graph separates cell types at least as well as the "
					 "worse modality: 20-NN vote %.3f (RNA %.3f, ATAC %.3f)",
		   sep[7], sep[1], sep[3]);
		free(sep);
	}
	sc_dmat_free(&J);
	sc_wnn_graph_free(&g);
out:
	sc_dmat_free(&R);
	sc_dmat_free(&A);
}

static void test_cite(void)
{
	const char *h5 = unit_datafile("scvi_citeseq_pbmc_5k_protein_v3_200cells.h5ad");
	if (!h5) {
		SKIP("multiomics: scvi_citeseq_pbmc_5k_protein_v3_200cells.h5ad not found");
		return;
	}
	char path[4096], args[8400];
	snprintf(path, sizeof(path), "%s", h5);
	const char *dir = binio_tmpdir();
	snprintf(args, sizeof(args), "cite '%s' '%s'", path, dir);
	size_t pr, pc, r1, c1, r2, c2;
	double *prot = NULL, *e1 = NULL, *e2 = NULL;
	if (binio_oracle(unit_python(), "multiomics_ref.py", args) != 0 ||
	    !(prot = load(dir, "protein.bin", &pr, &pc)) ||
	    !(e1 = load(dir, "clr_cell.bin", &r1, &c1)) ||
	    !(e2 = load(dir, "clr_feature.bin", &r2, &c2))) {
		OK(0, "multiomics oracle prepared CITE-seq");
		goto out;
	}
	sc_err err = { 0 };
	sc_dmat a, b;
	sc_dmat_alloc(&a, pr, pc);
	sc_dmat_alloc(&b, pr, pc);
	memcpy(a.v, prot, pr * pc * sizeof(double));
	memcpy(b.v, prot, pr * pc * sizeof(double));
	int rc = sc_clr_dense(&a, 1, &err) | sc_clr_dense(&b, 0, &err);
	OK(rc == 0 && max_rel(a.v, e1, pr * pc) <= 1e-13,
	   "CLR per cell of %zu proteins equals muon's axis=1 formula (max rel %.3g)", pc,
	   max_rel(a.v, e1, pr * pc));
	OK(rc == 0 && max_rel(b.v, e2, pr * pc) <= 1e-13,
	   "CLR per protein equals muon's axis=0 formula (max rel %.3g)", max_rel(b.v, e2, pr * pc));
	/* the protein pipeline: CLR per cell, scale, PCA */
	size_t er, ec;
	double *pe = load(dir, "protein_emb.bin", &er, &ec);
	sc_csr pcsr;
	dense_to_csr(&pcsr, prot, pr, pc);
	sc_dmat pemb;
	rc = sc_modality_embedding(&pemb, &pcsr, SC_MODALITY_PROTEIN, 20, &err);
	OK(rc == 0 && pe && pemb.rows == er && pemb.cols == ec && max_rel(pemb.v, pe, er * ec) <= 1e-8,
	   "the protein embedding equals CLR + scale + sklearn PCA (max rel %.3g)",
	   rc == 0 && pe && pemb.cols == ec ? max_rel(pemb.v, pe, er * ec) : NAN);
	if (rc == 0)
		sc_dmat_free(&pemb);
	sc_csr_free(&pcsr);
	free(pe);
	/* WNN of RNA and protein: RNA PCs, protein PCs of the per-cell CLR */
	size_t rr, rcn;
	double *rna = load(dir, "rna.bin", &rr, &rcn);
	sc_dmat R, P;
	if (rna && rna_pcs(&R, rna, rr, rcn, 30) == 0) {
		if (sc_pca_dense(&P, NULL, &a, 20, &err) == 0) {
			test_wnn_oracle(dir, &R, &P, "CITE-seq RNA + protein");
			sc_dmat_free(&P);
		}
		sc_dmat_free(&R);
	} else {
		OK(0, "CITE-seq RNA PCs");
	}
	free(rna);
	a.v[3] = -1;
	rc = sc_clr_dense(&a, 1, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "'-1' in cell 0"), "negative counts are refused: %s",
	   err.msg);
	sc_dmat_free(&a);
	sc_dmat_free(&b);
out:
	free(prot);
	free(e1);
	free(e2);
	binio_rmdir(dir);
}

static void test_errors(void)
{
	double v[6] = { 1, 0, 2, 0, 3, 1 };
	sc_csr x;
	dense_to_csr(&x, v, 3, 2);
	sc_dmat out;
	sc_err err = { 0 };
	int rc = sc_lsi(&out, NULL, &x, 2, 1, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "2 components for a 3x2"),
	   "too many LSI components are refused: %s", err.msg);
	x.data[0] = -2;
	rc = sc_tfidf_csr(&x, 1e4, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "'-2'"), "negative peak counts are refused: %s",
	   err.msg);
	sc_csr_free(&x);
	double z[6] = { 1, 2, 3, 4, 5, 6 };
	sc_dmat blocks[2] = { { 3, 1, z }, { 2, 1, z } };
	rc = sc_concat_embeddings(&out, blocks, NULL, 2, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "block 1 has 2 cells"),
	   "blocks with different cell counts are refused: %s", err.msg);
	double c[3] = { 4, 4, 4 };
	sc_dmat cb[2] = { { 3, 1, z }, { 3, 1, c } };
	rc = sc_concat_embeddings(&out, cb, NULL, 2, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "block 1 has total variance '0'"),
	   "a constant block is refused: %s", err.msg);
	sc_wnn_opts o;
	sc_wnn_opts_default(&o);
	sc_wnn_graph g;
	rc = sc_wnn_build(&g, &cb[0], &cb[1], &o, &err);
	OK(rc == SC_EINVAL && strstr(err.msg, "k = 20"), "wnn with k >= cells is refused: %s",
	   err.msg);
}

int main(void)
{
	test_errors();
	test_cite();
	test_scicar();
	return unit_done();
}
