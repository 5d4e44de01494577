#!/usr/bin/python3
"""Compare `sceval inspect --checksum --json FILE` with what anndata reads.

usage: h5ad_compare.py FILE SCEVAL.json

The reference is anndata.read_h5ad (Debian's anndata 0.8): shape, obs and var
column names, types, categories with counts, obs/var names (SHA-256 of the
names each followed by a newline), raw, the keys and shapes of obsm, varm,
obsp and layers, and checksums of every matrix (sum, sum of squares, sum of
|x|, sums weighted by row+1 and col+1, non-zero count) computed with numpy
on the stored entries. Sums agree to 1e-9 relative to the matching sum of
absolute values (summation order differs). Prints one "ok - ..." or
"not ok - ..." line per check.
"""
import hashlib
import json
import sys
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

warnings.simplefilter("ignore")
import anndata  # noqa: E402

path, jpath = sys.argv[1], sys.argv[2]
name = path.rsplit("/", 1)[-1]
got = json.load(open(jpath))
ad = anndata.read_h5ad(path)
fails = 0


def report(ok, what, detail=""):
    global fails
    print(("ok - " if ok else "not ok - ") + f"{name}: {what}")
    if not ok:
        fails += 1
        if detail:
            print("#   " + str(detail)[:600])


def coltype(s):
    d = s.dtype
    if isinstance(d, pd.CategoricalDtype):
        return "categorical"
    if isinstance(d, pd.BooleanDtype):
        return "nullable-bool"
    if isinstance(d, pd.StringDtype):
        return "nullable-string"
    if pd.api.types.is_extension_array_dtype(d) and pd.api.types.is_integer_dtype(d):
        return "nullable-int"
    if d == object:
        return "string"
    if d.kind == "b":
        return "bool"
    if d.kind in "iu":
        return "int"
    if d.kind == "f":
        return "float"
    return "other"


def frame(df, want, order, label):
    report(list(df.columns) == order, f"{label} column names and order",
           f"anndata {list(df.columns)} sceval {order}")
    for c in df.columns:
        if c not in want:
            continue
        w = want[c]
        t = coltype(df[c])
        report(t == w["type"], f"{label}/{c} type {t}", f"sceval says {w['type']}")
        if t in ("int", "float", "bool"):
            report(str(df[c].dtype) == w["dtype"], f"{label}/{c} dtype {df[c].dtype}",
                   f"sceval says {w['dtype']}")
        if t == "categorical":
            cat = df[c].cat
            codes = np.asarray(cat.codes)
            counts = np.bincount(codes[codes >= 0], minlength=len(cat.categories))
            ref = [{"name": str(k), "count": int(n)} for k, n in zip(cat.categories, counts)]
            report(ref == w["categories"], f"{label}/{c} categories and counts",
                   f"anndata {ref[:5]} sceval {w['categories'][:5]}")
            report(int((codes < 0).sum()) == w["n_missing"], f"{label}/{c} missing values")
            report(bool(cat.ordered) == w["ordered"], f"{label}/{c} ordered flag")


def names(idx, want, label):
    h = hashlib.sha256()
    for s in idx:
        h.update(str(s).encode("utf-8") + b"\n")
    report(len(idx) == want["n"] and h.hexdigest() == want["sha256"], f"{label} ({len(idx)})",
           f"anndata first {idx[0] if len(idx) else None!r} sceval {want.get('first')!r}")


def checksum(m):
    if sp.issparse(m):
        # By hand rather than tocoo(): scipy refuses mixed index dtypes
        # (uint16 indices with int64 indptr) that old files have.
        major = np.repeat(np.arange(len(m.indptr) - 1), np.diff(m.indptr.astype(np.int64)))
        minor = m.indices.astype(np.int64)
        v = np.asarray(m.data, dtype=np.float64)
        r, k = (major, minor) if m.format == "csr" else (minor, major)
    else:
        a = np.asarray(m, dtype=np.float64)
        r, k = np.indices(a.shape)
        v, r, k = a.ravel(), r.ravel(), k.ravel()
    rw, cw = r.astype(np.float64) + 1, k.astype(np.float64) + 1
    av = np.abs(v)
    return ({"sum": v.sum(), "sumsq": (v * v).sum(), "sumabs": av.sum(),
             "rowsum": (rw * v).sum(), "colsum": (cw * v).sum(), "nonzero": int(np.count_nonzero(v))},
            {"sum": av.sum(), "sumsq": (v * v).sum(), "sumabs": av.sum(),
             "rowsum": (rw * av).sum(), "colsum": (cw * av).sum()})


def close(a, b, scale):
    return abs(a - b) <= 1e-9 * max(scale, 1.0)


def matrix(m, want, label):
    if want is None:
        report(False, f"{label} missing in sceval")
        return
    storage = "dense" if not sp.issparse(m) else m.format
    report(storage == want["storage"], f"{label} storage {storage}", f"sceval {want['storage']}")
    report(list(m.shape) == want["shape"], f"{label} shape {m.shape}", f"sceval {want['shape']}")
    ref, scale = checksum(m)
    cs = want.get("checksum")
    if cs is None:
        report(False, f"{label} checksum missing")
        return
    bad = []
    for k in ("sum", "sumsq", "sumabs", "rowsum", "colsum"):
        a, b = cs[k], ref[k]
        if a is None:
            ok = not np.isfinite(b)
        else:
            ok = close(a, b, scale[k]) if np.isfinite(b) else False
        if not ok:
            bad.append(f"{k}: sceval {a} anndata {b}")
    if cs["nonzero"] != ref["nonzero"]:
        bad.append(f"nonzero: sceval {cs['nonzero']} anndata {ref['nonzero']}")
    report(not bad, f"{label} checksums", "; ".join(bad))


report(got["n_obs"] == ad.n_obs and got["n_vars"] == ad.n_vars, f"shape {ad.n_obs} x {ad.n_vars}",
       f"sceval {got['n_obs']} x {got['n_vars']}")
frame(ad.obs, got["obs"], got["obs_columns"], "obs")
frame(ad.var, got["var"], got["var_columns"], "var")
names(list(ad.obs_names), got["obs_names"], "obs names")
names(list(ad.var_names), got["var_names"], "var names")
if ad.X is None:
    report(got["X"] is None, "X absent")
else:
    matrix(ad.X, got["X"], "X")
for slot in ("layers", "obsm", "varm", "obsp"):
    d = getattr(ad, slot)
    report(sorted(d.keys()) == sorted(got[slot].keys()), f"{slot} keys {sorted(d.keys())}",
           f"sceval {sorted(got[slot].keys())}")
    for k in d.keys():
        v = d[k]
        if isinstance(v, pd.DataFrame):
            report(got[slot].get(k, {}).get("storage") == "dataframe", f"{slot}/{k} is a data frame")
            continue
        matrix(v, got[slot].get(k), f"{slot}/{k}")
if ad.raw is None:
    report(got["raw"] is None, "raw absent")
else:
    report(got["raw"] is not None, "raw present")
    if got["raw"] is not None:
        matrix(ad.raw.X, got["raw"]["X"], "raw/X")
        names(list(ad.raw.var_names), got["raw"]["var_names"], "raw var names")
        frame(ad.raw.var, got["raw"]["var"], got["raw"]["var_columns"], "raw/var")
missing = sorted(set(ad.uns.keys()) - set(got["uns"].keys()))
report(not missing, "uns keys present", f"missing in sceval: {missing}")
sys.exit(0)
