/*
 * tasks/integration/picture.c - the picture of an embedding that an
 * integration benchmark is first judged by: the cells in two dimensions,
 * coloured by batch and, beside it, by label (embedding.svg of
 * integration.eval, which the report shows with the method's metrics).
 *
 * The layout is computed here, so it is cached and hashed with the step:
 * up to LAYOUT_MAX_CELLS cells, igraph's force-directed layout
 * (Fruchterman-Reingold on a grid) of the 15-nearest-neighbour graph of the embedding (Euclidean, as scIB's graph metrics), or
 * of the method's own graph when it gives one instead of an embedding;
 * above, where a graph layout would take minutes, the first two principal
 * components of the embedding. The caption says which. The layout is
 * seeded by the step's seed through an igraph generator of our own, runs
 * on one thread and uses no BLAS (the kNN is exact and ordered, the PCA
 * deterministic: core/knn.h, core/pca.h), so the bytes do not depend on the
 * thread count or the OpenBLAS kernel.
 *
 * At most DRAW_MAX_CELLS cells are drawn, a uniform sample chosen by the
 * seed (the caption says how many of how many), as one SVG path per
 * category and round: cells are drawn in DRAW_ROUNDS interleaved rounds so
 * that no category is painted over another as a whole. About 12 bytes a
 * cell, some 120 KB at most.
 */
#include "integration.h"
#include "io/svg.h"
#include "tasks/core/knn.h"
#include "tasks/core/pca.h"
#include "tasks/core/rng.h"
#include "util/buf.h"

#include <igraph.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Fruchterman-Reingold with igraph's grid costs about 0.3 ms a cell, kNN
 * included (1.5 s for 5000 cells of 20 dimensions, 3 s for 10000, on one
 * core); igraph 0.10's UMAP and DrL were 10 to 40 times slower on the same
 * kNN graphs, UMAP's repulsion growing as n^2. */
#define LAYOUT_MAX_CELLS 10000
#define LAYOUT_K 15
#define FR_ITERATIONS 500
#define DRAW_MAX_CELLS 4000
#define DRAW_ROUNDS 5
#define LEGEND_MAX 24

/* The undirected kNN graph of emb (each pair once). */
static int knn_edges(igraph_vector_int_t *edges, const sc_dmat *emb, sc_err *err)
{
	size_t n = emb->rows, k = LAYOUT_K < n ? LAYOUT_K : n - 1;
	int32_t *idx = sc_xmalloc(n * k * sizeof(int32_t) + 1);
	double *d = sc_xmalloc(n * k * sizeof(double) + 1);
	int rc = sc_knn_self(idx, d, emb, k, SC_METRIC_EUCLIDEAN, 0, err);
	if (!rc) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < k; j++) {
				size_t o = (size_t)idx[i * k + j];
				int mutual = 0; /* i in o's list: the pair is added from the smaller */
				for (size_t q = 0; q < k && o < i; q++)
					mutual |= (size_t)idx[o * k + q] == i;
				if (mutual)
					continue;
				igraph_vector_int_push_back(edges, (igraph_integer_t)i);
				igraph_vector_int_push_back(edges, (igraph_integer_t)o);
			}
	}
	free(idx);
	free(d);
	return rc;
}

/* The method's graph, each pair once (weights are not distances: unweighted). */
static void graph_edges(igraph_vector_int_t *edges, const sc_csr *g)
{
	for (size_t i = 0; i < g->rows; i++)
		for (int64_t p = g->indptr[i]; p < g->indptr[i + 1]; p++) {
			size_t j = (size_t)g->indices[p];
			if (j > i && g->data[p] != 0) {
				igraph_vector_int_push_back(edges, (igraph_integer_t)i);
				igraph_vector_int_push_back(edges, (igraph_integer_t)j);
			}
		}
}

/* Force-directed layout of the graph into xy (n x 2), seeded. */
static int graph_layout(double *xy, const sc_dmat *emb, const sc_csr *graph, uint64_t seed,
			sc_err *err)
{
	size_t n = emb->rows;
	igraph_vector_int_t edges;
	igraph_t g;
	igraph_matrix_t res;
	igraph_rng_t rng, *was = igraph_rng_default();
	igraph_vector_int_init(&edges, 0);
	igraph_matrix_init(&res, 0, 0);
	int rc = 0;
	if (graph)
		graph_edges(&edges, graph);
	else if ((rc = knn_edges(&edges, emb, err)))
		goto out;
	igraph_error_handler_t *eh = igraph_set_error_handler(igraph_error_handler_ignore);
	igraph_warning_handler_t *wh = igraph_set_warning_handler(igraph_warning_handler_ignore);
	if (igraph_rng_init(&rng, &igraph_rngtype_mt19937) != IGRAPH_SUCCESS) {
		rc = sc_errf(err, SC_ERR, "layout: cannot start a random generator");
	} else {
		igraph_rng_seed(&rng, (igraph_uint_t)seed);
		igraph_rng_set_default(&rng);
		igraph_error_t ie = igraph_create(&g, &edges, (igraph_integer_t)n, IGRAPH_UNDIRECTED);
		if (ie == IGRAPH_SUCCESS) {
			ie = igraph_layout_fruchterman_reingold(
				&g, &res, 0, FR_ITERATIONS, sqrt((double)n) / 10, IGRAPH_LAYOUT_GRID,
				NULL, NULL, NULL, NULL, NULL);
			igraph_destroy(&g);
		}
		igraph_rng_set_default(was);
		igraph_rng_destroy(&rng);
		if (ie != IGRAPH_SUCCESS)
			rc = sc_errf(err, SC_ERR, "layout: igraph's force-directed layout failed (%s)",
				     igraph_strerror(ie));
	}
	igraph_set_error_handler(eh);
	igraph_set_warning_handler(wh);
	for (size_t i = 0; !rc && i < n; i++) {
		xy[2 * i] = MATRIX(res, (igraph_integer_t)i, 0);
		xy[2 * i + 1] = MATRIX(res, (igraph_integer_t)i, 1);
	}
out:
	igraph_matrix_destroy(&res);
	igraph_vector_int_destroy(&edges);
	return rc;
}

static int pca_layout(double *xy, const sc_dmat *emb, sc_err *err)
{
	sc_dmat sc = { 0 };
	int rc = sc_pca_dense(&sc, NULL, emb, 2, err);
	for (size_t i = 0; !rc && i < emb->rows; i++) {
		xy[2 * i] = sc.v[i * sc.cols];
		xy[2 * i + 1] = sc.cols > 1 ? sc.v[i * sc.cols + 1] : 0;
	}
	sc_dmat_free(&sc);
	return rc;
}

/* The cells drawn: all, or a uniform sample of max, in a random order (the
 * order decides the rounds). */
static size_t draw_sample(size_t **out, size_t n, size_t max, uint64_t seed)
{
	size_t *v = sc_xmalloc((n ? n : 1) * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		v[i] = i;
	sc_rng r;
	sc_rng_stream(&r, seed, 0x706963 /* "pic" */);
	sc_rng_shuffle(&r, v, n);
	*out = v;
	return n < max ? n : max;
}

/* Category c's colour: the ten of sc_svg_category, then hues a golden angle
 * apart, so that no two of the first few dozen categories share a colour. */
static sc_svg_color category_color(size_t c)
{
	if (c < 10)
		return sc_svg_category(c);
	double h = fmod((double)(c - 10) * 137.508, 360) / 60, s = 0.6, v = 0.8;
	double f = h - floor(h), p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
	double rgb[6][3] = { { v, t, p }, { q, v, p }, { p, v, t }, { p, q, v }, { t, p, v }, { v, p, q } };
	const double *k = rgb[(int)floor(h) % 6];
	return (sc_svg_color)(lround(k[0] * 255) << 16 | lround(k[1] * 255) << 8 | lround(k[2] * 255));
}

/* A legend entry: at most 22 bytes of the name, cut at a character. */
static char *legend_text(const char *name)
{
	size_t n = strlen(name), k = 21;
	if (n <= 22)
		return sc_xstrdup(name);
	while (k > 0 && ((unsigned char)name[k] & 0xC0) == 0x80)
		k--;
	return sc_xasprintf("%.*s...", (int)k, name);
}

/* One panel: the sampled cells coloured by the categories of lab. */
static void panel(sc_svg *s, double x, double y, double side, const double *xy,
		  const size_t *pick, size_t m, const sc_labels *lab, const char *what,
		  const double *range)
{
	sc_svg_panel p = { .x = x, .y = y + 18, .w = side, .h = side, .x0 = range[0],
			   .x1 = range[1], .y0 = range[2], .y1 = range[3] };
	sc_svg_panel t = p;
	t.x0 = 0, t.x1 = 1, t.y0 = 0, t.y1 = 1;
	char *title = sc_xasprintf("by %s", what);
	sc_svg_text(s, &t, 0, 1.03, title, 's', 12);
	free(title);
	sc_svg_rect(s, &t, 0, 0, 1, 1, 0xf7f7f9);
	double *px = sc_xmalloc((m ? m : 1) * sizeof(double)), *py = sc_xmalloc((m ? m : 1) * sizeof(double));
	for (size_t r = 0; r < DRAW_ROUNDS; r++) {
		size_t lo = m * r / DRAW_ROUNDS, hi = m * (r + 1) / DRAW_ROUNDS;
		for (size_t c = 0; c < lab->ncat; c++) {
			size_t k = 0;
			for (size_t i = lo; i < hi; i++)
				if (lab->codes[pick[i]] == (int32_t)c) {
					px[k] = xy[2 * pick[i]];
					py[k++] = xy[2 * pick[i] + 1];
				}
			char cls[32];
			snprintf(cls, sizeof cls, "cells c%zu", c);
			sc_svg_dots(s, &p, px, py, k, 1.6, category_color(c), cls);
		}
	}
	free(px);
	free(py);
	/* The legend, right of the panel. */
	sc_svg_panel lg = { .x = x + 140, .y = p.y, .w = side, .h = side }; /* legend x: p.x + p.w - 130 */
	size_t shown = lab->ncat < LEGEND_MAX ? lab->ncat : LEGEND_MAX - 1;
	for (size_t c = 0; c < shown; c++) {
		char *name = legend_text(lab->names[c]);
		sc_svg_legend(s, &lg, c, name, category_color(c));
		free(name);
	}
	if (shown < lab->ncat) {
		char *more = sc_xasprintf("... %zu more", lab->ncat - shown);
		sc_svg_legend(s, &lg, shown, more, 0xffffff);
		free(more);
	}
}

void sc_picture_opts_default(sc_picture_opts *o, uint64_t seed)
{
	o->max_layout = LAYOUT_MAX_CELLS;
	o->max_draw = DRAW_MAX_CELLS;
	o->seed = seed;
}

/* The bounding box of the layout with a margin of 3% on each side. */
static void layout_range(double *range, const double *xy, size_t n)
{
	range[0] = range[2] = INFINITY;
	range[1] = range[3] = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		range[0] = fmin(range[0], xy[2 * i]);
		range[1] = fmax(range[1], xy[2 * i]);
		range[2] = fmin(range[2], xy[2 * i + 1]);
		range[3] = fmax(range[3], xy[2 * i + 1]);
	}
	for (int a = 0; a < 4; a += 2) {
		double pad = (range[a + 1] - range[a]) * 0.03 + 1e-12;
		range[a] -= pad;
		range[a + 1] += pad;
	}
}

static void caption(sc_svg *s, double W, double H, int by_graph, int graph, const sc_picture_opts *o,
		    size_t m, size_t n)
{
	sc_buf cap = SC_BUF_INIT;
	sc_buf_init(&cap);
	if (by_graph)
		sc_buf_printf(&cap, "Layout: igraph's Fruchterman-Reingold of the %s (seed %llu)",
			      graph ? "method's graph" : "15-nearest-neighbour graph of the embedding",
			      (unsigned long long)o->seed);
	else
		sc_buf_printf(&cap, "Layout: the first two principal components of the embedding "
				    "(over %zu cells a graph layout is not computed)",
			      o->max_layout);
	if (m < n)
		sc_buf_printf(&cap, "; %zu of %zu cells drawn, a uniform sample", m, n);
	else
		sc_buf_printf(&cap, "; all %zu cells", n);
	sc_svg_panel whole = { .x = 10, .y = H - 14, .w = W - 20, .h = 1, .x0 = 0, .x1 = 1, .y0 = 0, .y1 = 1 };
	sc_svg_text(s, &whole, 0, 0, cap.s, 's', 10);
	sc_buf_free(&cap);
}

int sc_integration_picture_svg(sc_svg **out, const sc_dmat *emb, const sc_csr *graph,
			       const sc_labels *lab, const sc_labels *bat, const sc_picture_opts *o,
			       sc_err *err)
{
	size_t n = emb->rows;
	*out = NULL;
	if (n < 3)
		return 0; /* nothing to lay out */
	double *xy = sc_xcalloc(2 * n, sizeof(double));
	int by_graph = n <= o->max_layout;
	int rc = by_graph ? graph_layout(xy, emb, graph, o->seed, err) : pca_layout(xy, emb, err);
	if (rc) {
		free(xy);
		return rc;
	}
	double range[4];
	layout_range(range, xy, n);
	size_t *pick = NULL, m = draw_sample(&pick, n, o->max_draw, o->seed);
	const double side = 300, legend = 150, W = 2 * (side + legend) + 20;
	size_t rows = lab->ncat > bat->ncat ? lab->ncat : bat->ncat;
	rows = rows < LEGEND_MAX ? rows : LEGEND_MAX;
	double H = 52 + fmax(side, 15.0 * (double)rows + 10) + 30;
	sc_svg *s = sc_svg_new(W, H, "Cells of the embedding in two dimensions");
	panel(s, 10, 34, side, xy, pick, m, bat, "batch", range);
	panel(s, 10 + side + legend + 10, 34, side, xy, pick, m, lab, "label", range);
	caption(s, W, H, by_graph, graph != NULL, o, m, n);
	free(pick);
	free(xy);
	*out = s;
	return 0;
}

int sc_integration_picture(sc_step_ctx *c, const sc_dmat *emb, const sc_csr *graph,
			   const sc_labels *lab, const sc_labels *bat)
{
	sc_picture_opts o;
	sc_picture_opts_default(&o, (uint64_t)c->seed);
	sc_svg *s = NULL;
	int rc = sc_integration_picture_svg(&s, emb, graph, lab, bat, &o, c->err);
	if (rc || !s)
		return rc;
	return sc_step_write_svg(c, s, "embedding.svg");
}
