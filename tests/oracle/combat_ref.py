"""combat_ref - an independent float64 numpy transcription of scanpy's
pp.combat (scverse/scanpy, preprocessing/_combat.py), the oracle of
tests/unit/test_integrate_combat.c. scanpy is not installed here, so this
re-derives the same algorithm in plain numpy: design fit by the normal
equations, pooled variance as the mean squared
residual, per-batch gamma_hat/delta_hat, method-of-moments priors, the
iterated posterior means with scanpy's convergence test (including how NaN
behaves in numpy's max and Python's max), adjustment.

usage:
  combat_ref.py real H5AD OUTDIR [--covariate]
      log1p(CP10k) of the 500 most variable genes of H5AD (batch =
      obs['batch']) -> OUTDIR/x.bin, batch.bin [, cov.bin], expected.bin
  combat_ref.py run OUTDIR
      reads OUTDIR/x.bin, batch.bin [, cov.bin]; writes expected.bin and
      info.bin (n_zero_var, max_iterations)
"""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import binio  # noqa: E402


def it_sol(sb, ghat, dhat, gbar, t2, a, b, conv=1e-4):
    n = (~np.isnan(sb)).sum(axis=1)
    gold, dold = ghat.copy(), dhat.copy()
    gnew, dnew = gold, dold
    change, count = 1.0, 0
    with np.errstate(divide="ignore", invalid="ignore"):
        while change > conv:
            gnew = (t2 * n * ghat + dold * gbar) / (t2 * n + dold)
            resid = sb - gnew[:, None]
            sum2 = (resid * resid).sum(axis=1)
            dnew = (0.5 * sum2 + b) / (n / 2.0 + a - 1.0)
            change = max((np.abs(gnew - gold) / gold).max(), (np.abs(dnew - dold) / dold).max())
            gold, dold = gnew, dnew
            count += 1
    return gnew, dnew, count


def combat(x, batch, cov=None):
    """x: cells x genes; batch: integer codes >= 0; cov: cells x q or None."""
    x = np.asarray(x, dtype=np.float64)
    n, g = x.shape
    levels = np.unique(batch)
    members = [np.flatnonzero(batch == lv) for lv in levels]
    nb = np.array([len(m) for m in members], dtype=np.float64)
    B = len(levels)
    design = np.zeros((n, B))
    for k, m in enumerate(members):
        design[m, k] = 1.0
    if cov is not None:
        design = np.hstack([design, np.asarray(cov, dtype=np.float64)])
    data = x.T  # genes x cells, as scanpy works
    # scanpy: inv(D'D) @ D' @ X'. solve() gives the same up to rounding, and
    # exact batch means for the batch-only design (see the note in combat.c)
    bhat = np.linalg.solve(design.T @ design, design.T @ data.T)
    grand = (nb / n) @ bhat[:B]
    resid = data - (design @ bhat).T
    var_pooled = (resid ** 2).sum(axis=1) / n
    n_zero = int((var_pooled == 0).sum())
    covpart = design.copy()
    covpart[:, :B] = 0
    stand = grand[:, None] + (covpart @ bhat).T
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(var_pooled[:, None] == 0, 0.0, (data - stand) / np.sqrt(var_pooled)[:, None])
    gamma_hat = np.vstack([s[:, m].mean(axis=1) for m in members])
    delta_hat = np.vstack([s[:, m].var(axis=1, ddof=1) for m in members])
    gamma_bar = gamma_hat.mean(axis=1)
    t2 = gamma_hat.var(axis=1)
    mean_d = delta_hat.mean(axis=1)
    var_d = delta_hat.var(axis=1, ddof=1)
    a_prior = (2 * var_d + mean_d ** 2) / var_d
    b_prior = (mean_d * var_d + mean_d ** 3) / var_d
    out = np.empty_like(s)
    maxit = 0
    for k, m in enumerate(members):
        gs, ds, it = it_sol(s[:, m], gamma_hat[k], delta_hat[k], gamma_bar[k], t2[k],
                            a_prior[k], b_prior[k])
        maxit = max(maxit, it)
        out[:, m] = (s[:, m] - gs[:, None]) / np.sqrt(ds)[:, None]
    out = out * np.sqrt(var_pooled)[:, None] + stand
    return out.T.copy(), n_zero, maxit


def prepare_real(h5ad, outdir, with_cov):
    import anndata
    import scipy.sparse as sp

    ad = anndata.read_h5ad(h5ad)
    X = ad.X.tocsr() if sp.issparse(ad.X) else sp.csr_matrix(ad.X)
    X = X.astype(np.float64)
    tot = np.asarray(X.sum(axis=1)).ravel()
    lx = np.log1p(np.asarray(sp.diags(1e4 / tot) @ X.todense()))
    var = lx.var(axis=0)
    top = np.sort(np.argsort(-var, kind="stable")[:500])
    x = np.ascontiguousarray(lx[:, top])
    batch = ad.obs["batch"].cat.codes.to_numpy().astype(np.int32)
    binio.write(os.path.join(outdir, "x.bin"), x)
    binio.write(os.path.join(outdir, "batch.bin"), batch)
    cov = None
    if with_cov:
        cov = np.log1p(tot).reshape(-1, 1)
        binio.write(os.path.join(outdir, "cov.bin"), cov)
    return x, batch, cov


def main(argv):
    if len(argv) >= 3 and argv[0] == "real":
        x, batch, cov = prepare_real(argv[1], argv[2], "--covariate" in argv[3:])
        outdir = argv[2]
    elif len(argv) == 2 and argv[0] == "run":
        outdir = argv[1]
        x = binio.read(os.path.join(outdir, "x.bin"))
        batch = binio.read(os.path.join(outdir, "batch.bin")).ravel()
        cp = os.path.join(outdir, "cov.bin")
        cov = binio.read(cp) if os.path.exists(cp) else None
    else:
        sys.stderr.write(__doc__)
        return 2
    out, n_zero, maxit = combat(x, batch, cov)
    binio.write(os.path.join(outdir, "expected.bin"), out)
    binio.write(os.path.join(outdir, "info.bin"), np.array([n_zero, maxit], dtype=np.int32))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
