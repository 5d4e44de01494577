/*
 * tasks/perturbation/metrics.c - the metrics of a perturbation prediction,
 * as GEARS's gears/inference.py computes them on mean profiles:
 * compute_metrics (mse, pearson, mse_de, pearson_de), deeper_analysis
 * (pearson_delta, pearson_delta_de) and non_dropout_analysis
 * (pearson_delta_top20_de_non_dropout, pearson_top20_de_non_dropout,
 * mse_top20_de_non_dropout on the changes, frac_opposite_direction_top20_non_dropout,
 * frac_sigma_below_1_non_dropout); a NaN Pearson counts as 0 as there.
 * Beyond GEARS: PerturBench's rank of the true perturbation by the cosine
 * of predicted and true changes, over all test perturbations.
 *
 * Workload: the per-condition metrics are linear in the genes; the rank
 * metric is one n x n product of normalised changes (1,000 perturbations x
 * 5,000 genes: one dgemm, run on fixed tiles so the bytes do not depend on
 * the thread count).
 */
#include "tasks/core/corr.h"
#include "pert.h"
#include "tasks/core/blas.h"
#include "tasks/core/tiles.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const sc_pert_metric_names[SC_PM_N] = {
	"mse", "pearson", "mse_de", "pearson_de", "pearson_delta", "pearson_delta_de",
	"pearson_delta_top20_de_non_dropout", "pearson_top20_de_non_dropout",
	"mse_top20_de_non_dropout", "frac_opposite_direction_top20_non_dropout",
	"frac_sigma_below_1_non_dropout", "rank", "pearson_delta_vs_train_mean",
};

static double nan0(double v)
{
	return isnan(v) ? 0.0 : v;
}

static double mse_at(const double *a, const double *b, const size_t *idx, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double d = a[idx ? idx[i] : i] - b[idx ? idx[i] : i];
		s += d * d;
	}
	return n ? s / (double)n : NAN;
}

/* Pearson of pred and truth (minus ctrl when given) at idx. */
static double pearson_at(const double *pred, const double *truth, const double *ctrl,
			 const size_t *idx, size_t n)
{
	double *a = sc_xmalloc((n ? n : 1) * sizeof(double)), *b = sc_xmalloc((n ? n : 1) * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		size_t j = idx[i];
		a[i] = pred[j] - (ctrl ? ctrl[j] : 0);
		b[i] = truth[j] - (ctrl ? ctrl[j] : 0);
	}
	double r = sc_pearson(a, b, n);
	free(a);
	free(b);
	return r;
}

static int sign_of(double v)
{
	return (v > 0) - (v < 0);
}

/* GEARS's frac_sigma_below_1 over the non-dropout genes: NaN when every
 * gene is zero in every cell (GEARS skips the perturbation) or no gene
 * varies (GEARS would divide by zero). */
static double frac_sigma_below_1(const double *pred, const size_t *nd, size_t n_nd,
				 const sc_pert_truth *cells)
{
	size_t nc = cells->n_cells, nonzero = 0, varying = 0, above = 0;
	for (size_t g = 0; g < n_nd; g++) {
		double mn = INFINITY, mx = -INFINITY, m = 0, ss = 0;
		for (size_t i = 0; i < nc; i++) {
			double v = cells->cells_nd[i * n_nd + g];
			mn = v < mn ? v : mn;
			mx = v > mx ? v : mx;
			m += v;
		}
		m /= (double)nc;
		for (size_t i = 0; i < nc; i++) {
			double d = cells->cells_nd[i * n_nd + g] - m;
			ss += d * d;
		}
		double sd = sqrt(ss / (double)nc);
		if (!(mn == 0 && mx == 0))
			nonzero++;
		if (sd > 0) {
			varying++;
			if (fabs(pred[nd[g]] - m) / sd > 1)
				above++;
		}
	}
	if (!nonzero || !varying)
		return NAN;
	return 1.0 - (double)above / (double)varying;
}

void sc_pert_metrics_one(double *out, const double *pred, const double *truth, const double *ctrl,
			 size_t n_genes, const size_t *de, size_t n_de, const size_t *nd,
			 size_t n_nd, const sc_pert_truth *cells)
{
	for (int m = 0; m < SC_PM_N; m++)
		out[m] = NAN;
	size_t *all = sc_xmalloc((n_genes ? n_genes : 1) * sizeof(size_t));
	for (size_t j = 0; j < n_genes; j++)
		all[j] = j;
	out[SC_PM_MSE] = mse_at(pred, truth, NULL, n_genes);
	out[SC_PM_PEARSON] = nan0(pearson_at(pred, truth, NULL, all, n_genes));
	out[SC_PM_MSE_DE] = mse_at(pred, truth, de, n_de);
	out[SC_PM_PEARSON_DE] = nan0(pearson_at(pred, truth, NULL, de, n_de));
	out[SC_PM_PEARSON_DELTA] = nan0(pearson_at(pred, truth, ctrl, all, n_genes));
	out[SC_PM_PEARSON_DELTA_DE] = nan0(pearson_at(pred, truth, ctrl, de, n_de));
	free(all);
	if (!n_nd)
		return;
	out[SC_PM_PEARSON_DELTA_ND] = nan0(pearson_at(pred, truth, ctrl, nd, n_nd));
	out[SC_PM_PEARSON_ND] = nan0(pearson_at(pred, truth, NULL, nd, n_nd));
	double s = 0;
	size_t opposite = 0;
	for (size_t i = 0; i < n_nd; i++) {
		size_t j = nd[i];
		double dp = pred[j] - ctrl[j], dt = truth[j] - ctrl[j];
		s += (dp - dt) * (dp - dt);
		if (abs(sign_of(dp) - sign_of(dt)) == 2)
			opposite++;
	}
	out[SC_PM_MSE_ND] = s / (double)n_nd;
	out[SC_PM_FRAC_OPPOSITE_ND] = (double)opposite / (double)n_nd;
	if (cells && cells->n_cells)
		out[SC_PM_FRAC_SIGMA1_ND] = frac_sigma_below_1(pred, nd, n_nd, cells);
}

/* Rows scaled to unit length (zero rows stay zero). */
static void normalise_rows(double *out, const sc_dmat *m)
{
	for (size_t i = 0; i < m->rows; i++) {
		double s = 0;
		for (size_t j = 0; j < m->cols; j++)
			s += SC_AT(m, i, j) * SC_AT(m, i, j);
		double f = s > 0 ? 1 / sqrt(s) : 0;
		for (size_t j = 0; j < m->cols; j++)
			out[i * m->cols + j] = SC_AT(m, i, j) * f;
	}
}

void sc_pert_rank_metric(double *rank, const sc_dmat *dpred, const sc_dmat *dtrue)
{
	size_t n = dpred->rows, g = dpred->cols;
	if (n < 2) {
		for (size_t i = 0; i < n; i++)
			rank[i] = NAN;
		return;
	}
	double *a = sc_xmalloc(n * g * sizeof(double)), *b = sc_xmalloc(n * g * sizeof(double));
	double *s = sc_xcalloc(n * n, sizeof(double));
	normalise_rows(a, dpred);
	normalise_rows(b, dtrue);
	sc_par *p = sc_par_new(0);
	int nt = sc_blas_serial_begin();
	sc_par_gemm(p, 0, 1, n, n, g, 1.0, a, g, b, g, 0.0, s, n);
	sc_blas_serial_end(nt);
	sc_par_free(p);
	for (size_t i = 0; i < n; i++) {
		/* A tie counts half: a prediction without a change (every cosine
		 * 0) ranks in the middle, not first. */
		double better = 0;
		for (size_t q = 0; q < n; q++) {
			if (q == i)
				continue;
			better += s[i * n + q] > s[i * n + i] ? 1.0 : s[i * n + q] == s[i * n + i] ? 0.5 : 0.0;
		}
		rank[i] = better / (double)(n - 1);
	}
	free(a);
	free(b);
	free(s);
}
