/*
 * test_io_svg.c - the SVG plots of io/svg.c: data-to-pixel mapping, the
 * escaping of every text, box-plot statistics (numpy's default percentile,
 * computed by hand below), the palette's ends (matplotlib's viridis at 0
 * and 1), same bytes for the same data, and a well-formed document (parsed
 * by Debian's python3 xml.etree when it is there).
 */
#include "io/svg.h"
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *draw(void)
{
	sc_svg *s = sc_svg_new(400, 300, "t <script>alert(1)</script> & \"q\"");
	sc_svg_panel p = sc_svg_panel_at(s, 0, 0, 400, 300);
	sc_svg_axes(s, &p, 0, 10, 0, 200, "x </text>", "y");
	double v[5] = { 1, 2, 3, 4, 100 };
	sc_svg_box(s, &p, 5, 0.5, v, 5, sc_svg_category(0));
	double x[3] = { 0, NAN, 10 }, y[3] = { 0, 1, 200 };
	sc_svg_polyline(s, &p, x, y, 3, 0x112233, 1);
	char *labels[2] = { "<b>", "=HYPERLINK(\"x\")" };
	sc_svg_xcategories(s, &p, labels, 2);
	sc_svg_legend(s, &p, 0, "a&b", 0xff0000);
	sc_svg_colorbar(s, &p, 0, 1, "score");
	char *out = strdup(sc_svg_text_of(s, NULL));
	sc_svg_free(s);
	return out;
}

int main(void)
{
	sc_svg *s = sc_svg_new(400, 300, NULL);
	sc_svg_panel p = sc_svg_panel_at(s, 0, 0, 400, 300);
	sc_svg_axes(s, &p, 0, 10, -1, 1, NULL, NULL);
	OK(fabs(sc_svg_px(&p, 0) - p.x) < 1e-12 && fabs(sc_svg_px(&p, 10) - (p.x + p.w)) < 1e-12,
	   "x axis maps [0, 10] onto the panel's width");
	OK(fabs(sc_svg_py(&p, -1) - (p.y + p.h)) < 1e-12 && fabs(sc_svg_py(&p, 1) - p.y) < 1e-12,
	   "y axis maps [-1, 1] bottom to top");
	sc_svg_panel q = sc_svg_panel_at(s, 0, 0, 400, 300);
	sc_svg_axes(s, &q, 3, 3, NAN, 2, NULL, NULL);
	OK(q.x1 > q.x0 && q.y1 > q.y0 && isfinite(q.y0), "empty and non-finite ranges are widened");
	sc_svg_free(s);

	OK(sc_svg_viridis(0) == 0x440154 && sc_svg_viridis(1) == 0xfde725,
	   "viridis ends are matplotlib's #440154 and #fde725");
	OK(sc_svg_viridis(NAN) == 0xbbbbbb && sc_svg_viridis(-3) == 0x440154,
	   "viridis: NaN grey, clamped below 0");

	char *a = draw(), *b = draw();
	OK(!strcmp(a, b), "same data, same bytes");
	OK(!strstr(a, "<script>") && strstr(a, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;"),
	   "title escaped");
	OK(!strstr(a, "x </text>") && strstr(a, "x &lt;/text&gt;"), "axis label escaped");
	OK(strstr(a, "&lt;b&gt;") && strstr(a, "a&amp;b"), "category and legend text escaped");
	/* Box of {1, 2, 3, 4, 100}: numpy percentiles 25/50/75 are 2, 3, 4;
	 * IQR 2, upper fence 7: whisker to 4, 100 drawn as a point. */
	s = sc_svg_new(400, 300, NULL);
	p = sc_svg_panel_at(s, 0, 0, 400, 300);
	sc_svg_axes(s, &p, 0, 10, 0, 200, NULL, NULL);
	char want[128];
	snprintf(want, sizeof want, "<circle cx=\"%.2f\" cy=\"%.2f\"", sc_svg_px(&p, 5),
		 sc_svg_py(&p, 100));
	OK(strstr(a, want) != NULL, "the outlier 100 is drawn as a point");
	snprintf(want, sizeof want, "y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke-width=\"2.00\"",
		 sc_svg_py(&p, 3), sc_svg_px(&p, 5.5), sc_svg_py(&p, 3));
	OK(strstr(a, want) != NULL, "median line at 3");
	snprintf(want, sizeof want, "height=\"%.2f\" fill-opacity", sc_svg_py(&p, 2) - sc_svg_py(&p, 4));
	OK(strstr(a, want) != NULL, "box from q1 = 2 to q3 = 4");
	OK(strstr(a, "<polyline") && strstr(a, "\"/>\n<polyline"), "a NaN breaks the polyline in two");
	sc_svg_free(s);

	char path[] = "/tmp/test_io_svg_XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	s = sc_svg_new(400, 300, "t <script>alert(1)</script> & \"q\"");
	sc_err err = { 0 };
	OK(sc_svg_write(s, path, &err) == 0, "written atomically");
	sc_svg_free(s);
	if (access("/usr/bin/python3", X_OK) == 0) {
		char cmd[512];
		free(a);
		a = draw();
		FILE *f = fopen(path, "w");
		fputs(a, f);
		fclose(f);
		snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; "
			 "r = E.parse(sys.argv[1]).getroot(); sys.exit(0 if r.tag.endswith(\"svg\") else 1)' %s",
			 path);
		OK(system(cmd) == 0, "the document parses as XML with an svg root");
	} else
		SKIP("no /usr/bin/python3: XML well-formedness not checked");
	unlink(path);
	free(a), free(b);
	return unit_done();
}
