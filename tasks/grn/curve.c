/*
 * tasks/grn/curve.c - grn.curve: a task's program metrics against the
 * Leiden resolution, one line per method, so that a report shows whether a
 * method's lead holds across resolutions or is one resolution's luck.
 * Inputs: each grn.enrich step's SC_GRN_OUT_METRICS as role
 * SC_GRN_CURVE_ROLE "<i>"; params.points[i] = {method, resolution}.
 * Outputs: SC_GRN_OUT_CURVE (the values, tidy) and SC_GRN_OUT_CURVE_SVG
 * (a panel per metric). Small: methods x resolutions
 * points.
 */
#include "grn.h"
#include "io/svg.h"
#include "util/buf.h"
#include "util/fs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sc_grn_program_metrics[] = {
	SC_GRN_M_ENRICHED, SC_GRN_M_SETS, SC_GRN_M_JACCARD, SC_GRN_M_NPROGRAMS, SC_GRN_M_GENES, NULL,
};
#define N_METRICS 5

typedef struct {
	const char *method;
	double resolution;
	size_t order; /* the planner's, to break ties */
	double v[N_METRICS];
} point;

/* One enrich step's metrics file: "metric\tvalue" rows, any order. */
static int read_point(point *pt, const char *path, sc_err *err)
{
	sc_buf b;
	sc_buf_init(&b);
	int rc = sc_read_file(&b, path, err);
	for (size_t m = 0; m < N_METRICS; m++)
		pt->v[m] = NAN;
	size_t found = 0;
	for (char *save = NULL, *line = rc ? NULL : strtok_r(b.s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = 0;
		for (size_t m = 0; m < N_METRICS; m++)
			if (!strcmp(line, sc_grn_program_metrics[m])) {
				pt->v[m] = strtod(tab + 1, NULL);
				found++;
			}
	}
	if (!rc && found != N_METRICS)
		rc = sc_errf(err, SC_ECORRUPT, "%s: %zu of the %d program metrics", sc_path_basename(path),
			     found, N_METRICS);
	sc_buf_free(&b);
	return rc;
}

/* The distinct methods in first-seen order. */
static size_t methods_of(const char **out, const point *pts, size_t n)
{
	size_t nm = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < nm && strcmp(out[j], pts[i].method))
			j++;
		if (j == nm)
			out[nm++] = pts[i].method;
	}
	return nm;
}

static void panel(sc_svg *s, double x, double y, double w, double h, size_t m, const point *pts,
		  size_t n, const char *const *methods, size_t nm)
{
	double r1 = -INFINITY, v0 = INFINITY, v1 = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		r1 = fmax(r1, pts[i].resolution);
		if (isfinite(pts[i].v[m])) {
			v0 = fmin(v0, pts[i].v[m]);
			v1 = fmax(v1, pts[i].v[m]);
		}
	}
	if (!isfinite(v0))
		v0 = 0, v1 = 1;
	double pad = v1 > v0 ? 0.08 * (v1 - v0) : 0.5;
	sc_svg_panel p = sc_svg_panel_at(s, x, y, w, h);
	/* A linear axis: io/svg's log ticks are not round numbers. */
	sc_svg_axes(s, &p, 0, r1 * 1.05, fmin(0, v0 - pad), v1 + pad, "Leiden resolution",
		    sc_grn_program_metrics[m]);
	double *xs = sc_xmalloc((n + 1) * sizeof(double)), *ys = sc_xmalloc((n + 1) * sizeof(double));
	for (size_t k = 0; k < nm; k++) {
		size_t c = 0;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(pts[i].method, methods[k])) {
				xs[c] = pts[i].resolution;
				ys[c++] = pts[i].v[m];
			}
		sc_svg_polyline(s, &p, xs, ys, c, sc_svg_category(k), 2);
		for (size_t i = 0; i < c; i++)
			sc_svg_point(s, &p, xs[i], ys[i], 3, sc_svg_category(k));
		if (m == 0)
			sc_svg_legend(s, &p, k, methods[k], sc_svg_category(k));
	}
	free(xs);
	free(ys);
}

static int cmp_point(const void *a, const void *b)
{
	const point *x = a, *y = b;
	if (x->resolution != y->resolution)
		return x->resolution < y->resolution ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int write_outputs(sc_step_ctx *c, point *pts, size_t n)
{
	const char **methods = sc_xmalloc((n + 1) * sizeof(char *));
	size_t nm = methods_of(methods, pts, n);
	/* Lines run in resolution order whatever the planner's order. */
	qsort(pts, n, sizeof(point), cmp_point);
	sc_buf b;
	sc_buf_init(&b);
	sc_buf_puts(&b, "method\tresolution\tmetric\tvalue\n");
	for (size_t k = 0; k < nm; k++)
		for (size_t i = 0; i < n; i++)
			for (size_t m = 0; m < N_METRICS && !strcmp(pts[i].method, methods[k]); m++)
				sc_buf_printf(&b, "%s\t%.17g\t%s\t%.17g\n", methods[k], pts[i].resolution,
					      sc_grn_program_metrics[m], pts[i].v[m]);
	char *path = sc_step_out(c, SC_GRN_OUT_CURVE);
	int rc = sc_write_file_atomic(path, b.s, b.len, 0644, c->err);
	free(path);
	sc_buf_free(&b);
	sc_svg *s = sc_svg_new(960, 640, "Program metrics against the Leiden resolution");
	for (size_t m = 0; m < N_METRICS; m++)
		panel(s, 320.0 * (double)(m % 3), 20 + 310.0 * (double)(m / 3), 320, 300, m, pts, n,
		      methods, nm);
	path = sc_step_out(c, SC_GRN_OUT_CURVE_SVG);
	if (!rc)
		rc = sc_svg_write(s, path, c->err);
	free(path);
	sc_svg_free(s);
	free(methods);
	return rc;
}

static int grn_curve(sc_step_ctx *c)
{
	const json_t *pv = json_object_get(c->params, "points");
	size_t n = json_array_size(pv);
	if (!n)
		return sc_errf(c->err, SC_EINVAL, "grn.curve: no points");
	point *pts = sc_xcalloc(n, sizeof(point));
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const json_t *e = json_array_get(pv, i);
		char role[32];
		snprintf(role, sizeof(role), SC_GRN_CURVE_ROLE "%zu", i);
		const char *path = sc_step_need(c, role);
		pts[i].method = json_string_value(json_object_get(e, "method"));
		pts[i].resolution = json_number_value(json_object_get(e, "resolution"));
		pts[i].order = i;
		if (!path)
			rc = c->err->code;
		else if (!pts[i].method || !(pts[i].resolution > 0))
			rc = sc_errf(c->err, SC_EINVAL, "grn.curve: point %zu needs a method and a resolution", i);
		else
			rc = read_point(&pts[i], path, c->err);
	}
	if (!rc)
		rc = write_outputs(c, pts, n);
	free(pts);
	return rc;
}

const sc_step_kind sc_grn_curve_kind = { SC_GRN_STEP_CURVE, "1", grn_curve,
					 "program metrics against the resolution, per method (SVG)" };
