/*
 * test_picture.c - the picture of an embedding (tasks/integration/picture.c)
 * on three well separated clusters: the graph layout keeps them apart (each
 * cluster's cells nearer their own centre than any other centre), the
 * PCA fallback orders them along the first PC as their centres lie, a
 * sample of the cells is drawn the same in both panels, the caption says
 * which layout and how many cells, and the same input gives the same bytes.
 */
#include "unit.h"
#include "io/svg.h"
#include "tasks/core/rng.h"
#include "tasks/integration/integration.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N 450
#define D 5

/* The dots of one panel (x within [x0, x1)) of category cls, from the SVG. */
static size_t dots(const char *svg, int cls, double x0, double x1, double *x, double *y)
{
	char tag[48];
	size_t n = 0;
	snprintf(tag, sizeof tag, "class=\"cells c%d\"", cls);
	for (const char *p = strstr(svg, tag); p; p = strstr(p + 1, tag)) {
		const char *d = strstr(p, " d=\"") + 4, *end = strchr(d, '"');
		while (d < end && *d == 'M') {
			char *e;
			double px = strtod(d + 1, &e), py = strtod(e, &e);
			if (px >= x0 && px < x1) {
				x[n] = px;
				y[n++] = py;
			}
			d = strstr(e, "h0") + 2;
		}
	}
	return n;
}

/* The dots of a picture: "h0" closing a point of a path. */
static size_t count_dots(const char *s)
{
	size_t n = 0;
	for (const char *p = strstr(s, "h0"); p; p = strstr(p + 1, "h0"))
		n += p[2] == 'M' || p[2] == '"';
	return n;
}

static void labels(sc_labels *l, size_t ncat, int by_cluster)
{
	l->n = N;
	l->ncat = ncat;
	l->codes = calloc(N, sizeof(int32_t));
	l->names = calloc(ncat, sizeof(char *));
	for (size_t c = 0; c < ncat; c++)
		l->names[c] = sc_xasprintf("%s%zu", by_cluster ? "type" : "batch", c);
	for (size_t i = 0; i < N; i++)
		l->codes[i] = (int32_t)(by_cluster ? i % 3 : (i / 7) % ncat);
}

static char *draw(const sc_dmat *emb, const sc_labels *lab, const sc_labels *bat,
		  size_t max_layout, size_t max_draw)
{
	sc_picture_opts o;
	sc_picture_opts_default(&o, 3);
	o.max_layout = max_layout;
	o.max_draw = max_draw;
	sc_svg *s = NULL;
	sc_err err;
	int rc = sc_integration_picture_svg(&s, emb, NULL, lab, bat, &o, &err);
	OK(rc == 0 && s, "picture drawn (%s)", rc ? err.msg : "");
	char *t = s ? strdup(sc_svg_text_of(s, NULL)) : strdup("");
	sc_svg_free(s);
	return t;
}

/* Each cluster's dots (label panel) lie nearer their own centre than any
 * other: true of a layout that keeps the clusters, false of a random one. */
static int clusters_apart(const char *svg, double *order)
{
	double *x = malloc(N * sizeof(double)), *y = malloc(N * sizeof(double));
	double cx[3], cy[3];
	double *px[3], *py[3];
	size_t n[3];
	for (int c = 0; c < 3; c++) {
		px[c] = malloc(N * sizeof(double));
		py[c] = malloc(N * sizeof(double));
		n[c] = dots(svg, c, 470, 1e9, px[c], py[c]);
		cx[c] = cy[c] = 0;
		for (size_t i = 0; i < n[c]; i++) {
			cx[c] += px[c][i] / (double)n[c];
			cy[c] += py[c][i] / (double)n[c];
		}
		order[c] = cx[c];
	}
	size_t wrong = 0;
	for (int c = 0; c < 3; c++)
		for (size_t i = 0; i < n[c]; i++)
			for (int o = 0; o < 3; o++)
				wrong += o != c && hypot(px[c][i] - cx[o], py[c][i] - cy[o]) <
							   hypot(px[c][i] - cx[c], py[c][i] - cy[c]);
	for (int c = 0; c < 3; c++) {
		free(px[c]);
		free(py[c]);
	}
	free(x);
	free(y);
	return wrong == 0 && n[0] && n[1] && n[2];
}

int main(void)
{
	/* Three clusters centred at 0, 12 and 24 along the first axis, sd 1. */
	sc_dmat emb = { N, D, calloc(N * D, sizeof(double)) };
	sc_rng r;
	sc_rng_seed(&r, 11);
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < D; j++)
			emb.v[i * D + j] = sc_rng_normal(&r) + (j == 0 ? 12.0 * (double)(i % 3) : 0);
	sc_labels lab, bat;
	labels(&lab, 3, 1);
	labels(&bat, 2, 0);
	double order[3];

	char *g = draw(&emb, &lab, &bat, 1000, 4000);
	OK(strstr(g, "Fruchterman-Reingold of the 15-nearest-neighbour graph") != NULL,
	   "up to max_layout cells: the graph layout, said in the caption");
	OK(strstr(g, "all 450 cells") != NULL, "... and all cells drawn, said so");
	OK(count_dots(g) == 2 * N, "each cell once in each panel (%zu dots)", count_dots(g));
	OK(clusters_apart(g, order), "the graph layout keeps the three clusters apart");
	char *g2 = draw(&emb, &lab, &bat, 1000, 4000);
	OK(!strcmp(g, g2), "the same input and seed give the same bytes");
	OK(strlen(g) < 40 * 2 * N + 4000, "about 12 bytes a cell, not a circle each (%zu bytes)", strlen(g));

	char *p = draw(&emb, &lab, &bat, 100, 4000);
	OK(strstr(p, "first two principal components of the embedding (over 100 cells") != NULL,
	   "above max_layout: the first two PCs, said in the caption");
	OK(clusters_apart(p, order), "the PCs keep the clusters apart");
	OK((order[0] < order[1] && order[1] < order[2]) || (order[0] > order[1] && order[1] > order[2]),
	   "... in the order of their centres along PC1 (%g %g %g)", order[0], order[1], order[2]);

	char *s = draw(&emb, &lab, &bat, 1000, 200);
	OK(strstr(s, "200 of 450 cells drawn, a uniform sample") != NULL, "a sample above max_draw, said");
	OK(count_dots(s) == 400, "200 dots in each panel (%zu)", count_dots(s));
	/* The same cells in both panels: the batch panel shifted by 460 px. */
	double *ax = malloc(N * sizeof(double)), *ay = malloc(N * sizeof(double));
	double *bx = malloc(N * sizeof(double)), *by = malloc(N * sizeof(double));
	size_t na = 0, nb = 0;
	for (int c = 0; c < 3; c++) {
		na += dots(s, c, 0, 470, ax + na, ay + na);
		nb += dots(s, c, 470, 1e9, bx + nb, by + nb);
	}
	size_t unmatched = 0;
	for (size_t i = 0; i < nb; i++) {
		int found = 0;
		for (size_t j = 0; j < na && !found; j++)
			found = fabs(ax[j] + 460 - bx[i]) < 0.11 && fabs(ay[j] - by[i]) < 0.11;
		unmatched += !found;
	}
	OK(na == 200 && nb == 200 && unmatched == 0, "the same sample in both panels (%zu unmatched)",
	   unmatched);
	size_t type_counts[3] = { 0, 0, 0 };
	for (int c = 0; c < 3; c++)
		type_counts[c] = dots(s, c, 470, 1e9, bx, by);
	/* a uniform sample of 200 of 150+150+150: each type 200/3 +- 4 sd */
	OK(type_counts[0] > 40 && type_counts[1] > 40 && type_counts[2] > 40,
	   "the sample takes from every cluster (%zu %zu %zu)", type_counts[0], type_counts[1],
	   type_counts[2]);

	/* Thirty labels: thirty colours, a legend of 23 and "... 7 more". */
	sc_labels many;
	labels(&many, 30, 1);
	for (size_t i = 0; i < N; i++)
		many.codes[i] = (int32_t)(i % 30);
	char *m = draw(&emb, &many, &bat, 1000, 4000);
	char seen[64][8];
	size_t ncol = 0;
	for (const char *q = strstr(m, "class=\"cells"); q; q = strstr(q + 1, "class=\"cells")) {
		const char *st = strstr(q, "stroke=\"#") + 9;
		int dup = 0;
		for (size_t i = 0; i < ncol && !dup; i++)
			dup = !strncmp(seen[i], st, 7);
		if (!dup && ncol < 64)
			memcpy(seen[ncol++], st, 7);
	}
	OK(ncol == 30, "thirty categories, thirty colours (%zu)", ncol);
	OK(strstr(m, "... 7 more") != NULL, "the legend ends with the number left out");
	free(m);
	sc_labels_free(&many);

	sc_dmat two = { 2, D, emb.v };
	sc_svg *none = (sc_svg *)1;
	sc_picture_opts o;
	sc_picture_opts_default(&o, 0);
	sc_err err;
	OK(sc_integration_picture_svg(&none, &two, NULL, &lab, &bat, &o, &err) == 0 && none == NULL,
	   "fewer than 3 cells: no picture");

	free(ax);
	free(ay);
	free(bx);
	free(by);
	free(g);
	free(g2);
	free(p);
	free(s);
	free(emb.v);
	sc_labels_free(&lab);
	sc_labels_free(&bat);
	return unit_done();
}
