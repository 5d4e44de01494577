#!/usr/bin/python3
"""Oracles for the scIB metric tests (tests/unit/test_scib_*.c).

usage: scib_ref.py CMD OUTDIR DATADIR [ARGS]

  real FILE LABEL BATCH [NCOMP]   a real data set: embedding, graphs, every
                                  metric's reference value
  bench N D TYPES BATCHES SEED    a simulated embedding for bench/scib.sh
  agg                             a methods x metrics table and its aggregates

References are sklearn / scipy where scib calls them, and otherwise
straightforward numpy transcriptions of scib's formulas written for these
tests (scib itself is not installed): scib's knn_graph.cpp shortest-path
search including its heap layout, lisi.py's bisection, kbet.py +
utils.diffusion_nn + the kBET R test, pcr.py, isolated_labels.py;
clustering.py's Leiden sweep on python3-leidenalg (leiden_ref.py). Inputs and
outputs go to OUTDIR in the raw layout of tests/unit/core_oracle.h.
"""
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_oracle import (knn_with_self, lognorm, read, umap_connectivities,  # noqa: E402
                         write_csr, write_d, write_i)

warnings.filterwarnings("ignore")


# ---------------------------------------------------------------- inputs

def codes(series):
    import pandas as pd
    c = pd.Categorical(series)
    c = c.remove_unused_categories()
    return np.asarray(c.codes, dtype=np.int64)


def embedding(a, ncomp):
    """PCA of log-normalised counts (top-variance genes), and a crude
    'integration': the same scores with each batch's mean removed."""
    from sklearn.decomposition import PCA
    x = np.asarray(lognorm(a.X).todense())
    var = x.var(axis=0)
    keep = np.argsort(-var, kind="stable")[:2000]
    x = x[:, np.sort(keep)]
    p = PCA(n_components=ncomp, svd_solver="full")
    s = p.fit_transform(x)
    return s, p.explained_variance_


# ------------------------------------------------ scib knn_graph.cpp search

class Heap:
    """knn_graph.cpp's PriorityQueue: parent of slot s is s // 2, children of
    s are 2s and 2s + 1 (so slot 0's only child is slot 1)."""

    def __init__(self, is_min):
        self.e = []      # [index, weight]
        self.pos = {}
        self.is_min = is_min

    def less(self, a, b):
        return a < b if self.is_min else a > b

    def swap(self, a, b):
        self.e[a], self.e[b] = self.e[b], self.e[a]

    def up(self, s):
        if s == 0 or s >= len(self.e):
            return
        cur = self.e[s][0]
        while s > 0:
            p = s // 2
            if self.less(self.e[s][1], self.e[p][1]):
                self.pos[self.e[p][0]] = s
                self.pos[cur] = p
                self.swap(s, p)
                s = p
            else:
                break

    def down(self, s):
        if s >= len(self.e):
            return
        cur = self.e[s][0]
        while True:
            left, right = 2 * s, 2 * s + 1
            if right < len(self.e):
                sel = left if self.less(self.e[left][1], self.e[right][1]) else right
            elif left < len(self.e):
                sel = left
            else:
                break
            if self.less(self.e[sel][1], self.e[s][1]):
                self.pos[self.e[sel][0]] = s
                self.pos[cur] = sel
                self.swap(s, sel)
                s = sel
            else:
                break

    def insert(self, index, w):
        self.e.append([index, w])
        self.pos[index] = len(self.e) - 1
        self.up(len(self.e) - 1)

    def pop(self):
        res = self.e[0]
        self.swap(0, len(self.e) - 1)
        self.pos[self.e[0][0]] = 0
        del self.pos[res[0]]
        self.e.pop()
        self.down(0)
        return res

    def update(self, s, w):
        if self.less(w, self.e[s][1]):
            self.e[s][1] = w
            self.up(s)
        elif self.less(self.e[s][1], w):
            self.e[s][1] = w
            self.down(s)

    def erase(self, s):
        index = self.e[s][0]
        old, new = self.e[s][1], self.e[-1][1]
        self.swap(s, len(self.e) - 1)
        self.pos[self.e[s][0]] = s
        del self.pos[index]
        self.e.pop()
        if self.less(old, new):
            self.down(s)
        else:
            self.up(s)


def graph_knn(g, k):
    """Top-k shortest-path neighbours of every cell, as knn_graph.cpp finds
    them (edge length = stored value). Returns lists per cell (None for a
    cell without edges)."""
    ip, ix, dx = g.indptr, g.indices, g.data
    out = []
    for start in range(g.shape[0]):
        if ip[start + 1] == ip[start]:
            out.append(None)
            continue
        mn, mx = Heap(True), Heap(False)
        mn.insert(start, 0.0)
        mx.insert(start, 0.0)
        res = []
        while mn.e:
            cur, cw = mn.pop()
            if cur != start:
                res.append((cur, cw))
                if len(res) >= k:
                    break
            for p in range(ip[cur], ip[cur + 1]):
                col = int(ix[p])
                nd = cw + float(dx[p])
                if col in mx.pos:
                    if col in mn.pos and nd < mn.e[mn.pos[col]][1]:
                        mn.update(mn.pos[col], nd)
                        mx.update(mx.pos[col], nd)
                elif len(mx.e) <= k:
                    mn.insert(col, nd)
                    mx.insert(col, nd)
                elif nd < mx.e[0][1]:
                    worst = mx.pop()
                    mn.erase(mn.pos[worst[0]])
                    mn.insert(col, nd)
                    mx.insert(col, nd)
        out.append(res)
    return out


# ------------------------------------------------------------------ LISI

def hbeta(d, beta, mask=None):
    p = np.exp(-d * beta)
    if mask is not None:
        p = np.where(mask, p, 0)
    s = np.nansum(p)
    if s == 0:
        return 0, np.zeros(len(d))
    h = np.log(s) + beta * np.nansum(d * p) / s
    return h, p / s


def neighbour_p(d, perplexity, strict, mask=None, tol=1e-5):
    beta, bmin, bmax = 1.0, -np.inf, np.inf
    h, p = hbeta(d, beta, mask)
    logu = np.log(perplexity)
    diff = h - logu
    tries = 0
    while (abs(diff) > tol if strict else abs(diff) >= tol) and tries < 50:
        if diff > 0:
            bmin = beta
            beta = beta * 2 if bmax == np.inf else (beta + bmax) / 2
        else:
            bmax = beta
            beta = beta / 2 if bmin == -np.inf else (beta + bmin) / 2
        h, p = hbeta(d, beta, mask)
        diff = h - logu
        tries += 1
    return h, p


def simpson(p, cats, ncat):
    s = np.bincount(cats, weights=p, minlength=ncat)
    return np.dot(s, s)


def lisi_graph(nbrs, k0, vecs):
    """scib lisi_graph_py + compute_simpson_index_graph on the C++ output
    (distances printed with 6 significant digits)."""
    perp = np.floor(k0 / 3)
    out = [np.full(len(nbrs), np.nan) for _ in vecs]
    for i, r in enumerate(nbrs):
        if r is None:
            continue
        if len(r) < k0:
            for o in out:
                o[i] = 1.0
            continue
        idx = np.array([c for c, _ in r])
        d = np.array([float("%.6g" % w) for _, w in r])
        h, p = neighbour_p(d, perp, True)
        for o, (c, nc) in zip(out, vecs):
            o[i] = -1.0 if h == 0 else 1.0 / simpson(p, c[idx], nc)
    return out


def lisi_knn(idx, dist, vecs):
    """scib-metrics lisi_knn (self masked, '>= tol'), in float64."""
    n, k = idx.shape
    perp = np.floor(k / 3)
    out = [np.full(n, np.nan) for _ in vecs]
    for i in range(n):
        mask = idx[i] != i
        h, p = neighbour_p(dist[i], perp, False, mask)
        for o, (c, nc) in zip(out, vecs):
            o[i] = -1.0 if h == 0 else 1.0 / simpson(p, c[idx[i]], nc)
    return out


def scale_lisi(cells, n, kind):
    med = np.nanmedian(cells)
    return (med - 1) / (n - 1) if kind == "i" else (n - med) / (n - 1)


# ------------------------------------------------------------------ kBET

class NeighborsError(Exception):
    pass


def diffusion_nn(c, k):
    """scib utils.diffusion_nn (dense), neighbours ordered by score then index."""
    import scipy.sparse as sp
    t = sp.diags(1 / np.asarray(c.sum(1)).ravel()) @ c
    t = sp.csr_matrix(t)
    m = (t @ t).toarray()
    agg = t @ m
    m += t.toarray()
    m += agg
    i = 4
    while np.count_nonzero(m, axis=1).min() < k + 1 and i < 26:
        agg = t @ agg
        m += agg
        i += 1
    if (m > 0).sum(1).min() < k + 1:
        raise NeighborsError()
    np.fill_diagonal(m, 0)
    n = m.shape[0]
    out = np.empty((n, k), dtype=np.int64)
    ar = np.arange(n)
    for r in range(n):
        out[r] = np.lexsort((ar, -m[r]))[:k]
    return out


def kbet_test(nn, b, k0, alpha):
    """R kBET on every cell: neighbourhood = self + first k0 - 1 columns
    (rows of -1: no neighbours); expected = k0 * label frequencies."""
    from scipy.stats import chi2
    m = len(b)
    cls, cnt = np.unique(b, return_counts=True)
    freq = cnt / m
    dof = len(cls) - 1
    p = np.empty(m)
    for r in range(m):
        env = [r] + [v for v in nn[r, :k0 - 1] if v >= 0]
        obs = np.array([np.sum(b[env] == c) for c in cls])
        ex = freq * k0
        chi = np.sum((obs - ex) ** 2 / ex)
        p[r] = chi2.sf(chi, dof)
    return p, np.mean(p < alpha)


def kbet_knn(idx, bat, alpha=0.05):
    """scib-metrics kbet() on a neighbour table (self column included)."""
    from scipy.special import gammainc
    nb = len(np.unique(bat))
    k = idx.shape[1]
    freq = np.bincount(bat, minlength=nb) / len(bat)
    obs = np.array([np.bincount(bat[r], minlength=nb) for r in idx])
    ex = freq * k
    stat = ((obs - ex) ** 2 / ex).sum(axis=1)
    p = 1 - gammainc((nb - 1) / 2, stat / 2)
    return np.mean(p >= alpha), p


def kbet(conn, lab, bat, alpha=0.05):
    from scipy.sparse.csgraph import connected_components
    L = lab.max() + 1
    rate = np.full(L, np.nan)
    k0s = np.zeros(L, dtype=np.int64)
    pcell = np.full(len(lab), np.nan)
    for l in range(L):
        rows = np.flatnonzero(lab == l)
        m = len(rows)
        b = bat[rows]
        nb = len(np.unique(b))
        if m == 0 or m < 10 or nb == 1:
            continue
        quarter = int(np.floor(np.mean(np.unique(b, return_counts=True)[1]) / 4))
        k0 = min(70, max(10, quarter))
        k0s[l] = k0
        sub = conn[rows][:, rows]
        ncomp, comp = connected_components(sub, connection="strong")
        nn = -np.ones((m, k0), dtype=np.int64)
        try:
            if ncomp == 1:
                nn = diffusion_nn(sub, k0)
            else:
                sizes = np.bincount(comp)
                keep = np.flatnonzero(sizes[comp] >= 3 * k0)
                if len(keep) / m < 0.75:
                    rate[l] = 1.0
                    continue
                ss = sub[keep][:, keep]
                nk = diffusion_nn(ss, k0)
                nn[keep] = keep[nk]
        except NeighborsError:
            rate[l] = 1.0
            continue
        p, r = kbet_test(nn, b, k0, alpha)
        pcell[rows] = p
        rate[l] = r
    score = 1 - np.nanmean(rate) if np.any(~np.isnan(rate)) else np.nan
    return score, rate, k0s, pcell


# ------------------------------------------------------------------- PCR

def pc_regression(data, cov, pca_var=None, n_comps=50):
    import pandas as pd
    from sklearn.decomposition import PCA
    if pca_var is None:
        if n_comps is None or n_comps > min(data.shape):
            n_comps = min(data.shape)
        p = PCA(n_components=n_comps, svd_solver="full")
        xp = p.fit_transform(data)
        pca_var = p.explained_variance_
    else:
        xp = data
    x = pd.get_dummies(pd.Categorical(cov)).to_numpy().astype(float)
    x = np.hstack([np.ones((x.shape[0], 1)), x])
    beta = np.linalg.pinv(x.T @ x) @ x.T @ xp
    pred = x @ beta
    sst = np.sum((xp - xp.mean(axis=0)) ** 2, axis=0)
    ssr = np.sum((xp - pred) ** 2, axis=0)
    r2 = np.maximum(0, 1 - ssr / sst)
    w = pca_var / sum(pca_var)
    return sum(r2 * w), r2


# -------------------------------------------------------- isolated labels

def isolated_labels(lab, bat):
    import pandas as pd
    df = pd.DataFrame({"l": lab, "b": bat}).drop_duplicates()
    per = df.groupby("l").agg({"b": "count"})
    thr = per["b"].min()
    if thr == len(np.unique(bat)):
        return []
    return per.index[per["b"] <= thr].tolist()


def max_f1(clus, lab, label):
    from sklearn.metrics import f1_score
    best = 0
    for c in np.unique(clus):
        f = f1_score(clus == c, lab == label)
        best = max(best, f)
    return best


# ------------------------------------------- cluster_optimal_resolution

def leiden_sweep(out, g15, lab):
    """scib's cluster_optimal_resolution with its defaults: sc.tl.leiden
    (leidenalg as scanpy 1.9 calls it, random_state 0) at 2 * i / 10 for
    i = 1..10, NMI against the labels, the first strict maximum above 0;
    ARI on that clustering. Returns the memberships."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from leiden_ref import scanpy_leiden
    res = [2 * x / 10 for x in range(1, 11)]
    memb = [scanpy_leiden(g15, r, 0, True) for r in res]
    nmi = [normalized_mutual_info_score(m, lab, average_method="arithmetic") for m in memb]
    best, top = None, 0
    for k, v in enumerate(nmi):
        if v > top:
            best, top = k, v
    write_d(f"{out}/leiden_nmi.bin", nmi)
    write_d(f"{out}/leiden_best.bin", [top, adjusted_rand_score(lab, memb[best]), res[best],
                                       len(np.unique(memb[best]))])
    return memb


# ---------------------------------------------------------------- commands

def cmd_real(out, data, args):
    import pandas as pd
    from scipy.sparse.csgraph import connected_components
    from sklearn.cluster import KMeans
    from sklearn.metrics import (adjusted_rand_score, normalized_mutual_info_score,
                                 silhouette_samples)
    fname, lkey, bkey = args[0], args[1], args[2]
    ncomp = int(args[3]) if len(args) > 3 else 30
    jitter = float(args[4]) if len(args) > 4 else 0.0
    a = read(data, fname)
    lab = codes(a.obs[lkey])
    bat = codes(a.obs[bkey])
    L, B = lab.max() + 1, bat.max() + 1
    pre, pre_var = embedding(a, ncomp)
    emb = pre.copy()
    if jitter:
        # cells with identical counts have identical embeddings; sklearn's
        # distance between them is the rounding noise of |x|^2 + |y|^2 - 2xy
        # (~1e-8), which no other computation reproduces: separate them
        emb += jitter * np.random.default_rng(0).standard_normal(emb.shape)
    for b in range(B):
        emb[bat == b] -= emb[bat == b].mean(axis=0)
    n = emb.shape[0]
    write_d(f"{out}/pre.bin", pre)
    write_d(f"{out}/pre_var.bin", pre_var)
    write_d(f"{out}/emb.bin", emb)
    write_i(f"{out}/labels.bin", lab)
    write_i(f"{out}/batches.bin", bat)
    write_d(f"{out}/sizes.bin", np.array([L, B]))

    idx, _ = knn_with_self(emb, min(90, n))
    # sklearn's kneighbors distances carry the rounding of |x|^2 + |y|^2 -
    # 2xy (a cell is ~1e-7 from itself, which UMAP would take for rho);
    # scanpy's dense path and the core's kNN give true distances
    dist = np.sqrt(((emb[:, None, :] - emb[idx]) ** 2).sum(-1))
    write_i(f"{out}/knn_i.bin", idx)
    write_d(f"{out}/knn_d.bin", dist)
    g15 = umap_connectivities(idx[:, :15], dist[:, :15])
    g50 = umap_connectivities(idx[:, :50], dist[:, :50])
    g15.sort_indices()  # the edge order Leiden sees is the file's
    write_csr(f"{out}/g15.bin", g15)
    write_csr(f"{out}/g50.bin", g50)
    leiden = leiden_sweep(out, g15, lab)

    # silhouettes
    s = silhouette_samples(emb, lab)
    write_d(f"{out}/sil_label.bin", s)
    write_d(f"{out}/asw_label.bin", (np.mean(s) + 1) / 2)
    recs = []
    cell = np.full(n, np.nan)
    for l in pd.unique(lab):
        rows = np.flatnonzero(lab == l)
        nb = len(np.unique(bat[rows]))
        if nb == 1 or nb == len(rows):
            continue
        v = 1 - np.abs(silhouette_samples(emb[rows], bat[rows]))
        cell[rows] = v
        recs += [(l, x) for x in v]
    df = pd.DataFrame.from_records(recs, columns=["g", "s"])
    means = df.groupby("g").mean()["s"] if len(df) else pd.Series(dtype=float)
    per = np.full(L, np.nan)
    per[means.index.values] = means.values
    write_d(f"{out}/asw_batch_cell.bin", cell)
    write_d(f"{out}/asw_batch_label.bin", per)
    write_d(f"{out}/asw_batch.bin", means.mean() if len(df) else np.nan)

    # partitions: k-means clusterings stand in for a resolution sweep
    clus = np.array([KMeans(n_clusters=k, n_init=3, random_state=k).fit_predict(emb)
                     for k in (2, 3, 4, 6, 9)])
    write_i(f"{out}/clus.bin", clus)
    write_d(f"{out}/nmi.bin", [normalized_mutual_info_score(c, lab) for c in clus])
    write_d(f"{out}/ari.bin", [adjusted_rand_score(c, lab) for c in clus])

    # graph connectivity
    gc = []
    for l in range(L):
        rows = np.flatnonzero(lab == l)
        _, cc = connected_components(g15[rows][:, rows], connection="strong")
        t = np.bincount(cc)
        gc.append(t.max() / t.sum())
    write_d(f"{out}/graph_conn_label.bin", gc)
    write_d(f"{out}/graph_conn.bin", np.mean(gc))

    # graph LISI (shortest paths as knn_graph.cpp), scib-metrics kNN LISI
    if n <= 2000:
        nb = graph_knn(g15, 90)
        gi = -np.ones((n, 90), dtype=np.int64)
        gd = np.full((n, 90), np.nan)
        for i, r in enumerate(nb):
            if r:
                gi[i, :len(r)] = [c for c, _ in r]
                gd[i, :len(r)] = [w for _, w in r]
        write_i(f"{out}/gknn_i.bin", gi)
        write_d(f"{out}/gknn_d.bin", gd)
        li, lc = lisi_graph(nb, 90, [(bat, B), (lab, L)])
        write_d(f"{out}/lisi_i_cell.bin", li)
        write_d(f"{out}/lisi_c_cell.bin", lc)
        write_d(f"{out}/ilisi.bin", scale_lisi(li, B, "i") if B > 1 else np.nan)
        write_d(f"{out}/clisi.bin", scale_lisi(lc, L, "c") if L > 1 else np.nan)
    ki, kc = lisi_knn(idx, dist, [(bat, B), (lab, L)])
    write_d(f"{out}/lisik_i_cell.bin", ki)
    write_d(f"{out}/lisik_c_cell.bin", kc)
    write_d(f"{out}/ilisik.bin", scale_lisi(ki, B, "i") if B > 1 else np.nan)
    write_d(f"{out}/clisik.bin", scale_lisi(kc, L, "c") if L > 1 else np.nan)

    # kBET
    score, rate, k0s, pcell = kbet(g50, lab, bat)
    write_d(f"{out}/kbet.bin", score)
    write_d(f"{out}/kbet_rate.bin", rate)
    write_i(f"{out}/kbet_k0.bin", k0s)
    write_d(f"{out}/kbet_p.bin", pcell)
    acc, pk = kbet_knn(idx[:, :50], bat)
    write_d(f"{out}/kbetk.bin", acc)
    write_d(f"{out}/kbetk_p.bin", pk)

    # PCR: before on the PCA with its variances, after on the embedding
    before, r2b = pc_regression(pre, bat, pca_var=pre_var)
    after, _ = pc_regression(emb, bat, n_comps=50)
    write_d(f"{out}/pcr_before.bin", before)
    write_d(f"{out}/pcr_before_r2.bin", r2b)
    write_d(f"{out}/pcr_after.bin", after)
    cmp_ = (before - after) / before
    write_d(f"{out}/pcr_cmp.bin", max(cmp_, 0))

    # isolated labels
    iso = isolated_labels(lab, bat)
    f1 = np.full(L, np.nan)
    asw = np.full(L, np.nan)
    for l in iso:
        f1[l] = max(max_f1(c, lab, l) for c in clus)
        asw[l] = (s[lab == l].mean() + 1) / 2
    write_d(f"{out}/iso_f1_label.bin", f1)
    write_d(f"{out}/iso_asw_label.bin", asw)
    write_d(f"{out}/iso_f1.bin", np.nanmean(f1) if iso else np.nan)
    f1 = np.full(L, np.nan)
    for l in iso:
        f1[l] = max(max_f1(c, lab, l) for c in leiden)
    write_d(f"{out}/leiden_iso_f1.bin", np.nanmean(f1) if iso else np.nan)
    write_d(f"{out}/iso_asw.bin", np.nanmean(asw) if iso else np.nan)


def cmd_agg(out, data, args):
    import pandas as pd
    from sklearn.preprocessing import MinMaxScaler
    rng = np.random.default_rng(7)
    t = rng.uniform(0, 1, (5, 9))
    t[2, 3] = np.nan
    t[:, 5] = 0.25  # constant column
    cls = np.array([0, 0, 0, 1, 1, 1, 0, 1, 2])
    write_d(f"{out}/table.bin", t)
    write_i(f"{out}/cls.bin", cls)
    for scaled in (0, 1):
        x = MinMaxScaler().fit_transform(t) if scaled else t.copy()
        df = pd.DataFrame(x.T)
        df["type"] = cls
        per = df[df.type < 2].groupby("type").mean().T
        bio, batch = per[0].values, per[1].values
        write_d(f"{out}/agg{scaled}.bin", np.stack([bio, batch, 0.4 * batch + 0.6 * bio]))
        write_d(f"{out}/scaled{scaled}.bin", x)


def cmd_bench(out, data, args):
    n, d, types, batches, seed = (int(v) for v in args[:5])
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, (types, d))
    shifts = rng.normal(0, 1.5, (batches, d))
    lab = rng.integers(0, types, n)
    bat = rng.integers(0, batches, n)
    x = centres[lab] + shifts[bat] + rng.normal(0, 1, (n, d))
    write_d(f"{out}/emb.bin", x)
    write_i(f"{out}/labels.bin", lab)
    write_i(f"{out}/batches.bin", bat)


def main():
    cmd, out, data = sys.argv[1], sys.argv[2], sys.argv[3]
    fn = globals().get("cmd_" + cmd)
    if fn is None:
        sys.exit(f"scib_ref.py: unknown command '{cmd}'")
    fn(out, data, sys.argv[4:])


if __name__ == "__main__":
    main()
