#!/usr/bin/env python3
"""A stand-in for a single-cell foundation model, for sceval's external steps.

It does what the real models' wrappers do: read the cells from an .h5ad file,
compute one embedding per cell, write it out. Here the "model" is a seeded
random projection of log-normalised expression, in numpy (h5py only reads the
file). Replace this script with your scGPT/Geneformer/UCE wrapper: sceval only
needs the output file the spec declares.

    standin_model.py INPUT.h5ad OUTPUT.npy [--dims 32] [--seed 0] [--layer X]
"""
import argparse
import sys

import h5py
import numpy as np


def read_matrix(f, path):
    """A dense cells x genes array from an anndata dense or CSR/CSC element."""
    node = f[path]
    if isinstance(node, h5py.Dataset):
        return np.asarray(node[...], dtype=np.float64)
    shape = node.attrs.get("shape", node.attrs.get("h5sparse_shape"))
    fmt = node.attrs.get("encoding-type", node.attrs.get("h5sparse_format", b"csr"))
    fmt = fmt.decode() if isinstance(fmt, bytes) else str(fmt)
    data, indices, indptr = node["data"][...], node["indices"][...], node["indptr"][...]
    n, m = int(shape[0]), int(shape[1])
    out = np.zeros((n, m))
    major = n if fmt.startswith("csr") else m
    for i in range(major):
        lo, hi = indptr[i], indptr[i + 1]
        if fmt.startswith("csr"):
            out[i, indices[lo:hi]] = data[lo:hi]
        else:
            out[indices[lo:hi], i] = data[lo:hi]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--dims", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layer", default="X", help="X or layers/NAME (raw counts)")
    a = ap.parse_args()
    with h5py.File(a.input, "r") as f:
        x = read_matrix(f, a.layer)
    totals = x.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1
    x = np.log1p(x / totals * 1e4)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-8)
    rng = np.random.default_rng(a.seed)
    w = rng.standard_normal((x.shape[1], a.dims)) / np.sqrt(a.dims)
    emb = (x @ w).astype(np.float32)
    np.save(a.output, emb)
    print(f"embedded {x.shape[0]} cells into {a.dims} dimensions", file=sys.stderr)


if __name__ == "__main__":
    main()
