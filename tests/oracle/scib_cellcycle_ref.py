"""Independent numpy/pandas transcription of scib's cell_cycle() (metrics/
cell_cycle.py, with linreg_method="numpy") and of what it calls: scib's
score_cell_cycle gene matching, scanpy's score_genes_cell_cycle /
score_genes (random_state 0: np.random.seed(0) and pandas' sample on the
global generator, as scanpy does) and scib's pc_regression (a PCA by numpy's
SVD, R^2 of each component by the pseudo-inverse least squares). Used only
as a test oracle.

usage: scib_cellcycle_ref.py DATA.h5ad GENES.tsv BATCH_KEY EMB.h5ad [COUNTS_LAYER]
prints the metric, then one line per batch: name before after score."""
import sys

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp


def lognorm(x):
    x = sp.csr_matrix(x, dtype=np.float64, copy=True)
    tot = np.asarray(x.sum(axis=1)).ravel()
    tot = tot + (tot == 0)
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    x.data = np.log1p(x.data / (tot / 1e4)[rows])
    return x


def filter_genes(var_names, df):
    """scib's filter_genes: the column with the larger overlap, names first."""
    n, genes = 0, None
    for col in ("gene_name", "gene_id"):
        g = [v for v in df[col] if v in var_names]
        if len(g) > n:
            n, genes = len(g), g
    return genes


def score_genes(x, var_names, gene_list, ctrl_size, n_bins=25):
    np.random.seed(0)
    gene_list = pd.Index(gene_list)
    obs_avg = pd.Series(np.asarray(x.sum(axis=0)).ravel() / x.shape[0], index=var_names)
    obs_avg = obs_avg[np.isfinite(obs_avg)]
    n_items = int(np.round(len(obs_avg) / (n_bins - 1)))
    obs_cut = obs_avg.rank(method="min") // n_items
    control = pd.Index([])
    for cut in np.unique(obs_cut.loc[gene_list]):
        r_genes = obs_cut[obs_cut == cut].index
        if ctrl_size < len(r_genes):
            r_genes = r_genes.to_series().sample(ctrl_size).index
        r_genes = r_genes.difference(gene_list)
        control = control.union(r_genes)
    pos = {g: i for i, g in enumerate(var_names)}
    xd = x.toarray()
    return (xd[:, [pos[g] for g in gene_list]].mean(axis=1)
            - xd[:, [pos[g] for g in control]].mean(axis=1))


def pc_regression(data, cov, n_comps=50):
    data = data.toarray() if sp.issparse(data) else np.asarray(data, dtype=np.float64)
    n_comps = min(n_comps, min(data.shape))
    xc = data - data.mean(axis=0)
    u, s, _ = np.linalg.svd(xc, full_matrices=False)
    pcs = (u * s)[:, :n_comps]
    var = (s ** 2 / (data.shape[0] - 1))[:n_comps]
    X = np.hstack([np.ones((cov.shape[0], 1)), cov])
    beta = np.linalg.pinv(X.T @ X) @ X.T @ pcs
    pred = X @ beta
    r2 = 1 - np.sum((pcs - pred) ** 2, axis=0) / np.sum((pcs - pcs.mean(axis=0)) ** 2, axis=0)
    r2 = np.maximum(0, r2)
    return float(np.sum(r2 * (var / var.sum())))


def main():
    data, genes, batch_key, emb_path = sys.argv[1:5]
    layer = sys.argv[5] if len(sys.argv) > 5 else None
    a = ad.read_h5ad(data)
    x = lognorm(a.layers[layer] if layer else a.X)
    emb = ad.read_h5ad(emb_path).obsm["X_emb"]
    df = pd.read_csv(genes, sep="\t")
    var_names = pd.Index(a.var_names)
    s_genes = filter_genes(var_names, df[df.phase == "S"])
    g2m_genes = filter_genes(var_names, df[df.phase == "G2/M"])
    ctrl = min(len(s_genes), len(g2m_genes))
    b = a.obs[batch_key].astype(str).values
    scores = []
    lines = []
    for batch in pd.unique(b):
        m = b == batch
        xs = x[m]
        cov = np.column_stack([score_genes(xs, var_names, s_genes, ctrl),
                               score_genes(xs, var_names, g2m_genes, ctrl)])
        before = pc_regression(xs, cov)
        after = pc_regression(emb[m], cov)
        score = 1 - abs(after - before) / before
        if score < 0:
            score = 0
        scores.append(score)
        lines.append(f"{batch} {before!r} {after!r} {score!r}")
    print(repr(float(np.nanmean(scores))))
    print("\n".join(lines))


main()
