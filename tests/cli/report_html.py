"""Structural check of a folder of sceval report pages (stdlib only).

usage: report_html.py DIR

For every *.html in DIR: well-formed (every non-void element closed, in
order, nothing closed that is not open), every id unique, every internal
link resolving (href="#x" on the page, href="page.html#x" in DIR, a plain
file name present in DIR), no external reference (no scheme, no "//"), no
script element, no on* attribute, the Content-Security-Policy meta present.
Prints one "problem: ..." line per finding, then a JSON summary on the last
line: {"problems": N, "pages": {name: {"leaderboards": {id: rows},
"text": [text nodes], "tables": {id: {"class", "head": [[text]],
"body": [[[text, data-v]]]}}}}}.
"""
import html.parser
import json
import os
import re
import sys

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class Page(html.parser.HTMLParser):
    def __init__(self, name):
        super().__init__(convert_charrefs=True)
        self.name = name
        self.stack = []
        self.ids = {}
        self.links = []
        self.problems = []
        self.csp = False
        self.text = []
        self.tables = {}      # id of table.leaderboard -> rows in tbody
        self.cur_table = None
        self.in_tbody = False
        self.grids = {}       # table id -> {"class", "head": [[text]], "body": [[[text, data-v]]]}
        self.grid = None
        self.cell = None

    def problem(self, msg):
        self.problems.append("%s:%d: %s" % (self.name, self.getpos()[0], msg))

    def handle_starttag(self, tag, attrs):
        self._attrs(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._attrs(tag, attrs)

    def _attrs(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.problem("script element")
        for k, v in attrs:
            if k.startswith("on"):
                self.problem("event handler attribute %s" % k)
            if k == "id":
                if v in self.ids:
                    self.problem("duplicate id %r" % v)
                self.ids[v] = True
            if k in ("href", "src", "action", "xlink:href", "srcset", "poster"):
                self.links.append((k, v or "", self.getpos()[0]))
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = "default-src 'none'" in (a.get("content") or "")
        if tag == "table" and a.get("id"):
            self.grid = {"class": a.get("class") or "", "head": [], "body": [],
                         "task": a.get("data-task"), "dataset": a.get("data-dataset")}
            self.grids[a["id"]] = self.grid
        if self.grid is not None and tag == "tr":
            (self.grid["body"] if self.in_tbody else self.grid["head"]).append([])
        if self.grid is not None and tag in ("td", "th"):
            self.cell = [[], a.get("data-v")]
        if tag == "table":
            cls = (a.get("class") or "").split()
            self.cur_table = a.get("id") if "leaderboard" in cls else None
            if self.cur_table:
                self.tables[self.cur_table] = 0
        if tag == "tbody":
            self.in_tbody = True
        if tag == "tr" and self.in_tbody and self.cur_table:
            self.tables[self.cur_table] += 1

    def handle_endtag(self, tag):
        if tag in VOID:
            self.problem("end tag of void element %s" % tag)
            return
        if not self.stack:
            self.problem("</%s> closes nothing" % tag)
            return
        if self.stack[-1] != tag:
            self.problem("</%s> closes <%s>" % (tag, self.stack[-1]))
            # resynchronise on the nearest matching open tag
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag in ("td", "th") and self.cell is not None and self.grid is not None:
            rows = self.grid["body"] if self.in_tbody else self.grid["head"]
            if rows:
                rows[-1].append(["".join(self.cell[0]).strip(), self.cell[1]]
                                if self.in_tbody else "".join(self.cell[0]).strip())
            self.cell = None
        if tag == "table":
            self.grid = None
        if tag == "tbody":
            self.in_tbody = False
        if tag == "table":
            self.cur_table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[0].append(data)
        if data.strip():
            self.text.append(data)


def main():
    d = sys.argv[1]
    pages = {}
    for f in sorted(os.listdir(d)):
        if not f.endswith(".html"):
            continue
        p = Page(f)
        with open(os.path.join(d, f), encoding="utf-8") as fh:
            p.feed(fh.read())
        p.close()
        if p.stack:
            p.problem("unclosed at end: %s" % " ".join(p.stack))
        if not p.csp:
            p.problem("no Content-Security-Policy meta with default-src 'none'")
        pages[f] = p
    problems = []
    for f, p in pages.items():
        problems += p.problems
        for k, v, line in p.links:
            where = "%s:%d: %s=%r" % (f, line, k, v)
            # The one resource a page holds: a figure embedded whole as an
            # SVG image (reports/report_figures.c), which runs no script.
            if k == "src" and v.startswith("data:image/svg+xml;base64,"):
                continue
            if k != "href":
                problems.append(where + ": a resource reference")
                continue
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", v) or v.startswith("//"):
                problems.append(where + ": external link")
                continue
            target, _, frag = v.partition("#")
            if target:
                if "/" in target or not os.path.exists(os.path.join(d, target)):
                    problems.append(where + ": no such file")
                    continue
            if frag:
                tp = pages.get(target or f)
                if tp is None or frag not in tp.ids:
                    problems.append(where + ": no such id")
    for line in problems:
        print("problem: " + line)
    print(json.dumps({"problems": len(problems),
                      "pages": {f: {"leaderboards": p.tables, "text": p.text,
                                    "tables": p.grids}
                                for f, p in pages.items()}}))


main()
