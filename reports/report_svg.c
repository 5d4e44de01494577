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

void sc_report_svg_bars(sc_buf *b, const sc_report_table *t, size_t k)
{
	const double W = 320, LW = 112, X0 = 116, X1 = 308, ROW = 16, TOP = 4;
	double lo = 0, hi = 0;
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
	/* Scores in [0, 1] keep the full [0, 1] axis, so charts compare. */
	if (lo >= 0 && hi <= 1)
		hi = 1;
	if (hi <= lo)
		hi = lo + 1;
	double H = TOP + ROW * (double)t->nm + 18;
#define SX(v) (X0 + ((v)-lo) / (hi - lo) * (X1 - X0))
	sc_buf_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", W,
		      H);
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
	double zero = SX(lo < 0 && hi > 0 ? 0 : lo);
	for (size_t i = 0; i < t->nm; i++) {
		const sc_report_method *m = &t->m[i];
		double y = TOP + ROW * (double)i;
		sc_buf_puts(b, "<g><title>");
		sc_html_text(b, m->name);
		sc_buf_puts(b, ": ");
		if (m->n[k]) {
			char s[64];
			snprintf(s, sizeof(s), "%.6g", m->mean[k]);
			sc_buf_puts(b, s);
			if (isfinite(m->sd[k]))
				sc_buf_printf(b, " &plusmn; %.3g", m->sd[k]);
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
				      (long)i == best_i ? "best" : "b", fmin(x, zero), y + 3,
				      fmax(fabs(x - zero), 0.8));
			if (isfinite(m->sd[k]))
				sc_buf_printf(b, "<line class=\"w\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
					      SX(m->mean[k] - m->sd[k]), SX(m->mean[k] + m->sd[k]), y + 8,
					      y + 8);
			for (size_t u = 0; u < m->nu; u++)
				if (isfinite(m->u[u].v[k]))
					sc_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\"/>",
						      SX(m->u[u].v[k]), y + 8);
		} else {
			sc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"na\">no value</text>", X0 + 2,
				      y + 11);
		}
		sc_buf_puts(b, "</g>");
	}
	double ya = TOP + ROW * (double)t->nm + 2;
	sc_buf_printf(b, "<line class=\"ax\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", X0, X1,
		      ya, ya);
	sc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">%.3g</text>", X0, ya + 12, lo);
	sc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>", X1, ya + 12, hi);
	if (!any)
		sc_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"na\">no "
				 "finite value</text>",
			      (X0 + X1) / 2, ya + 12);
	sc_buf_puts(b, "</svg>");
#undef SX
}
