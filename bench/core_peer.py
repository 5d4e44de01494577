#!/usr/bin/python3
"""bench/core.sh's Python side: makes the inputs and times the sklearn peers.

  core_peer.py gen DIR PCA_N PCA_P KNN_N KNN_D    write DIR/pca.csr, DIR/knn.dense
  core_peer.py pca DIR NCOMP                      sklearn PCA, arpack and randomized
  core_peer.py knn DIR K...                       sklearn NearestNeighbors brute, n_jobs=2
Prints "key value" lines like bench/core_bench.c.
"""
import sys
import time

import numpy as np
import scipy.sparse as sp


def write_csr(path, m):
    with open(path, "wb") as f:
        f.write(b"SCC1")
        np.array([m.shape[0], m.shape[1], m.nnz], dtype="<i8").tofile(f)
        m.indptr.astype("<i8").tofile(f)
        m.indices.astype("<i4").tofile(f)
        m.data.astype("<f8").tofile(f)


def read_csr(path):
    with open(path, "rb") as f:
        assert f.read(4) == b"SCC1"
        r, c, nnz = np.fromfile(f, "<i8", 3)
        ip = np.fromfile(f, "<i8", r + 1)
        ix = np.fromfile(f, "<i4", nnz)
        d = np.fromfile(f, "<f8", nnz)
    return sp.csr_matrix((d, ix, ip), shape=(r, c))


def write_dense(path, a):
    with open(path, "wb") as f:
        f.write(b"SCD1")
        np.array(a.shape, dtype="<i8").tofile(f)
        a.astype("<f8").tofile(f)


def read_dense(path):
    with open(path, "rb") as f:
        assert f.read(4) == b"SCD1"
        r, c = np.fromfile(f, "<i8", 2)
        return np.fromfile(f, "<f8", r * c).reshape(r, c)


def gen(d, pn, pp, kn, kd):
    rng = np.random.default_rng(12345)
    # Poisson counts: gene rates log-normal around 0.1 (about 10% non-zeros),
    # 20 cell types each scaling a quarter of the genes by 4
    rate = np.exp(rng.normal(np.log(0.05), 1.0, pp))
    types = rng.integers(0, 20, pn)
    mult = np.where(rng.random((20, pp)) < 0.25, 4.0, 0.8)
    blocks = []
    for s in range(0, pn, 10000):
        t = types[s:s + 10000]
        lam = rate[None, :] * mult[t]
        c = rng.poisson(lam).astype(np.float64)
        m = sp.csr_matrix(c)
        m.data = np.log1p(m.data)
        blocks.append(m)
    x = sp.vstack(blocks).tocsr()
    x.sort_indices()
    write_csr(f"{d}/pca.csr", x)
    print(f"pca_input {pn}x{pp} nnz {x.nnz} density {x.nnz / (pn * pp):.3f}")
    # an embedding-like matrix: 30 Gaussian clusters in kd dimensions
    cen = rng.normal(size=(30, kd)) * 3
    e = cen[rng.integers(0, 30, kn)] + rng.normal(size=(kn, kd))
    write_dense(f"{d}/knn.dense", e)
    print(f"knn_input {kn}x{kd}")


def pca(d, k):
    from sklearn.decomposition import PCA
    x = read_csr(f"{d}/pca.csr")
    t0 = time.perf_counter()
    xd = x.toarray()
    print(f"sk_densify_seconds {time.perf_counter() - t0:.3f}")
    for solver in ("arpack", "randomized"):
        t0 = time.perf_counter()
        p = PCA(n_components=k, svd_solver=solver, random_state=0).fit(xd)
        p.transform(xd[:10])
        t = time.perf_counter() - t0
        print(f"sk_pca_{solver}_seconds {t:.3f}")
        print(f"sk_pca_{solver}_ev " + " ".join(f"{v:.10g}" for v in p.explained_variance_[:5]))
        print(f"sk_pca_{solver}_ev_last {p.explained_variance_[-1]:.10g}")


def knn(d, ks):
    from sklearn.neighbors import NearestNeighbors
    x = read_dense(f"{d}/knn.dense")
    for k in ks:
        t0 = time.perf_counter()
        dist, _ = NearestNeighbors(n_neighbors=k, algorithm="brute", n_jobs=2).fit(x).kneighbors(x)
        t = time.perf_counter() - t0
        print(f"sk_knn_k{k}_seconds {t:.3f}")
        print(f"sk_knn_k{k}_distsum {dist.sum():.10g}")


if __name__ == "__main__":
    cmd, d = sys.argv[1], sys.argv[2]
    if cmd == "gen":
        gen(d, *map(int, sys.argv[3:7]))
    elif cmd == "pca":
        pca(d, int(sys.argv[3]))
    elif cmd == "knn":
        knn(d, [int(a) for a in sys.argv[3:]])
