/*
 * report_svg.c - the report's small graphics, drawn as inline SVG and
 * styled cells (no script, no image files, nothing fetched): a bar chart
 * per metric with the spread of the seeds, and the colour scale of heat
 * maps and scIB bars. Charts scale with their box (viewBox, width 100%),
 * so they fit a phone and print as vectors.
 */
#include "report_impl.h"
#include "reports/csv.h"
#include "reports/html.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sc_report_num(sc_buf *b, double v)
{
	if (!isfinite(v)) {
		sc_buf_puts(b, isnan(v) ? "&mdash;" : v > 0 ? "&infin;" : "&minus;&infin;");
		return;
	}
	double a = fabs(v);
	if (v == 0)
		sc_buf_puts(b, "0");
	else if (a >= 1e-3 && a < 1e4) {
		int dec = 3 - (int)floor(log10(a));
		if (dec > 0 && round(a * pow(10, dec)) >= 1e4)
			dec--; /* 0.99999 rounds up to 1.000, not 1.0000 */
		if (dec < 0)
			dec = 0;
		sc_buf_printf(b, "%.*f", dec, v);
	} else
		sc_buf_printf(b, "%.3e", v);
}

void sc_report_data_attrs(sc_buf *b, const sc_report_table *t)
{
	sc_buf_puts(b, " data-task=\"");
	sc_html_text(b, t->task);
	sc_buf_puts(b, "\" data-dataset=\"");
	sc_html_text(b, t->dataset);
	sc_buf_puts(b, "\"");
}

void sc_report_mean_cell(sc_buf *b, double mean, double sd, size_t n, int best)
{
	sc_buf_printf(b, "<td class=\"num%s\"", best ? " best" : "");
	if (n) {
		sc_buf_puts(b, " data-v=\"");
		sc_buf_num(b, mean);
		sc_buf_puts(b, "\">");
		sc_report_num(b, mean);
		if (isfinite(sd))
			sc_buf_printf(b, " <span class=\"sd\">&plusmn;&nbsp;%.2g</span>", sd);
	} else {
		sc_buf_puts(b, ">&mdash;");
	}
	sc_buf_puts(b, "</td>");
}

void sc_report_heat(sc_buf *b, double t, int hue)
{
	static const int rgb[4][3] = {
		{ 26, 95, 180 },  /* accent: heat maps */
		{ 39, 120, 68 },  /* bio conservation */
		{ 38, 84, 166 },  /* batch correction */
		{ 106, 61, 154 }, /* aggregate scores */
	};
	if (!isfinite(t))
		return;
	if (t < 0)
		t = 0;
	if (t > 1)
		t = 1;
	const int *c = rgb[hue & 3];
	int r = (int)lround(255 - t * (255 - c[0])), g = (int)lround(255 - t * (255 - c[1])),
	    bl = (int)lround(255 - t * (255 - c[2]));
	sc_buf_printf(b, " style=\"background:#%02x%02x%02x%s\"", r, g, bl, t > 0.55 ? ";color:#fff" : "");
}

/* Up to max bytes of s, cut at a UTF-8 character boundary, with an ellipsis. */
static void short_text(sc_buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max) {
		sc_html_text(b, s);
		return;
	}
	size_t k = max - 1;
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	char *t = sc_xstrndup(s, k);
	sc_html_text(b, t);
	free(t);
	sc_buf_puts(b, "&hellip;");
}

/* The mark of an axis that does not reach 0: a zigzag across the axis line
 * where it is cut, and a note under the chart saying where it starts. */
static void tick_label(sc_buf *b, double v, double step);

static void axis_break(sc_buf *b, double x, double ya, double from, double step, double H)
{
	sc_buf_printf(b, "<path class=\"brk\" d=\"M%.1f %.1fl3 -4l3 8l3 -4\"/>", x - 4.5, ya);
	sc_buf_printf(b, "<text class=\"brk\" x=\"%.1f\" y=\"%.1f\">axis %s at ", 116.0, H - 3,
		      from > 0 ? "starts" : "ends");
	tick_label(b, from, step);
	sc_buf_puts(b, ", not 0</text>");
}

/* The smallest step of 1, 2 or 5 times a power of ten that cuts span into
 * at most 4 (a chart is 180 px wide: 6 tick labels at most, padding
 * included). 1e-9: raw / mag may land a rounding above 2 or 5. */
static double nice_step(double span)
{
	double raw = span / 4, mag = pow(10, floor(log10(raw))), f = raw / mag;
	return (f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10) * mag;
}

void sc_report_axis(sc_report_axis_t *out, double lo, double hi)
{
	memset(out, 0, sizeof(*out));
	if (!(isfinite(lo) && isfinite(hi)) || hi < lo) {
		*out = (sc_report_axis_t){ 0, 1, 0.5, 1 };
		return;
	}
	/* Zero is kept when it at most doubles the axis: then bars from 0
	 * still show the differences. Otherwise the axis is the data's. */
	int with_zero = lo <= 0 ? hi >= 0 || -hi <= hi - lo : lo <= hi - lo;
	if (with_zero) {
		lo = fmin(lo, 0);
		hi = fmax(hi, 0);
	}
	if (lo == 0 && hi == 0)
		hi = 1; /* all zero: the unit axis */
	double span = hi - lo;
	if (span == 0)
		span = fabs(lo) / 10;
	double step = nice_step(span);
	/* 1e-9: 0.83 / 0.01 is 82.99999999999999, still on the tick 83. A
	 * step below 1 is 1 / an integer (0.01, 0.02, 0.05 -> 100, 50, 20):
	 * dividing by that prints 0.7, where 70 * 0.01 gives 0.7000000000000001. */
	double inv = step < 1 ? round(1 / step) : 0;
	double ka = floor(lo / step + 1e-9), kz = ceil(hi / step - 1e-9);
#define TICK(k) (inv ? (k) / inv : (k)*step)
	double a = TICK(ka), z = TICK(kz);
	/* A cut axis ends a step beyond the extreme value, so the shortest
	 * bar is seen to be a bar. */
	if (!with_zero && lo > 0 && a >= lo - step / 4)
		a = TICK(ka - 1);
	if (!with_zero && hi < 0 && z <= hi + step / 4)
		z = TICK(kz + 1);
	if (z == a)
		z = TICK(ka + 1);
#undef TICK
	*out = (sc_report_axis_t){ a, z, step, with_zero };
}

/* A tick label with the decimals the step needs ("0.75", "20"). */
static void tick_label(sc_buf *b, double v, double step)
{
	int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	if (fabs(v) < step / 1e6)
		v = 0; /* no "-0.00" */
	if (fabs(v) >= 1e5 || (v != 0 && fabs(v) < 1e-4))
		sc_buf_printf(b, "%.2e", v);
	else
		sc_buf_printf(b, "%.*f", dec > 12 ? 12 : dec, v);
}

/* The mean as the tables print it, with the sd as sc_report_mean_cell does. */
static void mean_text(sc_buf *b, const sc_report_method *m, size_t k)
{
	sc_report_num(b, m->mean[k]);
	if (isfinite(m->sd[k]))
		sc_buf_printf(b, " &plusmn; %.2g", m->sd[k]);
}

void sc_report_svg_bars(sc_buf *b, const sc_report_table *t, size_t k)
{
	const double W = 360, LW = 112, X0 = 116, X1 = 292, XV = 356, ROW = 16, TOP = 4;
	double lo = INFINITY, hi = -INFINITY;
	int any = 0;
	for (size_t i = 0; i < t->nm; i++) {
		const sc_report_method *m = &t->m[i];
		for (size_t u = 0; u < m->nu; u++) {
			double v = m->u[u].v[k];
			if (!isfinite(v))
				continue;
			lo = fmin(lo, v);
			hi = fmax(hi, v);
			any = 1;
		}
		if (isfinite(m->sd[k])) {
			lo = fmin(lo, m->mean[k] - m->sd[k]);
			hi = fmax(hi, m->mean[k] + m->sd[k]);
		}
	}
	sc_report_axis_t ax;
	sc_report_axis(&ax, any ? lo : 0, any ? hi : 1);
	lo = ax.lo;
	hi = ax.hi;
	int cut = !ax.from_zero;
	double H = TOP + ROW * (double)t->nm + (cut ? 32 : 18);
#define SX(v) (X0 + ((v)-lo) / (hi - lo) * (X1 - X0))
	sc_buf_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" data-axis-lo=\"", W, H);
	sc_buf_num(b, lo);
	sc_buf_printf(b, "\" data-axis-from-zero=\"%s\" role=\"img\" aria-label=\"", cut ? "no" : "yes");
	sc_html_text(b, t->metric[k]);
	sc_buf_puts(b, " by method\">");
	long best_i = -1;
	double bv = NAN;
	for (size_t i = 0; i < t->nm; i++) {
		double v = t->m[i].mean[k];
		if (isfinite(v) && (!isfinite(bv) || (t->hib[k] ? v > bv : v < bv))) {
			bv = v;
			best_i = (long)i;
		}
	}
	/* Bars grow from 0, or on a cut axis from its end nearest to 0. */
	double base = SX(lo <= 0 && hi >= 0 ? 0 : lo > 0 ? lo : hi);
	double ya = TOP + ROW * (double)t->nm + 2;
	long nt = lround((hi - lo) / ax.step);
	for (long i = 0; i <= nt; i++)
		sc_buf_printf(b, "<line class=\"g\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
			      SX(lo + (double)i * ax.step), SX(lo + (double)i * ax.step), TOP, ya + 3);
	for (size_t i = 0; i < t->nm; i++) {
		const sc_report_method *m = &t->m[i];
		double y = TOP + ROW * (double)i;
		sc_buf_puts(b, "<g><title>");
		sc_html_text(b, m->name);
		sc_buf_puts(b, ": ");
		if (m->n[k]) {
			mean_text(b, m, k);
			sc_buf_printf(b, " (%zu value%s)", m->n[k], m->n[k] == 1 ? "" : "s");
		} else {
			sc_buf_puts(b, "no value");
		}
		sc_buf_printf(b, "</title><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", LW, y + 11);
		short_text(b, m->name, 20);
		sc_buf_puts(b, "</text>");
		if (m->n[k]) {
			double x = SX(m->mean[k]);
			sc_buf_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\"/>",
				      (long)i == best_i ? "best" : "b", fmin(x, base), y + 3,
				      fmax(fabs(x - base), 0.8));
			if (isfinite(m->sd[k]))
				sc_buf_printf(b, "<line class=\"w\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
					      SX(m->mean[k] - m->sd[k]), SX(m->mean[k] + m->sd[k]), y + 8,
					      y + 8);
			for (size_t u = 0; u < m->nu; u++)
				if (isfinite(m->u[u].v[k]))
					sc_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\"/>",
						      SX(m->u[u].v[k]), y + 8);
			sc_buf_printf(b, "<text class=\"v\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" data-v=\"",
				      XV, y + 11);
			sc_buf_num(b, m->mean[k]);
			sc_buf_puts(b, "\">");
			sc_report_num(b, m->mean[k]);
			sc_buf_puts(b, "</text>");
		} else {
			sc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"na\">no value</text>", X0 + 2,
				      y + 11);
		}
		sc_buf_puts(b, "</g>");
	}
	sc_buf_printf(b, "<line class=\"ax\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", X0, X1,
		      ya, ya);
	for (long i = 0; i <= nt; i++) {
		double v = lo + (double)i * ax.step;
		sc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", SX(v), ya + 12);
		tick_label(b, v, ax.step);
		sc_buf_puts(b, "</text>");
	}
	if (cut)
		axis_break(b, lo > 0 ? X0 : X1, ya, lo > 0 ? lo : hi, ax.step, H);
	if (!any)
		sc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"na\">no "
				 "finite value</text>",
			      (X0 + X1) / 2, ya + 12);
	sc_buf_puts(b, "</svg>");
#undef SX
}
