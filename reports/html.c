/*
 * html.c - shared page scaffolding for reports and diffs. The style sheet
 * is inline and small; pages read on a phone (tables scroll sideways in
 * their own box) and print (no dark backgrounds, page breaks between
 * sections).
 */
#include "html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char css[] =
	":root{--fg:#1d1d1f;--muted:#6b6b70;--line:#d8d8de;--bg:#fff;--good:#137333;"
	"--bad:#b3261e;--accent:#1a5fb4;--best:#e8f1fb}"
	"*{box-sizing:border-box}"
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);"
	"background:var(--bg);margin:0 auto;max-width:1200px;padding:16px}"
	"h1{font-size:1.5em;margin:.2em 0 .6em}h2{font-size:1.2em;margin:1.6em 0 .5em;"
	"border-bottom:1px solid var(--line);padding-bottom:.2em}h3{font-size:1.05em;margin:1.2em 0 .4em}"
	"a{color:var(--accent)}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;"
	"font-size:.9em;word-break:break-all}"
	".scroll{overflow-x:auto;max-width:100%;margin:.4em 0 1em}"
	"table{border-collapse:collapse;font-size:.92em}"
	"th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}"
	"th{background:#f4f4f7;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;"
	"white-space:nowrap}td.best{background:var(--best);font-weight:600}"
	".muted{color:var(--muted)}.bad{color:var(--bad)}.good{color:var(--good)}"
	".dirty{color:var(--bad);font-weight:600}"
	".tag{display:inline-block;border:1px solid var(--line);border-radius:3px;padding:0 4px;"
	"font-size:.85em}"
	"nav a{margin-right:1em}"
	"details{margin:.3em 0}summary{cursor:pointer}"
	".bar{display:inline-block;height:.8em;background:var(--accent);vertical-align:middle}"
	"svg text{font:11px system-ui,sans-serif;fill:var(--fg)}"
	"p,h1,h2,h3,h4,nav,summary,figcaption,li{overflow-wrap:break-word}"
	"nav{display:flex;flex-wrap:wrap;gap:.2em 1em;margin-bottom:.4em}nav a{margin-right:0}"
	"h4{font-size:1em;margin:1em 0 .3em}section{margin-bottom:2em}"
	"footer{margin-top:2em;border-top:1px solid var(--line);padding-top:.5em}"
	".sd{color:var(--muted);font-size:.88em}td.vals{font-size:.85em}"
	".kv th{white-space:nowrap;background:#f8f8fa}"
	".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:8px 18px}"
	"figure{margin:0}figcaption{font-weight:600;font-size:.9em}"
	"svg.chart{width:100%;height:auto;display:block}svg.chart rect.b{fill:#9db6d8}"
	"svg.chart rect.best{fill:var(--accent)}svg.chart line.w{stroke:#222;stroke-width:1.2}"
	"svg.chart circle{fill:#222;fill-opacity:.55}svg.chart line.ax{stroke:#999}"
	"svg.chart line.g{stroke:#e4e4ea}svg.chart path.brk{fill:none;stroke:var(--bad);stroke-width:1.5}"
	"svg.chart text.brk{fill:var(--bad)}svg.chart text.v{font-variant-numeric:tabular-nums}"
	"svg .na{fill:var(--muted)}"
	"td.sbar{white-space:nowrap}.track{display:inline-block;width:3.2em;height:.8em;"
	"background:#ececf0;vertical-align:middle;margin-right:5px}.sb{display:block;height:100%}"
	".c1{background:#27784a}.c2{background:#2654a6}.c3{background:#6a3d9a}"
	"th.g1{background:#e3efe6}th.g2{background:#e4eaf5}th.g3{background:#ece6f3}"
	".figs{display:flex;flex-wrap:wrap;gap:1em}.fig{margin:0;max-width:100%}"
	".fig img{max-width:100%;height:auto;border:1px solid var(--line,#ddd)}"
	".fig figcaption{font-size:.85em;color:var(--muted)}"
	"td.diag{font-weight:700}.heat td .muted{color:inherit;opacity:.7}"
	"table.heat td,.track,.sb,td.best,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
	"@media print{.scroll{overflow:visible}h2{break-before:auto}details{display:block}"
	"a{color:var(--fg)}nav{display:none}}"
	"@media (max-width:600px){body{padding:8px;font-size:14px}}";

void sc_html_begin(sc_buf *b, const char *title)
{
	sc_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		       "style-src 'unsafe-inline'; img-src data:\">\n<title>");
	sc_html_text(b, title);
	sc_buf_puts(b, "</title>\n<style>");
	sc_buf_puts(b, css);
	sc_buf_puts(b, "</style>\n</head>\n<body>\n");
}

void sc_html_end(sc_buf *b)
{
	sc_buf_puts(b, "</body>\n</html>\n");
}

void sc_html_text(sc_buf *b, const char *s)
{
	sc_buf_html(b, s ? s : "");
}

void sc_html_text_n(sc_buf *b, const char *s, size_t n)
{
	s = s ? s : "";
	size_t len = strnlen(s, n);
	char *head = sc_xmalloc(len + 1);
	memcpy(head, s, len);
	head[len] = 0;
	sc_buf_html(b, head);
	free(head);
}

void sc_html_num(sc_buf *b, double v, int digits)
{
	if (isnan(v))
		sc_buf_puts(b, "&mdash;");
	else
		sc_buf_printf(b, "%.*g", digits, v);
}
