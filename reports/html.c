/*
 * html.c - shared page scaffolding for reports and diffs. The style sheet
 * is inline and small; pages read on a phone (tables scroll sideways in
 * their own box) and print (no dark backgrounds, page breaks between
 * sections).
 */
#include "html.h"

#include <math.h>

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
	"@media print{.scroll{overflow:visible}h2{break-before:auto}details{display:block}"
	"a{color:var(--fg)}}"
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

void sc_html_num(sc_buf *b, double v, int digits)
{
	if (isnan(v))
		sc_buf_puts(b, "&mdash;");
	else
		sc_buf_printf(b, "%.*g", digits, v);
}
