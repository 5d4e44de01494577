#!/usr/bin/python3
"""Estimate how many seurat_v3 highly variable genes depend on the loess
surface: sceval fits loess directly at every gene (netlib surface='direct'),
scanpy's skmisc default is surface='interpolate' (a k-d tree over x with
cells of at most floor(n * span * 0.2) points, the local fit and its slope
at the cell vertices, cubic Hermite interpolation in between). skmisc is
not installable here, so this re-creates the 1-D interpolation from netlib's
description (ehg126 bounding box with a 0.5% margin, ehg124 median splits
avoiding ties, ehg128 Hermite blending) and counts, per real file, how many
of the top-2000 genes change. An estimate, not a reference.

usage: hvg_loess_surface.py DATADIR
"""
import os
import sys

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "oracle"))
import hvg_ref as H  # noqa: E402


def local_fit(xs, ys, x0, q):
    """Value and slope at x0 of the tricube-weighted quadratic on the q nearest."""
    d = np.abs(xs - x0)
    h = np.partition(d, q - 1)[q - 1]
    r = d / h
    w = np.where(r < 1, (1 - r ** 3) ** 3, 0.0)
    u = xs - x0
    a = np.column_stack([np.ones_like(u), u, u * u]) * np.sqrt(w)[:, None]
    beta = np.linalg.lstsq(a, ys * np.sqrt(w), rcond=None)[0]
    return beta[0], beta[1]


def loess_interpolate(x, y, span=0.3, cell=0.2):
    n = len(x)
    q = int(np.floor(n * span))
    fc = int(np.floor(n * span * cell))
    o = np.argsort(x, kind="stable")
    xs = x[o]
    lo_, hi_ = xs[0], xs[-1]
    marg = 0.005 * max(hi_ - lo_, 1e-10 * max(abs(lo_), abs(hi_)) + 1e-30)
    verts = {lo_ - marg, hi_ + marg}
    stack = [(0, n - 1, lo_ - marg, hi_ + marg)]
    while stack:
        l, u, vl, vu = stack.pop()
        if u - l + 1 <= fc:
            continue
        m = (l + u) // 2
        off = 0
        while l <= m + off < u:  # move the split off a run of equal values
            if xs[m + off] != xs[m + off + 1]:
                m += off
                break
            off = -off
            if off >= 0:
                off += 1
        else:
            continue
        xi = xs[m]
        if xi == vl or xi == vu:
            continue
        verts.add(xi)
        stack.append((l, m, vl, xi))
        stack.append((m + 1, u, xi, vu))
    v = np.array(sorted(verts))
    val = np.empty(len(v))
    slo = np.empty(len(v))
    for i, x0 in enumerate(v):
        val[i], slo[i] = local_fit(x, y, x0, q)
    j = np.clip(np.searchsorted(v, x, side="right") - 1, 0, len(v) - 2)
    h = v[j + 1] - v[j]
    t = (x - v[j]) / h
    phi0 = (1 - t) ** 2 * (1 + 2 * t)
    phi1 = t * t * (3 - 2 * t)
    psi0 = t * (1 - t) ** 2
    psi1 = -t * t * (1 - t)
    return phi0 * val[j] + phi1 * val[j + 1] + (psi0 * slo[j] + psi1 * slo[j + 1]) * h


def top(x, fitfn, n_top=2000):
    x = sp.csr_matrix(x, dtype=np.float64)
    mean, var = H.mean_var(x)
    nc = var > 0
    est = np.zeros(x.shape[1])
    est[nc] = fitfn(np.log10(mean[nc]), np.log10(var[nc]))
    reg_std = np.sqrt(10 ** est)
    n = x.shape[0]
    clip = reg_std * np.sqrt(n) + mean
    c = x.copy()
    c.data = np.minimum(c.data, clip[c.indices])
    s1 = np.asarray(c.sum(axis=0)).ravel()
    s2 = np.asarray(c.multiply(c).sum(axis=0)).ravel()
    nv = (1 / ((n - 1) * reg_std ** 2)) * (n * mean ** 2 + s2 - 2 * s1 * mean)
    order = np.argsort(-nv, kind="stable")
    return set(order[:n_top].tolist()), est[nc]


def main():
    import anndata
    data = sys.argv[1]
    files = ["cellbench_3cl_celseq2_dropseq.h5ad", "cellbench_5cl_celseq2_3plates.h5ad",
             "scvi_citeseq_pbmc_5k_protein_v3_200cells.h5ad",
             "scvi_citeseq_pbmc_10k_protein_v3_200cells.h5ad"]
    for f in files:
        a = anndata.read_h5ad(os.path.join(data, f))
        d, fd = top(a.X, lambda x, y: H.loess_direct(x, y, 0.3))
        i, fi = top(a.X, lambda x, y: loess_interpolate(x, y, 0.3))
        print(f"{f}: {a.n_vars} genes, {len(fd)} fitted; top-2000 differ in {len(d - i)} genes; "
              f"max |direct - interpolate| fit {np.max(np.abs(fd - fi)):.2e} (log10 variance)")


if __name__ == "__main__":
    main()
