/*
 * figures.c - the simulation.eval step's figures (io/svg.h): the KS
 * statistics as a heat map over (statistic x cell type), overlaid
 * histograms of library size, gene mean, gene variance and gene zero
 * fraction (real vs simulated), and the joint PCA of both sources.
 */
#include "tasks/simulation/eval.h"
#include "tasks/simulation/fidelity.h"
#include "tasks/simulation/simulation.h"
#include "io/svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HIST_BINS 40
#define REAL_COLOR 0x1f77b4
#define SIM_COLOR 0xff7f0e

static int ks_heatmap(sc_step_ctx *c, const double *ks, char *const *types, size_t T)
{
	static char *stats[] = { "gene mean", "gene var", "gene CV", "gene zero", "library size",
				 "cell zero" };
	size_t cols = T + 1;
	char **labels = sc_xmalloc(cols * sizeof(char *));
	labels[0] = "all cells";
	for (size_t t = 0; t < T; t++)
		labels[t + 1] = types[t];
	sc_svg *s = sc_svg_new(160 + 60.0 * (double)cols, 420, "KS statistic, real vs simulated");
	sc_svg_panel p = sc_svg_panel_at(s, 0, 0, 100 + 60.0 * (double)cols, 420);
	sc_svg_axes(s, &p, -0.5, (double)cols - 0.5, -0.5, 5.5, NULL, NULL);
	for (size_t g = 0; g < cols; g++)
		for (int k = 0; k < 6; k++) {
			double v = ks[g * 6 + k];
			sc_svg_rect(s, &p, (double)g - 0.5, k - 0.5, (double)g + 0.5, k + 0.5,
				    sc_svg_viridis(isnan(v) ? NAN : v));
		}
	sc_svg_xcategories(s, &p, labels, cols);
	sc_svg_ycategories(s, &p, stats, 6);
	sc_svg_colorbar(s, &p, 0, 1, "KS");
	free(labels);
	return sc_step_write_svg(c, s, SC_SIM_FIG_KS);
}

/* Overlaid histograms of log10(1 + v) (or v for fractions) of the two sides. */
static void hist_panel(sc_svg *s, sc_svg_panel *p, const double *a, size_t na, const double *b,
		       size_t nb, int logv, const char *xlabel)
{
	double lo = INFINITY, hi = -INFINITY;
	for (int side = 0; side < 2; side++)
		for (size_t i = 0; i < (side ? nb : na); i++) {
			double v = side ? b[i] : a[i];
			if (isnan(v))
				continue;
			v = logv ? log10(1 + v) : v;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
	if (!(hi > lo)) {
		lo = isfinite(lo) ? lo - 0.5 : 0;
		hi = lo + 1;
	}
	double w = (hi - lo) / HIST_BINS, x[HIST_BINS], y[2][HIST_BINS], ymax = 0;
	for (int side = 0; side < 2; side++) {
		size_t n = side ? nb : na, used = 0;
		memset(y[side], 0, sizeof(y[side]));
		for (size_t i = 0; i < n; i++) {
			double v = side ? b[i] : a[i];
			if (isnan(v))
				continue;
			v = logv ? log10(1 + v) : v;
			int k = (int)((v - lo) / w);
			k = k < 0 ? 0 : k >= HIST_BINS ? HIST_BINS - 1 : k;
			y[side][k]++;
			used++;
		}
		for (int k = 0; k < HIST_BINS; k++) {
			y[side][k] = used ? y[side][k] / ((double)used * w) : 0;
			ymax = y[side][k] > ymax ? y[side][k] : ymax;
		}
	}
	for (int k = 0; k < HIST_BINS; k++)
		x[k] = lo + (k + 0.5) * w;
	sc_svg_axes(s, p, lo, hi, 0, ymax > 0 ? ymax * 1.05 : 1, xlabel, "density");
	sc_svg_polyline(s, p, x, y[0], HIST_BINS, REAL_COLOR, 2);
	sc_svg_polyline(s, p, x, y[1], HIST_BINS, SIM_COLOR, 2);
	sc_svg_legend(s, p, 0, "real", REAL_COLOR);
	sc_svg_legend(s, p, 1, "simulated", SIM_COLOR);
}

static int densities(sc_step_ctx *c, const sc_sim_summary *a, const sc_sim_summary *b)
{
	size_t G = a->genes;
	double *ga = sc_xmalloc(G * sizeof(double)), *gb = sc_xmalloc(b->genes * sizeof(double));
	sc_svg *s = sc_svg_new(900, 640, "Real vs simulated distributions");
	sc_svg_panel p = sc_svg_panel_at(s, 0, 0, 450, 320);
	hist_panel(s, &p, a->lib, a->n, b->lib, b->n, 1, "log10(1 + library size)");
	static const int kinds[] = { SC_SIM_GENE_MEAN, SC_SIM_GENE_VAR, SC_SIM_GENE_ZERO };
	static const char *const labels[] = { "log10(1 + gene mean)", "log10(1 + gene variance)",
					      "gene zero fraction" };
	for (int k = 0; k < 3; k++) {
		sc_sim_gene_stat(ga, a, 0, kinds[k]);
		sc_sim_gene_stat(gb, b, 0, kinds[k]);
		int at = k + 1;
		p = sc_svg_panel_at(s, 450.0 * (at % 2), 320.0 * (at / 2), 450, 320);
		hist_panel(s, &p, ga, G, gb, b->genes, kinds[k] != SC_SIM_GENE_ZERO, labels[k]);
	}
	free(ga);
	free(gb);
	return sc_step_write_svg(c, s, SC_SIM_FIG_DENSITY);
}

static int pca_scatter(sc_step_ctx *c, const double *pcs, size_t n, size_t d,
		       const int32_t *source)
{
	double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		double x = pcs[i * d], y = d > 1 ? pcs[i * d + 1] : 0;
		x0 = x < x0 ? x : x0;
		x1 = x > x1 ? x : x1;
		y0 = y < y0 ? y : y0;
		y1 = y > y1 ? y : y1;
	}
	sc_svg *s = sc_svg_new(640, 520, "Joint PCA of real and simulated cells");
	sc_svg_panel p = sc_svg_panel_at(s, 0, 0, 640, 520);
	sc_svg_axes(s, &p, x0, x1, y0, y1, "PC1", "PC2");
	for (size_t i = 0; i < n; i++)
		sc_svg_point(s, &p, pcs[i * d], d > 1 ? pcs[i * d + 1] : 0, 2,
			     source[i] ? SIM_COLOR : REAL_COLOR);
	sc_svg_legend(s, &p, 0, "real", REAL_COLOR);
	sc_svg_legend(s, &p, 1, "simulated", SIM_COLOR);
	return sc_step_write_svg(c, s, SC_SIM_FIG_PCA);
}

int sc_sim_figures(sc_step_ctx *c, const sc_sim_summary *real, const sc_sim_summary *sim,
		   const double *ks, char *const *types, size_t ntypes, const double *pcs, size_t n,
		   size_t d, const int32_t *source)
{
	int rc = ks_heatmap(c, ks, types, ntypes);
	if (!rc)
		rc = densities(c, real, sim);
	if (!rc)
		rc = pca_scatter(c, pcs, n, d, source);
	return rc;
}
