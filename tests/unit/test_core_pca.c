/*
 * test_core_pca.c - PCA against a naive covariance + cyclic Jacobi
 * eigensolver, against sklearn PCA(svd_solver='full') on real files (dense
 * and CSR, both the covariance and the Gram path), and byte-identical
 * output for one and two BLAS threads.
 */
#include "tasks/core/blas.h"
#include "tasks/core/pca.h"
#include "util/par.h"
#include "tasks/core/rng.h"
#include "core_oracle.h"

/* Cyclic Jacobi on a symmetric m x m matrix: eigenvalues in w, eigenvectors
 * as the columns of E (row-major m x m). */
static void jacobi(double *A, double *w, double *E, size_t m)
{
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < m; j++)
			E[i * m + j] = i == j;
	for (int sweep = 0; sweep < 100; sweep++) {
		double off = 0;
		for (size_t i = 0; i < m; i++)
			for (size_t j = i + 1; j < m; j++)
				off += A[i * m + j] * A[i * m + j];
		if (off < 1e-30)
			break;
		for (size_t p = 0; p < m; p++)
			for (size_t q = p + 1; q < m; q++) {
				double apq = A[p * m + q];
				if (fabs(apq) < 1e-300)
					continue;
				double th = (A[q * m + q] - A[p * m + p]) / (2 * apq);
				double t = (th >= 0 ? 1 : -1) / (fabs(th) + sqrt(th * th + 1));
				double c = 1 / sqrt(t * t + 1), s = t * c;
				for (size_t r = 0; r < m; r++) {
					double arp = A[r * m + p], arq = A[r * m + q];
					A[r * m + p] = c * arp - s * arq;
					A[r * m + q] = s * arp + c * arq;
				}
				for (size_t r = 0; r < m; r++) {
					double apr = A[p * m + r], aqr = A[q * m + r];
					A[p * m + r] = c * apr - s * aqr;
					A[q * m + r] = s * apr + c * aqr;
				}
				for (size_t r = 0; r < m; r++) {
					double erp = E[r * m + p], erq = E[r * m + q];
					E[r * m + p] = c * erp - s * erq;
					E[r * m + q] = s * erp + c * erq;
				}
			}
	}
	for (size_t i = 0; i < m; i++)
		w[i] = A[i * m + i];
}

static void test_naive(int sparse)
{
	size_t n = 60, p = 14, k = 5;
	sc_rng r;
	sc_rng_seed(&r, 3);
	sc_dmat x = { 0 };
	sc_dmat_alloc(&x, n, p);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p; j++) {
			double v = sc_rng_normal(&r) * (double)(p - j) + (double)j;
			x.v[i * p + j] = sparse && sc_rng_uniform(&r) < 0.6 ? 0 : v;
		}
	/* naive: means, covariance, Jacobi, sort descending */
	double mu[14] = { 0 }, C[14 * 14] = { 0 }, w[14], E[14 * 14];
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p; j++)
			mu[j] += x.v[i * p + j] / (double)n;
	for (size_t a = 0; a < p; a++)
		for (size_t b = 0; b < p; b++)
			for (size_t i = 0; i < n; i++)
				C[a * p + b] += (x.v[i * p + a] - mu[a]) * (x.v[i * p + b] - mu[b]) / (double)(n - 1);
	double tot = 0;
	for (size_t j = 0; j < p; j++)
		tot += C[j * p + j];
	jacobi(C, w, E, p);
	size_t ord[14];
	for (size_t j = 0; j < p; j++)
		ord[j] = j;
	for (size_t a = 0; a < p; a++)
		for (size_t b = a + 1; b < p; b++)
			if (w[ord[b]] > w[ord[a]]) {
				size_t t = ord[a];
				ord[a] = ord[b];
				ord[b] = t;
			}

	sc_dmat s = { 0 };
	sc_pca m = { 0 };
	sc_err err = { 0 };
	int rc;
	sc_csr cs = { 0 };
	if (sparse) {
		/* dense -> CSR by hand */
		size_t nnz = 0;
		for (size_t t = 0; t < n * p; t++)
			nnz += x.v[t] != 0;
		sc_csr_alloc(&cs, n, p, nnz);
		size_t q = 0;
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < p; j++)
				if (x.v[i * p + j] != 0) {
					cs.indices[q] = (int32_t)j;
					cs.data[q++] = x.v[i * p + j];
				}
			cs.indptr[i + 1] = (int64_t)q;
		}
		rc = sc_pca_csr(&s, &m, &cs, k, &err);
	} else {
		rc = sc_pca_dense(&s, &m, &x, k, &err);
	}
	OK(rc == 0 && m.n_comps == k, "pca runs (%s): %s", sparse ? "csr" : "dense", rc ? err.msg : "");
	if (rc == 0) {
		double dev = 0, dcomp = 0, dscore = 0;
		for (size_t t = 0; t < k; t++) {
			dev = fmax(dev, fabs(m.explained_variance[t] - w[ord[t]]) / w[ord[t]]);
			/* the naive eigenvector, signed by the largest |score| */
			double sc[60], best = -1;
			size_t bi = 0;
			for (size_t i = 0; i < n; i++) {
				sc[i] = 0;
				for (size_t j = 0; j < p; j++)
					sc[i] += (x.v[i * p + j] - mu[j]) * E[j * p + ord[t]];
				if (fabs(sc[i]) > best) {
					best = fabs(sc[i]);
					bi = i;
				}
			}
			double sg = sc[bi] < 0 ? -1 : 1;
			for (size_t j = 0; j < p; j++)
				dcomp = fmax(dcomp, fabs(m.components[t * p + j] - sg * E[j * p + ord[t]]));
			for (size_t i = 0; i < n; i++)
				dscore = fmax(dscore, fabs(s.v[i * k + t] - sg * sc[i]));
		}
		OK(dev < 1e-10, "explained variance = Jacobi within 1e-10 relative (%.3g)", dev);
		OK(dcomp < 1e-9, "components = Jacobi within 1e-9 (%.3g)", dcomp);
		OK(dscore < 1e-8, "scores = Jacobi within 1e-8 (%.3g)", dscore);
		NEAR(m.total_variance, tot, 1e-12, "total variance = trace of the covariance");
	}
	sc_pca_free(&m);
	sc_dmat_free(&s);
	sc_dmat_free(&x);
	sc_csr_free(&cs);
}

static void test_threads(size_t n, size_t p)
{
	sc_rng r;
	sc_rng_seed(&r, 11);
	sc_dmat x = { 0 }, s1 = { 0 }, s2 = { 0 };
	sc_dmat_alloc(&x, n, p);
	for (size_t t = 0; t < n * p; t++)
		x.v[t] = sc_rng_normal(&r) * (1 + (double)(t % 7));
	sc_pca m1 = { 0 };
	sc_err err = { 0 };
	int nt = openblas_get_num_threads();
	openblas_set_num_threads(1);
	sc_par_set_default_threads(1);
	int rc = sc_pca_dense(&s1, &m1, &x, 50, &err), same = rc == 0;
	/* (OpenBLAS threads, pool threads): each must give the bytes of (1, 1) */
	static const int cfg[][2] = { { 2, 2 }, { 1, 3 }, { 2, 8 }, { 4, 16 } };
	for (size_t c = 0; c < sizeof(cfg) / sizeof(cfg[0]) && same; c++) {
		sc_pca m2 = { 0 };
		openblas_set_num_threads(cfg[c][0]);
		sc_par_set_default_threads(cfg[c][1]);
		same = sc_pca_dense(&s2, &m2, &x, 50, &err) == 0 &&
		       memcmp(s1.v, s2.v, n * 50 * 8) == 0 &&
		       memcmp(m1.components, m2.components, 50 * p * 8) == 0 &&
		       memcmp(m1.explained_variance, m2.explained_variance, 50 * 8) == 0;
		sc_pca_free(&m2);
		sc_dmat_free(&s2);
	}
	openblas_set_num_threads(nt);
	sc_par_set_default_threads(0);
	OK(same, "1 to 16 BLAS and pool threads give the same bytes (%zu x %zu, %s path)", n, p,
	   n >= p ? "covariance" : "Gram");
	sc_pca_free(&m1);
	sc_dmat_free(&s1);
	sc_dmat_free(&x);

	sc_dmat one = { 0 };
	sc_dmat_alloc(&one, 1, 5);
	OK(sc_pca_dense(&s1, NULL, &one, 2, &err) == SC_EINVAL, "a single row is refused: %s", err.msg);
	sc_dmat_free(&one);
}

/* Subspace iteration: same bytes for 1 and 2 threads, and the same
 * decomposition as the direct method, on planted rank-6 data plus noise. */
static void test_iterative(void)
{
	size_t n = 3000, p = 400, r = 6, k = 6;
	sc_rng g;
	sc_rng_seed(&g, 21);
	double *a = malloc(n * r * 8), *b = malloc(r * p * 8);
	for (size_t t = 0; t < n * r; t++)
		a[t] = sc_rng_normal(&g) * (double)(1 + t % r);
	for (size_t t = 0; t < r * p; t++)
		b[t] = sc_rng_normal(&g);
	sc_dmat x = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
	sc_dmat_alloc(&x, n, p);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p; j++) {
			double v = 0.1 * sc_rng_normal(&g);
			for (size_t t = 0; t < r; t++)
				v += a[i * r + t] * b[t * p + j];
			x.v[i * p + j] = v;
		}
	sc_pca m1 = { 0 }, m2 = { 0 }, m3 = { 0 };
	sc_err err = { 0 };
	int nt = openblas_get_num_threads();
	openblas_set_num_threads(1);
	int rc = sc_pca_dense_with(&s1, &m1, &x, k, SC_PCA_ITERATIVE, &err);
	openblas_set_num_threads(2);
	rc |= sc_pca_dense_with(&s2, &m2, &x, k, SC_PCA_ITERATIVE, &err);
	openblas_set_num_threads(nt);
	rc |= sc_pca_dense_with(&s3, &m3, &x, k, SC_PCA_GRAM, &err);
	OK(rc == 0 && memcmp(s1.v, s2.v, n * k * 8) == 0 && memcmp(m1.components, m2.components, k * p * 8) == 0,
	   "iterative pca: 1 and 2 BLAS threads give the same bytes");
	double dc = 0, de = 0;
	for (size_t t = 0; rc == 0 && t < k * p; t++)
		dc = fmax(dc, fabs(m1.components[t] - m3.components[t]));
	for (size_t t = 0; rc == 0 && t < k; t++)
		de = fmax(de, fabs(m1.explained_variance[t] / m3.explained_variance[t] - 1));
	OK(rc == 0 && dc < 1e-9 && de < 1e-12, "iterative = direct pca (components %.2g, variances %.2g)", dc, de);
	sc_pca_free(&m1);
	sc_pca_free(&m2);
	sc_pca_free(&m3);
	sc_dmat_free(&s1);
	sc_dmat_free(&s2);
	sc_dmat_free(&s3);
	sc_dmat_free(&x);
	free(a);
	free(b);
}

static double maxrel(const double *a, const double *b, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs(a[i] - b[i]) / fmax(fabs(b[i]), 1e-300));
	return m;
}

static double maxabs(const double *a, const double *b, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs(a[i] - b[i]));
	return m;
}

static void test_sklearn(void)
{
	char *dir = oracle_run("pca", NULL);
	if (!dir) {
		if (unit_testdata())
			OK(0, "pca oracle runs");
		else
			SKIP("no test data: sklearn comparison");
		return;
	}
	const char *names[] = { "pbmc", "pbmc300", "cellbench", "hlca" };
	int sparse[] = { 0, 0, 1, 1 };
	for (int f = 0; f < 4; f++) {
		char fn[128];
		sc_dmat xd = { 0 }, ws = { 0 }, wc = { 0 }, wev = { 0 }, wevr = { 0 }, wsv = { 0 }, wmu = { 0 };
		sc_csr xs = { 0 };
		snprintf(fn, sizeof(fn), "%s_x.bin", names[f]);
		int lrc = sparse[f] ? oracle_csr(&xs, dir, fn) : oracle_dmat(&xd, dir, fn);
#define LOAD(m, suf) (snprintf(fn, sizeof(fn), "%s_%s.bin", names[f], suf), oracle_dmat(m, dir, fn))
		lrc |= LOAD(&ws, "scores");
		lrc |= LOAD(&wc, "comp");
		lrc |= LOAD(&wev, "ev");
		lrc |= LOAD(&wevr, "evr");
		lrc |= LOAD(&wsv, "sv");
		lrc |= LOAD(&wmu, "mean");
		OK(lrc == 0, "%s: oracle output loads", names[f]);
		if (lrc == 0) {
			size_t k = wc.rows, p = wc.cols, n = ws.rows;
			/* the iterative path on every case but the 15k-gene one (slow) */
			for (int it = 0; it < (f == 2 ? 1 : 2); it++) {
				const char *how = it ? "iterative" : "auto";
				sc_pca_method meth = it ? SC_PCA_ITERATIVE : SC_PCA_AUTO;
				sc_dmat s = { 0 };
				sc_pca m = { 0 };
				sc_err err = { 0 };
				int rc = sparse[f] ? sc_pca_csr_with(&s, &m, &xs, k, meth, &err)
						   : sc_pca_dense_with(&s, &m, &xd, k, meth, &err);
				OK(rc == 0 && m.n_comps == k && m.n_features == p, "%s, %s: pca of %zu x %zu to %zu runs %s",
				   names[f], how, n, p, k, rc ? err.msg : "");
				if (rc == 0) {
					double e1 = maxrel(m.explained_variance, wev.v, k);
					double e2 = maxrel(m.explained_variance_ratio, wevr.v, k);
					double e3 = maxrel(m.singular_values, wsv.v, k);
					double e4 = maxabs(m.components, wc.v, k * p);
					double e5 = maxabs(m.mean, wmu.v, p);
					double smax = 0;
					for (size_t t = 0; t < n * k; t++)
						smax = fmax(smax, fabs(ws.v[t]));
					double e6 = maxabs(s.v, ws.v, n * k) / smax;
					OK(e1 <= 1e-6 && e2 <= 1e-6 && e3 <= 1e-6,
					   "%s, %s: explained variance, ratio, singular values = sklearn within 1e-6 relative "
					   "(%.2g %.2g %.2g)", names[f], how, e1, e2, e3);
					OK(e4 <= 1e-6, "%s, %s: components = sklearn within 1e-6 (%.2g)", names[f], how, e4);
					OK(e5 <= 1e-10, "%s, %s: mean = sklearn (%.2g)", names[f], how, e5);
					OK(e6 <= 1e-6, "%s, %s: scores = sklearn within 1e-6 of the largest (%.2g)", names[f], how, e6);
				}
				sc_pca_free(&m);
				sc_dmat_free(&s);
			}
		}
		sc_dmat_free(&xd);
		sc_csr_free(&xs);
		sc_dmat_free(&ws);
		sc_dmat_free(&wc);
		sc_dmat_free(&wev);
		sc_dmat_free(&wevr);
		sc_dmat_free(&wsv);
		sc_dmat_free(&wmu);
	}
	oracle_done(dir);
}

int main(void)
{
	test_naive(0);
	test_naive(1);
	test_threads(2500, 300);
	test_threads(300, 2500);
	test_iterative();
	test_sklearn();
	return unit_done();
}
