"""Independent numpy/pandas transcription of scanpy's preprocessing
(normalize_total, log1p, scale, highly_variable_genes: seurat, cell_ranger,
seurat_v3 with and without batch_key), written from scanpy's
_highly_variable_genes.py / _normalization.py / _simple.py, and a direct
loess (netlib dloess's local fit, surface='direct') for seurat_v3. scanpy's
own fit (skmisc's surface='interpolate') comes from R's loess() instead:
hvg_seurat_v3_full takes the fit as a function (tests/oracle/loess_oracle.py
passes R's). Used only as a test oracle."""
import numpy as np
import pandas as pd
import scipy.sparse as sp


def normalize_total(x, target_sum=None):
    x = sp.csr_matrix(x, dtype=np.float64, copy=True)
    counts = np.asarray(x.sum(axis=1)).ravel()
    if target_sum is None:
        target_sum = np.median(counts[counts > 0])
    counts = counts + (counts == 0)
    counts = counts / target_sum
    return _rowdiv(x, counts)


def _rowdiv(x, c):
    x = x.copy()
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    x.data = x.data / c[rows]
    return x


def log1p(x):
    x = x.copy()
    x.data = np.log1p(x.data)
    return x


def scale(x, zero_center=True, max_value=None):
    x = np.array(x, dtype=np.float64)
    mean = x.mean(axis=0)
    var = x.var(axis=0, ddof=1)
    std = np.sqrt(var)
    std[std == 0] = 1
    if zero_center:
        x = x - mean
    x = x / std
    if max_value is not None:
        x[x > max_value] = max_value
        if zero_center:
            x[x < -max_value] = -max_value
    return x


def mean_var(x):
    """scanpy's _get_mean_var: column sums, then divided by n. scipy's
    x.mean() scales every value by 1/n before summing instead, so genes with
    equal totals could get means an ulp apart; seurat_v3's loess k-d tree
    splits on ties of log10 mean, so that would move its vertices."""
    x = sp.csr_matrix(x)
    n = x.shape[0]
    mean = np.asarray(x.sum(axis=0)).ravel() / n
    sq = np.asarray(x.multiply(x).sum(axis=0)).ravel() / n
    var = (sq - mean ** 2) * n / (n - 1)
    return mean, var


def loess_direct(x, y, span=0.3, degree=2):
    """Local weighted polynomial at every x (tricube on the q = floor(n span)
    nearest points), solved by weighted normal equations on centred, scaled
    powers (a different route from the C code's QR)."""
    n = len(x)
    q = min(n, int(np.floor(n * span)))
    o = np.argsort(x, kind="stable")
    xs, ys = x[o], y[o]
    out = np.empty(n)
    lo = 0
    for t in range(n):
        x0 = xs[t]
        # the q nearest are the window [lo, lo + q) of the sorted points
        while lo + q < n and xs[lo + q] - x0 < x0 - xs[lo]:
            lo += 1
        hi = lo + q
        d = np.abs(xs[lo:hi] - x0)
        h = max(x0 - xs[lo], xs[hi - 1] - x0)
        if h > 0:
            r = d / h
            w = np.where(r < 1, (1 - r ** 3) ** 3, 0.0)
            u = (xs[lo:hi] - x0) / h
            k = degree + 1
            pw = [w]
            for _ in range(2 * degree):
                pw.append(pw[-1] * u)
            m = [p.sum() for p in pw]
            yy = ys[lo:hi]
            a = np.array([[m[i + j] for j in range(k)] for i in range(k)])
            b = np.array([np.dot(pw[i], yy) for i in range(k)])
            out[o[t]] = np.linalg.solve(a, b)[0]
        else:
            out[o[t]] = ys[lo:hi][d == 0].mean()
    return out


def _disp_single(x, flavor, n_bins, cutoff):
    """scanpy's _highly_variable_genes_single_batch on a CSR matrix."""
    if flavor == "seurat":
        x = x.copy()
        x.data = np.expm1(x.data)
    mean, var = mean_var(x)
    mean[mean == 0] = 1e-12
    disp = var / mean
    if flavor == "seurat":
        disp[disp == 0] = np.nan
        disp = np.log(disp)
        mean = np.log1p(mean)
    df = pd.DataFrame({"means": mean, "dispersions": disp})
    if flavor == "seurat":
        bins = n_bins
    else:
        bins = np.r_[-np.inf, np.percentile(mean, np.arange(10, 105, 5)), np.inf]
    df["mean_bin"] = pd.cut(df["means"], bins=bins)
    grp = df.groupby("mean_bin", observed=True)["dispersions"]
    if flavor == "seurat":
        st = grp.agg(avg="mean", dev="std")
        one = st["dev"].isnull()
        st.loc[one, "dev"] = st.loc[one, "avg"]
        st.loc[one, "avg"] = 0
    else:
        def mad(a):
            a = np.asarray(a)
            return np.median(np.abs(a - np.median(a)) / 0.6744897501960817)
        st = grp.agg(avg="median", dev=mad)
    st = st.loc[df["mean_bin"]].set_index(df.index)
    df["dispersions_norm"] = (df["dispersions"] - st["avg"]) / st["dev"]
    norm = df["dispersions_norm"].to_numpy()
    if isinstance(cutoff, dict):
        dn = np.nan_to_num(norm)
        hv = ((mean > cutoff["min_mean"]) & (mean < cutoff["max_mean"])
              & (dn > cutoff["min_disp"]) & (dn < cutoff["max_disp"]))
    else:
        n = min(cutoff, x.shape[1])
        v = norm[~np.isnan(norm)]
        n = min(n, v.size)
        v = np.sort(v)[::-1]
        hv = np.nan_to_num(norm, nan=-np.inf) >= v[n - 1]
    df["highly_variable"] = hv
    return df


def hvg_dispersion(x, flavor, n_top=None, batch=None, n_bins=20):
    cutoff = n_top if n_top else dict(min_mean=0.0125, max_mean=3, min_disp=0.5, max_disp=np.inf)
    x = sp.csr_matrix(x)
    if batch is None:
        df = _disp_single(x, flavor, n_bins, cutoff)
        return df["highly_variable"].to_numpy(), df["dispersions_norm"].to_numpy()
    dfs = []
    cats = np.unique(batch[batch >= 0])
    for b in cats:
        xb = x[batch == b]
        filt = np.asarray((xb > 0).sum(axis=0)).ravel() >= 1
        h = _disp_single(xb[:, filt], flavor, n_bins, cutoff)
        h["gene"] = np.flatnonzero(filt)
        miss = pd.DataFrame(np.zeros((int((~filt).sum()), len(h.columns))), columns=h.columns)
        miss["highly_variable"] = False
        miss["gene"] = np.flatnonzero(~filt)
        dfs.append(pd.concat([h, miss], ignore_index=True))
    df = pd.concat(dfs, axis=0)
    df["highly_variable"] = df["highly_variable"].astype(int)
    df = df.groupby("gene").agg(dict(means="mean", dispersions_norm="mean", highly_variable="sum"))
    df = df.sort_index()
    nb = df["highly_variable"].to_numpy()
    norm = df["dispersions_norm"].to_numpy()
    if n_top:
        order = df.assign(i=np.arange(len(df))).sort_values(
            ["highly_variable", "dispersions_norm", "i"], ascending=[False, False, True],
            na_position="last")
        sel = np.zeros(len(df), bool)
        sel[order["i"].to_numpy()[:n_top]] = True
    else:
        dn = np.nan_to_num(norm)
        m = df["means"].to_numpy()
        sel = (m > 0.0125) & (m < 3) & (dn > 0.5) & (dn < np.inf)
    return sel, norm


def hvg_seurat_v3(x, n_top=2000, batch=None, span=0.3):
    r = hvg_seurat_v3_full(x, n_top, batch, span)
    return r["sel"], r["score"], r["fits"]


def hvg_seurat_v3_full(x, n_top=2000, batch=None, span=0.3, fit=None):
    """scanpy's _highly_variable_genes_seurat_v3; fit(log10 mean, log10 var)
    gives the loess fitted values (default: the direct loess). Returns a dict:
    sel (highly_variable), score (variances_norm), rank (highly_variable_rank),
    nbatches (highly_variable_nbatches), fits (per batch: x, y, fitted)."""
    if fit is None:
        def fit(lx, ly):
            return loess_direct(lx, ly, span=span)
    x = sp.csr_matrix(x, dtype=np.float64)
    if batch is None:
        batch = np.zeros(x.shape[0], int)
    nvs = []
    fits = []
    for b in np.unique(batch[batch >= 0]):
        xb = x[batch == b]
        mean, var = mean_var(xb)
        nc = var > 0
        est = np.zeros(x.shape[1])
        est[nc] = fit(np.log10(mean[nc]), np.log10(var[nc]))
        fits.append((np.log10(mean[nc]), np.log10(var[nc]), est[nc]))
        reg_std = np.sqrt(10 ** est)
        n = xb.shape[0]
        clip = reg_std * np.sqrt(n) + mean
        c = xb.copy()
        c.data = np.minimum(c.data, clip[c.indices])
        s1 = np.asarray(c.sum(axis=0)).ravel()
        s2 = np.asarray(c.multiply(c).sum(axis=0)).ravel()
        nvs.append((1 / ((n - 1) * reg_std ** 2)) * (n * mean ** 2 + s2 - 2 * s1 * mean))
    nv = np.vstack(nvs)
    ranks = np.argsort(np.argsort(-nv, axis=1, kind="stable"), axis=1, kind="stable").astype(np.float32)
    nbat = (ranks < n_top).sum(axis=0)
    ranks[ranks >= n_top] = np.nan
    med = np.ma.median(np.ma.masked_invalid(ranks), axis=0).filled(np.nan)
    df = pd.DataFrame({"rank": med, "nb": nbat, "i": np.arange(x.shape[1])})
    order = df.sort_values(["rank", "nb", "i"], ascending=[True, False, True], na_position="last")
    sel = np.zeros(x.shape[1], bool)
    sel[order["i"].to_numpy()[:n_top]] = True
    return dict(sel=sel, score=nv.mean(axis=0), rank=med, nbatches=nbat, fits=fits)
