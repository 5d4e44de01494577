"""Oracle for tests/cli/t0630-grn.sh: recompute the grn task's tables and
metrics of a recorded run from its own inputs, with scipy, statsmodels and
sklearn, and print one line per mismatch and a final count line.

Usage: grn_check.py SHOW_JSON SCEVAL TASK_NAME...
"""
import json
import subprocess
import sys
import tempfile
from collections import defaultdict

import anndata
import numpy as np
from scipy import stats
from sklearn import metrics as M
from statsmodels.stats.multitest import multipletests

run = json.load(open(sys.argv[1]))
sceval, tasks = sys.argv[2], sys.argv[3:]
metric = {(r["task"], r["method"], r["metric"]): r["value"] for r in run["metrics"]}
bad = checked = 0


def cat(h):
    return subprocess.run([sceval, "cat", h.replace("sha256:", "")], capture_output=True, check=True).stdout


def near(what, got, want, rel=1e-12, absolute=0.0):
    global bad, checked
    checked += 1
    if got is None and want is not None and np.isnan(want):
        return  # NaN is recorded as null
    if got is not None and want is not None and abs(got - want) <= absolute:
        return
    if got is None or want is None or not (abs(got - want) <= rel * max(abs(want), 1e-300) or got == want):
        bad += 1
        print("mismatch", what, got, want)


def read_gmt(text):
    sets = {}
    for line in text.decode().splitlines():
        f = line.split("\t")
        if len(f) > 2:
            sets[f[0]] = set(g for g in f[2:] if g)
    return sets


def read_sets(text, params):
    lines = text.decode().splitlines()
    head = lines[0].split("\t")
    if params["id_column"] in head and params["set_column"] in head:   # a table
        i, j = head.index(params["id_column"]), head.index(params["set_column"])
        sets = defaultdict(set)
        for l in lines[1:]:
            f = l.split("\t")
            sets[f[j]].add(f[i])
        return dict(sorted(sets.items()))
    return read_gmt(text)


def read_programs(text):
    rows = [l.split("\t") for l in text.decode().splitlines()[1:]]
    return [r[0] for r in rows], [int(r[2]) for r in rows], [int(r[3]) for r in rows]


steps = [s for s in run["step_list"] if s["task"] in tasks]
for st in steps:
    if st["kind"] != "grn.enrich":
        continue
    task = st["task"]
    genes, clusters, programs = read_programs(cat(st["inputs"]["programs"]))
    sets = read_sets(cat(st["inputs"]["genesets"]), st["params"])
    embedded = set(genes)
    bg = set().union(*sets.values()) & embedded
    members = defaultdict(set)
    for g, p in zip(genes, programs):
        if p >= 0 and g in bg:
            members[p].add(g)
    nprog = max(programs) + 1
    # Every (program, set) pair sharing a gene, in program then file order.
    want = []
    for p in range(nprog):
        for name, s in sets.items():
            s = s & embedded
            x = len(members[p] & s)
            if x:
                k, m, N = len(members[p]), len(s), len(bg)
                sf = stats.hypergeom.sf(x - 1, N, m, k)
                fe = stats.fisher_exact([[x, k - x], [m - x, N - m - k + x]], alternative="greater")[1]
                want.append((p, name, x, k, m, N, sf, fe, x / (k + m - x)))
    got = [l.split("\t") for l in cat(st["outputs"]["enrichment.tsv"]).decode().splitlines()[1:]]
    checked += 1
    if len(got) != len(want):
        bad += 1
        print("tests", st["method"], len(got), "want", len(want))
        continue
    q = multipletests([w[6] for w in want], method="fdr_bh")[1] if want else []
    for g, w, qq in zip(got, want, q):
        if (int(g[0]), g[1], int(g[2]), int(g[3]), int(g[4]), int(g[5])) != w[:6]:
            bad += 1
            print("row", g[:6], w[:6])
        near("p vs hypergeom.sf", float(g[7]), w[6])
        near("p vs fisher_exact", float(g[7]), w[7])
        near("log10 p", float(g[6]), np.log10(w[6]), 1e-12)
        near("BH vs statsmodels", float(g[8]), qq, 1e-14)
        near("jaccard", float(g[9]), w[8], 1e-15)
    # The metrics from the same table.
    best_q = defaultdict(lambda: 1.0)
    best_j = defaultdict(float)
    for w, qq in zip(want, q):
        best_q[w[0]] = min(best_q[w[0]], qq)
        best_j[w[0]] = max(best_j[w[0]], w[8])
    m = st["method"]
    if nprog:
        near("programs_enriched", metric[(task, m, "programs_enriched")],
             np.mean([best_q[p] < 0.05 for p in range(nprog)]))
        near("best_jaccard_median", metric[(task, m, "best_jaccard_median")],
             float(np.median([best_j[p] for p in range(nprog)])))
    near("sets_recovered", metric[(task, m, "sets_recovered")], len({w[1] for w, qq in zip(want, q) if qq < 0.05}))
    near("n_programs", metric[(task, m, "n_programs")], nprog)

for st in steps:
    if st["kind"] != "grn.edges":
        continue
    task = st["task"]
    with tempfile.NamedTemporaryFile(suffix=".h5ad") as f:
        f.write(cat(st["inputs"]["embedding"]))
        f.flush()
        a = anndata.read_h5ad(f.name)
    where = st["params"]["where"]
    if where.startswith("varm/"):   # a given embedding: genes with NaN rows are left out
        x = np.asarray(a.varm[where[5:]], dtype=float)
        keep = ~np.isnan(x).any(axis=1)
        x, names = x[keep], list(a.var_names[keep])
    else:
        x = np.asarray(a.obsm["X_gene_embedding"])
        names = list(a.obs_names)
    sets = read_sets(cat(st["inputs"]["genesets"]), st["params"])
    pos = {g: i for i, g in enumerate(names)}
    uni = sorted({pos[g] for s in sets.values() for g in s if g in pos})
    within = [{pos[g] for g in s if g in pos} for s in sets.values()]
    xn = x[uni] / np.linalg.norm(x[uni], axis=1)[:, None]
    cos = xn @ xn.T
    iu = np.triu_indices(len(uni), 1)
    truth = np.zeros((len(uni), len(uni)), bool)
    idx = {g: i for i, g in enumerate(uni)}
    for s in within:
        s = [idx[g] for g in s]
        truth[np.ix_(s, s)] = True
    y, sc = truth[iu].astype(int), cos[iu]
    m = st["method"]
    # cosines from another summation order: ranks equal unless two pairs
    # tie within 1e-15, which the tolerance of AUROC/AP absorbs
    near("edge_auroc", metric[(task, m, "edge_auroc")], M.roc_auc_score(y, sc), 1e-9)
    near("edge_auprc", metric[(task, m, "edge_auprc")], M.average_precision_score(y, sc), 1e-9)
    k = y.sum()
    order = np.lexsort((np.arange(len(sc)), -sc))
    near("edge_epr", metric[(task, m, "edge_epr")], (y[order[:k]].sum() / k) / (k / len(y)), 1e-9)

for st in steps:
    if st["kind"] != "grn.compare":
        continue
    task = st["task"]
    ga, ca, pa = read_programs(cat(st["inputs"]["programs_a"]))
    gb, cb, pb = read_programs(cat(st["inputs"]["programs_b"]))
    mb = {g: i for i, g in enumerate(gb)}
    common = [(i, mb[g]) for i, g in enumerate(ga) if g in mb]
    near("partition_ami", metric[(task, st["method"], "partition_ami")],
         M.adjusted_mutual_info_score([ca[i] for i, _ in common], [cb[j] for _, j in common]),
         # MI and E[MI] are each sums of up to 1e5 terms of size up to log n,
         # added in another order than sklearn's: their difference is exact
         # to about 1e-12 absolute, whatever the (near 0) AMI
         0, 1e-10)
    def progs(p, side):
        out = defaultdict(set)
        for i, j in common:
            v = p[i] if side == 0 else p[j]
            if v >= 0:
                out[v].add(i)
        return out
    A, B = progs(pa, 0), progs(pb, 1)
    best = [max([len(s & t) / len(s | t) for t in B.values()] + [0]) for s in A.values()]
    best += [max([len(s & t) / len(s | t) for t in A.values()] + [0]) for s in B.values()]
    near("program_jaccard", metric[(task, st["method"], "program_jaccard")],
         float(np.mean(best)) if best else float("nan"), 1e-12)

print("checked", checked, "bad", bad)
