/*
 * eigsym.h - eigenpairs of symmetric matrices: the few of largest magnitude
 * of a sparse one (what scipy's eigsh(which='LM') returns, for scanpy's
 * diffusion map), and every pair of a small dense one.
 *
 * Results are the same bytes at any thread count and on any BLAS kernel:
 * every sum is a plain loop in a fixed order.
 */
#ifndef SC_CORE_EIGSYM_H
#define SC_CORE_EIGSYM_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
#include "util/mat.h"

/*
 * The k eigenpairs of largest |eigenvalue| of the symmetric n x n matrix a
 * (CSR with both triangles stored), 0 < k < n. evals[0..k) come out
 * decreasing (algebraically, as scanpy orders eigsh's output); evecs is
 * n x k row-major, column j the unit eigenvector of evals[j], its sign
 * fixed so that its entry of largest magnitude (first such) is positive.
 * seed draws the Lanczos start vector. An eigenvector within a degenerate
 * eigenspace is any unit vector of it (as with ARPACK). Returns SC_ERR when
 * the residuals do not reach the tolerance (1e-12 of the largest
 * magnitude) within the restart limit.
 */
int sc_eigsh_lm(double *evals, double *evecs, const sc_csr *a, size_t k, uint64_t seed,
		sc_err *err) SC_WUR;

/*
 * Every eigenpair of the symmetric n x n row-major matrix a (destroyed),
 * by cyclic Jacobi rotations: w[i] and column i of v (n x n row-major),
 * unsorted. For the small projected matrices of the Lanczos iteration and
 * for small graphs.
 */
void sc_eig_jacobi(double *w, double *v, double *a, size_t n);

#endif
