/*
 * tasks/imputation/figures.c - the figures of the imputation task's
 * evaluation steps, written with io/svg.h beside the metrics: per-gene
 * scores against the measured gene's sparsity (as Tangram's
 * plot_auc / plot_test_scores show them), box plots of the per-gene
 * scores, and one held-out gene measured beside predicted on the spots.
 */
#include "imputation.h"
#include "io/svg.h"
#include "util/buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FIG_SCORE_SPARSITY "score_vs_sparsity.svg"
#define FIG_HELDOUT "heldout_gene.svg"

/* Score (y) against sparsity (x), one point per gene. */
int sc_imp_score_sparsity_figure(sc_step_ctx *c, const double *score, const double *sparsity,
				 size_t n, const char *score_name, double y0, double y1)
{
	char *title = sc_xasprintf("%s per held-out gene against its sparsity", score_name);
	sc_svg *s = sc_svg_new(520, 400, title);
	free(title);
	sc_svg_panel p = sc_svg_panel_at(s, 0, 0, 520, 400);
	sc_svg_axes(s, &p, 0, 1, y0, y1, "sparsity (share of zeros)", score_name);
	for (size_t j = 0; j < n; j++)
		sc_svg_point(s, &p, sparsity[j], score[j], 3, sc_svg_category(0));
	return sc_step_write_svg(c, s, FIG_SCORE_SPARSITY);
}

/* One box per named score column (v: n values each). */
int sc_imp_box_figure(sc_step_ctx *c, const double *const *v, char *const *names, size_t k,
		      size_t n, const char *title, const char *ylabel, const char *file)
{
	double lo = INFINITY, hi = -INFINITY;
	for (size_t a = 0; a < k; a++)
		for (size_t j = 0; j < n; j++)
			if (isfinite(v[a][j])) {
				lo = v[a][j] < lo ? v[a][j] : lo;
				hi = v[a][j] > hi ? v[a][j] : hi;
			}
	if (!isfinite(lo))
		lo = 0, hi = 1;
	sc_svg *s = sc_svg_new(120 + 90 * (double)k, 400, title);
	sc_svg_panel p = sc_svg_panel_at(s, 0, 0, 120 + 90 * (double)k, 400);
	sc_svg_axes(s, &p, -0.5, (double)k - 0.5, lo, hi, NULL, ylabel);
	sc_svg_xcategories(s, &p, names, k);
	for (size_t a = 0; a < k; a++)
		sc_svg_box(s, &p, (double)a, 0.3, v[a], n, sc_svg_category(a));
	return sc_step_write_svg(c, s, file);
}

/* The gene whose cosine is nearest the median (ties: the first). */
static size_t median_gene(const sc_imp_gene_score *s, size_t n)
{
	double *v = sc_xmalloc((n ? n : 1) * sizeof(double));
	for (size_t j = 0; j < n; j++)
		v[j] = s[j].cosine;
	double med = sc_imp_median(v, n);
	free(v);
	size_t best = 0;
	double bd = INFINITY;
	for (size_t j = 0; j < n; j++)
		if (isfinite(s[j].cosine) && fabs(s[j].cosine - med) < bd) {
			bd = fabs(s[j].cosine - med);
			best = j;
		}
	return best;
}

static void spot_panel(sc_svg *s, double x, double w, const sc_dmat *xy, const double *v,
		       size_t stride, const char *title)
{
	size_t n = xy->rows;
	double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY, vmax = 0;
	for (size_t i = 0; i < n; i++) {
		double a = xy->v[i * xy->cols], b = xy->v[i * xy->cols + 1];
		x0 = a < x0 ? a : x0;
		x1 = a > x1 ? a : x1;
		y0 = b < y0 ? b : y0;
		y1 = b > y1 ? b : y1;
		vmax = v[i * stride] > vmax ? v[i * stride] : vmax;
	}
	sc_svg_panel p = sc_svg_panel_at(s, x, 0, w, 460);
	sc_svg_axes(s, &p, x0, x1, y0, y1, "x", "y");
	for (size_t i = 0; i < n; i++)
		sc_svg_point(s, &p, xy->v[i * xy->cols], xy->v[i * xy->cols + 1], 3,
			     sc_svg_viridis(vmax > 0 ? v[i * stride] / vmax : 0));
	sc_svg_colorbar(s, &p, 0, vmax, title);
}

int sc_imp_spatial_figures(sc_step_ctx *c, const sc_imp_pair *p, const sc_dmat *pred,
			   const sc_dmat *xy, const sc_imp_gene_score *s)
{
	size_t nt = p->n_test;
	double *v = sc_xmalloc(4 * (nt ? nt : 1) * sizeof(double));
	double *cos = v, *pr = v + nt, *sp = v + 2 * nt, *spars = v + 3 * nt;
	for (size_t j = 0; j < nt; j++) {
		cos[j] = s[j].cosine;
		pr[j] = s[j].pearson;
		sp[j] = s[j].spearman;
		spars[j] = s[j].sparsity;
	}
	int rc = sc_imp_score_sparsity_figure(c, cos, spars, nt, "cosine", 0, 1);
	const double *cols[3] = { cos, pr, sp };
	char *names[3] = { "cosine", "pearson", "spearman" };
	if (!rc)
		rc = sc_imp_box_figure(c, cols, names, 3, nt, "Per-gene scores", "score", SC_IMP_FIG_BOXES);
	if (!rc && nt) {
		size_t g = median_gene(s, nt);
		char *title = sc_xasprintf("Held-out gene %s (cosine %.3f): measured | predicted",
					   p->test_names[g], s[g].cosine);
		sc_svg *f = sc_svg_new(1000, 460, title);
		free(title);
		spot_panel(f, 0, 500, xy, p->sp_test.v + g, nt, "measured");
		spot_panel(f, 500, 500, xy, pred->v + g, nt, "predicted");
		rc = sc_step_write_svg(c, f, FIG_HELDOUT);
	}
	free(v);
	return rc;
}
