/*
 * logreg.h - multinomial logistic regression with an L2 penalty, as
 * sklearn's LogisticRegression(multi_class="multinomial", solver="lbfgs"),
 * and the z-score standardisation (sklearn's StandardScaler) fitted on the
 * training cells.
 *
 * The objective is sklearn's: sum over cells of the softmax log-loss plus
 * ||W||^2 / (2 C), the intercepts unpenalised. The model keeps one weight
 * row per class (for two classes too; sklearn then reports row 1 only, and
 * its probabilities equal these since the rows are opposite). Intercepts
 * are not identifiable (a common shift changes nothing); like sklearn's,
 * which start at zero and move along sum-zero gradients, they sum to zero.
 *
 * Solvers: L-BFGS (lbfgs.h) with sklearn/scipy's stopping rules, so with
 * equal options it stops where sklearn stops; with ftol = 0 it runs to the
 * optimum. Newton (dense Hessian, Cholesky) converges to the optimum in a
 * few steps; its Hessian costs n (K(d+1))^2 / 2 flops, for small problems
 * (the gene-function task: hundreds of genes) only.
 *
 * Deterministic for any thread count: OpenBLAS runs single-threaded during
 * fit and predict and the work is split into blocks fixed by the data size
 * (par.h), every sum in a fixed order.
 */
#ifndef SC_CLASSIFY_LOGREG_H
#define SC_CLASSIFY_LOGREG_H

#include <stddef.h>
#include <stdint.h>
#include "util/mat.h"
#include "util/err.h"

typedef enum { SC_LOGREG_LBFGS = 0, SC_LOGREG_NEWTON = 1 } sc_logreg_solver;

typedef struct sc_logreg_opts {
	double C;          /* inverse penalty strength: 1.0 */
	int fit_intercept; /* 1 */
	sc_logreg_solver solver;
	/* L-BFGS: sklearn's tol (max |gradient| of the unnormalised objective)
	 * and max_iter, and scipy's relative-decrease rule ftol; defaults are
	 * sklearn's: 1e-4, 100, 2.220446049250313e-09. */
	double tol;
	int max_iter;
	double ftol;
	int threads; /* worker threads; 0 = sc_par_default_threads() (see core/par.h) */
} sc_logreg_opts;

void sc_logreg_opts_init(sc_logreg_opts *o);

typedef struct sc_logreg {
	size_t nfeat, nclass;
	int32_t *classes; /* nclass sorted codes seen in training */
	double *coef;     /* nclass x nfeat, row-major */
	double *intercept;
	int n_iter;    /* solver iterations */
	int converged; /* 1 unless the iteration limit was hit */
	int status;    /* L-BFGS: SC_LBFGS_*; Newton: 0 */
	double loss;   /* final objective (sum of log-losses + penalty) */
	double gmax;   /* final max |gradient| of that objective */
} sc_logreg;

/* Fit on x (n x d) with class codes y (>= 0, at least two distinct). */
int sc_logreg_fit(sc_logreg *out, const sc_dmat *x, const int32_t *y, const sc_logreg_opts *o,
		  sc_err *err) SC_WUR;
/* Class probabilities: out is allocated n x nclass, columns in classes order. */
int sc_logreg_predict_proba(sc_dmat *out, const sc_logreg *m, const sc_dmat *x,
			    sc_err *err) SC_WUR;
/* Predicted codes (the first most probable class on ties, as numpy argmax). */
int sc_logreg_predict(int32_t *out, const sc_logreg *m, const sc_dmat *x, sc_err *err) SC_WUR;
void sc_logreg_free(sc_logreg *m);

typedef struct sc_scaler {
	size_t nfeat;
	double *mean, *scale; /* scale = population sd, 1 for constant columns */
} sc_scaler;

/* Column means and population standard deviations (ddof 0) by two passes;
 * a column whose variance is below sklearn's bound for a constant feature
 * gets scale 1, as StandardScaler. */
int sc_scaler_fit(sc_scaler *out, const sc_dmat *x, sc_err *err) SC_WUR;
/* x = (x - mean) / scale in place; x must have nfeat columns. */
void sc_scaler_transform(const sc_scaler *s, sc_dmat *x);
void sc_scaler_free(sc_scaler *s);

#endif
