"""multiomics_ref - oracle for tests/unit/test_integrate_multiomics.c:
numpy transcriptions of muon's preprocessing (muon.prot.pp.clr,
muon.atac.pp.tfidf, muon.atac.tl.lsi) and the label-separation measures the
joint representations are judged by (sklearn).

usage:
  multiomics_ref.py scicar H5AD OUTDIR
      rna.bin (dense counts), atac.bin (dense peak counts), labels.bin
      (cell_name codes, -1 = NaN), tfidf.bin (muon TF-IDF), lsi.bin (50 LSI
      components, z-scored, sign: largest |u| positive), sv.bin
  multiomics_ref.py cite H5AD OUTDIR
      rna.bin, protein.bin (dense counts), clr_cell.bin, clr_feature.bin,
      protein_emb.bin (CLR per cell, scale clipped at 10, sklearn PCA 20)
  multiomics_ref.py wnn OUTDIR
      Seurat v4's weighted nearest neighbours (FindModalityWeights +
      MultiModalNN, as tasks/integrate/wnn.h states them) on OUTDIR/m1.bin
      and m2.bin, by brute force -> wnn_weight.bin, wnn_idx.bin, wnn_sigma.bin
  multiomics_ref.py separation OUTDIR NAME...
      for each NAME.bin (an embedding): the 5-fold stratified nearest-
      centroid accuracy on the labelled cells, and the majority-vote
      accuracy of each labelled cell's 20 nearest labelled-or-not neighbours
      (sklearn, Euclidean); for each NAME.idx.bin (a neighbour index, n x k):
      that vote only (centroid accuracy reported as -1)
      -> separation.bin (NAMES x 2)
"""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import binio  # noqa: E402


def tfidf(x, scale_factor=1e4):
    with np.errstate(divide="ignore", invalid="ignore"):
        tf = x / x.sum(axis=1, keepdims=True) * scale_factor
        tf = np.log1p(tf)
        idf = np.log1p(x.shape[0] / x.sum(axis=0))
        out = tf * idf[None, :]
    return np.nan_to_num(out, nan=0.0)


def lsi(x, k):
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    u, s = u[:, :k], s[:k]
    big = u[np.abs(u).argmax(axis=0), np.arange(k)]
    u = u * np.where(big < 0, -1.0, 1.0)
    return (u - u.mean(axis=0)) / u.std(axis=0), s


def clr(x, axis):
    return np.log1p(x / np.exp(np.log1p(x).sum(axis=axis, keepdims=True) / x.shape[axis]))


def dense(m):
    import scipy.sparse as sp
    return np.asarray(m.todense() if sp.issparse(m) else m, dtype=np.float64)


def scicar(h5ad, out):
    import anndata
    ad = anndata.read_h5ad(h5ad)
    rna, atac = dense(ad.X), dense(ad.obsm["mode2"])
    labels = ad.obs["cell_name"].cat.codes.to_numpy().astype(np.int32)
    t = tfidf(atac)
    emb, sv = lsi(t, 50)
    for name, arr in (("rna", rna), ("atac", atac), ("labels", labels), ("tfidf", t),
                      ("lsi", emb), ("sv", sv)):
        binio.write(os.path.join(out, name + ".bin"), arr)


def cite(h5ad, out):
    import anndata
    ad = anndata.read_h5ad(h5ad)
    prot = np.asarray(ad.obsm["protein_expression"], dtype=np.float64)
    from sklearn.decomposition import PCA
    z = clr(prot, 1)
    sd = z.std(axis=0, ddof=1)
    sd[sd == 0] = 1
    z = np.clip((z - z.mean(axis=0)) / sd, -10, 10)
    emb = PCA(n_components=20, svd_solver="full").fit_transform(z)
    for name, arr in (("rna", dense(ad.X)), ("protein", prot), ("clr_cell", clr(prot, 1)),
                      ("clr_feature", clr(prot, 0)), ("protein_emb", emb)):
        binio.write(os.path.join(out, name + ".bin"), arr)


def vote(idx, labels):
    hit = tot = 0
    for i in np.flatnonzero(labels >= 0):
        nb = labels[idx[i]]
        nb = nb[nb >= 0]
        if nb.size == 0:
            continue
        vals, counts = np.unique(nb, return_counts=True)
        hit += vals[counts.argmax()] == labels[i]
        tot += 1
    return hit / tot


def separation(out, names):
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import NearestCentroid, NearestNeighbors

    labels = binio.read(os.path.join(out, "labels.bin")).ravel()
    keep = labels >= 0
    res = []
    for name in names:
        p = os.path.join(out, name + ".bin")
        if os.path.exists(p):
            x = binio.read(p)
            cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
            nc = cross_val_score(NearestCentroid(), x[keep], labels[keep], cv=cv).mean()
            idx = NearestNeighbors(n_neighbors=21).fit(x).kneighbors(x)[1][:, 1:]
            res.append((nc, vote(idx, labels)))
        else:
            idx = binio.read(os.path.join(out, name + ".idx.bin"))
            res.append((-1.0, vote(idx, labels)))
    binio.write(os.path.join(out, "separation.bin"), np.array(res, dtype=np.float64))
    print("# separation (nearest centroid, 20-NN vote):",
          " ".join(f"{n}={a:.3f}/{b:.3f}" for n, (a, b) in zip(names, res)))


def wnn(m1, m2, k=20, knn_range=200, cross=1e-4):
    """Seurat v4 WNN by brute force; returns weights (n x 2), joint idx, sigma."""
    E = [m / np.linalg.norm(m, axis=1, keepdims=True) for m in (m1, m2)]
    n = E[0].shape[0]
    kr = min(knn_range, n)
    D = [np.sqrt(((e[:, None, :] - e[None, :, :]) ** 2).sum(-1)) for e in E]
    NN = []
    for d in D:
        d = d.copy()
        np.fill_diagonal(d, -1.0)  # self first
        NN.append(np.argsort(d, axis=1, kind="stable")[:, :kr])
    rho = [D[m][np.arange(n), NN[m][:, 1]] for m in range(2)]
    sigma = []
    for m in range(2):
        sets = [set(NN[m][i, :k]) for i in range(n)]
        sig = np.empty(n)
        for i in range(n):
            vals = []
            for j in range(n):
                c = len(sets[i] & sets[j])
                if c:
                    vals.append((c / (k + (k - c)), j))
            vals.sort()
            ni = min(k, len(vals))
            ds = []
            for q, (v, j) in enumerate(vals):
                if len(ds) < ni or v == vals[ni - 1][0]:
                    r = D[m][i, j]
                    if rho[m][i] > 0:
                        r = max(r - rho[m][i], 0.0)
                    ds.append(r)
                else:
                    break
            ds = sorted(ds, reverse=True)[:ni]
            sig[i] = sum(ds) / len(ds)
        sigma.append(sig)
    score = []
    for m in range(2):
        within = np.array([E[m][NN[m][i, 1:k]].mean(axis=0) for i in range(n)])
        crossp = np.array([E[m][NN[1 - m][i, 1:k]].mean(axis=0) for i in range(n)])
        dw = np.maximum(np.linalg.norm(E[m] - within, axis=1) - rho[m], 0)
        dc = np.maximum(np.linalg.norm(E[m] - crossp, axis=1) - rho[m], 0)
        sc = np.exp(-dw / sigma[m]) / (np.exp(-dc / sigma[m]) + cross)
        score.append(np.clip(sc, 0, 200))
    w1 = np.exp(score[0]) / (np.exp(score[0]) + np.exp(score[1]))
    w = np.stack([w1, 1 - w1], axis=1)
    idx = np.empty((n, k), dtype=np.int32)
    for i in range(n):
        cand, seen = [], set()
        for m in range(2):
            for j in NN[m][i, 1:kr]:
                if j != i and j not in seen:
                    seen.add(j)
                    cand.append(j)
        cand = np.array(cand)
        aff = sum(w[i, m] * np.exp(-np.maximum(D[m][i, cand] - rho[m][i], 0) / sigma[m][i])
                  for m in range(2))
        order = np.argsort(-aff, kind="stable")
        idx[i] = cand[order[:k]]
    return w, idx, np.stack(sigma, axis=1)


def main(argv):
    import warnings
    warnings.filterwarnings("ignore")
    if len(argv) == 3 and argv[0] == "scicar":
        scicar(argv[1], argv[2])
    elif len(argv) == 3 and argv[0] == "cite":
        cite(argv[1], argv[2])
    elif len(argv) == 2 and argv[0] == "wnn":
        d = argv[1]
        w, idx, sig = wnn(binio.read(os.path.join(d, "m1.bin")), binio.read(os.path.join(d, "m2.bin")))
        binio.write(os.path.join(d, "wnn_weight.bin"), w)
        binio.write(os.path.join(d, "wnn_idx.bin"), idx)
        binio.write(os.path.join(d, "wnn_sigma.bin"), sig)
    elif len(argv) >= 3 and argv[0] == "separation":
        separation(argv[1], argv[2:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
