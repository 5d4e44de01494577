"""Independent transcription of scib's hvg_overlap() (metrics/
highly_variable_genes.py) with scanpy's filter_genes(min_cells=1) and
cell_ranger highly_variable_genes taken from tests/oracle/hvg_ref.py (an
independent transcription of scanpy). Used only as a test oracle.

usage: scib_hvg_overlap_ref.py DATA.h5ad BATCH_KEY CORRECTED.h5ad
prints the metric, then one line per batch: name overlap."""
import os
import sys

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hvg_ref import hvg_dispersion, log1p, normalize_total  # noqa: E402


def hvg_names(x, names, n_top):
    """filter_genes(min_cells=1), then cell_ranger HVGs: their names."""
    x = sp.csr_matrix(x)
    keep = np.asarray((x > 0).sum(axis=0)).ravel() >= 1
    x, names = x[:, keep], names[keep]
    sel, _ = hvg_dispersion(x, "cell_ranger", n_top=n_top)
    return set(names[sel])


def main():
    data, batch_key, post_path = sys.argv[1:4]
    pre = ad.read_h5ad(data)
    post = ad.read_h5ad(post_path)
    x = log1p(normalize_total(pre.X, 1e4))
    pos = {g: i for i, g in enumerate(pre.var_names)}
    feats = np.array(post.var_names)
    xpre = x[:, [pos[g] for g in feats]]
    b = pre.obs[batch_key].astype(str).values
    out, lines = [], []
    for batch in pd.unique(b):
        m = b == batch
        xb = sp.csr_matrix(xpre[m])
        n_expr = int((np.asarray((xb > 0).sum(axis=0)).ravel() >= 1).sum())
        n_hvg = min(500, int(0.5 * n_expr))
        before = hvg_names(xb, feats, n_hvg)
        after = hvg_names(post.X[m], feats, len(before))
        v = len(before & after) / min(len(before), len(after))
        out.append(v)
        lines.append(f"{batch} {v!r}")
    print(repr(float(np.mean(out))))
    print("\n".join(lines))


main()
