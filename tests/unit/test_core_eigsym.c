/*
 * test_core_eigsym.c - the leading eigenpairs (largest magnitude) of sparse
 * symmetric matrices against LAPACK's dsyevr on the dense matrix (the naive
 * reference): a normalised kNN graph of clustered points (eigenvalues
 * crowding below 1, as in a diffusion map), a cycle (eigenvalue -1 among the
 * largest magnitudes, and degenerate pairs), the small-matrix path, and the
 * Jacobi solver on a hand-checked 2 x 2.
 */
#include "tasks/core/blas.h"
#include "tasks/core/eigsym.h"
#include "tasks/core/graph.h"
#include "tasks/core/knn.h"
#include "tasks/core/rng.h"
#include "unit.h"

/* Every eigenpair of a (dense copy), ascending, by dsyevr. */
static void dense_eig(double *w, double *z, const sc_csr *a)
{
	int n = (int)a->rows, m = 0, info = 0, lwork = -1, liwork = -1, iw;
	double *A = calloc((size_t)n * n, sizeof(double)), wq, vl = 0, vu = 0, tol = 0;
	for (int i = 0; i < n; i++)
		for (int64_t q = a->indptr[i]; q < a->indptr[i + 1]; q++)
			A[(size_t)i * n + a->indices[q]] = a->data[q];
	int *isuppz = malloc(sizeof(int) * 2 * n), il = 1, iu = n;
	dsyevr_("V", "A", "L", &n, A, &n, &vl, &vu, &il, &iu, &tol, &m, w, z, &n, isuppz, &wq, &lwork,
		&iw, &liwork, &info);
	lwork = (int)wq;
	liwork = iw;
	double *work = malloc(sizeof(double) * lwork);
	int *iwork = malloc(sizeof(int) * liwork);
	dsyevr_("V", "A", "L", &n, A, &n, &vl, &vu, &il, &iu, &tol, &m, w, z, &n, isuppz, work,
		&lwork, iwork, &liwork, &info);
	free(work);
	free(iwork);
	free(isuppz);
	free(A);
}

/* D^-1/2 C D^-1/2 of the 15-neighbour UMAP graph of n points in 3 clusters
 * along a line (a connected graph with a crowded top spectrum). */
static void clustered_graph(sc_csr *t, size_t n)
{
	sc_rng r;
	sc_rng_seed(&r, 7);
	sc_dmat x;
	sc_dmat_alloc(&x, n, 3);
	for (size_t i = 0; i < n; i++) {
		double c = (double)(i % 3);
		x.v[i * 3] = c * 2 + sc_rng_normal(&r);
		x.v[i * 3 + 1] = sc_rng_normal(&r) * 0.5;
		x.v[i * 3 + 2] = sc_rng_normal(&r) * 0.3;
	}
	int32_t *idx = malloc(sizeof(int32_t) * n * 15);
	double *dist = malloc(sizeof(double) * n * 15), *d = calloc(n, sizeof(double));
	sc_err err = { 0 };
	if (sc_knn_self(idx, dist, &x, 15, SC_METRIC_EUCLIDEAN, 1, &err) ||
	    sc_umap_connectivities(t, idx, dist, n, 15, &err))
		abort();
	for (size_t i = 0; i < n; i++)
		for (int64_t q = t->indptr[i]; q < t->indptr[i + 1]; q++)
			d[i] += t->data[q];
	for (size_t i = 0; i < n; i++)
		for (int64_t q = t->indptr[i]; q < t->indptr[i + 1]; q++)
			t->data[q] /= sqrt(d[i] * d[t->indices[q]]);
	free(idx);
	free(dist);
	free(d);
	sc_dmat_free(&x);
}

/* A cycle of n nodes, weights 1/2: eigenvalues cos(2 pi j / n). */
static void cycle(sc_csr *t, size_t n)
{
	sc_csr_alloc(t, n, n, 2 * n);
	for (size_t i = 0; i < n; i++) {
		size_t a = (i + n - 1) % n, b = (i + 1) % n;
		t->indices[2 * i] = (int32_t)(a < b ? a : b);
		t->indices[2 * i + 1] = (int32_t)(a < b ? b : a);
		t->data[2 * i] = t->data[2 * i + 1] = 0.5;
		t->indptr[i + 1] = (int64_t)(2 * i + 2);
	}
}

/* Compare sc_eigsh_lm's k pairs with the reference's k of largest
 * magnitude: values to tol, and (for simple eigenvalues) vectors up to sign. */
static void check(const char *what, const sc_csr *a, size_t k, double tol, int vectors)
{
	size_t n = a->rows;
	double *w = malloc(sizeof(double) * n), *z = malloc(sizeof(double) * n * n);
	double *ev = malloc(sizeof(double) * k), *vec = malloc(sizeof(double) * n * k);
	dense_eig(w, z, a);
	sc_err err = { 0 };
	int rc = sc_eigsh_lm(ev, vec, a, k, 1, &err);
	OK(rc == 0, "%s: solved (%s)", what, err.msg);
	/* the reference's k largest magnitudes, from both ends of w */
	size_t lo = 0, hi = n, got = 0;
	double *want = malloc(sizeof(double) * k);
	size_t *col = malloc(sizeof(size_t) * k);
	while (got < k) {
		if (fabs(w[hi - 1]) >= fabs(w[lo])) {
			want[got] = w[hi - 1];
			col[got++] = --hi;
		} else {
			want[got] = w[lo];
			col[got++] = lo++;
		}
	}
	/* sort the wanted decreasing, as the solver returns them */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && want[j - 1] < want[j]; j--) {
			double t = want[j];
			want[j] = want[j - 1];
			want[j - 1] = t;
			size_t c = col[j];
			col[j] = col[j - 1];
			col[j - 1] = c;
		}
	double worst = 0;
	for (size_t j = 0; j < k; j++)
		worst = fmax(worst, fabs(ev[j] - want[j]));
	OK(worst <= tol, "%s: %zu eigenvalues as dsyevr's (max diff %.3g <= %.0e)", what, k, worst,
	   tol);
	if (vectors) {
		double wv = 0;
		for (size_t j = 0; j < k; j++) {
			double dp = 0;
			for (size_t i = 0; i < n; i++)
				dp += vec[i * k + j] * z[col[j] * n + i];
			wv = fmax(wv, 1 - fabs(dp));
		}
		OK(wv <= 1e-8, "%s: eigenvectors as dsyevr's up to sign (1 - |cos| %.3g <= 1e-8)",
		   what, wv);
	}
	free(want);
	free(col);
	free(w);
	free(z);
	free(ev);
	free(vec);
}

int main(void)
{
	double a[4] = { 2, 1, 1, 2 }, w[2], v[4];
	sc_eig_jacobi(w, v, a, 2);
	double lo = fmin(w[0], w[1]), hi = fmax(w[0], w[1]);
	OK(fabs(lo - 1) < 1e-15 && fabs(hi - 3) < 1e-15 && fabs(fabs(v[0]) - sqrt(0.5)) < 1e-15,
	   "Jacobi on [[2, 1], [1, 2]]: eigenvalues 1 and 3, vectors (1, +-1)/sqrt 2");

	sc_csr t = { 0 };
	clustered_graph(&t, 900);
	check("normalised kNN graph, 900 points", &t, 15, 1e-10, 1);
	sc_csr_free(&t);
	clustered_graph(&t, 50);
	check("normalised kNN graph, 50 points (dense path)", &t, 15, 1e-12, 1);
	sc_csr_free(&t);
	/* cos(2 pi j / 201): 1, then pairs, the negative ones (near -1) and the
	 * positive interleaved in magnitude (n odd: no two magnitudes tie) */
	cycle(&t, 201);
	check("cycle of 201 (negative eigenvalues, degenerate pairs)", &t, 15, 1e-10, 0);
	sc_csr_free(&t);

	sc_err err = { 0 };
	double ev[2], vec[4];
	cycle(&t, 2);
	OK(sc_eigsh_lm(ev, vec, &t, 2, 0, &err) == SC_EINVAL, "k >= n is refused: %s", err.msg);
	sc_csr_free(&t);
	return unit_failures_ ? 1 : 0;
}
