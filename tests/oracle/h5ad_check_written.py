#!/usr/bin/python3
"""Check with anndata 0.8 a file written by tests/unit/test_h5ad_write.c.

usage: h5ad_check_written.py FILE [edited]

The expected content is rebuilt here from the same formulas the C test
uses (see make_x there): anndata must read it exactly, values, names,
categories and dtypes. With "edited", also the obsm key and obs column the
test added afterwards. Prints "ok - ..." / "not ok - ..." lines.
"""
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")
import anndata  # noqa: E402

path = sys.argv[1]
edited = len(sys.argv) > 2
N, G = 10, 6
ad = anndata.read_h5ad(path)


def report(ok, what, detail=""):
    print(("ok - " if ok else "not ok - ") + f"anndata reads written file: {what}")
    if not ok and detail:
        print("#   " + str(detail)[:400])


X = np.zeros((N, G))
for i in range(N):
    for j in range(G):
        v = (i * 7 + j * 3) % 5
        X[i, j] = v if v > 1 else 0
report(ad.shape == (N, G), f"shape {ad.shape}")
report(ad.X.format == "csr" and ad.X.dtype == np.float32, f"X csr float32 ({type(ad.X).__name__} {ad.X.dtype})")
report(np.array_equal(ad.X.toarray(), X), "X values", ad.X.toarray())
report(list(ad.obs_names) == [f"cell{i:02d}" for i in range(N)], "obs names", list(ad.obs_names))
report(list(ad.var_names) == [f"g{j}" for j in range(G)], "var names", list(ad.var_names))
want_cols = ["type", "label", "score", "count", "flag"] + (["pred"] if edited else [])
report(list(ad.obs.columns) == want_cols, "obs column order", list(ad.obs.columns))
t = ad.obs["type"]
report(str(t.dtype) == "category" and list(t.cat.categories) == ["B", "T", "NK"], "categorical categories",
       list(t.cat.categories) if str(t.dtype) == "category" else t.dtype)
codes = [(i % 4) - 1 if i % 4 != 3 else 2 for i in range(N)]
report(list(t.cat.codes) == codes, "categorical codes with missing", list(t.cat.codes))
report(bool(t.cat.ordered) is False, "not ordered")
report(list(ad.obs["label"]) == [f"L{i % 3}" for i in range(N)], "string column")
s = ad.obs["score"].to_numpy()
want = np.array([i / 4 if i != 5 else np.nan for i in range(N)])
report(ad.obs["score"].dtype == np.float64 and np.array_equal(s, want, equal_nan=True), "float column with NaN", s)
report(ad.obs["count"].dtype == np.int64 and list(ad.obs["count"]) == [i * i - 3 for i in range(N)], "int column")
report(ad.obs["flag"].dtype == bool and list(ad.obs["flag"]) == [i % 2 == 0 for i in range(N)], "bool column")
report(list(ad.var.columns) == ["mean"] and np.array_equal(ad.var["mean"], np.arange(G) * 0.5), "var column")
e = ad.obsm["X_emb"]
report(e.dtype == np.float32 and e.shape == (N, 2) and
       np.array_equal(e, np.array([[i, -i / 2] for i in range(N)], dtype=np.float32)), "obsm dense float32")
c = ad.layers["counts"]
report(c.dtype == np.int32 and np.array_equal(c, X.astype(np.int32)), "dense int32 layer")
report(ad.varm["PCs"].dtype == np.float64 and ad.varm["PCs"].shape == (G, 3) and ad.varm["PCs"][2, 1] == 2 * 3 + 1,
       "varm float64")
u = ad.uns
report(u["title"] == "written by sceval" and u["params"]["seed"] == 7 and u["params"]["rate"] == 0.25,
       "uns scalars (nested)", dict(u))
report(list(u["names"]) == ["a", "b", "c"], "uns string array")
if edited:
    p = ad.obsm["pred_emb"]
    report(p.shape == (N, 3) and p[4, 2] == 4 * 10 + 2, "added obsm key")
    q = ad.obs["pred"]
    report(str(q.dtype) == "category" and list(q.astype(str)) == [["x", "y"][i % 2] for i in range(N)],
           "added obs column")
