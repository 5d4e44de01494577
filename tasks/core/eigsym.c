/*
 * eigsym.c - the leading eigenpairs (largest magnitude) of a sparse
 * symmetric matrix by thick-restart Lanczos (Wu and Simon, 2000), the
 * method ARPACK's implicitly restarted Lanczos is equivalent to, with full
 * re-orthogonalisation; and a cyclic Jacobi solver for small dense ones.
 *
 * Built for scanpy's diffusion map: the 15 leading pairs of a symmetric
 * transition matrix of 10^3 to 10^5 cells with ~20-40 entries a row, whose
 * top eigenvalues crowd just below 1. The Krylov basis holds m = 48 vectors
 * (48 n doubles); each restart keeps the k wanted Ritz vectors plus half
 * the rest, which carries the convergence through the crowded part of the
 * spectrum. A step costs one sparse product and one or two Gram-Schmidt
 * passes (~4 m n flops each, memory-bound on the basis); residuals reach
 * 1e-12 within a few hundred steps on kNN graphs of 10^3 - 10^4 cells
 * (~1.4 s for 18000 cells on a loaded core, half ARPACK's speed: see
 * bench/trajectory.sh).
 */
#include "eigsym.h"
#include "tasks/core/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sc_eig_jacobi(double *w, double *v, double *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			v[i * n + j] = i == j;
	for (int sweep = 0; sweep < 100; sweep++) {
		double off = 0, diag = 0;
		for (size_t p = 0; p < n; p++) {
			diag += a[p * n + p] * a[p * n + p];
			for (size_t q = p + 1; q < n; q++)
				off += a[p * n + q] * a[p * n + q];
		}
		if (off <= 1e-32 * diag || off == 0)
			break;
		for (size_t p = 0; p + 1 < n; p++) {
			for (size_t q = p + 1; q < n; q++) {
				double apq = a[p * n + q];
				if (apq == 0)
					continue;
				double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
				double t = (theta >= 0 ? 1.0 : -1.0) /
					   (fabs(theta) + sqrt(theta * theta + 1));
				double c = 1 / sqrt(t * t + 1), s = t * c;
				for (size_t r = 0; r < n; r++) { /* columns p, q */
					double x = a[r * n + p], y = a[r * n + q];
					a[r * n + p] = c * x - s * y;
					a[r * n + q] = s * x + c * y;
				}
				for (size_t r = 0; r < n; r++) { /* rows p, q */
					double x = a[p * n + r], y = a[q * n + r];
					a[p * n + r] = c * x - s * y;
					a[q * n + r] = s * x + c * y;
				}
				a[p * n + q] = a[q * n + p] = 0;
				for (size_t r = 0; r < n; r++) {
					double x = v[r * n + p], y = v[r * n + q];
					v[r * n + p] = c * x - s * y;
					v[r * n + q] = s * x + c * y;
				}
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		w[i] = a[i * n + i];
}

static void spmv(double *y, const sc_csr *a, const double *x)
{
	for (size_t i = 0; i < a->rows; i++) {
		double s = 0;
		for (int64_t q = a->indptr[i]; q < a->indptr[i + 1]; q++)
			s += a->data[q] * x[a->indices[q]];
		y[i] = s;
	}
}

/* Eight running sums in a fixed order (independent chains the CPU can
 * overlap; the same bytes on any machine). */
static double dot(const double *x, const double *y, size_t n)
{
	double s[8] = { 0 }, t = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int k = 0; k < 8; k++)
			s[k] += x[i + k] * y[i + k];
	for (; i < n; i++)
		t += x[i] * y[i];
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])) + t;
}

/* Gram-Schmidt of w against V[0..j] (modified: each coefficient on the
 * updated w), repeated once when the first pass cancelled much of w
 * (DGKS's criterion, as ARPACK: the norm fell below 1/sqrt 2 of what it
 * was); the coefficients of both passes summed into c. */
static void orthogonalise(double *w, double *c, const double *V, size_t j, size_t n)
{
	for (size_t i = 0; i <= j; i++)
		c[i] = 0;
	double before = sqrt(dot(w, w, n));
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i <= j; i++) {
			double h = dot(V + i * n, w, n);
			c[i] += h;
			for (size_t r = 0; r < n; r++)
				w[r] -= h * V[i * n + r];
		}
		double after = sqrt(dot(w, w, n));
		if (after > 0.7071067811865476 * before)
			break;
		before = after;
	}
}

/* A unit vector orthogonal to V[0..j] from the generator (start vector,
 * or a fresh direction after an invariant subspace): 0 on success. */
static int fresh_vector(double *w, const double *V, size_t j, int have, size_t n, sc_rng *rng,
			double *c)
{
	for (int tries = 0; tries < 8; tries++) {
		for (size_t r = 0; r < n; r++)
			w[r] = sc_rng_normal(rng);
		if (have)
			orthogonalise(w, c, V, j, n);
		double nw = sqrt(dot(w, w, n));
		if (nw > 1e-8) {
			for (size_t r = 0; r < n; r++)
				w[r] /= nw;
			return 0;
		}
	}
	return -1;
}

/* Indices 0..m of theta ordered by decreasing magnitude (ties: larger
 * value first, then lower index), for the wanted set. */
static void order_by_magnitude(size_t *ord, const double *theta, size_t m)
{
	for (size_t i = 0; i < m; i++)
		ord[i] = i;
	for (size_t i = 1; i < m; i++) { /* insertion sort: m is small */
		size_t x = ord[i], j = i;
		while (j > 0) {
			double a = fabs(theta[ord[j - 1]]), b = fabs(theta[x]);
			if (a > b || (a == b && theta[ord[j - 1]] >= theta[x]))
				break;
			ord[j] = ord[j - 1];
			j--;
		}
		ord[j] = x;
	}
}

/* Ritz vectors Y[i] = sum_r S[r, ord[i]] V[r], i < cnt, into Y (cnt x n):
 * by blocks of entries, so each block of the basis is read from memory
 * once for all the vectors (the sums run over r in order either way). */
static void ritz_vectors(double *Y, const double *V, const double *S, const size_t *ord,
			 size_t cnt, size_t m, size_t n)
{
	enum { B = 256 };
	for (size_t b0 = 0; b0 < n; b0 += B) {
		size_t b1 = b0 + B < n ? b0 + B : n;
		for (size_t i = 0; i < cnt; i++) {
			double *y = Y + i * n;
			for (size_t q = b0; q < b1; q++)
				y[q] = 0;
			for (size_t r = 0; r < m; r++) {
				double s = S[r * m + ord[i]];
				const double *v = V + r * n;
				for (size_t q = b0; q < b1; q++)
					y[q] += s * v[q];
			}
		}
	}
}

/* The dense path for small n: the whole spectrum by Jacobi. */
static void dense_lm(double *theta, double *Y, const sc_csr *a, size_t n, size_t *ord)
{
	double *A = sc_xcalloc(n * n, sizeof(double)), *S = sc_xmalloc(sizeof(double) * n * n);
	for (size_t i = 0; i < n; i++)
		for (int64_t q = a->indptr[i]; q < a->indptr[i + 1]; q++)
			A[i * n + (size_t)a->indices[q]] += a->data[q];
	sc_eig_jacobi(theta, S, A, n);
	order_by_magnitude(ord, theta, n);
	/* column ord[i] of S is the eigenvector: Y[i] = S[:, ord[i]] */
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < n; r++)
			Y[i * n + r] = S[r * n + ord[i]];
	free(A);
	free(S);
}

typedef struct lanczos {
	size_t n, m, k;
	double *V, *T, *S, *theta, *w, *c, *Y;
	size_t *ord;
	sc_rng rng;
} lanczos;

/* Extend the basis from column j to m: V[j] is set, columns < l of T are
 * final. Returns the norm of the last residual (V[m] = residual / norm). */
static double extend(lanczos *L, const sc_csr *a, size_t j)
{
	size_t n = L->n, m = L->m;
	double beta = 0;
	for (; j < m; j++) {
		spmv(L->w, a, L->V + j * n);
		orthogonalise(L->w, L->c, L->V, j, n);
		for (size_t i = 0; i <= j; i++)
			L->T[i * m + j] = L->T[j * m + i] = L->c[i];
		beta = sqrt(dot(L->w, L->w, n));
		double *next = L->V + (j + 1) * n;
		if (beta > 1e-13 * (fabs(L->c[j]) + 1e-300)) {
			for (size_t r = 0; r < n; r++)
				next[r] = L->w[r] / beta;
		} else { /* invariant subspace: carry on along a fresh direction */
			beta = 0;
			if (fresh_vector(next, L->V, j, 1, n, &L->rng, L->c))
				memset(next, 0, sizeof(double) * n);
		}
	}
	return beta;
}

/* Keep the first `keep` Ritz pairs in the order of ord and the residual
 * direction V[m] as the next basis vector. */
static void restart(lanczos *L, size_t keep)
{
	size_t n = L->n, m = L->m;
	ritz_vectors(L->Y, L->V, L->S, L->ord, keep, m, n);
	double *theta = sc_xmalloc(sizeof(double) * keep);
	for (size_t i = 0; i < keep; i++)
		theta[i] = L->theta[L->ord[i]];
	memmove(L->V + keep * n, L->V + m * n, sizeof(double) * n);
	memcpy(L->V, L->Y, sizeof(double) * keep * n);
	memset(L->T, 0, sizeof(double) * m * m);
	for (size_t i = 0; i < keep; i++)
		L->T[i * m + i] = theta[i];
	free(theta);
}

/* Restart-and-extend until the k wanted Ritz pairs (largest magnitude)
 * have residuals within the tolerance; V[0..l] and T's first l columns
 * are set on entry. Leaves theta, S and ord of the last projection. */
static int lanczos_run(lanczos *L, const sc_csr *a, size_t l, sc_err *err)
{
	size_t m = L->m, k = L->k;
	double *Tc = sc_xmalloc(sizeof(double) * m * m);
	int rc = 0;
	for (int it = 0;; it++) {
		double beta = extend(L, a, l);
		memcpy(Tc, L->T, sizeof(double) * m * m);
		sc_eig_jacobi(L->theta, L->S, Tc, m);
		order_by_magnitude(L->ord, L->theta, m);
		double top = fabs(L->theta[L->ord[0]]), worst = 0;
		for (size_t i = 0; i < k; i++) {
			double res = fabs(beta * L->S[(m - 1) * m + L->ord[i]]);
			if (res > worst)
				worst = res;
		}
		if (worst <= 1e-12 * (top > 0 ? top : 1))
			break;
		if (it >= 2000) {
			rc = sc_errf(err, SC_ERR,
				     "eigensolver: no convergence after %d restarts (residual %.3g)",
				     it, worst);
			break;
		}
		l = k + (m - k) / 2;
		restart(L, l);
	}
	free(Tc);
	return rc;
}

/*
 * A Krylov space from one vector holds one vector of each eigenspace, so
 * a repeated eigenvalue is seen once. Once the k pairs have converged they
 * are kept (locked: exact eigenvectors couple to nothing new) and the
 * iteration goes on from a fresh random direction orthogonal to them; a
 * copy of a repeated eigenvalue, or any pair missed, then enters the
 * leading k. Repeated until the leading k values stop changing (one more
 * extension when nothing was missed, the usual case).
 */
static int lanczos_solve(lanczos *L, const sc_csr *a, sc_err *err)
{
	size_t n = L->n, k = L->k;
	double *prev = sc_xmalloc(sizeof(double) * k);
	int rc = 0;
	if (fresh_vector(L->V, NULL, 0, 0, n, &L->rng, L->c)) {
		rc = sc_errf(err, SC_ERR, "eigensolver: no start vector");
		goto out;
	}
	if ((rc = lanczos_run(L, a, 0, err)))
		goto out;
	for (int pass = 0; pass < 16; pass++) {
		for (size_t i = 0; i < k; i++)
			prev[i] = L->theta[L->ord[i]];
		restart(L, k);
		if (fresh_vector(L->V + k * n, L->V, k - 1, 1, n, &L->rng, L->c))
			break; /* the kept pairs span the space */
		if ((rc = lanczos_run(L, a, k, err)))
			goto out;
		double top = fabs(L->theta[L->ord[0]]), d = 0;
		for (size_t i = 0; i < k; i++)
			d = fmax(d, fabs(L->theta[L->ord[i]] - prev[i]));
		if (d <= 1e-10 * (top > 0 ? top : 1))
			break;
	}
	ritz_vectors(L->Y, L->V, L->S, L->ord, k, L->m, n);
out:
	free(prev);
	return rc;
}

/* Sort the k pairs by decreasing value and fix each vector's sign. */
static void finish(double *evals, double *evecs, const double *val, const double *Y, size_t k,
		   size_t n)
{
	size_t *o = sc_xmalloc(sizeof(size_t) * k);
	for (size_t i = 0; i < k; i++)
		o[i] = i;
	for (size_t i = 1; i < k; i++) {
		size_t x = o[i], j = i;
		while (j > 0 && val[o[j - 1]] < val[x]) {
			o[j] = o[j - 1];
			j--;
		}
		o[j] = x;
	}
	for (size_t j = 0; j < k; j++) {
		const double *y = Y + o[j] * n;
		size_t big = 0;
		for (size_t r = 1; r < n; r++)
			if (fabs(y[r]) > fabs(y[big]))
				big = r;
		double s = y[big] < 0 ? -1 : 1, nrm = sqrt(dot(y, y, n));
		evals[j] = val[o[j]];
		for (size_t r = 0; r < n; r++)
			evecs[r * k + j] = s * y[r] / nrm;
	}
	free(o);
}

int sc_eigsh_lm(double *evals, double *evecs, const sc_csr *a, size_t k, uint64_t seed,
		sc_err *err)
{
	size_t n = a->rows;
	if (a->cols != n || k == 0 || k >= n)
		return sc_errf(err, SC_EINVAL, "eigensolver: %zu eigenpairs of a %zu x %zu matrix", k,
			       a->rows, a->cols);
	size_t m = 2 * k + 18 > 48 ? 2 * k + 18 : 48;
	if (n <= m + 16) { /* small: the whole spectrum */
		double *theta = sc_xmalloc(sizeof(double) * n), *Y = sc_xmalloc(sizeof(double) * n * n);
		size_t *ord = sc_xmalloc(sizeof(size_t) * n);
		dense_lm(theta, Y, a, n, ord);
		double *val = sc_xmalloc(sizeof(double) * k);
		for (size_t i = 0; i < k; i++)
			val[i] = theta[ord[i]];
		finish(evals, evecs, val, Y, k, n);
		free(val);
		free(theta);
		free(Y);
		free(ord);
		return 0;
	}
	lanczos L = { .n = n, .m = m, .k = k };
	L.V = sc_xmalloc(sizeof(double) * sc_mulsz(m + 1, n));
	L.T = sc_xcalloc(m * m, sizeof(double));
	L.S = sc_xmalloc(sizeof(double) * m * m);
	L.theta = sc_xmalloc(sizeof(double) * m);
	L.w = sc_xmalloc(sizeof(double) * n);
	L.c = sc_xmalloc(sizeof(double) * (m + 1));
	L.Y = sc_xmalloc(sizeof(double) * sc_mulsz(m, n));
	L.ord = sc_xmalloc(sizeof(size_t) * m);
	sc_rng_seed(&L.rng, seed);
	int rc = lanczos_solve(&L, a, err);
	if (!rc) {
		double *val = sc_xmalloc(sizeof(double) * k);
		for (size_t i = 0; i < k; i++)
			val[i] = L.theta[L.ord[i]];
		finish(evals, evecs, val, L.Y, k, n);
		free(val);
	}
	free(L.V);
	free(L.T);
	free(L.S);
	free(L.theta);
	free(L.w);
	free(L.c);
	free(L.Y);
	free(L.ord);
	return rc;
}
