/*
 * svg.c - standalone SVG plots (see svg.h). Coordinates are printed with
 * two decimals ("%.2f"), so a figure's bytes follow from its data alone;
 * text goes through sc_buf_html, which escapes what XML requires.
 */
#include "io/svg.h"
#include "util/buf.h"
#include "util/fs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARGIN_L 62.0
#define MARGIN_R 18.0
#define MARGIN_T 34.0
#define MARGIN_B 52.0
#define FONT "font-family=\"sans-serif\""

struct sc_svg {
	double w, h;
	char *title;
	sc_buf body;  /* the marks so far */
	sc_buf whole; /* the closed document, rebuilt by sc_svg_text_of */
};

sc_svg *sc_svg_new(double w, double h, const char *title)
{
	sc_svg *s = calloc(1, sizeof *s);
	if (!s) {
		fprintf(stderr, "sceval: out of memory\n");
		exit(1);
	}
	s->w = w > 1 ? w : 1;
	s->h = h > 1 ? h : 1;
	s->title = title ? strdup(title) : NULL;
	sc_buf_init(&s->body);
	sc_buf_init(&s->whole);
	return s;
}

void sc_svg_free(sc_svg *s)
{
	if (!s)
		return;
	free(s->title);
	sc_buf_free(&s->body);
	sc_buf_free(&s->whole);
	free(s);
}

static void color_attr(sc_buf *b, const char *attr, sc_svg_color c)
{
	sc_buf_printf(b, " %s=\"#%06x\"", attr, (unsigned)(c & 0xffffffu));
}

sc_svg_panel sc_svg_panel_at(const sc_svg *s, double x, double y, double w, double h)
{
	(void)s;
	sc_svg_panel p = { 0 };
	p.x = x + MARGIN_L;
	p.y = y + MARGIN_T;
	p.w = w - MARGIN_L - MARGIN_R > 10 ? w - MARGIN_L - MARGIN_R : 10;
	p.h = h - MARGIN_T - MARGIN_B > 10 ? h - MARGIN_T - MARGIN_B : 10;
	p.x0 = 0, p.x1 = 1, p.y0 = 0, p.y1 = 1;
	return p;
}

static double axis_value(int log_axis, double v)
{
	return log_axis ? (v > 0 ? log10(v) : NAN) : v;
}

double sc_svg_px(const sc_svg_panel *p, double x)
{
	double a = axis_value(p->log_x, x);
	return p->x + (a - p->x0) / (p->x1 - p->x0) * p->w;
}

double sc_svg_py(const sc_svg_panel *p, double y)
{
	double a = axis_value(p->log_y, y);
	return p->y + p->h - (a - p->y0) / (p->y1 - p->y0) * p->h;
}

/* A range in axis units that is finite and not empty. */
static void fix_range(double *lo, double *hi)
{
	if (!isfinite(*lo) || !isfinite(*hi)) {
		*lo = 0;
		*hi = 1;
	}
	if (*hi < *lo) {
		double t = *lo;
		*lo = *hi;
		*hi = t;
	}
	if (*hi - *lo <= 1e-300 * (fabs(*lo) + 1)) {
		*lo -= 0.5;
		*hi += 0.5;
	}
}

/* A round step giving about five ticks over [lo, hi]. */
static double tick_step(double lo, double hi)
{
	double raw = (hi - lo) / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

static void tick_label(char *out, size_t n, double v, int log_axis)
{
	if (log_axis)
		snprintf(out, n, "%g", pow(10, v));
	else
		snprintf(out, n, "%g", fabs(v) < 1e-12 ? 0.0 : v);
}

static void text_at(sc_buf *b, double x, double y, const char *anchor, double size,
		    const char *transform, const char *text)
{
	sc_buf_printf(b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\" font-size=\"%.1f\" " FONT,
		      x, y, anchor, size);
	if (transform)
		sc_buf_printf(b, " transform=\"%s\"", transform);
	sc_buf_puts(b, ">");
	sc_buf_html(b, text ? text : "");
	sc_buf_puts(b, "</text>\n");
}

static void ticks_x(sc_svg *s, const sc_svg_panel *p)
{
	double step = tick_step(p->x0, p->x1);
	for (double v = ceil(p->x0 / step) * step; v <= p->x1 + step * 1e-9; v += step) {
		double px = p->x + (v - p->x0) / (p->x1 - p->x0) * p->w;
		char lab[32];
		tick_label(lab, sizeof lab, v, p->log_x);
		sc_buf_printf(&s->body, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
			      "stroke=\"#444444\"/>\n", px, p->y + p->h, px, p->y + p->h + 4);
		text_at(&s->body, px, p->y + p->h + 16, "middle", 10, NULL, lab);
	}
}

static void ticks_y(sc_svg *s, const sc_svg_panel *p)
{
	double step = tick_step(p->y0, p->y1);
	for (double v = ceil(p->y0 / step) * step; v <= p->y1 + step * 1e-9; v += step) {
		double py = p->y + p->h - (v - p->y0) / (p->y1 - p->y0) * p->h;
		char lab[32];
		tick_label(lab, sizeof lab, v, p->log_y);
		sc_buf_printf(&s->body, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
			      "stroke=\"#444444\"/>\n", p->x - 4, py, p->x, py);
		text_at(&s->body, p->x - 6, py + 3.5, "end", 10, NULL, lab);
	}
}

void sc_svg_axes(sc_svg *s, sc_svg_panel *p, double x0, double x1, double y0, double y1,
		 const char *xlabel, const char *ylabel)
{
	p->x0 = axis_value(p->log_x, x0);
	p->x1 = axis_value(p->log_x, x1);
	p->y0 = axis_value(p->log_y, y0);
	p->y1 = axis_value(p->log_y, y1);
	fix_range(&p->x0, &p->x1);
	fix_range(&p->y0, &p->y1);
	sc_buf_printf(&s->body, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
		      "fill=\"none\" stroke=\"#444444\"/>\n", p->x, p->y, p->w, p->h);
	ticks_x(s, p);
	ticks_y(s, p);
	if (xlabel)
		text_at(&s->body, p->x + p->w / 2, p->y + p->h + 36, "middle", 12, NULL, xlabel);
	if (ylabel) {
		char tr[80];
		double cx = p->x - 46, cy = p->y + p->h / 2;
		snprintf(tr, sizeof tr, "rotate(-90 %.2f %.2f)", cx, cy);
		text_at(&s->body, cx, cy, "middle", 12, tr, ylabel);
	}
}

void sc_svg_xcategories(sc_svg *s, const sc_svg_panel *p, char *const *labels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double px = sc_svg_px(p, (double)i), py = p->y + p->h + 14;
		char tr[80];
		snprintf(tr, sizeof tr, "rotate(-30 %.2f %.2f)", px, py);
		text_at(&s->body, px, py, "end", 10, strlen(labels[i]) > 6 ? tr : NULL, labels[i]);
	}
}

void sc_svg_ycategories(sc_svg *s, const sc_svg_panel *p, char *const *labels, size_t n)
{
	for (size_t i = 0; i < n; i++)
		text_at(&s->body, p->x - 6, sc_svg_py(p, (double)i) + 3.5, "end", 10, NULL, labels[i]);
}

void sc_svg_point(sc_svg *s, const sc_svg_panel *p, double x, double y, double r,
		  sc_svg_color c)
{
	double px = sc_svg_px(p, x), py = sc_svg_py(p, y);
	if (!isfinite(px) || !isfinite(py))
		return;
	sc_buf_printf(&s->body, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\"", px, py, r);
	color_attr(&s->body, "fill", c);
	sc_buf_puts(&s->body, "/>\n");
}

void sc_svg_dots(sc_svg *s, const sc_svg_panel *p, const double *x, const double *y, size_t n,
		 double r, sc_svg_color c, const char *class_name)
{
	if (!n)
		return;
	sc_buf_puts(&s->body, "<path");
	if (class_name) {
		sc_buf_puts(&s->body, " class=\"");
		sc_buf_html(&s->body, class_name);
		sc_buf_puts(&s->body, "\"");
	}
	sc_buf_printf(&s->body, " fill=\"none\" stroke-linecap=\"round\" stroke-width=\"%.1f\"",
		      2 * r);
	color_attr(&s->body, "stroke", c);
	sc_buf_puts(&s->body, " d=\"");
	for (size_t i = 0; i < n; i++) {
		double px = sc_svg_px(p, x[i]), py = sc_svg_py(p, y[i]);
		if (isfinite(px) && isfinite(py))
			sc_buf_printf(&s->body, "M%.1f %.1fh0", px, py);
	}
	sc_buf_puts(&s->body, "\"/>\n");
}

void sc_svg_line(sc_svg *s, const sc_svg_panel *p, double x0, double y0, double x1, double y1,
		 sc_svg_color c, double width)
{
	double a = sc_svg_px(p, x0), b = sc_svg_py(p, y0), d = sc_svg_px(p, x1), e = sc_svg_py(p, y1);
	if (!isfinite(a) || !isfinite(b) || !isfinite(d) || !isfinite(e))
		return;
	sc_buf_printf(&s->body, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
		      "stroke-width=\"%.2f\"", a, b, d, e, width);
	color_attr(&s->body, "stroke", c);
	sc_buf_puts(&s->body, "/>\n");
}

void sc_svg_polyline(sc_svg *s, const sc_svg_panel *p, const double *x, const double *y,
		     size_t n, sc_svg_color c, double width)
{
	int open = 0;
	for (size_t i = 0; i <= n; i++) {
		double px = i < n ? sc_svg_px(p, x[i]) : NAN, py = i < n ? sc_svg_py(p, y[i]) : NAN;
		int ok = isfinite(px) && isfinite(py);
		if (ok && !open) {
			sc_buf_puts(&s->body, "<polyline fill=\"none\"");
			color_attr(&s->body, "stroke", c);
			sc_buf_printf(&s->body, " stroke-width=\"%.2f\" points=\"", width);
			open = 1;
		} else if (!ok && open) {
			sc_buf_puts(&s->body, "\"/>\n");
			open = 0;
		}
		if (ok)
			sc_buf_printf(&s->body, "%.2f,%.2f ", px, py);
	}
}

void sc_svg_rect(sc_svg *s, const sc_svg_panel *p, double x0, double y0, double x1, double y1,
		 sc_svg_color fill)
{
	double a = sc_svg_px(p, x0), b = sc_svg_py(p, y0), d = sc_svg_px(p, x1), e = sc_svg_py(p, y1);
	if (!isfinite(a) || !isfinite(b) || !isfinite(d) || !isfinite(e))
		return;
	sc_buf_printf(&s->body, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"",
		      fmin(a, d), fmin(b, e), fabs(d - a), fabs(e - b));
	color_attr(&s->body, "fill", fill);
	sc_buf_puts(&s->body, "/>\n");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* numpy's default percentile: linear interpolation between order statistics. */
static double quantile(const double *sorted, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)floor(pos);
	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (pos - (double)i) * (sorted[i + 1] - sorted[i]);
}

void sc_svg_box(sc_svg *s, const sc_svg_panel *p, double x, double hw, const double *v,
		size_t n, sc_svg_color c)
{
	double *w = malloc((n ? n : 1) * sizeof *w);
	size_t k = 0;
	if (!w)
		return;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			w[k++] = v[i];
	if (!k) {
		free(w);
		return;
	}
	qsort(w, k, sizeof *w, cmp_double);
	double q1 = quantile(w, k, 0.25), med = quantile(w, k, 0.5), q3 = quantile(w, k, 0.75);
	double lo_fence = q1 - 1.5 * (q3 - q1), hi_fence = q3 + 1.5 * (q3 - q1);
	double lo = q1, hi = q3;
	for (size_t i = 0; i < k; i++) {
		if (w[i] >= lo_fence && w[i] < lo)
			lo = w[i];
		if (w[i] <= hi_fence && w[i] > hi)
			hi = w[i];
	}
	sc_svg_line(s, p, x, lo, x, q1, c, 1);
	sc_svg_line(s, p, x, q3, x, hi, c, 1);
	sc_svg_line(s, p, x - hw / 2, lo, x + hw / 2, lo, c, 1);
	sc_svg_line(s, p, x - hw / 2, hi, x + hw / 2, hi, c, 1);
	double a = sc_svg_px(p, x - hw), b = sc_svg_py(p, q3), d = sc_svg_px(p, x + hw);
	double e = sc_svg_py(p, q1);
	if (isfinite(a) && isfinite(b) && isfinite(d) && isfinite(e)) {
		sc_buf_printf(&s->body, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
			      "fill-opacity=\"0.35\"", fmin(a, d), fmin(b, e), fabs(d - a), fabs(e - b));
		color_attr(&s->body, "fill", c);
		color_attr(&s->body, "stroke", c);
		sc_buf_puts(&s->body, "/>\n");
	}
	sc_svg_line(s, p, x - hw, med, x + hw, med, 0x000000, 2);
	for (size_t i = 0; i < k; i++)
		if (w[i] < lo_fence || w[i] > hi_fence)
			sc_svg_point(s, p, x, w[i], 2, c);
	free(w);
}

void sc_svg_text(sc_svg *s, const sc_svg_panel *p, double x, double y, const char *text,
		 char anchor, double size)
{
	double px = sc_svg_px(p, x), py = sc_svg_py(p, y);
	if (!isfinite(px) || !isfinite(py))
		return;
	text_at(&s->body, px, py, anchor == 'm' ? "middle" : anchor == 'e' ? "end" : "start",
		size > 0 ? size : 10, NULL, text);
}

void sc_svg_legend(sc_svg *s, const sc_svg_panel *p, size_t i, const char *text, sc_svg_color c)
{
	double x = p->x + p->w - 130, y = p->y + 8 + 15 * (double)i;
	sc_buf_printf(&s->body, "<rect x=\"%.2f\" y=\"%.2f\" width=\"10\" height=\"10\"", x, y);
	color_attr(&s->body, "fill", c);
	sc_buf_puts(&s->body, "/>\n");
	text_at(&s->body, x + 14, y + 9, "start", 10, NULL, text);
}

void sc_svg_colorbar(sc_svg *s, const sc_svg_panel *p, double v0, double v1, const char *title)
{
	double x = p->x + p->w + 4, h = p->h / 20;
	for (int i = 0; i < 20; i++) {
		sc_buf_printf(&s->body, "<rect x=\"%.2f\" y=\"%.2f\" width=\"10\" height=\"%.2f\"", x,
			      p->y + p->h - (i + 1) * h, h + 0.2);
		color_attr(&s->body, "fill", sc_svg_viridis((i + 0.5) / 20));
		sc_buf_puts(&s->body, "/>\n");
	}
	char lab[32];
	snprintf(lab, sizeof lab, "%.3g", v1);
	text_at(&s->body, x, p->y - 4, "start", 9, NULL, lab);
	snprintf(lab, sizeof lab, "%.3g", v0);
	text_at(&s->body, x, p->y + p->h + 11, "start", 9, NULL, lab);
	if (title)
		text_at(&s->body, x, p->y - 16, "start", 10, NULL, title);
}

sc_svg_color sc_svg_category(size_t i)
{
	/* Ten colours that stay apart for the common forms of colour blindness. */
	static const sc_svg_color pal[10] = { 0x4477aa, 0xee6677, 0x228833, 0xccbb44, 0x66ccee,
					      0xaa3377, 0xbbbbbb, 0x000000, 0xee7733, 0x009988 };
	return pal[i % 10];
}

sc_svg_color sc_svg_viridis(double t)
{
	/* viridis sampled at nine points, interpolated linearly in RGB. */
	static const unsigned char k[9][3] = {
		{ 68, 1, 84 },	  { 71, 44, 122 },  { 59, 81, 139 },   { 44, 113, 142 }, { 33, 144, 141 },
		{ 39, 173, 129 }, { 92, 200, 99 }, { 170, 220, 50 }, { 253, 231, 37 },
	};
	if (isnan(t))
		return 0xbbbbbb;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	double pos = t * 8;
	int i = (int)floor(pos);
	if (i >= 8)
		i = 7;
	double f = pos - i;
	sc_svg_color c = 0;
	for (int j = 0; j < 3; j++) {
		double v = k[i][j] + f * (k[i + 1][j] - k[i][j]);
		c = (c << 8) | (sc_svg_color)lround(v);
	}
	return c;
}

const char *sc_svg_text_of(sc_svg *s, size_t *len)
{
	sc_buf *b = &s->whole;
	sc_buf_reset(b);
	sc_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		      "viewBox=\"0 0 %.0f %.0f\">\n", s->w, s->h, s->w, s->h);
	sc_buf_puts(b, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
	if (s->title) {
		sc_buf_puts(b, "<title>");
		sc_buf_html(b, s->title);
		sc_buf_puts(b, "</title>\n");
		text_at(b, s->w / 2, 20, "middle", 14, NULL, s->title);
	}
	sc_buf_add(b, s->body.s, s->body.len);
	sc_buf_puts(b, "</svg>\n");
	if (len)
		*len = b->len;
	return b->s;
}

int sc_svg_write(sc_svg *s, const char *path, sc_err *err)
{
	size_t n;
	const char *text = sc_svg_text_of(s, &n);
	return sc_write_file_atomic(path, text, n, 0644, err);
}
