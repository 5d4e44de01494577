"""harmony_ref - an independent float64 numpy transcription of harmonypy's
Harmony (slowkow/harmonypy harmony.py, the NumPy releases up to 0.0.10 that
scanpy.external and scib call), the oracle of tests/unit/test_integrate_harmony.c.
harmonypy is not installed here; this restates its algorithm: cosine-
normalised embedding (divided by each cell's largest coordinate, then by its
norm), soft k-means with the diversity penalty updated in shuffled blocks
(numpy.array_split of ceil(1/block_size) blocks), windowed k-means
convergence, mixture-of-experts ridge correction, harmony convergence.
The two random inputs (initial centroids, block orders) are files, so the C
code can be run on exactly the same ones.

usage:
  harmony_ref.py prep H5AD OUTDIR
      PCA (20 components, sklearn) of log1p(CP10k) of the 500 most variable
      genes of H5AD, batch = obs['batch'], cell_line codes; initial centroids
      from sklearn KMeans on the cosine-normalised PCs as harmonypy computes
      them (k-means++, n_init 10, max_iter 25, random_state 0); 200 block
      orders from numpy.random.seed(0) + shuffle, as harmonypy draws them.
      -> pcs.bin batch.bin labels.bin centroids.bin orders.bin
  harmony_ref.py run OUTDIR
      reads pcs.bin batch.bin centroids.bin orders.bin; writes expected.bin
      (cells x PCs), objective.bin (objective_harmony), rounds.bin
"""
import math
import os
import sys

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import binio  # noqa: E402

THETA, LAMB, SIGMA, BLOCK = 2.0, 1.0, 0.1, 0.05
MAX_H, MAX_K, EPS_K, EPS_H, WINDOW = 10, 20, 1e-5, 1e-4, 3


def cosine_input(z):
    """z: dims x cells."""
    zc = z / z.max(axis=0)
    return zc / np.linalg.norm(zc, axis=0)


def n_clusters(n):
    return int(min(np.round(n / 30.0), 100))


class Run:
    def __init__(self, z, batch, centroids, orders):
        self.z = z  # d x N
        levels = np.unique(batch)
        self.phi = np.vstack([(batch == lv).astype(np.float64) for lv in levels])  # B x N
        self.N = z.shape[1]
        self.pr = self.phi.sum(axis=1) / self.N
        self.B = self.phi.shape[0]
        self.K = centroids.shape[0]
        self.sigma = np.full(self.K, SIGMA)
        self.theta = np.full(self.B, THETA)
        self.lam = np.diag(np.concatenate([[0.0], np.full(self.B, LAMB)]))
        self.phi_moe = np.vstack([np.ones(self.N), self.phi])
        self.orders = orders
        self.calls = 0
        self.zcos = cosine_input(z)
        self.zcorr = z.copy()
        self.objk, self.objh, self.rounds = [], [], []
        y = centroids.T.copy()
        self.y = y / np.linalg.norm(y, axis=0)
        self.dist = 2 * (1 - self.y.T @ self.zcos)
        r = -self.dist / self.sigma[:, None]
        r = np.exp(r - r.max(axis=0))
        self.R = r / r.sum(axis=0)
        self.E = np.outer(self.R.sum(axis=1), self.pr)
        self.O = self.R @ self.phi.T
        self.objective()
        self.objh.append(self.objk[-1])

    def objective(self):
        err = np.sum(self.R * self.dist)
        with np.errstate(divide="ignore", invalid="ignore"):
            ent = self.R * np.log(self.R)
        ent[~np.isfinite(ent)] = 0
        ent = np.sum(ent * self.sigma[:, None])
        pen = (self.theta[None, :] * np.log((self.O + 1) / (self.E + 1))) @ self.phi
        cross = np.sum(self.R * self.sigma[:, None] * pen)
        self.objk.append(err + ent + cross)

    def update_r(self):
        sd = -self.dist / self.sigma[:, None]
        sd = np.exp(sd - sd.max(axis=0))
        if self.orders is None:  # harmonypy's own draw
            order = np.arange(self.N)
            np.random.shuffle(order)
        else:
            order = self.orders[self.calls]
        self.calls += 1
        for cells in np.array_split(order, int(math.ceil(1 / BLOCK))):
            self.E -= np.outer(self.R[:, cells].sum(axis=1), self.pr)
            self.O -= self.R[:, cells] @ self.phi[:, cells].T
            pen = np.power((self.E + 1) / (self.O + 1), self.theta) @ self.phi[:, cells]
            rb = sd[:, cells] * pen
            rb = rb / np.abs(rb).sum(axis=0)
            self.R[:, cells] = rb
            self.E += np.outer(rb.sum(axis=1), self.pr)
            self.O += rb @ self.phi[:, cells].T

    def cluster(self):
        i = 0
        for i in range(MAX_K):
            y = self.zcos @ self.R.T
            self.y = y / np.linalg.norm(y, axis=0)
            self.dist = 2 * (1 - self.y.T @ self.zcos)
            self.update_r()
            self.objective()
            if i > WINDOW:
                old = sum(self.objk[-2 - w] for w in range(WINDOW))
                new = sum(self.objk[-1 - w] for w in range(WINDOW))
                if abs(old - new) / abs(old) < EPS_K:
                    break
        self.rounds.append(i)
        self.objh.append(self.objk[-1])

    def correct(self):
        zc = self.z.copy()
        for k in range(self.K):
            prk = self.phi_moe * self.R[k, :]
            w = np.linalg.inv(prk @ self.phi_moe.T + self.lam) @ prk @ self.z.T
            w[0, :] = 0
            zc -= w.T @ prk
        self.zcorr = zc
        self.zcos = zc / np.linalg.norm(zc, axis=0)

    def harmonize(self):
        for _ in range(MAX_H):
            self.cluster()
            self.correct()
            old, new = self.objh[-2], self.objh[-1]
            if (old - new) / abs(old) < EPS_H:
                break
        return self.zcorr.T


def harmonypy_default(pcs, batch, random_state=0):
    """harmonypy's run_harmony defaults end to end: sklearn KMeans centroids
    on the cosine-normalised PCs, numpy.random.seed(random_state) shuffles."""
    from sklearn.cluster import KMeans

    np.random.seed(random_state)
    K = n_clusters(pcs.shape[0])
    zcos = cosine_input(pcs.T)
    km = KMeans(n_clusters=K, init="k-means++", n_init=10, max_iter=25,
                random_state=random_state)
    cen = km.fit(zcos.T).cluster_centers_
    run = Run(pcs.T.copy(), batch, cen, None)
    return run.harmonize(), run


def prep(h5ad, outdir):
    import anndata
    import scipy.sparse as sp
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    ad = anndata.read_h5ad(h5ad)
    X = sp.csr_matrix(ad.X).astype(np.float64)
    tot = np.asarray(X.sum(axis=1)).ravel()
    lx = np.log1p(np.asarray(sp.diags(1e4 / tot) @ X.todense()))
    top = np.sort(np.argsort(-lx.var(axis=0), kind="stable")[:500])
    pcs = PCA(n_components=20, svd_solver="full").fit_transform(lx[:, top])
    batch = ad.obs["batch"].cat.codes.to_numpy().astype(np.int32)
    labels = ad.obs["cell_line"].cat.codes.to_numpy().astype(np.int32)
    K = n_clusters(pcs.shape[0])
    zcos = cosine_input(pcs.T)
    km = KMeans(n_clusters=K, init="k-means++", n_init=10, max_iter=25, random_state=0)
    centroids = km.fit(zcos.T).cluster_centers_
    np.random.seed(0)
    orders = []
    for _ in range(MAX_H * MAX_K):
        o = np.arange(pcs.shape[0])
        np.random.shuffle(o)
        orders.append(o)
    for name, arr in (("pcs", pcs), ("batch", batch), ("labels", labels),
                      ("centroids", centroids), ("orders", np.array(orders))):
        binio.write(os.path.join(outdir, name + ".bin"), arr)


def main(argv):
    if len(argv) == 3 and argv[0] == "prep":
        prep(argv[1], argv[2])
        return 0
    if len(argv) == 2 and argv[0] == "run":
        d = argv[1]
        pcs = binio.read(os.path.join(d, "pcs.bin"))
        batch = binio.read(os.path.join(d, "batch.bin")).ravel()
        cen = binio.read(os.path.join(d, "centroids.bin"))
        orders = binio.read(os.path.join(d, "orders.bin"))
        run = Run(pcs.T.copy(), batch, cen, orders)
        out = run.harmonize()
        binio.write(os.path.join(d, "expected.bin"), out)
        binio.write(os.path.join(d, "objective.bin"), np.array(run.objh))
        binio.write(os.path.join(d, "rounds.bin"), np.array(run.rounds, dtype=np.int32))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
