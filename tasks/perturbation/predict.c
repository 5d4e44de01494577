/*
 * tasks/perturbation/predict.c - the baselines that keep perturbation
 * models honest (Ahlmann-Eltze, Huber and Anders 2024):
 *
 *   control_mean  no change: the control cells' mean profile
 *   train_mean    the mean of the training perturbations' profiles
 *   additive      control + the sum of each member's change in its
 *                 training single (a member without one adds nothing)
 *   linear        Y ~ G W P^T + b fitted on the training profiles Y
 *                 (genes x perturbations): b the row means, G the genes'
 *                 principal component scores of Y (R's prcomp with genes as
 *                 observations, pca_dim components), P a perturbation's
 *                 embedding = the sum of its target genes' rows of G (zero
 *                 for a target outside the gene list), W by ridge in closed
 *                 form: W = (G'G + rI)^-1 G'(Y - b) P (P'P + rI)^-1.
 *
 * Workload: profiles are a few thousand genes by at most thousands of
 * perturbations; the fit is a PCA of that matrix and K x K solves.
 */
#include "pert.h"
#include "tasks/core/pca.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Solve a x = b in place for one right-hand side column at a time: a is
 * n x n (destroyed), b is n x m (overwritten with x). Partial pivoting;
 * the matrices here are symmetric positive definite (ridge). */
static void solve_small(double *a, double *b, size_t n, size_t m)
{
	for (size_t c = 0; c < n; c++) {
		size_t piv = c;
		for (size_t r = c + 1; r < n; r++)
			if (fabs(a[r * n + c]) > fabs(a[piv * n + c]))
				piv = r;
		if (piv != c) {
			for (size_t j = 0; j < n; j++) {
				double t = a[c * n + j];
				a[c * n + j] = a[piv * n + j];
				a[piv * n + j] = t;
			}
			for (size_t j = 0; j < m; j++) {
				double t = b[c * m + j];
				b[c * m + j] = b[piv * m + j];
				b[piv * m + j] = t;
			}
		}
		for (size_t r = c + 1; r < n; r++) {
			double f = a[r * n + c] / a[c * n + c];
			for (size_t j = c; j < n; j++)
				a[r * n + j] -= f * a[c * n + j];
			for (size_t j = 0; j < m; j++)
				b[r * m + j] -= f * b[c * m + j];
		}
	}
	for (size_t c = n; c-- > 0;)
		for (size_t j = 0; j < m; j++) {
			double s = b[c * m + j];
			for (size_t r = c + 1; r < n; r++)
				s -= a[c * n + r] * b[r * m + j];
			b[c * m + j] = s / a[c * n + c];
		}
}

static long gene_index(char *const *genes, size_t n, const char *g)
{
	for (size_t j = 0; j < n; j++)
		if (!strcmp(genes[j], g))
			return (long)j;
	return -1;
}

/* Embedding of condition cond (k values) into p: the sum of its members'
 * rows of G; returns the members without a row. */
static size_t embed(double *p, const sc_dmat *g, char *const *genes, const char *cond)
{
	char *buf;
	const char *mem[8];
	size_t nm = sc_pert_members(&buf, cond, mem, 8), missing = 0;
	memset(p, 0, g->cols * sizeof(double));
	for (size_t j = 0; j < nm; j++) {
		long r = gene_index(genes, g->rows, mem[j]);
		if (r < 0) {
			missing++;
			continue;
		}
		for (size_t c = 0; c < g->cols; c++)
			p[c] += SC_AT(g, r, c);
	}
	free(buf);
	return missing;
}

static int predict_linear(sc_dmat *out, const sc_dmat *means, char *const *cond,
			  const sc_pert_split *sp, const size_t *test, size_t nt, char *const *genes,
			  const sc_pert_linear_opts *lo, size_t *n_missing, sc_err *err)
{
	size_t ng = means->cols, ntr = 0;
	size_t *tr = sc_xmalloc(sp->n * sizeof(size_t));
	for (size_t k = 1; k < sp->n; k++)
		if (sp->set[k] == SC_PERT_TRAIN)
			tr[ntr++] = k;
	if (ntr < 2) {
		free(tr);
		return sc_errf(err, SC_EINVAL, "linear: %zu training perturbation%s, needs 2", ntr,
			       ntr == 1 ? "" : "s");
	}
	sc_dmat y, gsc = { 0 };
	sc_dmat_alloc(&y, ng, ntr);
	double *b = sc_xcalloc(ng, sizeof(double));
	for (size_t j = 0; j < ng; j++) {
		for (size_t c = 0; c < ntr; c++) {
			SC_AT(&y, j, c) = SC_AT(means, tr[c], j);
			b[j] += SC_AT(means, tr[c], j);
		}
		b[j] /= (double)ntr;
	}
	int rc = sc_pca_dense(&gsc, NULL, &y, lo->pca_dim, err);
	if (rc)
		goto out;
	size_t K = gsc.cols;
	/* P (ntr x K), A = G'G + rI, M = G'(Y - b) P, B = P'P + rI. */
	double *P = sc_xcalloc(ntr * K, sizeof(double)), *A = sc_xcalloc(K * K, sizeof(double));
	double *B = sc_xcalloc(K * K, sizeof(double)), *GY = sc_xcalloc(K * ntr, sizeof(double));
	double *M = sc_xcalloc(K * K, sizeof(double));
	for (size_t c = 0; c < ntr; c++)
		embed(P + c * K, &gsc, genes, cond[tr[c]]);
	for (size_t a = 0; a < K; a++)
		for (size_t c = 0; c < K; c++) {
			double s = 0, t = 0;
			for (size_t j = 0; j < ng; j++)
				s += SC_AT(&gsc, j, a) * SC_AT(&gsc, j, c);
			for (size_t q = 0; q < ntr; q++)
				t += P[q * K + a] * P[q * K + c];
			A[a * K + c] = s + (a == c ? lo->ridge : 0);
			B[a * K + c] = t + (a == c ? lo->ridge : 0);
		}
	for (size_t a = 0; a < K; a++)
		for (size_t q = 0; q < ntr; q++) {
			double s = 0;
			for (size_t j = 0; j < ng; j++)
				s += SC_AT(&gsc, j, a) * (SC_AT(&y, j, q) - b[j]);
			GY[a * ntr + q] = s;
		}
	for (size_t a = 0; a < K; a++)
		for (size_t c = 0; c < K; c++) {
			double s = 0;
			for (size_t q = 0; q < ntr; q++)
				s += GY[a * ntr + q] * P[q * K + c];
			M[a * K + c] = s;
		}
	/* W = A^-1 M B^-1: solve A X = M, then B W' = X' (B symmetric). */
	solve_small(A, M, K, K);
	double *Mt = sc_xcalloc(K * K, sizeof(double));
	for (size_t a = 0; a < K; a++)
		for (size_t c = 0; c < K; c++)
			Mt[a * K + c] = M[c * K + a];
	solve_small(B, Mt, K, K); /* Mt = W' */
	double *p = sc_xcalloc(K, sizeof(double)), *wp = sc_xcalloc(K, sizeof(double));
	sc_dmat_alloc(out, nt, ng);
	for (size_t i = 0; i < nt; i++) {
		size_t miss = embed(p, &gsc, genes, cond[test[i]]);
		if (n_missing)
			*n_missing += miss;
		for (size_t a = 0; a < K; a++) {
			double s = 0;
			for (size_t c = 0; c < K; c++)
				s += Mt[c * K + a] * p[c];
			wp[a] = s;
		}
		for (size_t j = 0; j < ng; j++) {
			double s = b[j];
			for (size_t a = 0; a < K; a++)
				s += SC_AT(&gsc, j, a) * wp[a];
			SC_AT(out, i, j) = s;
		}
	}
	free(p);
	free(wp);
	free(Mt);
	free(P);
	free(A);
	free(B);
	free(GY);
	free(M);
out:
	sc_dmat_free(&gsc);
	sc_dmat_free(&y);
	free(b);
	free(tr);
	return rc;
}

/* control + the sum of the members' training singles' changes. */
static void predict_additive(sc_dmat *out, const sc_dmat *means, char *const *cond,
			     const sc_pert_split *sp, const size_t *test, size_t nt,
			     size_t *n_missing)
{
	size_t ng = means->cols;
	for (size_t i = 0; i < nt; i++) {
		memcpy(out->v + i * ng, means->v, ng * sizeof(double));
		char *buf;
		const char *mem[8];
		size_t nm = sc_pert_members(&buf, cond[test[i]], mem, 8);
		for (size_t m = 0; m < nm; m++) {
			char *single = sc_xasprintf("%s+ctrl", mem[m]);
			size_t k;
			for (k = 1; k < sp->n; k++)
				if (sp->set[k] == SC_PERT_TRAIN && !strcmp(cond[k], single))
					break;
			free(single);
			if (k == sp->n) {
				if (n_missing)
					(*n_missing)++;
				continue;
			}
			for (size_t j = 0; j < ng; j++)
				SC_AT(out, i, j) += SC_AT(means, k, j) - SC_AT(means, 0, j);
		}
		free(buf);
	}
}

int sc_pert_predict(sc_dmat *out, const char *method, const sc_dmat *means, char *const *cond,
		    const sc_pert_split *sp, const size_t *test, size_t nt, char *const *genes,
		    const sc_pert_linear_opts *lo, size_t *n_missing, sc_err *err)
{
	size_t ng = means->cols;
	if (!strcmp(method, "linear"))
		return predict_linear(out, means, cond, sp, test, nt, genes, lo, n_missing, err);
	sc_dmat_alloc(out, nt, ng);
	if (!strcmp(method, "additive")) {
		predict_additive(out, means, cond, sp, test, nt, n_missing);
		return 0;
	}
	double *row = sc_xcalloc(ng ? ng : 1, sizeof(double));
	if (!strcmp(method, "control_mean")) {
		memcpy(row, means->v, ng * sizeof(double));
	} else if (!strcmp(method, "train_mean")) {
		size_t ntr = 0;
		for (size_t k = 1; k < sp->n; k++) {
			if (sp->set[k] != SC_PERT_TRAIN)
				continue;
			ntr++;
			for (size_t j = 0; j < ng; j++)
				row[j] += SC_AT(means, k, j);
		}
		if (!ntr) {
			free(row);
			sc_dmat_free(out);
			return sc_errf(err, SC_EINVAL, "train_mean: no training perturbation");
		}
		for (size_t j = 0; j < ng; j++)
			row[j] /= (double)ntr;
	} else {
		free(row);
		sc_dmat_free(out);
		return sc_errf(err, SC_EINVAL, "unknown perturbation method '%s'", method);
	}
	for (size_t i = 0; i < nt; i++)
		memcpy(out->v + i * ng, row, ng * sizeof(double));
	free(row);
	return 0;
}
