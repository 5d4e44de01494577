#!/usr/bin/python3
"""Write small .h5ad files in the layouts the real test data lacks, with h5py.

usage: h5ad_fixtures.py OUTDIR

  legacy.h5ad     before anndata 0.7: compound obs/var with fixed-length
                  strings, categorical codes with levels in uns/<col>_categories,
                  an h5sparse CSR X (int64 indptr, uint16 indices, float64
                  data), raw.X / raw.var at the root, a compound obsm
  variants.h5ad   current encoding with the less common pieces: CSC X with
                  int64 indptr and indices and int32 values, a categorical
                  with missing values, ordered, integer categories, nullable
                  integer and boolean columns, a dense int layer, scalars
  noX.h5ad        obs and var, no X
  emptyX.h5ad     5 cells x 0 genes
  unsorted.h5ad   current encoding, CSR X whose rows have unsorted and
                  repeated column indices (scipy allows both)
  fixedattr.h5ad  current encoding with every attribute a fixed-length string,
                  and a nullable-string-array column (anndata 0.8 reads
                  neither: these are checked against the values below only)

Values are small and fixed so that the C unit test can assert them.
"""
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
S = h5py.string_dtype("utf-8")

# The matrix every fixture shares (4 cells x 3 genes).
DENSE = np.array([[1, 0, 2], [0, 0, 3], [4, 5, 0], [0, 6, 0]], dtype=np.float64)


def enc(o, t, v):
    o.attrs["encoding-type"] = t
    o.attrs["encoding-version"] = v


def csr(a):
    indptr, indices, data = [0], [], []
    for row in a:
        nz = np.nonzero(row)[0]
        indices += list(nz)
        data += list(row[nz])
        indptr.append(len(indices))
    return np.array(indptr), np.array(indices), np.array(data)


def csc(a):
    p, i, d = csr(a.T)
    return p, i, d


# ---- legacy (anndata < 0.7) ----
with h5py.File(f"{out}/legacy.h5ad", "w") as f:
    p, i, d = csr(DENSE)
    g = f.create_group("X")
    g.attrs["h5sparse_format"] = np.bytes_("csr")
    g.attrs["h5sparse_shape"] = np.array([4, 3])
    g["data"] = d.astype(np.float64)
    g["indices"] = i.astype(np.uint16)
    g["indptr"] = p.astype(np.int64)
    obs = np.array(
        [(b"c1", 0, 1.5, True), (b"c2", 1, 2.5, False), (b"c3", 0, np.nan, True), (b"c4", 2, 4.0, False)],
        dtype=[("index", "S4"), ("cell_type", "i1"), ("score", "f4"), ("flag", "?")],
    )
    f["obs"] = obs
    var = np.array([(b"g1", 1, 0.1), (b"g2", 0, 0.2), (b"g3", 1, 0.3)],
                   dtype=[("index", "S4"), ("kind", "i8"), ("mean", "f8")])
    f["var"] = var
    uns = f.create_group("uns")
    uns["cell_type_categories"] = np.array([b"B", b"T", b"NK"])
    uns["kind_categories"] = np.array([b"coding", b"noncoding"])
    uns["note"] = np.array([b"legacy"])
    obsm = np.zeros(4, dtype=[("X_pca", "f4", (2,)), ("X_umap", "f8", (2,))])
    obsm["X_pca"] = [[1, 2], [3, 4], [5, 6], [7, 8]]
    obsm["X_umap"] = [[0.5, 1], [1.5, 2], [2.5, 3], [3.5, 4]]
    f["obsm"] = obsm
    f["raw.X"] = (DENSE * 10).astype(np.float32)
    f["raw.var"] = np.array([(b"r1",), (b"r2",), (b"r3",)], dtype=[("index", "S4")])

# ---- current encoding, uncommon pieces ----
with h5py.File(f"{out}/variants.h5ad", "w") as f:
    enc(f, "anndata", "0.1.0")
    p, i, d = csc(DENSE)
    g = f.create_group("X")
    enc(g, "csc_matrix", "0.1.0")
    g.attrs["shape"] = np.array([4, 3])
    g["data"] = d.astype(np.int32)
    g["indices"] = i.astype(np.int64)
    g["indptr"] = p.astype(np.int64)
    obs = f.create_group("obs")
    enc(obs, "dataframe", "0.2.0")
    obs.attrs["_index"] = "_index"
    obs.attrs["column-order"] = ["grp", "level", "cnt", "ok", "name", "x"]
    ix = obs.create_dataset("_index", data=np.array(["a", "b", "c", "d"], dtype=object), dtype=S)
    enc(ix, "string-array", "0.2.0")
    c = obs.create_group("grp")
    enc(c, "categorical", "0.2.0")
    c.attrs["ordered"] = True
    c["codes"] = np.array([1, -1, 0, 1], dtype=np.int8)
    c["categories"] = np.array(["lo", "hi"], dtype=object).astype(S)
    c = obs.create_group("level")
    enc(c, "categorical", "0.2.0")
    c.attrs["ordered"] = False
    c["codes"] = np.array([0, 1, 2, 1], dtype=np.int16)
    c["categories"] = np.array([10, 20, 30], dtype=np.int64)
    c = obs.create_group("cnt")
    enc(c, "nullable-integer", "0.1.0")
    c["values"] = np.array([5, 0, 7, 9], dtype=np.int64)
    c["mask"] = np.array([False, True, False, False])
    c = obs.create_group("ok")
    enc(c, "nullable-boolean", "0.1.0")
    c["values"] = np.array([True, False, False, True])
    c["mask"] = np.array([False, False, True, False])
    dset = obs.create_dataset("name", data=np.array(["x", "y", "x", "z"], dtype=object), dtype=S)
    enc(dset, "string-array", "0.2.0")
    dset = obs.create_dataset("x", data=np.array([0.5, 1.5, 2.5, 3.5]))
    enc(dset, "array", "0.2.0")
    var = f.create_group("var")
    enc(var, "dataframe", "0.2.0")
    var.attrs["_index"] = "gene"
    var.attrs["column-order"] = np.array([], dtype=np.float64)
    ix = var.create_dataset("gene", data=np.array(["g1", "g2", "g3"], dtype=object), dtype=S)
    enc(ix, "string-array", "0.2.0")
    for name in ("layers", "obsm", "varm", "obsp", "varp", "uns"):
        enc(f.create_group(name), "dict", "0.1.0")
    dset = f["layers"].create_dataset("counts", data=DENSE.astype(np.int64) * 2)
    enc(dset, "array", "0.2.0")
    dset = f["obsm"].create_dataset("emb", data=np.arange(8, dtype=np.float32).reshape(4, 2))
    enc(dset, "array", "0.2.0")
    dset = f["uns"].create_dataset("seed", data=np.int64(42))
    enc(dset, "numeric-scalar", "0.2.0")
    dset = f["uns"].create_dataset("title", data="variants", dtype=S)
    enc(dset, "string", "0.2.0")

# ---- no X ----
with h5py.File(f"{out}/noX.h5ad", "w") as f:
    enc(f, "anndata", "0.1.0")
    for name, ids in (("obs", ["c1", "c2"]), ("var", ["g1", "g2", "g3"])):
        g = f.create_group(name)
        enc(g, "dataframe", "0.2.0")
        g.attrs["_index"] = "_index"
        g.attrs["column-order"] = np.array([], dtype=np.float64)
        d = g.create_dataset("_index", data=np.array(ids, dtype=object), dtype=S)
        enc(d, "string-array", "0.2.0")
    for name in ("layers", "obsm", "varm", "obsp", "varp", "uns"):
        enc(f.create_group(name), "dict", "0.1.0")

# ---- 5 cells x 0 genes ----
with h5py.File(f"{out}/emptyX.h5ad", "w") as f:
    enc(f, "anndata", "0.1.0")
    for name, ids in (("obs", ["c1", "c2", "c3", "c4", "c5"]), ("var", [])):
        g = f.create_group(name)
        enc(g, "dataframe", "0.2.0")
        g.attrs["_index"] = "_index"
        g.attrs["column-order"] = np.array([], dtype=np.float64)
        d = g.create_dataset("_index", data=np.array(ids, dtype=object), dtype=S, shape=(len(ids),))
        enc(d, "string-array", "0.2.0")
    g = f.create_group("X")
    enc(g, "csr_matrix", "0.1.0")
    g.attrs["shape"] = np.array([5, 0])
    g["data"] = np.zeros(0, dtype=np.float32)
    g["indices"] = np.zeros(0, dtype=np.int32)
    g["indptr"] = np.zeros(6, dtype=np.int32)
    for name in ("layers", "obsm", "varm", "obsp", "varp", "uns"):
        enc(f.create_group(name), "dict", "0.1.0")


# ---- unsorted, repeated indices: row 0 = {2: 2, 0: 1}, row 2 = {1: 2, 0: 4, 1: 3} ----
with h5py.File(f"{out}/unsorted.h5ad", "w") as f:
    enc(f, "anndata", "0.1.0")
    for name, ids in (("obs", ["c1", "c2", "c3", "c4"]), ("var", ["g1", "g2", "g3"])):
        g = f.create_group(name)
        enc(g, "dataframe", "0.2.0")
        g.attrs["_index"] = "_index"
        g.attrs["column-order"] = np.array([], dtype=np.float64)
        d = g.create_dataset("_index", data=np.array(ids, dtype=object), dtype=S)
        enc(d, "string-array", "0.2.0")
    g = f.create_group("X")
    enc(g, "csr_matrix", "0.1.0")
    g.attrs["shape"] = np.array([4, 3])
    g["data"] = np.array([2, 1, 3, 2, 4, 3, 6], dtype=np.float32)
    g["indices"] = np.array([2, 0, 2, 1, 0, 1, 1], dtype=np.int32)
    g["indptr"] = np.array([0, 2, 3, 6, 7], dtype=np.int32)
    for name in ("layers", "obsm", "varm", "obsp", "varp", "uns"):
        enc(f.create_group(name), "dict", "0.1.0")


# ---- fixed-length attributes, nullable strings ----
def fenc(o, t, v):
    o.attrs.create("encoding-type", np.bytes_(t))
    o.attrs.create("encoding-version", np.bytes_(v))


with h5py.File(f"{out}/fixedattr.h5ad", "w") as f:
    fenc(f, "anndata", "0.1.0")
    g = f.create_group("obs")
    fenc(g, "dataframe", "0.2.0")
    g.attrs.create("_index", np.bytes_("_index"))
    g.attrs.create("column-order", np.array([b"who", b"kind"], dtype="S8"))
    d = g.create_dataset("_index", data=np.array([b"r1", b"r2", b"r3"], dtype="S3"))
    fenc(d, "string-array", "0.2.0")
    c = g.create_group("who")
    fenc(c, "nullable-string-array", "0.1.0")
    c["values"] = np.array(["ann", "", "bob"], dtype=object).astype(S)
    c["mask"] = np.array([False, True, False])
    c = g.create_group("kind")
    fenc(c, "categorical", "0.2.0")
    c.attrs["ordered"] = np.int8(0)
    c["codes"] = np.array([0, 0, 1], dtype=np.int32)
    c["categories"] = np.array([b"p", b"q"], dtype="S1")
    g = f.create_group("var")
    fenc(g, "dataframe", "0.2.0")
    g.attrs.create("_index", np.bytes_("_index"))
    g.attrs.create("column-order", np.array([], dtype=np.float64))
    d = g.create_dataset("_index", data=np.array([b"g1", b"g2", b"g3"], dtype="S2"))
    fenc(d, "string-array", "0.2.0")
    d = f.create_dataset("X", data=DENSE[:3].astype(np.float32))
    fenc(d, "array", "0.2.0")
