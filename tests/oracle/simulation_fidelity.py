"""Independent transcription of the simulation task's fidelity metrics
(scipy / sklearn), checked against what sceval recorded.

usage: simulation_fidelity.py REAL.h5ad SIM.h5ad KS.csv JOINT.csv METRICS.json TYPE_KEY
Prints one line per mismatch, then "bad N"."""
import csv, json, sys
import anndata as ad, numpy as np
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

real, sim = ad.read_h5ad(sys.argv[1]), ad.read_h5ad(sys.argv[2])
ks_rows = {r["statistic"]: r for r in csv.DictReader(open(sys.argv[3]))}
joint = np.loadtxt(sys.argv[4], delimiter=",", skiprows=1)
metrics = json.load(open(sys.argv[5]))
key = sys.argv[6]
bad = 0


def dense(a):
    x = a.X
    return np.asarray(x.toarray() if hasattr(x, "toarray") else x, dtype=float)


def stats_of(x):
    # Counts are integers: their sums are exact, so the variance from the
    # sums is the same number for a gene whose cells were only reordered.
    n = x.shape[0]
    s1, s2 = x.sum(0), (x * x).sum(0)
    m = s1 / n
    v = np.maximum((s2 - s1 * m) / (n - 1), 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(m > 0, np.sqrt(v) / m, np.nan)
    return {"gene_mean": m, "gene_var": v, "gene_cv": cv[~np.isnan(cv)],
            "gene_zero": (x == 0).mean(0), "cell_libsize": x.sum(1),
            "cell_zero": (x == 0).mean(1)}


def close(name, got, want, tol):
    global bad
    if not abs(got - want) <= tol:
        bad += 1
        print("mismatch", name, got, want)


xr, xs = dense(real), dense(sim)
tr, ts = real.obs[key].astype(str).values, sim.obs[key].astype(str).values
groups = [("all", None)] + [(t, t) for t in real.obs[key].astype(str).unique()]
for col, t in groups:
    if col not in ks_rows["gene_mean"]:
        continue
    a = stats_of(xr if t is None else xr[tr == t])
    b = stats_of(xs if t is None else xs[ts == t])
    for s in a:
        close("ks %s %s" % (s, col), float(ks_rows[s][col]), stats.ks_2samp(a[s], b[s]).statistic, 1e-12)
for s in ("gene_mean", "gene_var", "gene_cv", "gene_zero", "cell_libsize", "cell_zero"):
    close("metric ks_" + s, metrics["ks_" + s], float(ks_rows[s]["all"]), 1e-12)

# Spearman structure over the most variable real genes (log1p CP10k variance).
lib = xr.sum(1, keepdims=True)
ln = np.log1p(np.divide(xr, lib, out=np.zeros_like(xr), where=lib > 0) * 1e4)
order = sorted(range(xr.shape[1]), key=lambda g: (-ln[:, g].var(ddof=1), g))
k = int(metrics["_corr_genes"])
top = order[:k]


def spearman(x):
    c = np.zeros((k, k))
    r = np.column_stack([stats.rankdata(x[:, g]) for g in top])
    sd = r.std(0)
    ok = sd > 0
    c[np.ix_(ok, ok)] = np.corrcoef(r[:, ok], rowvar=False)
    np.fill_diagonal(c, 1)
    return c


A, B = spearman(xr), spearman(xs)
off = ~np.eye(k, dtype=bool)
close("corr_mad", metrics["corr_mad"], np.abs(A - B)[off].mean(), 1e-9)
close("corr_rel_frobenius", metrics["corr_rel_frobenius"],
      np.sqrt(((A - B)[off] ** 2).sum() / (A[off] ** 2).sum()), 1e-9)

# Real-vs-simulated AUROC on the written joint embedding and folds.
src, fold, pcs = joint[:, 0].astype(int), joint[:, 2].astype(int), joint[:, 3:]
lr, kn = [], []
for f in sorted(set(fold)):
    te, trn = fold == f, fold != f
    sc = StandardScaler().fit(pcs[trn])
    m = LogisticRegression(multi_class="multinomial", solver="newton-cg", tol=1e-12, max_iter=10000).fit(sc.transform(pcs[trn]), src[trn])
    lr.append(roc_auc_score(src[te], m.predict_proba(sc.transform(pcs[te]))[:, 1]))
    kc = KNeighborsClassifier(n_neighbors=15).fit(pcs[trn], src[trn])
    kn.append(roc_auc_score(src[te], kc.predict_proba(pcs[te])[:, 1]))
# Both solvers run Newton to the optimum: the ranks, and so the AUROC, agree.
close("auroc_logreg", metrics["auroc_logreg"], np.mean(lr), 1e-6)
close("auroc_knn", metrics["auroc_knn"], np.mean(kn), 1e-12)
print("bad", bad)
