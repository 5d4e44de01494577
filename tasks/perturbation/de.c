/*
 * tasks/perturbation/de.c - the DE genes of each perturbation as GEARS
 * derives them: scanpy's rank_genes_groups with the t-test (Welch's, the
 * default method) of each condition against the control cells on the
 * log-normalised values, genes ranked by |score|; and the non-dropout top
 * 20 of GEARS's get_dropout_non_zero_genes.
 *
 * Workload: one pass over the CSR values accumulates sums and sums of
 * squares per condition and gene (100,000 cells x 5,000 genes at 10% density
 * is 50M values: well under a second); the tests are then per condition.
 * Means and variances follow scanpy's _get_mean_var (E[x^2] - E[x]^2,
 * scaled by n / (n - 1)), so the scores agree with scanpy's to rounding.
 */
#include "pert.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sc_pert_condition_stats(sc_dmat *mean, sc_dmat *var, size_t *ncells, const sc_csr *x,
			     const int32_t *cond_of_cell, size_t n_cond)
{
	sc_dmat_alloc(mean, n_cond, x->cols);
	sc_dmat_alloc(var, n_cond, x->cols);
	memset(ncells, 0, n_cond * sizeof(size_t));
	for (size_t i = 0; i < x->rows; i++) {
		int32_t k = cond_of_cell[i];
		if (k < 0)
			continue;
		ncells[k]++;
		double *s = mean->v + (size_t)k * x->cols, *q = var->v + (size_t)k * x->cols;
		for (int64_t p = x->indptr[i]; p < x->indptr[i + 1]; p++) {
			double v = x->data[p];
			s[x->indices[p]] += v;
			q[x->indices[p]] += v * v;
		}
	}
	for (size_t k = 0; k < n_cond; k++) {
		double n = (double)ncells[k];
		double *s = mean->v + k * x->cols, *q = var->v + k * x->cols;
		for (size_t j = 0; j < x->cols; j++) {
			double m = n > 0 ? s[j] / n : NAN;
			double v = q[j] / n - m * m;
			s[j] = m;
			q[j] = n > 1 ? v * n / (n - 1) : NAN;
		}
	}
}

void sc_pert_welch_t(double *t, const sc_dmat *mean, const sc_dmat *var, const size_t *ncells,
		     size_t k)
{
	size_t g = mean->cols;
	double n1 = (double)ncells[k], n2 = (double)ncells[0];
	for (size_t j = 0; j < g; j++) {
		double d = SC_AT(mean, k, j) - SC_AT(mean, 0, j);
		double se2 = SC_AT(var, k, j) / n1 + SC_AT(var, 0, j) / n2;
		double v = d / sqrt(se2);
		/* scanpy sets NaN scores (equal means, zero variances) to 0 and
		 * keeps the infinities of a difference over zero variance. */
		t[j] = isnan(v) ? 0.0 : v;
	}
}

typedef struct {
	double a;
	size_t i;
} ranked;

static int cmp_ranked(const void *pa, const void *pb)
{
	const ranked *a = pa, *b = pb;
	if (a->a != b->a)
		return a->a > b->a ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

void sc_pert_rank_abs(size_t *order, const double *t, size_t n_genes)
{
	ranked *r = sc_xmalloc((n_genes ? n_genes : 1) * sizeof(ranked));
	for (size_t j = 0; j < n_genes; j++) {
		r[j].a = fabs(t[j]);
		r[j].i = j;
	}
	qsort(r, n_genes, sizeof(ranked), cmp_ranked);
	for (size_t j = 0; j < n_genes; j++)
		order[j] = r[j].i;
	free(r);
}

size_t sc_pert_non_dropout_top(size_t *out, size_t max, const size_t *order, const sc_dmat *mean,
			       size_t k)
{
	size_t n = 0;
	for (size_t r = 0; r < mean->cols && n < max; r++) {
		size_t j = order[r];
		double mk = SC_AT(mean, k, j), mc = SC_AT(mean, 0, j);
		if (mk != 0 || mc == 0)
			out[n++] = j;
	}
	return n;
}
