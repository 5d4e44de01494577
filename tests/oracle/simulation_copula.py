"""copula_nb's gene-gene correlations against a numpy/scipy transcription of
scDesign3's model, on the genes with the largest share of the counts.

Usage: simulation_copula.py REAL.h5ad SIMULATED.h5ad MODEL.tsv TYPE_KEY [REPLICATES]

The transcription takes the fitted NB margins from MODEL.tsv (checked
against MASS::glm.nb elsewhere) and redoes the rest from the published
definition: per cell type the randomised PIT u = F(y-1) + V (F(y) - F(y-1))
of the real counts, normal scores Phi^-1(u), their correlation R; new cells
z ~ N(0, R), y = F^-1(Phi(z)) with the real cells' library sizes. It makes
REPLICATES such simulations; their spread is the sampling error of the
statistics below (pooled over cell types, top-20 share genes):
  ns   mean off-diagonal correlation of the simulated cells' normal scores
  sp   mean off-diagonal Spearman correlation of the simulated counts
sceval's simulated file must lie within 4 sd of the replicates on both.
Also printed and checked: the real data's Spearman (above the model's, the
documented limit) and the log-log slope of the top genes' counts on the
library size (above 1: the offset fixes it at 1).
Prints the figures, then "ok" or "bad: ...".
"""
import sys

import anndata as ad
import numpy as np
import pandas as pd
import scipy.stats as st

real, simf, modelf, key = sys.argv[1:5]
reps = int(sys.argv[5]) if len(sys.argv) > 5 else 20
a, s = ad.read_h5ad(real), ad.read_h5ad(simf)
X = np.asarray(a.X.toarray() if hasattr(a.X, "toarray") else a.X, dtype=float)
Y = np.asarray(s.X.toarray() if hasattr(s.X, "toarray") else s.X, dtype=float)
m = pd.read_csv(modelf, sep="\t", index_col=0)
assert list(m.index) == list(a.var_names) and Y.shape == X.shape
t = a.obs[key].astype(str).values
lev = list(a.obs[key].cat.categories) if hasattr(a.obs[key], "cat") else sorted(set(t))
lev = [c for c in lev if (t == c).any()]
coef = m.iloc[:, 4:].values
theta = m.theta.values
lib = X.sum(1)
share = X.sum(0) / X.sum()
top = np.argsort(-share, kind="stable")[:20]
mid = np.argsort(-share, kind="stable")[100:120]
rng = np.random.default_rng(12345)


def mu_of(c, libs, genes):
    j = lev.index(c)
    e = coef[genes, 0] + (coef[genes, j] if j > 0 else 0)
    return libs[:, None] * np.exp(e)[None, :]


def scores(Z, mu, th):
    p = th / (th + mu)
    hi = st.nbinom.cdf(Z, th, p)
    lo = np.where(Z > 0, st.nbinom.cdf(Z - 1, th, p), 0)
    u = np.clip(lo + rng.uniform(size=Z.shape) * (hi - lo), 1e-15, 1 - 1e-15)
    return st.norm.ppf(u)


def off(C):
    return C[np.triu_indices_from(C, 1)]


def stats(data, sel):
    ns, sp, w_all = [], [], []
    for c in lev:
        w = t == c
        mu = mu_of(c, lib[w], sel)
        ns.append(off(np.corrcoef(scores(data[w][:, sel], mu, theta[sel]).T)).mean())
        sp.append(off(st.spearmanr(data[w][:, sel]).statistic).mean())
        w_all.append(w.sum())
    w_all = np.array(w_all, dtype=float)
    return np.average(ns, weights=w_all), np.average(sp, weights=w_all)


# The transcription's fit: R per type on all genes' normal scores; the
# top genes' block of it is the copula of those genes (a Gaussian's margin).
R = {}
for c in lev:
    w = t == c
    genes = np.arange(X.shape[1])
    R[c] = np.corrcoef(scores(X[w], mu_of(c, lib[w], genes), theta).T)[np.ix_(top, top)]

sims = []
for r in range(reps):
    Z = np.zeros_like(X)
    for c in lev:
        w = t == c
        L = np.linalg.cholesky(R[c] + 1e-12 * np.eye(len(top)))
        z = rng.standard_normal((w.sum(), len(top))) @ L.T
        mu = mu_of(c, lib[w], top)
        p = theta[top] / (theta[top] + mu)
        Z[np.ix_(w, top)] = st.nbinom.ppf(np.clip(st.norm.cdf(z), 1e-15, 1 - 1e-15), theta[top], p)
    sims.append(stats(Z, top))
sims = np.array(sims)
mean, sd = sims.mean(0), sims.std(0, ddof=1)
got = stats(Y, top)
real_sp = stats(X, top)[1]


def slope(sel):
    out = []
    for c in lev:
        w = t == c
        for g in sel:
            k = X[w][:, g] > 0
            out.append(np.polyfit(np.log(lib[w][k]), np.log(X[w][k, g]), 1)[0])
    return np.median(out)


st_top, st_mid = slope(top), slope(mid)
print("normal-score corr: sceval %.4f transcription %.4f (sd %.4f)" % (got[0], mean[0], sd[0]))
print("Spearman: sceval %.4f transcription %.4f (sd %.4f) real %.4f" % (got[1], mean[1], sd[1], real_sp))
print("log-log slope on library size: top-20 share genes %.2f, genes ranked 100-120 %.2f" % (st_top, st_mid))
bad = []
for i, name in enumerate(("normal-score corr", "Spearman")):
    if abs(got[i] - mean[i]) > 4 * sd[i]:
        bad.append(f"{name} off the transcription by {abs(got[i] - mean[i]) / sd[i]:.1f} sd")
if not real_sp > mean[1] + 4 * sd[1]:
    bad.append("the real Spearman is not above the model's")
if not (st_top > 1.1 and st_mid < 1):
    bad.append("slopes")
print("ok" if not bad else "bad: " + "; ".join(bad))
