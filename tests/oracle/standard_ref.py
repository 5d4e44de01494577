"""standard_ref - oracle of tests/unit/test_integrate_standard.c: the
standard scanpy pipeline written out in numpy/pandas/sklearn, following
scanpy's definitions (pp.normalize_total with target_sum, pp.log1p,
pp.highly_variable_genes(flavor='seurat', n_top_genes), pp.scale(max_value),
pp.pca via sklearn's full-SVD PCA), float64 throughout.

usage: standard_ref.py H5AD OUTDIR N_TOP N_COMPS
  -> OUTDIR/counts.bin (dense raw counts of X), hvg.bin (0/1 per gene),
     expected.bin (PCA scores, cells x N_COMPS), and when obs has them,
     batch.bin (obs['batch'] codes) and labels.bin (obs['cell_line'] codes)
"""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import binio  # noqa: E402


def hvg_seurat(logx, n_top, n_bins=20):
    """scanpy's flavor='seurat' with n_top_genes: dispersions of expm1(X),
    normalised within 20 equal-width bins of log1p(mean), cut at the
    n_top-th largest normalised dispersion."""
    import pandas as pd

    x = np.expm1(logx)
    mean = x.mean(axis=0)
    var = x.var(axis=0, ddof=1)
    mean[mean == 0] = 1e-12
    disp = var / mean
    disp[disp == 0] = np.nan
    disp = np.log(disp)
    mean = np.log1p(mean)
    df = pd.DataFrame({"means": mean, "dispersions": disp})
    df["mean_bin"] = pd.cut(df["means"], bins=n_bins)
    grouped = df.groupby("mean_bin")["dispersions"]
    bmean, bstd = grouped.mean(), grouped.std(ddof=1)
    single = bstd.isnull()
    bstd[single.values] = bmean[single.values]
    bmean[single.values] = 0
    norm = (df["dispersions"].values - bmean[df["mean_bin"].values].values) / \
        bstd[df["mean_bin"].values].values
    valid = norm[~np.isnan(norm)]
    cut = np.sort(valid)[::-1][n_top - 1]
    return np.nan_to_num(norm) >= cut


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    import anndata
    import scipy.sparse as sp
    from sklearn.decomposition import PCA

    h5ad, out, n_top, n_comps = argv[0], argv[1], int(argv[2]), int(argv[3])
    ad = anndata.read_h5ad(h5ad)
    counts = np.asarray(ad.X.todense() if sp.issparse(ad.X) else ad.X, dtype=np.float64)
    tot = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        logx = np.log1p(np.where(tot > 0, counts / tot * 1e4, 0))
    keep = hvg_seurat(logx, n_top) if 0 < n_top < counts.shape[1] else np.ones(counts.shape[1], bool)
    x = logx[:, keep]
    sd = x.std(axis=0, ddof=1)
    sd[sd == 0] = 1
    x = np.clip((x - x.mean(axis=0)) / sd, -10, 10)
    scores = PCA(n_components=n_comps, svd_solver="full").fit_transform(x)
    binio.write(os.path.join(out, "counts.bin"), counts)
    binio.write(os.path.join(out, "hvg.bin"), keep.astype(np.int32))
    binio.write(os.path.join(out, "expected.bin"), scores)
    for col, name in (("batch", "batch"), ("cell_line", "labels")):
        if col in ad.obs:
            codes = ad.obs[col].astype("category").cat.codes.to_numpy().astype(np.int32)
            binio.write(os.path.join(out, name + ".bin"), codes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
