/*
 * svg.h - plots as standalone SVG files, for the figures a task's step
 * writes beside its metrics (scatter, strip and box plots, lines, heat
 * maps, bars). A figure is a canvas with one or more panels; a panel maps
 * data coordinates to pixels through its axes. Every text is escaped, and
 * the numbers are printed with a fixed format, so the same data give the
 * same bytes. The report embeds a step's *.svg outputs as they are.
 *
 *   sc_svg *s = sc_svg_new(640, 420, "Held-out gene Sst");
 *   sc_svg_panel p = sc_svg_panel_at(s, 0, 0, 640, 420);
 *   sc_svg_axes(s, &p, xmin, xmax, ymin, ymax, "x (um)", "y (um)");
 *   for (...) sc_svg_point(s, &p, x[i], y[i], 3, sc_svg_viridis(v[i]));
 *   if (sc_svg_write(s, "spatial.svg", err)) ...
 *   sc_svg_free(s);
 */
#ifndef SC_IO_SVG_H
#define SC_IO_SVG_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

typedef struct sc_svg sc_svg;

/* A region of the canvas (pixels, origin top left) and, once
 * sc_svg_axes has run, its data ranges. */
typedef struct sc_svg_panel {
	double x, y, w, h;         /* the plotting area inside the margins */
	double x0, x1, y0, y1;     /* data range shown */
	int log_x, log_y;          /* log10 axes (set before sc_svg_axes) */
} sc_svg_panel;

/* Colours are 0xRRGGBB. */
typedef uint32_t sc_svg_color;

/* A canvas of w x h pixels with a title (may be NULL). Never NULL. */
sc_svg *sc_svg_new(double w, double h, const char *title);
void sc_svg_free(sc_svg *s);

/* The panel for the canvas rectangle (x, y, w, h), leaving margins for
 * tick labels and axis titles. */
sc_svg_panel sc_svg_panel_at(const sc_svg *s, double x, double y, double w, double h);
/* Set p's data range (an empty or non-finite range is widened to 1 unit),
 * draw the frame, about five round ticks on each axis, and the titles. */
void sc_svg_axes(sc_svg *s, sc_svg_panel *p, double x0, double x1, double y0, double y1,
		 const char *xlabel, const char *ylabel);
/* Category ticks on the x axis at data x = 0, 1, ..., n-1 (labels rotated
 * when long). Call after sc_svg_axes with x range [-0.5, n-0.5]. */
void sc_svg_xcategories(sc_svg *s, const sc_svg_panel *p, char *const *labels, size_t n);
void sc_svg_ycategories(sc_svg *s, const sc_svg_panel *p, char *const *labels, size_t n);

/* Data to pixels. */
double sc_svg_px(const sc_svg_panel *p, double x);
double sc_svg_py(const sc_svg_panel *p, double y);

/* Marks in data coordinates (non-finite points are skipped). */
void sc_svg_point(sc_svg *s, const sc_svg_panel *p, double x, double y, double r,
		  sc_svg_color c);
void sc_svg_line(sc_svg *s, const sc_svg_panel *p, double x0, double y0, double x1, double y1,
		 sc_svg_color c, double width);
/* n dots of radius r as one path (a round-capped zero-length stroke per
 * point, coordinates to 0.1 px): a scatter of thousands of cells in about
 * 12 bytes a cell. class_name (may be NULL) is set on the path. */
void sc_svg_dots(sc_svg *s, const sc_svg_panel *p, const double *x, const double *y, size_t n,
		 double r, sc_svg_color c, const char *class_name);
/* A polyline through n points (non-finite points break it). */
void sc_svg_polyline(sc_svg *s, const sc_svg_panel *p, const double *x, const double *y,
		     size_t n, sc_svg_color c, double width);
/* A filled rectangle between two data corners. */
void sc_svg_rect(sc_svg *s, const sc_svg_panel *p, double x0, double y0, double x1, double y1,
		 sc_svg_color fill);
/* A box plot of v[0..n) at data x, half-width hw: quartiles (linear
 * interpolation, as numpy's default percentile), median line, whiskers to
 * the furthest point within 1.5 IQR, points beyond drawn. NaNs ignored. */
void sc_svg_box(sc_svg *s, const sc_svg_panel *p, double x, double hw, const double *v,
		size_t n, sc_svg_color c);
/* Text at data coordinates; anchor 's', 'm' or 'e' (start, middle, end). */
void sc_svg_text(sc_svg *s, const sc_svg_panel *p, double x, double y, const char *text,
		 char anchor, double size);
/* A legend entry (swatch and text) at row i of the panel's top right. */
void sc_svg_legend(sc_svg *s, const sc_svg_panel *p, size_t i, const char *text, sc_svg_color c);
/* A colour bar for [v0, v1] at the panel's right edge, with its title. */
void sc_svg_colorbar(sc_svg *s, const sc_svg_panel *p, double v0, double v1, const char *title);

/* Palettes: a categorical colour for index i (cycling over 10), and the
 * viridis map of t in [0, 1] (clamped; NaN is grey). */
sc_svg_color sc_svg_category(size_t i);
sc_svg_color sc_svg_viridis(double t);

/* The document so far, closed (the canvas stays usable), and its write to
 * path (atomically: a temporary file renamed into place). */
const char *sc_svg_text_of(sc_svg *s, size_t *len);
int sc_svg_write(sc_svg *s, const char *path, sc_err *err) SC_WUR;

#endif
