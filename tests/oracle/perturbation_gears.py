"""An independent transcription of GEARS's evaluation for the perturbation
task's tests: the DE ranking (scipy's Welch t-test ranked by |t|, as
scanpy's rank_genes_groups with the t-test and rankby_abs), the non-dropout
genes (get_dropout_non_zero_genes), the split logic of DataSplitter's
simulation split replayed on sceval's recorded draws, and every metric of
gears/inference.py (compute_metrics, deeper_analysis, non_dropout_analysis)
plus PerturBench's rank and the Pearson delta against train_mean.
Written from the published definitions; it never calls sceval's numerics.

usage: perturbation_gears.py SHOW.json SCEVAL [TASK]
Prints one line per check and a final 'checked N bad M'.
"""
import json, subprocess, sys, os, tempfile
import numpy as np
import anndata as ad
from scipy import stats

show = json.load(open(sys.argv[1]))
sceval = sys.argv[2]
task = sys.argv[3] if len(sys.argv) > 3 else None
tmp = tempfile.mkdtemp()
bad = checked = 0


def fetch(oid, name):
    p = os.path.join(tmp, name)
    if not os.path.exists(p):
        subprocess.run([sceval, "cat", oid], stdout=open(p, "wb"), check=True)
    return p


def fail(*a):
    global bad
    bad += 1
    print("mismatch", *a)


def close(a, b, tol):
    if np.isnan(a) and np.isnan(b):
        return True
    return abs(a - b) <= tol * max(1.0, abs(b))


steps = [s for s in show["step_list"] if task is None or s["task"] == task]
prep = [s for s in steps if s["kind"] == "perturbation.prepare"][0]
de_step = [s for s in steps if s["kind"] == "perturbation.de"][0]
cells = ad.read_h5ad(fetch(prep["outputs"]["cells.h5ad"], "cells.h5ad"))
X = cells.X.toarray() if hasattr(cells.X, "toarray") else np.asarray(cells.X)
cond = cells.obs["condition"].astype(str).values
genes = list(cells.var_names)
conds = list(cells.obs["condition"].cat.categories)
means = {c: X[cond == c].mean(0) for c in conds}
ctrl = means["ctrl"]

# ---- DE: scipy's Welch t-test against the control, ranked by |t| ----
de_rows = {}
for line in open(fetch(de_step["outputs"]["de.tsv"], "de.tsv")).read().splitlines()[1:]:
    c, r, g, t, nd = line.split("\t")
    de_rows.setdefault(c, []).append((int(r), g, float(t), int(nd)))
top20, nd20 = {}, {}
eps = np.finfo(float).eps
for c in conds[1:]:
    a, b = X[cond == c], X[cond == "ctrl"]
    with np.errstate(all="ignore"):
        t = stats.ttest_ind(a, b, equal_var=False).statistic
    t = np.where(np.isnan(t), 0.0, t)
    order = np.argsort(-np.abs(t), kind="stable")
    rows = sorted(de_rows[c])
    got_t = np.array([x[2] for x in rows])
    got_order = [genes.index(x[1]) for x in rows]
    # sceval's variance is E[x^2] - E[x]^2 (scanpy's _get_mean_var), scipy's
    # two-pass; and sceval sums the cells in order, so each sum carries up to
    # n * eps of relative rounding: they differ by about n eps E[x^2] / var.
    va, vb = a.var(0, ddof=1), b.var(0, ddof=1)
    with np.errstate(all="ignore"):
        cond_num = 1 + np.nan_to_num((a.mean(0) ** 2) / va, posinf=0) + np.nan_to_num((b.mean(0) ** 2) / vb, posinf=0)
    tol = 4 * eps * (len(a) + len(b)) * cond_num
    checked += 1
    tt = t[got_order]
    okt = np.all((np.isinf(tt) & (tt == got_t)) | (np.abs(got_t - tt) <= tol[got_order] * np.maximum(1, np.abs(tt))))
    if not okt:
        w = np.argmax(np.abs(got_t - tt) / (tol[got_order] * np.maximum(1, np.abs(tt))))
        fail("t statistics", c, genes[got_order[w]], got_t[w], tt[w], tol[got_order][w])
    checked += 1
    # The ranking: the same genes in the same order, except where |t| ties
    # within that rounding.
    if got_order[:20] != list(order[:20]):
        at = np.abs(t)
        if not all(abs(at[i] - at[j]) <= 1e-9 * max(1, at[i]) for i, j in zip(got_order[:20], order[:20])):
            fail("top-20 ranking", c, got_order[:20], list(order[:20]))
    top20[c] = got_order[:20]
    # get_dropout_non_zero_genes: non-zero mean in the condition, or zero in
    # both the condition and the control.
    m = means[c]
    non_zero = np.where(m != 0)[0]
    true_zeros = np.intersect1d(np.where(m == 0)[0], np.where(ctrl == 0)[0])
    nd_set = set(np.concatenate((non_zero, true_zeros)).tolist())
    want_nd = [i for i in got_order if i in nd_set][:20]
    got_nd = [genes.index(x[1]) for x in sorted(rows, key=lambda x: x[3]) if x[3] >= 0]
    checked += 1
    if want_nd != got_nd:
        fail("non-dropout top 20", c)
    nd20[c] = got_nd
print("ok - DE ranking of %d conditions" % (len(conds) - 1))

# ---- the split: DataSplitter.get_simulation_split on the recorded draws ----
for sp in [s for s in steps if s["kind"] == "perturbation.split"]:
    split = {}
    for line in open(fetch(sp["outputs"]["split.tsv"], "split%s.tsv" % sp["key"][:8])).read().splitlines()[1:]:
        c, s_, g = line.split("\t")
        split[c] = (s_, g)
    par = sp["params"]["split"]
    if par["kind"] != "simulation":
        continue
    draws = [l.split("\t") for l in open(fetch(sp["outputs"]["draws.tsv"], "draws%s.tsv" % sp["key"][:8])).read().splitlines()[1:]]
    gene_order = [d[2] for d in draws if d[0] == "gene"]
    combo_order = [d[2] for d in draws if d[0] == "combo"]
    perts = [c for c in conds if c != "ctrl"]
    unique_genes = np.unique([g for p in perts for g in p.split("+") if g != "ctrl"])
    checked += 1
    if sorted(gene_order) != list(unique_genes):
        fail("gene draws are not a permutation of the genes")
    train_genes = gene_order[:int(len(unique_genes) * par["train_gene_set_size"])]
    singles = [p for p in perts if "ctrl" in p]
    combos = [p for p in perts if "ctrl" not in p]
    def with_genes(gs, lst):
        return [p for p in lst if any(g in p.split("+") for g in gs)]
    pert_train = with_genes(train_genes, singles)
    pert_combo = with_genes(train_genes, combos)
    seen1 = [x for x in pert_combo if len([t for t in x.split("+") if t in train_genes]) == 1]
    rest = np.setdiff1d(pert_combo, seen1)
    checked += 1
    if sorted(combo_order) != list(rest):
        fail("combination draws are not the two-seen combinations")
    combo_train = combo_order[:int(len(rest) * par["combo_seen2_train_frac"])]
    seen2 = np.setdiff1d(rest, combo_train).tolist()
    ood = np.setdiff1d(unique_genes, train_genes)
    unseen = with_genes(ood, singles)
    seen0 = [x for x in with_genes(ood, combos) if len([t for t in x.split("+") if t in train_genes]) == 0]
    want = {p: ("train", "train") for p in pert_train + list(combo_train)}
    want.update({p: ("test", "combo_seen1") for p in seen1})
    want.update({p: ("test", "combo_seen2") for p in seen2})
    want.update({p: ("test", "unseen_single") for p in unseen})
    want.update({p: ("test", "combo_seen0") for p in seen0})
    want["ctrl"] = ("train", "train")
    checked += 1
    if want != split:
        fail("simulation split", sp["seed"], {k: (split.get(k), want.get(k)) for k in set(split) | set(want) if split.get(k) != want.get(k)})
print("ok - splits replayed")

# ---- the metrics of every evaluation ----
def pearson0(x, y):
    with np.errstate(all="ignore"):
        r = stats.pearsonr(x, y)[0] if np.std(x) > 0 and np.std(y) > 0 else np.nan
    return 0.0 if np.isnan(r) else r

def mse(a, b):
    return float(np.mean((a - b) ** 2))

metrics = {}
for r in show["metrics"]:
    if task is None or r["task"] == task:
        metrics[(r["method"], r["seed"], r["metric"])] = r["value"]
for ev in [s for s in steps if s["kind"] == "perturbation.eval"]:
    split = {}
    ins = ev["inputs"]  # role -> object
    for line in open(fetch(ins["split"], "split_%s.tsv" % ins["split"][:12])).read().splitlines()[1:]:
        c, s_, g = line.split("\t")
        split[c] = (s_, g)
    test = [c for c in conds if split[c][0] == "test"]
    pa = ad.read_h5ad(fetch(ins["predictions"], "pred_%s.h5ad" % ins["predictions"][:12]))
    P = np.asarray(pa.X.toarray() if hasattr(pa.X, "toarray") else pa.X, dtype=np.float64)
    if "condition" in pa.obs:
        # Rows named in the file's convention: a lone gene is GEARS's A+ctrl.
        pc = np.array([x if "+" in x else x + "+ctrl" for x in pa.obs["condition"].astype(str)])
        pred = {c: P[pc == c].mean(0) for c in test}
    else:
        pred = {c: P[list(pa.obs_names).index(c)] for c in test}
    gi = [list(pa.var_names).index(g) for g in genes]
    pred = {c: v[gi] for c, v in pred.items()}
    train = [c for c in conds if c != "ctrl" and split[c][0] == "train"]
    train_mean = np.mean([means[c] for c in train], axis=0)
    per = {}
    for c in test:
        p, t = pred[c], means[c]
        de = sorted(top20[c])           # GEARS's de_idx: var_names.isin(...)
        nd = nd20[c]
        m = {"mse": mse(p, t), "pearson": pearson0(p, t), "mse_de": mse(p[de], t[de]),
             "pearson_de": pearson0(p[de], t[de]), "pearson_delta": pearson0(p - ctrl, t - ctrl),
             "pearson_delta_de": pearson0(p[de] - ctrl[de], t[de] - ctrl[de]),
             "pearson_delta_top20_de_non_dropout": pearson0(p[nd] - ctrl[nd], t[nd] - ctrl[nd]),
             "pearson_top20_de_non_dropout": pearson0(p[nd], t[nd]),
             "mse_top20_de_non_dropout": mse(p[nd] - ctrl[nd], t[nd] - ctrl[nd])}
        dc = np.abs(np.sign(p[nd] - ctrl[nd]) - np.sign(t[nd] - ctrl[nd]))
        m["frac_opposite_direction_top20_non_dropout"] = len(np.where(dc == 2)[0]) / len(nd)
        tc = X[cond == c][:, nd]
        mean_, std_ = tc.mean(0), tc.std(0)
        zero_des = np.intersect1d(np.where(tc.min(0) == 0)[0], np.where(tc.max(0) == 0)[0])
        nonzero_des = np.setdiff1d(list(range(len(nd))), zero_des)
        m["frac_sigma_below_1_non_dropout"] = np.nan
        if len(nonzero_des):
            zi = np.where(std_ > 0)[0]
            if len(zi):
                sigma = np.abs(p[nd][zi] - mean_[zi]) / std_[zi]
                m["frac_sigma_below_1_non_dropout"] = 1 - len(np.where(sigma > 1)[0]) / len(zi)
        m["pearson_delta_vs_train_mean"] = m["pearson_delta"] - pearson0(train_mean - ctrl, t - ctrl)
        per[c] = m
    # PerturBench's rank over the test perturbations, ties counting half.
    dp = np.array([pred[c] - ctrl for c in test]); dt = np.array([means[c] - ctrl for c in test])
    def unit(a):
        n = np.linalg.norm(a, axis=1, keepdims=True)
        return np.divide(a, n, out=np.zeros_like(a), where=n > 0)
    S = unit(dp) @ unit(dt).T
    n = len(test)
    for i, c in enumerate(test):
        o = np.delete(S[i], i)
        # A tie is decided within the rounding of the two products.
        gt = np.sum(o > S[i, i] + 1e-12); eq = np.sum(np.abs(o - S[i, i]) <= 1e-12)
        per[c]["rank"] = (gt + 0.5 * eq) / (n - 1) if n > 1 else np.nan
    key = (ev["method"], ev["seed"])
    names = list(per[test[0]].keys())
    for name in names:
        vals = [per[c][name] for c in test if not np.isnan(per[c][name])]
        want = np.mean(vals) if vals else np.nan
        got = metrics.get(key + (name,))
        got = np.nan if got is None else got
        checked += 1
        if not close(got, want, 1e-9):
            fail(key, name, got, want)
        for sg in ["combo_seen0", "combo_seen1", "combo_seen2", "unseen_single"]:
            k2 = key + ("%s@%s" % (name, sg),)
            if k2 not in metrics:
                continue
            vals = [per[c][name] for c in test if split[c][1] == sg and not np.isnan(per[c][name])]
            want = np.mean(vals) if vals else np.nan
            got = np.nan if metrics[k2] is None else metrics[k2]
            checked += 1
            if not close(got, want, 1e-9):
                fail(k2, got, want)
print("checked", checked, "bad", bad)
