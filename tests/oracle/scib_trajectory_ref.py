#!/usr/bin/python3
"""Reference for scib's trajectory conservation (tests/cli/t0806-*.sh).

usage: scib_trajectory_ref.py derive IN.h5ad OUT.h5ad
       scib_trajectory_ref.py score DATA.h5ad LABEL PSEUDOTIME EMB.h5ad,OBSM[,BATCH]...

derive: writes a copy of scanpy's pbmc68k_reduced with a pseudotime column
  'myeloid_dpt' computed independently of sceval: scanpy's diffusion
  pseudotime on the file's own obsm['X_pca'] (15-neighbour UMAP graph), rooted
  at the first CD34+ progenitor, kept for the myeloid lineage (CD34+, CD14+
  Monocyte, Dendritic) and NaN for every other cell, as scib expects a
  curated trajectory with empty entries elsewhere.

score: for each EMB,OBSM[,BATCH], scib.metrics.trajectory_conservation(
  adata_pre=DATA, adata_post with the 15-neighbour UMAP graph of EMB's
  obsm[OBSM], label_key=LABEL, pseudotime_key=PSEUDOTIME, batch_key=BATCH or
  None). Cells without a label are left out first, as sceval's integration
  step does. Prints one line per case: the score, the root cell's position
  among the cells scored (-1 for scib's RootCellError), the cells in the
  largest component and the cells with a pseudotime.

scib and scanpy are not installed (Debian has neither): this is a numpy /
scipy transcription written for these tests from scib/metrics/trajectory.py
(get_root, trajectory_conservation) and scanpy's tl.diffmap / tl.dpt
(Neighbors.compute_transitions, compute_eigen with scipy's eigsh, which='LM',
k=15, results cast to float32 as scanpy does; _get_dpt_row; _set_pseudotime).
The kNN is sklearn's brute-force search and the UMAP graph core_oracle's
transcription of umap-learn.
"""
import os
import sys
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import eigsh

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_oracle import knn_with_self, umap_connectivities  # noqa: E402

warnings.filterwarnings("ignore")


def graph15(x):
    """scanpy's neighbors(n_neighbors=15) graph. sklearn's brute-force
    Euclidean distances (|x|^2 + |y|^2 - 2 x.y) leave a cell ~1e-6 from
    itself on these PCs, which UMAP's rho (the first non-zero distance)
    would take for the nearest neighbour's; a cell is at distance 0 from
    itself, as sceval's kNN has it."""
    idx, dist = knn_with_self(np.asarray(x, dtype=np.float64), 15)
    dist[:, 0] = 0.0
    return umap_connectivities(idx, dist)


def diffmap(conn, n_comps=15):
    """scanpy's _diffmap: density-normalised transitions, symmetric form,
    the n_comps eigenpairs of largest magnitude, decreasing, float32."""
    dens = np.asarray(conn.sum(axis=0)).ravel()
    dinv = sp.spdiags(1.0 / dens, 0, conn.shape[0], conn.shape[0])
    cn = dinv @ conn @ dinv
    z = np.sqrt(np.asarray(cn.sum(axis=0)).ravel())
    zi = sp.spdiags(1.0 / z, 0, cn.shape[0], cn.shape[0])
    tsym = (zi @ cn @ zi).astype(np.float64)
    k = min(tsym.shape[0] - 1, n_comps)
    v0 = np.random.default_rng(0).standard_normal(tsym.shape[0])
    evals, evecs = eigsh(tsym, k=k, which="LM", v0=v0)
    evals, evecs = evals.astype(np.float32), evecs.astype(np.float32)
    return evals[::-1], evecs[:, ::-1]


def dpt(evals, basis, iroot, n_dcs=10):
    """scanpy's DPT._set_pseudotime on a connected graph (one component)."""
    evals, basis = evals[:n_dcs], basis[:, :n_dcs]
    row = sum((evals[j] / (1 - evals[j]) * (basis[iroot, j] - basis[:, j])) ** 2
              for j in range(evals.size) if evals[j] < 0.9994)
    row = row + sum((basis[iroot, k] - basis[:, k]) ** 2
                    for k in range(evals.size) if evals[k] >= 0.9994)
    pt = np.sqrt(row)
    return pt / np.max(pt[pt < np.inf])


def get_root(pre_obs, conn, names, ct_key, pseudotime_key, dpt_dim=3):
    """scib's get_root: returns (root position in the component, component
    positions, evals, basis) or None for scib's RootCellError."""
    ncomp, comp = connected_components(conn, directed=False, return_labels=True)
    comp = pd.Series(comp, index=names)
    start = pre_obs.groupby(ct_key)[pseudotime_key].mean().idxmin()
    min_dpt = pre_obs[pre_obs[ct_key] == start].index
    which = (comp == comp.value_counts().idxmax()).values
    keep = np.flatnonzero(which)
    post_names = pd.Index(names[which])
    min_dpt = [v for v in min_dpt if v in post_names]
    min_dpt = [post_names.get_loc(v) for v in min_dpt]
    evals, basis = diffmap(conn[keep][:, keep])
    votes = np.zeros(len(min_dpt))
    for dim in range(dpt_dim):
        mean = basis[:, dim].mean()
        vals = basis[min_dpt, dim]
        if len(vals) == 0:
            return None
        opt = np.argmin if vals.mean() < mean else np.argmax
        votes[opt(vals)] += 1
    return min_dpt[np.argmax(votes)], keep, evals, basis


def trajectory(pre_obs, conn, label_key, pseudotime_key, batch_key=None):
    names = pre_obs.index.values
    sub = np.flatnonzero(pre_obs[pseudotime_key].notnull().values)
    pre_ti = pre_obs.iloc[sub]
    conn_ti = conn[sub][:, sub]
    r = get_root(pre_ti, conn_ti, names[sub], label_key, pseudotime_key)
    if r is None:
        return 0.0, None, 0, len(sub)
    iroot, keep, evals, basis = r
    pt = pd.Series(dpt(evals, basis, iroot), index=names[sub][keep])
    pt[pt > 1] = 0
    after = pd.Series(0.0, index=names[sub])
    after[pt.index] = pt.values
    after = after.fillna(0)
    if batch_key is None:
        c = pre_ti[pseudotime_key].corr(after, "spearman")
        return (c + 1) / 2, names[sub][keep][iroot], len(keep), len(sub)
    corr = {}
    for b in pre_ti[batch_key].unique():
        m = (pre_ti[batch_key] == b).values
        corr[b] = pre_ti[pseudotime_key][m].corr(after[m], "spearman")
    return ((pd.Series(corr).mean() + 1) / 2, names[sub][keep][iroot], len(keep),
            len(sub))


def derive(src, dst):
    import anndata
    a = anndata.read_h5ad(src)
    conn = graph15(a.obsm["X_pca"])
    evals, basis = diffmap(conn)
    root = int(np.flatnonzero(a.obs["bulk_labels"].values == "CD34+")[0])
    pt = dpt(evals, basis, root)
    lineage = a.obs["bulk_labels"].isin(["CD34+", "CD14+ Monocyte", "Dendritic"]).values
    a.obs["myeloid_dpt"] = np.where(lineage, pt, np.nan)
    a.write_h5ad(dst)


def score(data, label_key, pseudotime_key, *cases):
    import anndata
    a = anndata.read_h5ad(data)
    keep = a.obs[label_key].notnull().values
    obs = a.obs[keep].copy()
    for case in cases:
        emb, obsm, batch_key = (case.split(",") + [None])[:3]
        e = anndata.read_h5ad(emb) if emb != data else a
        x = np.asarray(e.obsm[obsm], dtype=np.float64)[keep]
        s, root, ncomp, nsub = trajectory(obs, graph15(x), label_key, pseudotime_key, batch_key)
        pos = -1 if root is None else obs.index.get_loc(root)
        print(repr(float(s)), pos, ncomp, nsub)


def main():
    if sys.argv[1] == "derive":
        derive(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "score":
        score(*sys.argv[2:])
    else:
        sys.exit("usage: scib_trajectory_ref.py derive|score ...")


if __name__ == "__main__":
    main()
