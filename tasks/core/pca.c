/*
 * pca.c - principal components equal to sklearn's PCA(svd_solver='full').
 *
 * Built for cells x genes matrices after HVG selection (1e3..1e6 cells,
 * 500..5000 genes, dense or ~10% sparse) and for small embeddings. The
 * thin SVD of the centred matrix Xc is obtained from a symmetric
 * eigenproblem on whichever Gram matrix is smaller:
 *
 *   n >= p: C = Xc^T Xc (p x p), eigenvectors = components, scores = Xc V;
 *   n <  p: K = Xc Xc^T (n x n), eigenvectors = U, scores = U S,
 *           components = Xc^T U / S.
 *
 * Either costs min(n,p)^2 max(n,p) flops in dsyrk (the fastest BLAS-3 path,
 * about 2x a general product) plus dsyevr for the top eigenpairs only, and
 * needs min(n,p)^2 doubles. The centred matrix is never stored: rows (or
 * columns) are densified and centred block by block, so a sparse matrix is
 * centred implicitly and a 100k x 2000 matrix takes 8 MB blocks, not 1.6 GB;
 * centring each block before the product avoids the cancellation of
 * X^T X - n mu mu^T. Squaring the singular values keeps the top components
 * accurate to about eps * S_1^2 / (S_i^2 - S_{i+1}^2), which is far below
 * 1e-6 for the leading 50 components of real data. When min(n,p) exceeds
 * SC_PCA_DIRECT_MAX the Gram matrix would not fit comfortably (12000^2
 * doubles = 1.15 GB) and block subspace iteration takes over (below): two
 * passes over the data per iteration, iterated to a residual of 1e-10 of the
 * largest singular value; its sparse products are serial, so it is the slow
 * path (select genes first where the analysis allows).
 *
 * Determinism: the Gram matrix (the expensive part) is accumulated block
 * by block in a fixed order, each block's product cut into tiles fixed by
 * the matrix size (sc_par_syrk) and spread over the core's pool; OpenBLAS
 * runs single-threaded throughout (its threaded dsyrk rounds differently at
 * 1 and 2 threads on SkylakeX kernels), so the bytes do not depend on the
 * thread count (see par.h).
 */
#include "util/progress.h"
#include "pca.h"
#include "blas.h"
#include "util/par.h"
#include "tasks/core/tiles.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SC_PCA_DIRECT_MAX 12000

/* The input, dense or CSR, read in centred dense blocks. */
typedef struct src {
	const sc_dmat *d;
	const sc_csr *s;
	size_t n, p;
	const double *mu;
	sc_pca_rows_fn gen; /* neither d nor s: rows made on demand */
	void *ctx;
} src;

/* Rows r0..r0+nr-1, centred, into B (nr x p). */
static void rows_block(double *B, const src *x, size_t r0, size_t nr)
{
	size_t p = x->p;
	if (x->gen) {
		/* centred as a stored row is (-mu, then + v): the same bytes */
		x->gen(x->ctx, B, r0, nr);
		for (size_t i = 0; i < nr; i++)
			for (size_t j = 0; j < p; j++) {
				double v = B[i * p + j];
				B[i * p + j] = -x->mu[j];
				B[i * p + j] += v;
			}
		return;
	}
	for (size_t i = 0; i < nr; i++) {
		double *b = B + i * p;
		for (size_t j = 0; j < p; j++)
			b[j] = -x->mu[j];
		if (x->d) {
			const double *v = x->d->v + (r0 + i) * p;
			for (size_t j = 0; j < p; j++)
				b[j] += v[j];
		} else if (x->s) {
			const sc_csr *s = x->s;
			for (int64_t q = s->indptr[r0 + i]; q < s->indptr[r0 + i + 1]; q++)
				b[s->indices[q]] += s->data[q];
		}
	}
}

/* Columns c0..c0+nc-1 of every row, centred, into B (n x nc). For CSR the
 * per-row cursors advance monotonically as blocks are taken left to right. */
static void cols_block(double *B, const src *x, size_t c0, size_t nc, int64_t *cursor)
{
	for (size_t i = 0; i < x->n; i++) {
		double *b = B + i * nc;
		for (size_t j = 0; j < nc; j++)
			b[j] = -x->mu[c0 + j];
		if (x->d) {
			const double *v = x->d->v + i * x->p + c0;
			for (size_t j = 0; j < nc; j++)
				b[j] += v[j];
		} else {
			const sc_csr *s = x->s;
			int64_t q = cursor[i], end = s->indptr[i + 1];
			while (q < end && (size_t)s->indices[q] < c0)
				q++;
			for (; q < end && (size_t)s->indices[q] < c0 + nc; q++)
				b[s->indices[q] - c0] += s->data[q];
			cursor[i] = q;
		}
	}
}

static size_t block_len(size_t width)
{
	size_t b = ((size_t)1 << 20) / (width ? width : 1); /* about 8 MB */
	return b < 32 ? 32 : b > 4096 ? 4096 : b;
}

/* Top k eigenpairs of the symmetric m x m matrix A (upper triangle in
 * row-major = lower in column-major), largest first: w[k], Z (k rows of m). */
static int top_eigen(double *w, double *Z, double *A, size_t m, size_t k, sc_err *err)
{
	int n = (int)m, il = (int)(m - k + 1), iu = (int)m, found = 0, info = 0;
	int lwork = -1, liwork = -1, iwq = 0;
	double vl = 0, vu = 0, abstol = 0, wq = 0;
	double *wa = sc_xmalloc(m * sizeof(double));
	double *z = sc_xmalloc(sc_mulsz(m, k * sizeof(double)));
	int *isuppz = sc_xmalloc(2 * k * sizeof(int));
	double *work = NULL;
	int *iwork = NULL, rc = 0;
	int nt = sc_blas_serial_begin();
	dsyevr_("V", "I", "L", &n, A, &n, &vl, &vu, &il, &iu, &abstol, &found, wa, z, &n, isuppz,
		&wq, &lwork, &iwq, &liwork, &info);
	if (info == 0) {
		lwork = (int)wq + 1;
		liwork = iwq + 1;
		work = sc_xmalloc((size_t)lwork * sizeof(double));
		iwork = sc_xmalloc((size_t)liwork * sizeof(int));
		dsyevr_("V", "I", "L", &n, A, &n, &vl, &vu, &il, &iu, &abstol, &found, wa, z, &n,
			isuppz, work, &lwork, iwork, &liwork, &info);
	}
	sc_blas_serial_end(nt);
	if (info != 0 || (size_t)found != k) {
		rc = sc_errf(err, SC_ERR, "eigensolver failed (dsyevr info %d, %d of %zu found)", info,
			     found, k);
		goto out;
	}
	for (size_t t = 0; t < k; t++) {
		size_t s = k - 1 - t; /* ascending -> descending */
		w[t] = wa[s] > 0 ? wa[s] : 0;
		memcpy(Z + t * m, z + s * m, m * sizeof(double));
	}
out:
	free(wa);
	free(z);
	free(isuppz);
	free(work);
	free(iwork);
	return rc;
}


/* ---- iterative path: block subspace iteration with Rayleigh-Ritz ---- */

/* out (n x L) = Xc V, V p x L. */
static void mul_x(double *out, const src *x, const double *V, size_t L, double *B, size_t bs)
{
	size_t n = x->n, p = x->p;
	if (x->d) {
		for (size_t r0 = 0; r0 < n; r0 += bs) {
			size_t nr = n - r0 < bs ? n - r0 : bs;
			rows_block(B, x, r0, nr);
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nr, (int)L, (int)p, 1.0, B,
				    (int)p, V, (int)L, 0.0, out + r0 * L, (int)L);
		}
		return;
	}
	double *muv = sc_xcalloc(L, sizeof(double));
	for (size_t j = 0; j < p; j++)
		for (size_t t = 0; t < L; t++)
			muv[t] += x->mu[j] * V[j * L + t];
	const sc_csr *s = x->s;
	for (size_t i = 0; i < n; i++) {
		double *o = out + i * L;
		for (size_t t = 0; t < L; t++)
			o[t] = -muv[t];
		/* daxpy: OpenBLAS's vector kernel, elementwise (no reduction order) */
		for (int64_t q = s->indptr[i]; q < s->indptr[i + 1]; q++)
			cblas_daxpy((int)L, s->data[q], V + (size_t)s->indices[q] * L, 1, o, 1);
	}
	free(muv);
}

/* out (p x L) = Xc^T Q, Q n x L. */
static void mul_xt(double *out, const src *x, const double *Q, size_t L, double *B, size_t bs)
{
	size_t n = x->n, p = x->p;
	memset(out, 0, p * L * sizeof(double));
	if (x->d) {
		for (size_t r0 = 0; r0 < n; r0 += bs) {
			size_t nr = n - r0 < bs ? n - r0 : bs;
			rows_block(B, x, r0, nr);
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)L, (int)nr, 1.0, B,
				    (int)p, Q + r0 * L, (int)L, 1.0, out, (int)L);
		}
		return;
	}
	double *cs = sc_xcalloc(L, sizeof(double));
	const sc_csr *s = x->s;
	for (size_t i = 0; i < n; i++) {
		const double *qi = Q + i * L;
		for (size_t t = 0; t < L; t++)
			cs[t] += qi[t];
		for (int64_t q = s->indptr[i]; q < s->indptr[i + 1]; q++)
			cblas_daxpy((int)L, s->data[q], qi, 1, out + (size_t)s->indices[q] * L, 1);
	}
	for (size_t j = 0; j < p; j++)
		for (size_t t = 0; t < L; t++)
			out[j * L + t] -= x->mu[j] * cs[t];
	free(cs);
}

/* Thin QR of the row-major r x L matrix Y (r >= L): Y becomes Q; R (L x L,
 * column-major upper triangle) is returned when R is not NULL. */
static int thin_qr(double *Y, size_t r, size_t L, double *R, sc_err *err)
{
	int m = (int)r, nn = (int)L, info = 0, lwork = -1;
	double *a = sc_xmalloc(sc_mulsz(r, L * sizeof(double)));
	double *tau = sc_xmalloc(L * sizeof(double)), wq = 0;
	for (size_t i = 0; i < r; i++)
		for (size_t t = 0; t < L; t++)
			a[t * r + i] = Y[i * L + t];
	dgeqrf_(&m, &nn, a, &m, tau, &wq, &lwork, &info);
	lwork = (int)wq + 1;
	double *work = sc_xmalloc((size_t)lwork * sizeof(double));
	dgeqrf_(&m, &nn, a, &m, tau, work, &lwork, &info);
	if (info == 0 && R) {
		memset(R, 0, L * L * sizeof(double));
		for (size_t c = 0; c < L; c++)
			for (size_t i = 0; i <= c; i++)
				R[c * L + i] = a[c * r + i];
	}
	if (info == 0) {
		int lw2 = -1;
		dorgqr_(&m, &nn, &nn, a, &m, tau, &wq, &lw2, &info);
		if ((int)wq + 1 > lwork) {
			lwork = (int)wq + 1;
			work = sc_xrealloc(work, (size_t)lwork * sizeof(double));
		}
		dorgqr_(&m, &nn, &nn, a, &m, tau, work, &lwork, &info);
	}
	if (info == 0)
		for (size_t i = 0; i < r; i++)
			for (size_t t = 0; t < L; t++)
				Y[i * L + t] = a[t * r + i];
	free(a);
	free(tau);
	free(work);
	return info ? sc_errf(err, SC_ERR, "qr failed (lapack info %d)", info) : 0;
}

/* SVD of the L x L column-major R: R = U diag(s) W^T, U and W column-major. */
static int small_svd(double *R, size_t L, double *s, double *U, double *Wt, sc_err *err)
{
	int n = (int)L, info = 0, lwork = -1;
	int *iw = sc_xmalloc(8 * L * sizeof(int));
	double wq = 0;
	dgesdd_("A", &n, &n, R, &n, s, U, &n, Wt, &n, &wq, &lwork, iw, &info);
	lwork = (int)wq + 1;
	double *work = sc_xmalloc((size_t)lwork * sizeof(double));
	dgesdd_("A", &n, &n, R, &n, s, U, &n, Wt, &n, work, &lwork, iw, &info);
	free(iw);
	free(work);
	return info ? sc_errf(err, SC_ERR, "svd failed (lapack info %d)", info) : 0;
}

/*
 * Top k singular triplets of Xc by subspace iteration on L = k + max(k, 20)
 * vectors from a fixed-seed Gaussian start: V <- orth(Xc^T Q), Y = Xc V =
 * Q R, R = U S W^T, so u = Q U, v = V W satisfy Xc v = s u exactly and the
 * iteration stops when |Xc^T u_i - s_i v_i| <= 1e-10 s_1 for every i < k
 * (at most 1000 iterations). Each iteration costs two passes over the data
 * (2 nnz L flops for CSR) and two thin QRs (4 max(n,p) L^2). Outputs: w = s^2,
 * Vout (k x p) and scores (n x k, = u s).
 */
static int pca_iterative(const src *x, size_t k, double *w, double *Vout, double *S, sc_err *err)
{
	size_t n = x->n, p = x->p, m = n < p ? n : p;
	size_t L = k + (k > 20 ? k : 20);
	if (L > m)
		L = m;
	int rc = 0, nt = sc_blas_serial_begin();
	size_t bs = block_len(p);
	double *B = x->d ? sc_xmalloc(sc_mulsz(bs, p * sizeof(double))) : NULL;
	double *V = sc_xmalloc(sc_mulsz(p, L * sizeof(double)));
	double *Y = sc_xmalloc(sc_mulsz(n, L * sizeof(double)));
	double *R = sc_xmalloc(L * L * sizeof(double)), *U = sc_xmalloc(L * L * sizeof(double));
	double *Wt = sc_xmalloc(L * L * sizeof(double)), *sv = sc_xmalloc(L * sizeof(double));
	double *Z = sc_xmalloc(sc_mulsz(p, L * sizeof(double)));
	double *Zu = sc_xmalloc(sc_mulsz(p, k * sizeof(double)));
	double *Vw = sc_xmalloc(sc_mulsz(p, k * sizeof(double)));
	/* progress: the leading components whose residual is below the bar */
	sc_progress pr;
	sc_progress_begin_unit(&pr, "PCA", "PCs", k);
	size_t n_ok = 0;
	sc_rng r;
	sc_rng_seed(&r, 0);
	for (size_t t = 0; t < p * L; t++)
		V[t] = sc_rng_normal(&r);
	if ((rc = thin_qr(V, p, L, NULL, err)))
		goto out;
	int converged = 0;
	for (int it = 0; it < 1000 && !converged; it++) {
		mul_x(Y, x, V, L, B, bs);
		if ((rc = thin_qr(Y, n, L, R, err)) || (rc = small_svd(R, L, sv, U, Wt, err)))
			goto out;
		/* Z = Xc^T Q; residual of u_i: Z U_i - s_i V W_i */
		mul_xt(Z, x, Y, L, B, bs);
		/* Zu = Z U_k (p x k), Vw = V W_k (p x k) */
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)p, (int)k, (int)L, 1.0, Z, (int)L, U,
			    (int)L, 0.0, Zu, (int)k);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p, (int)k, (int)L, 1.0, V, (int)L,
			    Wt, (int)L, 0.0, Vw, (int)k);
		double worst = 0;
		size_t lead = 0;
		for (size_t i = 0; i < k; i++) {
			double res = 0;
			for (size_t j = 0; j < p; j++) {
				double d = Zu[j * k + i] - sv[i] * Vw[j * k + i];
				res += d * d;
			}
			worst = fmax(worst, sqrt(res));
			lead += lead == i && sqrt(res) <= 1e-10 * sv[0];
		}
		converged = worst <= 1e-10 * sv[0];
		n_ok = lead > n_ok ? lead : n_ok;
		sc_progress_update(&pr, n_ok);
		if (converged) {
			for (size_t i = 0; i < k; i++) {
				w[i] = sv[i] * sv[i];
				for (size_t j = 0; j < p; j++)
					Vout[i * p + j] = Vw[j * k + i];
			}
			/* scores = Q U_k S */
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)L, 1.0, Y, (int)L,
				    U, (int)L, 0.0, S, (int)k);
			for (size_t a = 0; a < n; a++)
				for (size_t i = 0; i < k; i++)
					S[a * k + i] *= sv[i];
			break;
		}
		memcpy(V, Z, p * L * sizeof(double));
		if ((rc = thin_qr(V, p, L, NULL, err)))
			goto out;
	}
	if (!converged)
		rc = sc_errf(err, SC_ERR, "pca subspace iteration did not converge in 1000 iterations");
out:
	sc_progress_end(&pr);
	sc_blas_serial_end(nt);
	free(B);
	free(V);
	free(Y);
	free(R);
	free(U);
	free(Wt);
	free(sv);
	free(Z);
	free(Zu);
	free(Vw);
	return rc;
}

/* Column means into mu (p) and the total variance (ddof 1) into *total:
 * two passes, as numpy's var. A non-finite mean is an error. */
void sc_pca_rows_moments(double *mu, double *ss, size_t n, size_t p, sc_pca_rows_fn rows,
			 void *ctx)
{
	size_t bs = block_len(p);
	double *B = sc_xmalloc(sc_mulsz(bs, (p ? p : 1) * sizeof(double)));
	memset(mu, 0, p * sizeof(double));
	memset(ss, 0, p * sizeof(double));
	for (int pass = 0; pass < 2; pass++) {
		for (size_t r0 = 0; r0 < n; r0 += bs) {
			size_t nr = n - r0 < bs ? n - r0 : bs;
			rows(ctx, B, r0, nr);
			for (size_t i = 0; i < nr; i++)
				for (size_t j = 0; j < p; j++) {
					double v = B[i * p + j];
					if (pass == 0) {
						mu[j] += v;
					} else {
						double c = v - mu[j];
						ss[j] += c * c;
					}
				}
		}
		if (pass == 0)
			for (size_t j = 0; j < p; j++)
				mu[j] /= (double)(n ? n : 1);
	}
	free(B);
}

/* column_moments of generated rows: the dense path's sums, block by block
 * (each column's terms in the same row order: the same bytes). */
static int gen_moments(double *mu, double *var, const src *x, sc_err *err)
{
	sc_pca_rows_moments(mu, var, x->n, x->p, x->gen, x->ctx);
	for (size_t j = 0; j < x->p; j++)
		if (!isfinite(mu[j]))
			return sc_errf(err, SC_EINVAL, "non-finite value in the pca input");
	return 0;
}

static int column_moments(double *mu, double *total, const src *x, sc_err *err)
{
	size_t n = x->n, p = x->p;
	if (x->gen) {
		double *var = sc_xcalloc(p, sizeof(double));
		int rc = gen_moments(mu, var, x, err);
		double t = 0;
		for (size_t j = 0; j < p; j++)
			t += var[j];
		*total = t / (double)(n - 1);
		free(var);
		return rc;
	}
	if (x->d) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < p; j++)
				mu[j] += x->d->v[i * p + j];
	} else {
		size_t nnz = sc_csr_nnz(x->s);
		for (size_t q = 0; q < nnz; q++)
			mu[x->s->indices[q]] += x->s->data[q];
	}
	for (size_t j = 0; j < p; j++)
		mu[j] /= (double)n;
	int finite = 1;
	for (size_t j = 0; j < p; j++)
		finite &= isfinite(mu[j]);
	if (!finite)
		return sc_errf(err, SC_EINVAL, "non-finite value in the pca input");
	double *var = sc_xcalloc(p, sizeof(double));
	if (x->d) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < p; j++) {
				double c = x->d->v[i * p + j] - mu[j];
				var[j] += c * c;
			}
	} else {
		size_t *cnt = sc_xcalloc(p, sizeof(size_t));
		size_t nnz = sc_csr_nnz(x->s);
		for (size_t q = 0; q < nnz; q++) {
			size_t j = (size_t)x->s->indices[q];
			double c = x->s->data[q] - mu[j];
			var[j] += c * c;
			cnt[j]++;
		}
		for (size_t j = 0; j < p; j++)
			var[j] += (double)(n - cnt[j]) * mu[j] * mu[j];
		free(cnt);
	}
	double t = 0;
	for (size_t j = 0; j < p; j++)
		t += var[j];
	*total = t / (double)(n - 1);
	free(var);
	return 0;
}

/* n >= p: eigenvectors of C = Xc^T Xc are the components V (k x p),
 * scores S (n x k) = Xc V^T; w gets the top k eigenvalues. */
static int pca_by_covariance(const src *x, size_t k, double *w, double *V, double *S, sc_err *err)
{
	size_t n = x->n, p = x->p;
	double *A = sc_xcalloc(sc_mulsz(p, p), sizeof(double));
	double *Z = sc_xmalloc(sc_mulsz(k, p * sizeof(double)));
	size_t bs = block_len(p);
	double *B = sc_xmalloc(sc_mulsz(bs, p * sizeof(double)));
	int nt = sc_blas_serial_begin();
	sc_par *par = sc_par_new(0);
	sc_progress pr;
	sc_progress_begin_unit(&pr, "PCA covariance", "cells", n);
	for (size_t r0 = 0; r0 < n; r0 += bs) {
		size_t nr = n - r0 < bs ? n - r0 : bs;
		rows_block(B, x, r0, nr);
		sc_par_syrk(par, 1, p, nr, B, p, A, p);
		sc_progress_update(&pr, r0 + nr);
	}
	sc_progress_end(&pr);
	int rc = top_eigen(w, Z, A, p, k, err);
	if (rc == 0) {
		memcpy(V, Z, k * p * sizeof(double));
		for (size_t r0 = 0; r0 < n; r0 += bs) {
			size_t nr = n - r0 < bs ? n - r0 : bs;
			rows_block(B, x, r0, nr);
			sc_par_gemm(par, 0, 1, nr, k, p, 1.0, B, p, V, p, 0.0, S + r0 * k, k);
		}
	}
	sc_par_free(par);
	sc_blas_serial_end(nt);
	free(A);
	free(Z);
	free(B);
	return rc;
}

/* n < p: eigenvectors U of K = Xc Xc^T give the scores U S and the
 * components U^T Xc / S, column block by column block. */
static int pca_by_gram(const src *x, size_t k, double *w, double *V, double *S, sc_err *err)
{
	size_t n = x->n, p = x->p;
	double *A = sc_xcalloc(sc_mulsz(n, n), sizeof(double));
	double *Z = sc_xmalloc(sc_mulsz(k, n * sizeof(double)));
	size_t bc = block_len(n);
	double *B = sc_xmalloc(sc_mulsz(n, bc * sizeof(double)));
	int64_t *cursor = sc_xmalloc(n * sizeof(int64_t));
	double *vb = NULL;
	if (x->s)
		memcpy(cursor, x->s->indptr, n * sizeof(int64_t));
	int nt = sc_blas_serial_begin();
	sc_par *par = sc_par_new(0);
	sc_progress pr;
	sc_progress_begin_unit(&pr, "PCA covariance", "genes", p);
	for (size_t c0 = 0; c0 < p; c0 += bc) {
		size_t nc = p - c0 < bc ? p - c0 : bc;
		cols_block(B, x, c0, nc, cursor);
		sc_par_syrk(par, 0, n, nc, B, nc, A, n);
		sc_progress_update(&pr, c0 + nc);
	}
	sc_progress_end(&pr);
	sc_par_free(par);
	sc_blas_serial_end(nt);
	int rc = top_eigen(w, Z, A, n, k, err);
	if (rc)
		goto out;
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < k; t++)
			S[i * k + t] = Z[t * n + i] * sqrt(w[t]);
	if (x->s)
		memcpy(cursor, x->s->indptr, n * sizeof(int64_t));
	vb = sc_xmalloc(sc_mulsz(k, bc * sizeof(double)));
	nt = sc_blas_serial_begin();
	for (size_t c0 = 0; c0 < p; c0 += bc) {
		size_t nc = p - c0 < bc ? p - c0 : bc;
		cols_block(B, x, c0, nc, cursor);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)nc, (int)n, 1.0, Z,
			    (int)n, B, (int)nc, 0.0, vb, (int)nc);
		for (size_t t = 0; t < k; t++) {
			double f = w[t] > 0 ? 1.0 / sqrt(w[t]) : 0.0;
			for (size_t j = 0; j < nc; j++)
				V[t * p + c0 + j] = vb[t * nc + j] * f;
		}
	}
	sc_blas_serial_end(nt);
out:
	free(vb);
	free(A);
	free(Z);
	free(B);
	free(cursor);
	return rc;
}

/* sklearn's svd_flip on U: the largest |score| of each component (first
 * one on ties) is made positive. */
static void svd_flip(double *S, double *V, size_t n, size_t p, size_t k)
{
	for (size_t t = 0; t < k; t++) {
		size_t best = 0;
		double bv = -1;
		for (size_t i = 0; i < n; i++) {
			double a = fabs(S[i * k + t]);
			if (a > bv) {
				bv = a;
				best = i;
			}
		}
		if (S[best * k + t] < 0) {
			for (size_t i = 0; i < n; i++)
				S[i * k + t] = -S[i * k + t];
			for (size_t j = 0; j < p; j++)
				V[t * p + j] = -V[t * p + j];
		}
	}
}

/* The fitted model; takes V and mu. */
static void fill_model(sc_pca *model, double **V, double **mu, const double *w, size_t n,
		       size_t p, size_t k, double total)
{
	memset(model, 0, sizeof(*model));
	model->n_comps = k;
	model->n_features = p;
	model->components = *V;
	*V = NULL;
	model->mean = *mu;
	*mu = NULL;
	model->explained_variance = sc_xmalloc(k * sizeof(double));
	model->explained_variance_ratio = sc_xmalloc(k * sizeof(double));
	model->singular_values = sc_xmalloc(k * sizeof(double));
	for (size_t t = 0; t < k; t++) {
		model->explained_variance[t] = w[t] / (double)(n - 1);
		model->explained_variance_ratio[t] = total > 0 ? model->explained_variance[t] / total : 0.0;
		model->singular_values[t] = sqrt(w[t]);
	}
	model->total_variance = total;
}

static int pca_run(sc_dmat *scores, sc_pca *model, const src *x0, size_t n_comps,
		   sc_pca_method method, sc_err *err)
{
	src x = *x0;
	size_t n = x.n, p = x.p, k = n_comps;
	if (n < 2 || p < 1)
		return sc_errf(err, SC_EINVAL, "pca needs at least 2 rows and 1 column, got %zu x %zu", n, p);
	size_t kmax = (n < p ? n : p) - 1;
	if (kmax == 0)
		return sc_errf(err, SC_EINVAL, "pca of a %zu x %zu matrix has no component", n, p);
	if (k == 0)
		return sc_errf(err, SC_EINVAL, "number of components must be positive");
	if (k > kmax)
		k = kmax;
	size_t m = n < p ? n : p;
	int iterative = method == SC_PCA_ITERATIVE || (method == SC_PCA_AUTO && m > SC_PCA_DIRECT_MAX);

	double *mu = sc_xcalloc(p, sizeof(double)), *w = NULL, *V = NULL, total = 0;
	sc_dmat S = { 0 };
	int rc = column_moments(mu, &total, &x, err);
	if (rc)
		goto out;
	x.mu = mu;
	w = sc_xmalloc(k * sizeof(double));
	V = sc_xmalloc(sc_mulsz(k, p * sizeof(double))); /* components, k x p */
	sc_dmat_alloc(&S, n, k);
	rc = iterative ? pca_iterative(&x, k, w, V, S.v, err)
	     : p <= n	 ? pca_by_covariance(&x, k, w, V, S.v, err)
			 : pca_by_gram(&x, k, w, V, S.v, err);
	if (rc)
		goto out;
	svd_flip(S.v, V, n, p, k);
	if (model)
		fill_model(model, &V, &mu, w, n, p, k, total);
	if (scores) {
		*scores = S;
		S.v = NULL;
	}
out:
	sc_dmat_free(&S);
	free(mu);
	free(w);
	free(V);
	return rc;
}

int sc_pca_dense_with(sc_dmat *scores, sc_pca *model, const sc_dmat *x, size_t n_comps,
		      sc_pca_method method, sc_err *err)
{
	src s = { .d = x, .n = x->rows, .p = x->cols };
	return pca_run(scores, model, &s, n_comps, method, err);
}

int sc_pca_csr_with(sc_dmat *scores, sc_pca *model, const sc_csr *x, size_t n_comps,
		    sc_pca_method method, sc_err *err)
{
	src s = { .s = x, .n = x->rows, .p = x->cols };
	return pca_run(scores, model, &s, n_comps, method, err);
}

int sc_pca_rows(sc_dmat *scores, sc_pca *model, size_t n, size_t p, sc_pca_rows_fn rows,
		void *ctx, size_t n_comps, sc_err *err)
{
	if (p > n || p > SC_PCA_DIRECT_MAX)
		return sc_errf(err, SC_EINVAL, "pca of generated rows needs cols <= rows and <= %d, got "
					       "%zu x %zu", SC_PCA_DIRECT_MAX, n, p);
	src s = { NULL, NULL, n, p, NULL, rows, ctx };
	return pca_run(scores, model, &s, n_comps, SC_PCA_AUTO, err);
}

int sc_pca_dense(sc_dmat *scores, sc_pca *model, const sc_dmat *x, size_t n_comps, sc_err *err)
{
	return sc_pca_dense_with(scores, model, x, n_comps, SC_PCA_AUTO, err);
}

int sc_pca_csr(sc_dmat *scores, sc_pca *model, const sc_csr *x, size_t n_comps, sc_err *err)
{
	return sc_pca_csr_with(scores, model, x, n_comps, SC_PCA_AUTO, err);
}

void sc_pca_free(sc_pca *p)
{
	if (!p)
		return;
	free(p->components);
	free(p->explained_variance);
	free(p->explained_variance_ratio);
	free(p->singular_values);
	free(p->mean);
	memset(p, 0, sizeof(*p));
}
