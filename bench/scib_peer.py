#!/usr/bin/python3
"""The Python side of bench/scib.sh.

usage: scib_peer.py gen DIR N D TYPES BATCHES SEED
       scib_peer.py sub DIR S SEED        subsample S cells for the silhouette
       scib_peer.py sil DIR S             sklearn silhouette on the subsample
       scib_peer.py nmi DIR               sklearn NMI and ARI on DIR/cluster.bin

gen: TYPES cell types as Gaussian clusters (centres N(0, 4^2) per
dimension, unit noise) and BATCHES batches, each a shift N(0, 1.5^2) per
dimension added to its cells; types and batches assigned uniformly.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "oracle"))
from core_oracle import write_d, write_i  # noqa: E402


def read(path, dtype):
    with open(path, "rb") as f:
        f.read(4)
        shape = np.fromfile(f, dtype="<i8", count=2)
        return np.fromfile(f, dtype=dtype).reshape(shape)


def main():
    cmd, d = sys.argv[1], sys.argv[2]
    a = sys.argv[3:]
    if cmd == "gen":
        n, dim, types, batches, seed = (int(v) for v in a)
        rng = np.random.default_rng(seed)
        centres = rng.normal(0, 4, (types, dim))
        shifts = rng.normal(0, 1.5, (batches, dim))
        lab = rng.integers(0, types, n)
        bat = rng.integers(0, batches, n)
        x = centres[lab] + shifts[bat] + rng.normal(0, 1, (n, dim))
        write_d(f"{d}/emb.bin", x)
        write_i(f"{d}/labels.bin", lab)
        write_i(f"{d}/batches.bin", bat)
        print(f"# simulated {n} cells x {dim} dims, {types} types, {batches} batches")
    elif cmd == "sub":
        s, seed = int(a[0]), int(a[1])
        x = read(f"{d}/emb.bin", "<f8")
        lab = read(f"{d}/labels.bin", "<i4").ravel()
        keep = np.sort(np.random.default_rng(seed).choice(x.shape[0], s, replace=False))
        write_d(f"{d}/sub_x.bin", x[keep])
        write_i(f"{d}/sub_l.bin", lab[keep])
    elif cmd == "sil":
        from sklearn.metrics import silhouette_samples
        s = int(a[0])
        x = read(f"{d}/sub_x.bin", "<f8")
        lab = read(f"{d}/sub_l.bin", "<i4").ravel()
        t = time.perf_counter()
        v = silhouette_samples(x, lab)
        print(f"sk_sil_sub_seconds {time.perf_counter() - t:.3f}")
        c = np.fromfile(f"{d}/sub_s.f64")
        print(f"sil_sub_maxdiff {np.abs(c - v).max():.3g}")
    elif cmd == "full":
        from sklearn.metrics import silhouette_score
        x = read(f"{d}/emb.bin", "<f8")
        lab = read(f"{d}/labels.bin", "<i4").ravel()
        t = time.perf_counter()
        v = silhouette_score(x, lab)
        print(f"sk_sil_full_seconds {time.perf_counter() - t:.3f}")
        print(f"sk_sil_full_value {v:.12f}")
    elif cmd == "nmi":
        from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
        c = read(f"{d}/cluster.bin", "<i4").ravel()
        lab = read(f"{d}/labels.bin", "<i4").ravel()
        t = time.perf_counter()
        v = normalized_mutual_info_score(c, lab)
        print(f"sk_nmi_seconds {time.perf_counter() - t:.4f}\nsk_nmi_value {v:.12f}")
        t = time.perf_counter()
        v = adjusted_rand_score(c, lab)
        print(f"sk_ari_seconds {time.perf_counter() - t:.4f}\nsk_ari_value {v:.12f}")


if __name__ == "__main__":
    main()
