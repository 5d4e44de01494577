#!/usr/bin/python3
"""Oracles for the numerical core's unit tests (tests/unit/test_core_*.c).

usage: core_oracle.py CMD OUTDIR DATADIR [ARGS]

Reads real .h5ad files with anndata, computes the reference results with
sklearn / scipy, or with the independent numpy transcriptions of scanpy and
umap-learn in the sibling modules, and writes inputs and outputs as raw
binaries (layout in tests/unit/core_oracle.h) into OUTDIR.
"""
import os
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def write_d(path, a):
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float64))
    if a.ndim == 0:
        a = a.reshape(1, 1)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    with open(path, "wb") as f:
        f.write(b"SCD1")
        np.array(a.shape, dtype="<i8").tofile(f)
        a.astype("<f8").tofile(f)


def write_i(path, a):
    a = np.ascontiguousarray(np.asarray(a))
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    with open(path, "wb") as f:
        f.write(b"SCI1")
        np.array(a.shape, dtype="<i8").tofile(f)
        a.astype("<i4").tofile(f)


def write_csr(path, m):
    import scipy.sparse as sp
    m = sp.csr_matrix(m, dtype=np.float64)
    m.sort_indices()
    with open(path, "wb") as f:
        f.write(b"SCC1")
        np.array([m.shape[0], m.shape[1], m.nnz], dtype="<i8").tofile(f)
        m.indptr.astype("<i8").tofile(f)
        m.indices.astype("<i4").tofile(f)
        m.data.astype("<f8").tofile(f)


def read(datadir, name):
    import anndata
    return anndata.read_h5ad(os.path.join(datadir, name))


def dense(x):
    return np.asarray(x.todense() if hasattr(x, "todense") else x, dtype=np.float64)


def cmd_knn(out, data, args):
    from sklearn.neighbors import NearestNeighbors
    a = read(data, "scanpy_pbmc68k_reduced_with_counts.h5ad")
    x = np.asarray(a.obsm["X_pca"], dtype=np.float64)
    write_d(f"{out}/pca.bin", x)
    # cosine on log1p counts of a sparse file, as dense
    h = read(data, "hlca_subset_Nawijn_2021.h5ad")
    y = np.log1p(dense(h.X))
    write_d(f"{out}/hlca.bin", y)
    for name, m, metric in (("pca", x, "euclidean"), ("pca", x, "cosine"),
                            ("hlca", y, "euclidean"), ("hlca", y, "cosine")):
        for k in (15, 50, 90):
            nn = NearestNeighbors(n_neighbors=k, algorithm="brute", metric=metric).fit(m)
            d, i = nn.kneighbors()  # X=None: self excluded
            write_d(f"{out}/{name}_{metric}_{k}_d.bin", d)
            write_i(f"{out}/{name}_{metric}_{k}_i.bin", i)
        # query mode: the last 200 rows against the others
        nq = 200
        nn = NearestNeighbors(n_neighbors=30, algorithm="brute", metric=metric).fit(m[:-nq])
        d, i = nn.kneighbors(m[-nq:])
        write_d(f"{out}/{name}_{metric}_q_d.bin", d)
        write_i(f"{out}/{name}_{metric}_q_i.bin", i)


def lognorm(x):
    """log1p(normalize_total(x)) with scanpy's default target (median of the
    non-zero row sums), as a scipy CSR matrix."""
    import scipy.sparse as sp
    x = sp.csr_matrix(x, dtype=np.float64)
    s = np.asarray(x.sum(axis=1)).ravel()
    target = np.median(s[s > 0])
    s[s == 0] = 1
    x = sp.diags(target / s) @ x
    x.data = np.log1p(x.data)
    return sp.csr_matrix(x)


def cmd_pca(out, data, args):
    from sklearn.decomposition import PCA
    a = read(data, "scanpy_pbmc68k_reduced_with_counts.h5ad")
    c = read(data, "cellbench_3cl_celseq2_dropseq.h5ad")
    h = read(data, "hlca_subset_Nawijn_2021.h5ad")
    cases = [
        ("pbmc", dense(a.X), False),             # 700 x 765 dense: Gram path
        ("pbmc300", dense(a.X)[:, :300], False),  # 700 x 300 dense: covariance path
        ("cellbench", lognorm(c.X), True),        # 499 x 15073 CSR: Gram path
        ("hlca", lognorm(h.X), True),             # 1500 x 100 CSR: covariance path
    ]
    for name, x, sparse in cases:
        if sparse:
            write_csr(f"{out}/{name}_x.bin", x)
            xd = dense(x)
        else:
            write_d(f"{out}/{name}_x.bin", x)
            xd = x
        k = min(50, min(xd.shape) - 1)
        p = PCA(n_components=k, svd_solver="full")
        s = p.fit_transform(xd)
        write_d(f"{out}/{name}_scores.bin", s)
        write_d(f"{out}/{name}_comp.bin", p.components_)
        write_d(f"{out}/{name}_ev.bin", p.explained_variance_)
        write_d(f"{out}/{name}_evr.bin", p.explained_variance_ratio_)
        write_d(f"{out}/{name}_sv.bin", p.singular_values_)
        write_d(f"{out}/{name}_mean.bin", p.mean_)


def cmd_cluster(out, data, args):
    from sklearn.cluster import KMeans
    a = read(data, "scanpy_pbmc68k_reduced_with_counts.h5ad")
    x = np.asarray(a.obsm["X_pca"], dtype=np.float64)
    h = read(data, "hlca_subset_Nawijn_2021.h5ad")
    y = np.log1p(dense(h.X))
    for name, m, k in (("pca", x, 10), ("hlca", y, 8)):
        write_d(f"{out}/{name}.bin", m)
        km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(m)
        write_d(f"{out}/{name}_inertia.bin", km.inertia_)


def umap_smooth_knn_dist(dist, k, n_iter=64, local_connectivity=1.0):
    """umap-learn's smooth_knn_dist (float64 here; umap uses float32)."""
    tol, min_scale = 1e-5, 1e-3
    target = np.log2(k)
    n = dist.shape[0]
    rho = np.zeros(n)
    sigma = np.zeros(n)
    mean_all = dist.mean()
    for i in range(n):
        row = dist[i]
        nz = row[row > 0.0]
        if nz.shape[0] >= local_connectivity:
            idx = int(np.floor(local_connectivity))
            frac = local_connectivity - idx
            if idx > 0:
                rho[i] = nz[idx - 1]
                if frac > tol:
                    rho[i] += frac * (nz[idx] - nz[idx - 1])
            else:
                rho[i] = frac * nz[0]
        elif nz.shape[0] > 0:
            rho[i] = nz.max()
        lo, hi, mid = 0.0, np.inf, 1.0
        for _ in range(n_iter):
            d = row[1:] - rho[i]
            psum = np.sum(np.where(d > 0, np.exp(-(np.maximum(d, 0) / mid)), 1.0))
            if abs(psum - target) < tol:
                break
            if psum > target:
                hi = mid
                mid = (lo + hi) / 2
            else:
                lo = mid
                mid = mid * 2 if hi == np.inf else (lo + hi) / 2
        sigma[i] = mid
        floor = min_scale * (row.mean() if rho[i] > 0 else mean_all)
        if sigma[i] < floor:
            sigma[i] = floor
    return sigma, rho


def umap_connectivities(idx, dist):
    """umap-learn's fuzzy_simplicial_set from a precomputed kNN (self
    included), set_op_mix_ratio 1: A + A^T - A o A^T."""
    import scipy.sparse as sp
    n, k = idx.shape
    sigma, rho = umap_smooth_knn_dist(dist, float(k))
    rows = np.repeat(np.arange(n), k)
    cols = idx.ravel()
    d = dist.ravel()
    r = np.repeat(rho, k)
    s = np.repeat(sigma, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = np.where((d - r <= 0) | (s == 0), 1.0, np.exp(-((d - r) / s)))
    val[cols == rows] = 0.0
    a = sp.coo_matrix((val, (rows, cols)), shape=(n, n)).tocsr()
    a.eliminate_zeros()
    t = a.T.tocsr()
    out = a + t - a.multiply(t)
    out = sp.csr_matrix(out)
    out.eliminate_zeros()
    return out


def knn_with_self(x, k):
    from sklearn.neighbors import NearestNeighbors
    d, i = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(x).kneighbors(x)
    for r in range(x.shape[0]):  # a duplicate may displace self from the front
        if i[r, 0] != r:
            pos = np.where(i[r] == r)[0]
            j = pos[0] if len(pos) else k - 1
            i[r, 1:j + 1] = i[r, 0:j].copy()
            d[r, 1:j + 1] = d[r, 0:j].copy()
            i[r, 0], d[r, 0] = r, 0.0
    return i, d


def cmd_graph(out, data, args):
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components
    a = read(data, "scanpy_pbmc68k_reduced_with_counts.h5ad")
    x = np.asarray(a.obsm["X_pca"], dtype=np.float64)
    for k in (15, 30):
        i, d = knn_with_self(x, k)
        write_i(f"{out}/knn{k}_i.bin", i)
        write_d(f"{out}/knn{k}_d.bin", d)
        write_csr(f"{out}/conn{k}.bin", umap_connectivities(i, d))
        # scanpy's distances: self column removed, zeros eliminated
        n = x.shape[0]
        dg = sp.csr_matrix((d[:, 1:].ravel(), i[:, 1:].ravel(),
                            np.arange(0, n * (k - 1) + 1, k - 1)), shape=(n, n))
        dg.eliminate_zeros()
        write_csr(f"{out}/dist{k}.bin", dg)
    # components of the nearest-neighbour graph of the HLCA cells (many)
    h = read(data, "hlca_subset_Nawijn_2021.h5ad")
    y = np.log1p(dense(h.X))
    i, d = knn_with_self(y, 2)
    n = y.shape[0]
    g = sp.csr_matrix((np.ones(n), i[:, 1:].ravel(), np.arange(0, n + 1)), shape=(n, n))
    write_csr(f"{out}/cc_graph.bin", g)
    nc, lab = connected_components(g, directed=False)
    write_i(f"{out}/cc_labels.bin", lab)


def cmd_preprocess(out, data, args):
    import scipy.sparse as sp
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import hvg_ref as H
    c = read(data, "cellbench_3cl_celseq2_dropseq.h5ad")
    x = sp.csr_matrix(c.X, dtype=np.float64)
    keep = np.asarray((x > 0).sum(axis=0)).ravel() >= 3  # as sc.pp.filter_genes(min_cells=3)
    x = x[:, keep]
    write_csr(f"{out}/counts.bin", x)
    batch = c.obs["batch"].cat.codes.to_numpy()
    write_i(f"{out}/batch.bin", batch)
    ln = H.log1p(H.normalize_total(x))
    write_csr(f"{out}/lognorm.bin", ln)
    write_csr(f"{out}/norm1e4.bin", H.normalize_total(x, 1e4))
    a = read(data, "scanpy_pbmc68k_reduced_with_counts.h5ad")
    pc = H.log1p(H.normalize_total(a.layers["counts"]))
    write_d(f"{out}/pbmc_lognorm.bin", dense(pc))
    write_d(f"{out}/pbmc_scaled.bin", H.scale(dense(pc), max_value=10))
    write_d(f"{out}/pbmc_scaled_nc.bin", H.scale(dense(pc), zero_center=False, max_value=2))
    for flavor in ("seurat", "cell_ranger"):
        for ntop in (0, 2000):
            for b in (None, batch):
                sel, score = H.hvg_dispersion(ln, flavor, n_top=ntop or None, batch=b)
                tag = f"{flavor}_{ntop}_{'b' if b is not None else 'n'}"
                write_i(f"{out}/hvg_{tag}.bin", sel.astype(int))
                write_d(f"{out}/score_{tag}.bin", score)
    for b in (None, batch):
        sel, score, fits = H.hvg_seurat_v3(x, 2000, batch=b)
        if b is None:  # the loess on its own
            write_d(f"{out}/loess_x.bin", fits[0][0])
            write_d(f"{out}/loess_y.bin", fits[0][1])
            write_d(f"{out}/loess_fit.bin", fits[0][2])
        tag = f"v3_{'b' if b is not None else 'n'}"
        write_i(f"{out}/hvg_{tag}.bin", sel.astype(int))
        write_d(f"{out}/score_{tag}.bin", score)


def main():
    cmd, out, data = sys.argv[1], sys.argv[2], sys.argv[3]
    fn = globals().get("cmd_" + cmd)
    if fn is None:
        sys.exit(f"core_oracle.py: unknown command '{cmd}'")
    fn(out, data, sys.argv[4:])


if __name__ == "__main__":
    main()
