/*
 * tasks/grn/figures.c - the gene-network task's SVG figures (see
 * figures.h). Small: a histogram over at most a few thousand clusters and
 * a dozen bars.
 */
#include "figures.h"
#include "io/svg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sc_grn_figure_sizes(const char *path, const size_t *size, size_t n_clusters, size_t min_size,
			double resolution, sc_err *err)
{
	/* Bins of sizes 1, 2, ... up to the largest (at most 60 bins, the
	 * rest pooled into the last). */
	size_t maxs = n_clusters ? size[0] : 1, nb = maxs < 60 ? maxs : 60;
	size_t *cnt = calloc(nb + 1, sizeof(size_t));
	if (!cnt)
		return sc_errf(err, SC_ERR, "out of memory for a histogram");
	size_t top = 1;
	for (size_t c = 0; c < n_clusters; c++) {
		size_t b = size[c] > nb ? nb : size[c];
		if (++cnt[b] > top)
			top = cnt[b];
	}
	char title[160];
	snprintf(title, sizeof(title), "Cluster sizes at resolution %g (programs: >= %zu genes)",
		 resolution, min_size);
	sc_svg *s = sc_svg_new(640, 380, title);
	sc_svg_panel p = sc_svg_panel_at(s, 0, 0, 640, 380);
	sc_svg_axes(s, &p, 0.5, (double)nb + 0.5, 0, (double)top * 1.05,
		    nb < maxs ? "genes in the cluster (last bar: that many or more)" : "genes in the cluster",
		    "clusters");
	for (size_t b = 1; b <= nb; b++)
		if (cnt[b])
			sc_svg_rect(s, &p, (double)b - 0.4, 0, (double)b + 0.4, (double)cnt[b],
				    b >= min_size ? sc_svg_category(0) : 0xbbbbbb);
	int rc = sc_svg_write(s, path, err);
	sc_svg_free(s);
	free(cnt);
	return rc;
}

typedef struct {
	size_t program;
	double q, p;
} ranked_program;

static int cmp_ranked(const void *a, const void *b)
{
	const ranked_program *x = a, *y = b;
	if (x->q != y->q)
		return x->q < y->q ? -1 : 1;
	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->program < y->program ? -1 : x->program > y->program;
}

int sc_grn_figure_top(const char *path, const sc_grn_summary *s, const sc_grn_enrichment *en,
		      char *const *set_names, size_t top, sc_err *err)
{
	ranked_program *r = malloc((s->n + 1) * sizeof(*r));
	if (!r)
		return sc_errf(err, SC_ERR, "out of memory for the top programs");
	size_t n = 0;
	for (size_t q = 0; q < s->n; q++)
		if (s->best[q] >= 0)
			r[n++] = (ranked_program){ q, en->tests[s->best[q]].q, en->tests[s->best[q]].p };
	qsort(r, n, sizeof(*r), cmp_ranked);
	if (n > top)
		n = top;
	double xmax = 1;
	for (size_t i = 0; i < n; i++) {
		double v = -log10(r[i].q > 1e-300 ? r[i].q : 1e-300);
		if (v > xmax)
			xmax = v;
	}
	sc_svg *sv = sc_svg_new(760, 60 + 28.0 * (double)(n ? n : 1), "Top programs: best gene set (FDR)");
	sc_svg_panel p = sc_svg_panel_at(sv, 0, 0, 760, 60 + 28.0 * (double)(n ? n : 1));
	sc_svg_axes(sv, &p, 0, xmax * 1.05, (double)(n ? n : 1) - 0.5, -0.5, "-log10 FDR", "");
	char **labels = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n && labels; i++) {
		const sc_grn_test *t = &en->tests[s->best[r[i].program]];
		double v = -log10(r[i].q > 1e-300 ? r[i].q : 1e-300);
		sc_svg_rect(sv, &p, 0, (double)i - 0.35, v, (double)i + 0.35,
			    r[i].q < s->alpha ? sc_svg_category(0) : 0xbbbbbb);
		char txt[200];
		snprintf(txt, sizeof(txt), " %.80s (%d/%d genes)", set_names[t->set], t->overlap,
			 t->program_size);
		sc_svg_text(sv, &p, v, (double)i + 0.15, txt, 's', 10);
		labels[i] = malloc(32);
		if (labels[i])
			snprintf(labels[i], 32, "program %zu", r[i].program);
	}
	int rc = 0;
	if (!labels)
		rc = sc_errf(err, SC_ERR, "out of memory for the top programs");
	if (!rc && n)
		sc_svg_ycategories(sv, &p, labels, n);
	if (!rc)
		rc = sc_svg_write(sv, path, err);
	for (size_t i = 0; labels && i < n; i++)
		free(labels[i]);
	free(labels);
	sc_svg_free(sv);
	free(r);
	return rc;
}
