/*
 * pcr.h - scib's principal component regression (pcr.py): how much of the
 * variance of a representation the batch explains, and the comparison of
 * that share before and after integration.
 *
 * pc_regression: for each principal component i, R^2_i of a least-squares
 * fit of its scores on the one-hot batch with an intercept (= between-batch
 * over total sum of squares), clipped at 0; the result is sum_i R^2_i w_i
 * with w_i = var_i / sum(var) over the components given. In [0, 1]; lower
 * means less batch variance (it is an ingredient, not a score by itself).
 * pcr_comparison = (before - after) / before, 0 if negative: in [0, 1],
 * higher is better.
 */
#ifndef SC_SCIB_PCR_H
#define SC_SCIB_PCR_H

#include "tasks/scib/common.h"

/* From given PC scores (n x c, columns are components) and their variances
 * (c, e.g. scanpy's uns["pca"]["variance"]): scib pcr() on an existing PCA.
 * r2 (optional, c): each component's R^2. A component of zero total sum of
 * squares gets R^2 0 (scib would propagate 0/0 into a NaN). */
int sc_scib_pcr_scores(double *out, double *r2, const sc_dmat *scores, const double *var,
		       const sc_labels *batches, sc_err *err) SC_WUR;

/*
 * scib pcr(embed=...) on a representation: PCA with n_comps components (50
 * in scib), then the above. When n_comps >= min(cells, dims) scib keeps
 * every component, and then the weighted sum equals, exactly, the
 * between-batch sum of squares over the total one of the representation
 * itself (both are traces, unchanged by the rotation); that is computed
 * directly, in double precision (scanpy would round the scores to float32).
 * Otherwise the PCA comes from sc_pca_dense (tasks/core/pca.h).
 */
int sc_scib_pcr_embedding(double *out, const sc_dmat *x, const sc_labels *batches,
			  size_t n_comps, sc_err *err) SC_WUR;

/* The sample variance (ddof 1; 0 for one row) of each column of x into
 * out (x->cols values): the explained variances of centred PC scores. */
void sc_scib_column_variances(double *out, const sc_dmat *x);

/* scib pcr_comparison(scale=True). NaN with a reason when before is 0 or
 * either value is NaN. */
double sc_scib_pcr_comparison(double before, double after, sc_scib_why *why);

#endif
