"""Check the imputation task's imputation.compare steps of a run.

Usage: imputation_compare.py SHOW_JSON SCEVAL EVAL_KIND

For each compare step: its tidy table (gene_scores_by_method.tsv) holds, per
method, exactly the rows of that method's own evaluation (EVAL_KIND, same
seed) gene_scores.tsv; its figures are one box plot per score column and one
score-against-sparsity plot per score column (p-values and sparsity columns
are not scores), and each figure names every method. Prints problems, then
"checked N bad M".
"""
import io
import json
import subprocess
import sys

import numpy as np

show, sceval, eval_kind = sys.argv[1:4]
d = json.load(open(show))
bad = checked = 0


def cat(oid):
    return subprocess.run([sceval, "cat", oid], check=True, capture_output=True).stdout.decode()


def table(text):
    lines = text.rstrip("\n").split("\n")
    head = lines[0].split("\t")
    rows = [l.split("\t") for l in lines[1:]]
    return head, rows


compares = [s for s in d["step_list"] if s["kind"] == "imputation.compare"]
for cs in compares:
    methods = cs["params"]["methods"]
    head, rows = table(cat(cs["outputs"]["gene_scores_by_method.tsv"]))
    for m in methods:
        ev = [s for s in d["step_list"] if s["kind"] == eval_kind and s["method"] == m and s["seed"] == cs["seed"]]
        if len(ev) != 1:
            bad += 1
            print("no single evaluation of", m, "seed", cs["seed"])
            continue
        h, r = table(cat(ev[0]["outputs"]["gene_scores.tsv"]))
        mine = [[x[0]] + x[2:] for x in rows if x[1] == m]
        checked += 1
        if h[0] != head[0] or h[1:] != head[2:] or len(mine) != len(r):
            bad += 1
            print(m, "columns or row count differ", h, head, len(mine), len(r))
            continue
        a = np.array([[float(v) for v in x[1:]] for x in mine])
        b = np.array([[float(v) for v in x[1:]] for x in r])
        if [x[0] for x in mine] != [x[0] for x in r] or not np.array_equal(a, b, equal_nan=True):
            bad += 1
            print(m, "values differ from its own gene_scores.tsv")
    scores = [c for c in head[2:] if not c.startswith("sparsity") and not c.endswith("_p")]
    want = sorted([f"{c}_by_method.svg" for c in scores] + [f"{c}_vs_sparsity_by_method.svg" for c in scores])
    got = sorted(k for k in cs["outputs"] if k.endswith(".svg"))
    checked += 1
    if got != want:
        bad += 1
        print("figures", got, "want", want)
    for f in got:
        svg = cat(cs["outputs"][f])
        checked += 1
        if not svg.lstrip().startswith("<svg") and "<svg" not in svg[:200]:
            bad += 1
            print(f, "is not an SVG")
        for m in methods:
            if f">{m}<" not in svg:
                bad += 1
                print(f, "does not name", m)
if not compares:
    bad += 1
    print("no imputation.compare step")
print("checked", checked, "bad", bad)
