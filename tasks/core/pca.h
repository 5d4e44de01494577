/*
 * pca.h - principal component analysis of the rows of a matrix, equal to
 * sklearn.decomposition.PCA: centred data, explained_variance = S^2/(n-1),
 * explained_variance_ratio over the total variance, components' signs fixed
 * as sklearn's svd_flip (the largest-magnitude entry of each score column is
 * positive), deterministic for a given input whatever the thread count.
 * Sparse input is centred implicitly: a large sparse matrix is never densified.
 * Method (pca.c): eigenvectors of the smaller of Xc^T Xc and Xc Xc^T, built
 * by dsyrk from centred dense blocks, up to min(rows, cols) = 12000; above,
 * block subspace iteration converged to a residual of 1e-10 (slower).
 */
#ifndef SC_PCA_H
#define SC_PCA_H

#include "util/mat.h"
#include "util/err.h"

typedef struct sc_pca {
	size_t n_comps, n_features;
	double *components;               /* n_comps x n_features, row-major */
	double *explained_variance;       /* n_comps */
	double *explained_variance_ratio; /* n_comps */
	double *singular_values;          /* n_comps */
	double *mean;                     /* n_features */
	double total_variance;
} sc_pca;

/* scores: rows x n_comps (allocated here). model may be NULL. n_comps is
 * clipped to min(rows, cols) - 1 when larger (an error when that is 0). */
int sc_pca_dense(sc_dmat *scores, sc_pca *model, const sc_dmat *x, size_t n_comps,
		 sc_err *err) SC_WUR;
int sc_pca_csr(sc_dmat *scores, sc_pca *model, const sc_csr *x, size_t n_comps,
	       sc_err *err) SC_WUR;
/* The same with the method chosen: AUTO as above, GRAM forces the direct
 * method, ITERATIVE the subspace iteration (tests, benchmarks). */
typedef enum { SC_PCA_AUTO, SC_PCA_GRAM, SC_PCA_ITERATIVE } sc_pca_method;
int sc_pca_dense_with(sc_dmat *scores, sc_pca *model, const sc_dmat *x, size_t n_comps,
		      sc_pca_method method, sc_err *err) SC_WUR;
int sc_pca_csr_with(sc_dmat *scores, sc_pca *model, const sc_csr *x, size_t n_comps,
		    sc_pca_method method, sc_err *err) SC_WUR;
/* Rows of a matrix that is never stored whole: rows(ctx, B, r0, nr) writes
 * rows r0..r0+nr-1 (nr x p, row-major) into B, the same values at every
 * call. The result is the bytes sc_pca_dense gives on the stored matrix;
 * memory is one block of rows plus p x p. Needs p <= n and p <= 12000 (the
 * covariance path); each call makes four passes over the rows. */
typedef void (*sc_pca_rows_fn)(void *ctx, double *B, size_t r0, size_t nr);
int sc_pca_rows(sc_dmat *scores, sc_pca *model, size_t n, size_t p, sc_pca_rows_fn rows,
		void *ctx, size_t n_comps, sc_err *err) SC_WUR;
/* Column means (mu, p) and sums of squared deviations from them (ss, p) of
 * the n x p matrix that rows generates (as above): two passes, each
 * column's terms in row order, so the bytes of the loops over a stored
 * matrix. */
void sc_pca_rows_moments(double *mu, double *ss, size_t n, size_t p, sc_pca_rows_fn rows,
			 void *ctx);
void sc_pca_free(sc_pca *p);

#endif
