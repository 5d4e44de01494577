#!/usr/bin/python3
"""Pairs of output files for the content comparison (tests/unit/test_compare.c).

usage: compare_fixtures.py OUTDIR

base.h5ad is written by anndata (CSR X, a categorical, string and float obs
columns, obsm/X_pca, an int layer, a CSR obsp graph, uns); every variant is a
byte copy edited in place with h5py, so that exactly one thing differs:

  copy.h5ad       the same bytes
  gzip.h5ad       the same values, rewritten with other compression
  tiny.h5ad       obsm/X_pca[12,3] times (1 + 1e-12)
  big.h5ad        obsm/X_pca[7,2] plus 1e-3 of the array's largest |value|
  sparse.h5ad     one value of X (CSR data) times 1.01
  label.h5ad      obs/cell_type category 1 renamed
  shape.h5ad      obsm/X_pca without its last column
  missing.h5ad    layers/counts deleted
  int.h5ad        layers/counts[2,3] plus 1
  nan_a/nan_b     obsm/X_pca with NaN at [0,0] in both (b also 1e-12 off at
                  [1,1]), nan_c a number there
and .npy and .csv pairs of the same kinds. expect.json holds what numpy
says about each pair: the largest absolute and relative difference and
where, for the C test to check.
"""
import json
import os
import shutil
import sys

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import scipy.sparse as sp

out = sys.argv[1]
P = lambda n: os.path.join(out, n)
rng = np.random.default_rng(5)
n, g = 20, 8
X = sp.random(n, g, density=0.4, random_state=3, format="csr", dtype=np.float32)
X.data = np.round(X.data * 10, 3).astype(np.float32)
a = ad.AnnData(X=X)
a.obs_names = [f"c{i}" for i in range(n)]
a.var_names = [f"g{j}" for j in range(g)]
a.obs["cell_type"] = pd.Categorical(["A", "B", "C", "B"] * 5)
a.obs["donor"] = [f"d{i % 3}" for i in range(n)]
a.obs["score"] = rng.normal(size=n)
a.obsm["X_pca"] = rng.normal(scale=3.0, size=(n, 5))
a.layers["counts"] = rng.integers(0, 50, size=(n, g)).astype(np.int64)
a.obsp["distances"] = sp.random(n, n, density=0.2, random_state=4, format="csr")
a.uns["method"] = "pca"
a.write_h5ad(P("base.h5ad"))
expect = {}


def edit(name, fn):
    shutil.copyfile(P("base.h5ad"), P(name))
    with h5py.File(P(name), "r+") as f:
        fn(f)


def scaled(name, path, idx, new_of_old):
    def fn(f):
        v = f[path][()]
        old = v[idx]
        v[idx] = new_of_old(old, v)
        f[path][...] = v
        d = abs(float(v[idx]) - float(old))
        expect[name] = {"max_abs": d, "max_rel": d / max(abs(float(v[idx])), abs(float(old))),
                        "at": "%s[%s]" % (path, ",".join(str(i) for i in idx))}
    edit(name, fn)


shutil.copyfile(P("base.h5ad"), P("copy.h5ad"))
a.write_h5ad(P("gzip.h5ad"), compression="gzip")
scaled("tiny.h5ad", "obsm/X_pca", (12, 3), lambda o, v: o * (1 + 1e-12))
scaled("big.h5ad", "obsm/X_pca", (7, 2), lambda o, v: o + 1e-3 * np.abs(v).max())


def sparse(f):
    d = f["X/data"][()]
    k = 5
    old = d[k]
    d[k] = np.float32(old * 1.01)
    f["X/data"][...] = d
    indptr = f["X/indptr"][()]
    row = int(np.searchsorted(indptr, k, side="right") - 1)
    col = int(f["X/indices"][k])
    expect["sparse.h5ad"] = {"at": "X[%d,%d] (X/data[%d])" % (row, col, k)}


edit("sparse.h5ad", sparse)


def label(f):
    c = f["obs/cell_type/categories"]
    v = [x.decode() if isinstance(x, bytes) else x for x in c[()]]
    v[1] = "B2"
    del f["obs/cell_type/categories"]
    f.create_dataset("obs/cell_type/categories", data=np.array(v, dtype=object),
                     dtype=h5py.string_dtype())
    f["obs/cell_type/categories"].attrs["encoding-type"] = "string-array"
    f["obs/cell_type/categories"].attrs["encoding-version"] = "0.2.0"


edit("label.h5ad", label)


def shape(f):
    v = f["obsm/X_pca"][()]
    attrs = dict(f["obsm/X_pca"].attrs)
    del f["obsm/X_pca"]
    f["obsm/X_pca"] = v[:, :4]
    f["obsm/X_pca"].attrs.update(attrs)


edit("shape.h5ad", shape)
edit("missing.h5ad", lambda f: f["layers"].__delitem__("counts"))


def intedit(f):
    v = f["layers/counts"][()]
    v[2, 3] += 1
    f["layers/counts"][...] = v


edit("int.h5ad", intedit)


def nan_at(name, value, nudge):
    def fn(f):
        v = f["obsm/X_pca"][()]
        v[0, 0] = value
        v[1, 1] *= 1 + nudge
        f["obsm/X_pca"][...] = v
    edit(name, fn)


nan_at("nan_a.h5ad", np.nan, 0)
nan_at("nan_b.h5ad", np.nan, 1e-12)  # other bytes: NaN must meet NaN
nan_at("nan_c.h5ad", 1.5, 0)

# Traps, each in two copies with a 1e-12 nudge so that the walk reaches them:
# a group linked inside itself, and a dataset of 2^40 values never written.
def trap(name, fn, nudge):
    def both(f):
        fn(f)
        v = f["obsm/X_pca"][()]
        v[1, 1] *= 1 + nudge
        f["obsm/X_pca"][...] = v
    edit(name, both)


for nm, nudge in (("a", 0), ("b", 1e-12)):
    trap("cycle_%s.h5ad" % nm, lambda f: f["uns"].__setitem__("loop", f["uns"]), nudge)
    trap("huge_%s.h5ad" % nm, lambda f: f["uns"].create_dataset(
        "huge", shape=(1 << 40,), chunks=(1 << 16,), dtype="f8"), nudge)

# .npy: float64 embedding and an int64 array.
E = rng.normal(size=(30, 4))
np.save(P("a.npy"), E)
T = E.copy()
T[4, 1] *= 1 + 1e-12
np.save(P("tiny.npy"), T)
d = abs(T[4, 1] - E[4, 1])
expect["tiny.npy"] = {"max_abs": d, "max_rel": d / max(abs(T[4, 1]), abs(E[4, 1])), "at": "[4,1]"}
B = E.copy()
B[9, 3] += 1e-3 * np.abs(E).max()
np.save(P("big.npy"), B)
I = rng.integers(0, 9, size=(6, 3)).astype(np.int64)
np.save(P("i.npy"), I)
I[5, 2] += 1
np.save(P("i2.npy"), I)
np.save(P("short.npy"), E[:29])
with open(P("hostile.npy"), "wb") as f:
    h = b"{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000), }"
    h += b" " * (118 - len(h)) + b"\n"
    f.write(b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + b"\0" * 64)

# CSV: a per-class report (label, support, floats).
rows = [("B cell", 12, 0.91234567891234, 0.5), ("T cell", 30, 0.3333333333333333, 0.0),
        ("NK", 7, 1e-9, 2.5)]


def csv(name, rows, header="label,support,f1,recall"):
    with open(P(name), "w") as f:
        f.write(header + "\n")
        for r in rows:
            f.write("%s,%d,%.17g,%.17g\n" % r)


csv("a.csv", rows)
t = list(rows)
t[1] = ("T cell", 30, 0.3333333333333333 * (1 + 1e-12), 0.0)
csv("tiny.csv", t)
dv = abs(t[1][2] - rows[1][2])
expect["tiny.csv"] = {"max_abs": dv, "max_rel": dv / max(t[1][2], rows[1][2]),
                      "at": "line 3, column 3 ('f1')"}
b = list(rows)
b[2] = ("NK", 7, 1e-9, 2.5 + 0.01)
csv("big.csv", b)
lab = list(rows)
lab[0] = ("B-cell", 12, 0.91234567891234, 0.5)
csv("label.csv", lab)
csv("int.csv", [("B cell", 13, 0.91234567891234, 0.5)] + rows[1:])
csv("rows.csv", rows[:2])
with open(P("quoted.csv"), "w") as f:  # the same cells as a.csv, quoted
    f.write('label,support,f1,recall\n')
    for r in rows:
        f.write('"%s",%d,%.17g,%.17g\n' % r)

with open(P("garbage.h5ad"), "wb") as f:
    f.write(b"\x89HDF\r\n\x1a\n" + bytes(rng.integers(0, 256, size=3000, dtype=np.uint8)))
raw = open(P("base.h5ad"), "rb").read()
with open(P("truncated.h5ad"), "wb") as f:
    f.write(raw[: len(raw) // 2])
# Corrupted copies of tiny.h5ad, a few random bytes overwritten: with
# libhdf5 1.10.8, seeds 81 and 110 crash H5Dread in the global heap and 23
# makes it allocate and clear gigabytes.
import random

src = open(P("tiny.h5ad"), "rb").read()
for seed in (23, 24, 81, 110, 1, 2, 3, 4, 5, 6, 7, 8):
    r = random.Random(seed)
    m = bytearray(src)
    for _ in range(r.choice([1, 2, 5, 20])):
        m[r.randrange(len(m))] = r.randrange(256)
    with open(P("corrupt_%d.h5ad" % seed), "wb") as f:
        f.write(m)
json.dump(expect, open(P("expect.json"), "w"), indent=1)
