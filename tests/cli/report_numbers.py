"""Every number a report page shows against the catalog (stdlib + numpy).

usage: report_numbers.py CATALOG.db RUN SCEVAL PAGE.html...

Reads the metric values of RUN straight from the catalog (SQLite), and from
each page every number it shows: the leaderboard's cells (mean over seeds,
full precision in data-v, 4 significant digits as text; n = seeds), the
charts' printed means, and the scIB tables (raw: the means; scaled: each
column min-max scaled across methods, then scib's aggregation: bio and batch
the nan-mean of their scaled columns, overall 0.6 bio + 0.4 batch), and the
per-label tables against the labels.csv each evaluation step wrote (found
with `SCEVAL show --json RUN`, read with `SCEVAL cat`): a label's value is
the mean over seeds. Prints one "bad ..." line per difference and a last
line "checked N bad B leaderboard L charts C scib S labels P".
"""
import csv
import html.parser
import io
import json
import math
import sqlite3
import subprocess
import sys

import numpy as np


def fmt4(v):
    """4 significant digits as the report's tables print them."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "\u2014"
    if v == 0:
        return "0"
    a = abs(v)
    if 1e-3 <= a < 1e4:
        dec = 3 - math.floor(math.log10(a))
        if dec > 0 and round(a * 10 ** dec) >= 1e4:
            dec -= 1
        return "%.*f" % (max(dec, 0), v)
    return "%.3e" % v


class Page(html.parser.HTMLParser):
    """Tables (id -> header rows, body rows of [text, data-v]) and chart values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.charts = {}, []
        self.t = self.row = self.cell = None
        self.in_head = False
        self.method = None
        self.h4 = None
        self.in_h4 = False
        self.chart = self.title = self.vtext = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id"):
            self.t = {"class": a.get("class"), "head": [], "body": [], "h4": self.h4}
            self.tables[a["id"]] = self.t
        elif tag == "thead":
            self.in_head = True
        elif tag == "h4":
            self.h4, self.in_h4 = "", True
        elif self.t is not None and tag == "tr":
            self.row = []
        elif self.t is not None and tag in ("td", "th") and self.row is not None:
            self.cell = ["", a.get("data-v"), int(a.get("colspan", 1)), a.get("class") or ""]
        elif tag == "svg" and "chart" in (a.get("class") or ""):
            self.chart = a.get("aria-label", "").rsplit(" by method", 1)[0]
        elif self.chart is not None and tag == "title":
            self.title = ""
        elif self.chart is not None and tag == "text" and a.get("class") == "v":
            self.vtext = [self.method, a.get("data-v"), ""]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            (self.t["head"] if self.in_head else self.t["body"]).append(self.row)
            self.row = None
        elif tag == "thead":
            self.in_head = False
        elif tag == "h4":
            self.in_h4 = False
        elif tag == "table":
            self.t = None
        elif tag == "title" and self.title is not None:
            self.method = self.title.rsplit(": ", 1)[0]
            self.title = None
        elif tag == "text" and self.vtext is not None:
            self.charts.append([self.chart] + self.vtext)
            self.vtext = None
        elif tag == "svg":
            self.chart = None

    def handle_data(self, data):
        if self.h4 is not None and self.in_h4:
            self.h4 += data
        if self.cell is not None:
            self.cell[0] += data
        if self.title is not None:
            self.title += data
        if self.vtext is not None:
            self.vtext[2] += data


def main():
    db, run, sceval, pages = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    con = sqlite3.connect(db)
    vals, group, seeds = {}, {}, {}
    for task, method, seed, name, value, grp in con.execute(
            """SELECT rs.task, rs.method, rs.seed, m.name, m.value, m.metric_group
               FROM run_steps rs JOIN step_metrics m ON m.step = rs.step
               WHERE rs.run = ?""", (run,)):
        vals.setdefault((task, method, name), []).append(np.nan if value is None else value)
        group[name] = grp
        seeds.setdefault((task, method), set()).add(seed)

    def mean(task, method, name):
        x = np.array(vals.get((task, method, name), [np.nan]), dtype=float)
        x = x[np.isfinite(x)]
        return x.mean() if len(x) else np.nan

    # Per-label values: task, method, label, column -> [value per seed]; cells.
    shown = json.loads(subprocess.run([sceval, "show", "--json", str(run)], check=True,
                                      capture_output=True).stdout)
    per_label, cells = {}, {}
    for st in shown["step_list"]:
        h = st.get("outputs", {}).get("labels.csv")
        if not h:
            continue
        text = subprocess.run([sceval, "cat", h.split(":")[-1]], check=True,
                              capture_output=True).stdout.decode()
        for r in csv.DictReader(io.StringIO(text)):
            cells[(st["task"], r["label"])] = r["cells"]
            for col, v in r.items():
                if col not in ("label", "cells"):
                    per_label.setdefault((st["task"], st["method"], r["label"], col), []).append(
                        float(v) if v not in ("", "nan") else np.nan)

    bad = checked = n_lb = n_ch = n_sc = n_lab = 0

    def same(where, shown, want):
        """shown: [text, data-v]; want: a float (NaN: shown as a dash)."""
        nonlocal bad, checked
        checked += 1
        text, dv = shown[0].strip(), shown[1]
        if not np.isfinite(want):
            if dv is not None or not text.startswith("\u2014"):
                bad += 1
                print("bad", where, "shown", repr(text), dv, "want no value")
            return
        # the mean of a few seeds: numpy may sum in another order (1 ulp)
        if dv is None or abs(float(dv) - want) > 4e-16 * max(1, abs(want)) or \
                not text.startswith(fmt4(want)):
            bad += 1
            print("bad", where, "shown", repr(text), dv, "want", repr(want), fmt4(want))

    for path in pages:
        p = Page()
        p.feed(open(path, encoding="utf-8").read())
        task = path.rsplit("/", 1)[-1][:-5]
        for tid, t in p.tables.items():
            if t["class"] == "leaderboard":
                head = [c[0].replace("\u00a0", " ").rstrip(" \u2191\u2193") for c in t["head"][0]]
                for row in t["body"]:
                    m = row[1][0].strip()
                    checked += 1
                    if row[2][0].strip() != str(len(seeds[(task, m)])):
                        bad += 1
                        print("bad", task, m, "n", row[2][0], "want", len(seeds[(task, m)]))
                    for j in range(3, len(row)):
                        same((task, tid, m, head[j]), row[j], mean(task, m, head[j]))
                        n_lb += 1
            elif t["class"] == "scib":
                names = [c[0] for c in t["head"][1]]
                meths = [row[0][0].strip() for row in t["body"]]
                metric_cols = [n for n in names if n not in ("bio", "batch", "overall")]
                raw = np.array([[mean(task, m, n) for n in metric_cols] for m in meths])
                import warnings
                warnings.simplefilter("ignore")
                eps = np.finfo(float).eps
                if tid.endswith("-scaled"):
                    lo, hi = np.nanmin(raw, axis=0), np.nanmax(raw, axis=0)
                    rng = np.where(hi - lo == 0, 1, hi - lo)
                    tab = (raw - lo) / rng
                    # v / range - lo / range against (v - lo) / range: a few
                    # roundings of v / range each, large when range is small
                    tol = 8 * eps * (1 + np.nanmax(np.abs(raw) / rng, axis=1))
                else:
                    tab = raw
                    tol = 8 * eps * (1 + np.nanmax(np.abs(raw), axis=1))
                with np.errstate(all="ignore"):
                    bio = np.nanmean(np.where([group[n] == "bio" for n in metric_cols], tab, np.nan), axis=1)
                    bat = np.nanmean(np.where([group[n] == "batch" for n in metric_cols], tab, np.nan), axis=1)
                agg = {"bio": bio, "batch": bat, "overall": 0.4 * bat + 0.6 * bio}
                for i, row in enumerate(t["body"]):
                    for j, n in enumerate(names):
                        want = agg[n][i] if n in agg else tab[i, metric_cols.index(n)]
                        shown = [row[1 + j][0].replace("\u00a0", " "), row[1 + j][1]]
                        if n in agg or tid.endswith("-scaled"):
                            checked += 1
                            dv = shown[1]
                            ok = (not np.isfinite(want) and dv is None) or \
                                 (dv is not None and abs(float(dv) - want) <= tol[i])
                            if ok and dv is not None and not shown[0].strip().startswith(fmt4(float(dv))):
                                ok = False
                            if not ok:
                                bad += 1
                                print("bad", task, tid, meths[i], n, dv, "want", want)
                        else:
                            same((task, tid, meths[i], n), shown, want)
                        n_sc += 1
        for tid, t in p.tables.items():
            if t["class"] != "heat" or not tid.startswith("lab"):
                continue
            col = t["h4"].strip()
            meths = [c[0].strip() for c in t["head"][0][2:]]
            for row in t["body"]:
                lab = row[0][0]
                checked += 1
                if row[1][0].strip() != cells.get((task, lab)):
                    bad += 1
                    print("bad", task, tid, lab, "cells", row[1][0], "want", cells.get((task, lab)))
                for j, m in enumerate(meths):
                    x = np.array(per_label.get((task, m, lab, col), [np.nan]))
                    x = x[np.isfinite(x)]
                    want = x.mean() if len(x) else np.nan
                    checked += 1
                    n_lab += 1
                    if row[2 + j][0].strip() != fmt4(want):
                        bad += 1
                        print("bad", task, tid, lab, m, col, "shown", row[2 + j][0], "want", fmt4(want))
        for metric, m, dv, text in p.charts:
            same((task, "chart", m, metric), [text, dv], mean(task, m, metric))
            n_ch += 1
    print("checked", checked, "bad", bad, "leaderboard", n_lb, "charts", n_ch, "scib", n_sc,
          "labels", n_lab)


main()
