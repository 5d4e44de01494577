#!/usr/bin/python3
"""Is a `sceval simulate` file realistic? Checks with anndata and numpy.

usage: sim_realism.py FILE

- cell types separable: 5-fold nearest-centroid accuracy on log1p(CP10k)
  well above chance, and far above the same with shuffled labels;
- batch effect present: batch predicted above chance the same way;
- sparsity plausible: zero fraction between 30% and 97%;
- overdispersion: within one type and batch, variance > mean for most genes
  of mean > 1 (negative binomial, not Poisson);
- library sizes: median total counts in [1000, 50000], spread (CV > 0.2).
Prints "ok - ..." / "not ok - ..." lines with the figures.
"""
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")
import anndata  # noqa: E402

ad = anndata.read_h5ad(sys.argv[1])
X = ad.X.toarray().astype(np.float64)
lib = X.sum(1)
L = np.log1p(X / np.maximum(lib, 1)[:, None] * 1e4)
rng = np.random.default_rng(0)


def report(ok, what):
    print(("ok - " if ok else "not ok - ") + what)


def centroid_acc(y, folds=5):
    idx = rng.permutation(len(y))
    correct = 0
    for f in range(folds):
        test = idx[f::folds]
        train = np.setdiff1d(idx, test)
        cats = np.unique(y[train])
        cen = np.stack([L[train][y[train] == c].mean(0) for c in cats])
        d = ((L[test][:, None, :] - cen[None]) ** 2).sum(-1)
        correct += (cats[d.argmin(1)] == y[test]).sum()
    return correct / len(y)


types = np.asarray(ad.obs["cell_type"].cat.codes)
batches = np.asarray(ad.obs["batch"].cat.codes)
k = len(ad.obs["cell_type"].cat.categories)
acc = centroid_acc(types)
shuf = centroid_acc(rng.permutation(types))
report(acc > max(0.8, 2.5 / k) and acc - shuf > 0.4,
       f"cell types separable: nearest-centroid accuracy {acc:.3f}, shuffled {shuf:.3f}, chance {1 / k:.3f}")
nb = len(ad.obs["batch"].cat.categories)
if nb > 1:
    bacc = centroid_acc(batches)
    report(bacc > 1.0 / nb + 0.15, f"batch effect present: batch accuracy {bacc:.3f}, chance {1 / nb:.3f}")
zf = (X == 0).mean()
report(0.3 < zf < 0.97, f"zero fraction {zf:.3f} in (0.3, 0.97)")
sel = (types == 0) & (batches == 0)
m, v = X[sel].mean(0), X[sel].var(0, ddof=1)
genes = m > 1
share = (v[genes] > m[genes]).mean() if genes.any() else 0
report(genes.sum() >= 20 and share > 0.9,
       f"overdispersion: variance > mean for {share:.3f} of {genes.sum()} genes with mean > 1")
med, cv = np.median(lib), lib.std() / lib.mean()
report(1000 <= med <= 50000 and cv > 0.2, f"library sizes: median {med:.0f}, CV {cv:.2f}")
report(np.array_equal(X, np.round(X)) and X.min() >= 0, "values are non-negative integers")
