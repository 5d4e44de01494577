/*
 * multiomics.c - per-modality preprocessing (CLR for proteins, TF-IDF + LSI
 * for chromatin accessibility, the standard pipeline for RNA) and the
 * variance-balanced concatenation that gives the multiomics task its
 * "concatenated PCA" joint embedding.
 *
 * Workload: 10^3-10^5 cells; proteins are a few dozen features (dense), ATAC
 * peaks are sparse and, after the usual top-peak selection, at most ~10^4:
 * LSI takes the exact eigendecomposition of the peaks x peaks Gram matrix
 * (dsyrk over dense row blocks, dsyevr for the leading pairs), which is
 * exact to rounding for the leading components instead of approximate like
 * a randomised SVD. LAPACK and BLAS run serially there so the bytes do not
 * depend on the thread count.
 */
#include "multiomics.h"
#include "tasks/core/blas.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sc_clr_dense(sc_dmat *x, int per_cell, sc_err *err)
{
	size_t n = x->rows, p = x->cols;
	if (!n || !p)
		return sc_errf(err, SC_EINVAL, "clr: empty %zux%zu matrix", n, p);
	for (size_t i = 0; i < n * p; i++)
		if (!(x->v[i] >= 0) || !isfinite(x->v[i]))
			return sc_errf(err, SC_EINVAL, "clr: counts must be finite and >= 0 "
						       "(found '%g' in cell %zu)", x->v[i], i / p);
	if (per_cell) {
		for (size_t i = 0; i < n; i++) {
			double *r = x->v + i * p, s = 0;
			for (size_t j = 0; j < p; j++)
				s += log1p(r[j]);
			double g = exp(s / (double)p);
			for (size_t j = 0; j < p; j++)
				r[j] = log1p(r[j] / g);
		}
	} else {
		double *g = sc_xcalloc(p, sizeof(double));
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < p; j++)
				g[j] += log1p(x->v[i * p + j]);
		for (size_t j = 0; j < p; j++)
			g[j] = exp(g[j] / (double)n);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < p; j++)
				x->v[i * p + j] = log1p(x->v[i * p + j] / g[j]);
		free(g);
	}
	return 0;
}

int sc_tfidf_csr(sc_csr *x, double scale_factor, sc_err *err)
{
	size_t n = x->rows, p = x->cols, nnz = sc_csr_nnz(x);
	for (size_t k = 0; k < nnz; k++)
		if (!(x->data[k] >= 0) || !isfinite(x->data[k]))
			return sc_errf(err, SC_EINVAL, "tf-idf: counts must be finite and >= 0 "
						       "(found '%g')", x->data[k]);
	double *cs = sc_xcalloc(p ? p : 1, sizeof(double));
	for (size_t k = 0; k < nnz; k++)
		cs[x->indices[k]] += x->data[k];
	for (size_t i = 0; i < n; i++) {
		double rs = 0;
		for (int64_t k = x->indptr[i]; k < x->indptr[i + 1]; k++)
			rs += x->data[k];
		for (int64_t k = x->indptr[i]; k < x->indptr[i + 1]; k++) {
			double tf = x->data[k] / rs;
			if (scale_factor != 0 && scale_factor != 1)
				tf = tf * scale_factor;
			double v = log1p(tf) * log1p((double)n / cs[x->indices[k]]);
			x->data[k] = isnan(v) ? 0 : v;
		}
	}
	free(cs);
	return 0;
}

/* G = X'X (p x p, upper triangle, column-major = row-major by symmetry) from
 * dense blocks of rows. */
static void gram(double *G, const sc_csr *x)
{
	size_t p = x->cols, bs = 256;
	double *blk = sc_xmalloc(sc_mulsz(bs * p, sizeof(double)));
	memset(G, 0, p * p * sizeof(double));
	for (size_t r0 = 0; r0 < x->rows; r0 += bs) {
		size_t nr = x->rows - r0 < bs ? x->rows - r0 : bs;
		memset(blk, 0, nr * p * sizeof(double));
		for (size_t i = 0; i < nr; i++)
			for (int64_t k = x->indptr[r0 + i]; k < x->indptr[r0 + i + 1]; k++)
				blk[i * p + (size_t)x->indices[k]] += x->data[k];
		/* row-major nr x p block = column-major p x nr matrix A; G += A A' */
		cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)p, (int)nr, 1.0, blk,
			    (int)p, 1.0, G, (int)p);
	}
	free(blk);
}

int sc_lsi(sc_dmat *out, double *sv, const sc_csr *x, size_t n_comps, int drop_first,
	   sc_err *err)
{
	size_t n = x->rows, p = x->cols, k = n_comps;
	memset(out, 0, sizeof(*out));
	if (p > SC_LSI_MAX_FEATURES)
		return sc_errf(err, SC_EINVAL, "lsi: %zu features exceed the %d of the exact "
					       "method; select peaks first", p, SC_LSI_MAX_FEATURES);
	if (k < 1 + (drop_first != 0) || k >= (n < p ? n : p))
		return sc_errf(err, SC_EINVAL, "lsi: %zu components for a %zux%zu matrix (need "
					       "%d to min(cells, features) - 1)",
			       k, n, p, 1 + (drop_first != 0));
	for (size_t q = 0; q < sc_csr_nnz(x); q++)
		if (!isfinite(x->data[q]))
			return sc_errf(err, SC_EINVAL, "lsi: non-finite value '%g'", x->data[q]);
	int nt = sc_blas_serial_begin(), rc = 0;
	double *G = sc_xmalloc(sc_mulsz(p * p, sizeof(double)));
	double *w = sc_xmalloc(p * sizeof(double)), *Z = sc_xmalloc(sc_mulsz(p * k, sizeof(double)));
	double *V = sc_xmalloc(p * k * sizeof(double)), *U = sc_xcalloc(n * k, sizeof(double));
	int *isuppz = sc_xmalloc(2 * k * sizeof(int));
	double *work = NULL;
	int *iwork = NULL;
	gram(G, x);
	int ip = (int)p, il = (int)(p - k + 1), iu = (int)p, m = 0, info = 0, lwork = -1,
	    liwork = -1, iwq = 0;
	double vl = 0, vu = 0, abstol = 0, wq = 0;
	dsyevr_("V", "I", "U", &ip, G, &ip, &vl, &vu, &il, &iu, &abstol, &m, w, Z, &ip, isuppz, &wq,
		&lwork, &iwq, &liwork, &info);
	lwork = (int)wq;
	liwork = iwq;
	work = sc_xmalloc((size_t)lwork * sizeof(double));
	iwork = sc_xmalloc((size_t)liwork * sizeof(int));
	if (info == 0)
		dsyevr_("V", "I", "U", &ip, G, &ip, &vl, &vu, &il, &iu, &abstol, &m, w, Z, &ip,
			isuppz, work, &lwork, iwork, &liwork, &info);
	if (info != 0 || (size_t)m != k) {
		rc = sc_errf(err, SC_ERR, "lsi: the eigensolver failed (info %d)", info);
		goto out;
	}
	/* component c = eigenpair k - 1 - c (dsyevr sorts ascending) */
	for (size_t c = 0; c < k; c++) {
		double s = sqrt(w[k - 1 - c] > 0 ? w[k - 1 - c] : 0);
		if (!(s > 0)) {
			rc = sc_errf(err, SC_EINVAL, "lsi: component %zu has a zero singular value",
				     c + 1);
			goto out;
		}
		if (sv)
			sv[c] = s;
		for (size_t j = 0; j < p; j++)
			V[j * k + c] = Z[(k - 1 - c) * p + j] / s;
	}
	for (size_t i = 0; i < n; i++)
		for (int64_t q = x->indptr[i]; q < x->indptr[i + 1]; q++) {
			const double *vr = V + (size_t)x->indices[q] * k;
			double a = x->data[q];
			for (size_t c = 0; c < k; c++)
				U[i * k + c] += a * vr[c];
		}
	size_t first = drop_first ? 1 : 0;
	sc_dmat_alloc(out, n, k - first);
	for (size_t c = first; c < k; c++) {
		double big = 0, mean = 0, var = 0;
		for (size_t i = 0; i < n; i++) {
			double u = U[i * k + c];
			if (fabs(u) > fabs(big))
				big = u;
			mean += u;
		}
		mean /= (double)n;
		for (size_t i = 0; i < n; i++)
			var += (U[i * k + c] - mean) * (U[i * k + c] - mean);
		double sd = sqrt(var / (double)n), sg = big < 0 ? -1 : 1;
		if (!(sd > 0)) {
			rc = sc_errf(err, SC_EINVAL, "lsi: component %zu is constant over cells", c + 1);
			sc_dmat_free(out);
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			out->v[i * (k - first) + c - first] = sg * (U[i * k + c] - mean) / sd;
	}
out:
	sc_blas_serial_end(nt);
	free(G);
	free(w);
	free(Z);
	free(V);
	free(U);
	free(isuppz);
	free(work);
	free(iwork);
	return rc;
}

int sc_concat_embeddings(sc_dmat *out, const sc_dmat *blocks, const double *weights,
			 size_t n_blocks, sc_err *err)
{
	size_t n = n_blocks ? blocks[0].rows : 0, d = 0;
	memset(out, 0, sizeof(*out));
	if (n < 2)
		return sc_errf(err, SC_EINVAL, "concatenation: %zu blocks of %zu cells", n_blocks, n);
	for (size_t m = 0; m < n_blocks; m++) {
		if (blocks[m].rows != n)
			return sc_errf(err, SC_EINVAL, "concatenation: block %zu has %zu cells, "
						       "block 0 has %zu", m, blocks[m].rows, n);
		if (weights && !(weights[m] > 0 && isfinite(weights[m])))
			return sc_errf(err, SC_EINVAL, "concatenation: weight '%g' of block %zu is "
						       "not > 0", weights[m], m);
		d += blocks[m].cols;
	}
	double *scale = sc_xmalloc(n_blocks * sizeof(double));
	for (size_t m = 0; m < n_blocks; m++) {
		const sc_dmat *b = &blocks[m];
		double tv = 0;
		for (size_t j = 0; j < b->cols; j++) {
			double mean = 0, v = 0;
			for (size_t i = 0; i < n; i++)
				mean += SC_AT(b, i, j);
			mean /= (double)n;
			for (size_t i = 0; i < n; i++)
				v += (SC_AT(b, i, j) - mean) * (SC_AT(b, i, j) - mean);
			tv += v / (double)(n - 1);
		}
		if (!(tv > 0) || !isfinite(tv)) {
			free(scale);
			return sc_errf(err, SC_EINVAL, "concatenation: block %zu has total variance "
						       "'%g'", m, tv);
		}
		scale[m] = sqrt((weights ? weights[m] : 1.0) / tv);
	}
	sc_dmat_alloc(out, n, d);
	for (size_t i = 0; i < n; i++) {
		size_t off = 0;
		for (size_t m = 0; m < n_blocks; m++) {
			for (size_t j = 0; j < blocks[m].cols; j++)
				out->v[i * d + off + j] = scale[m] * SC_AT(&blocks[m], i, j);
			off += blocks[m].cols;
		}
	}
	free(scale);
	return 0;
}
