#!/usr/bin/python3
"""Peer side of bench/trajectory.sh.

  gen DIR N SEED   DIR/traj.h5ad: N cells on a noisy curve in 10 dims (obsm
                   X_emb), labels by position (early/mid/late), two batches,
                   the position as pseudotime for 90% of the cells (NaN else)
  run DIR          scib's trajectory conservation by the numpy/scipy
                   transcription of tests/oracle/scib_trajectory_ref.py
                   (scipy's ARPACK eigsh), timed without the kNN graph, which
                   both sides build before the metric
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "oracle"))


def gen(d, n, seed):
    import anndata as ad
    import pandas as pd
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 1, n)
    curve = np.stack([np.cos(3 * t), np.sin(3 * t), t, t ** 2, np.sin(7 * t)], 1) * 3
    emb = np.concatenate([curve + rng.normal(scale=0.15, size=(n, 5)),
                          rng.normal(scale=0.15, size=(n, 5))], 1)
    lab = pd.Categorical(np.where(t < 0.2, "early", np.where(t < 0.6, "mid", "late")))
    bat = pd.Categorical(rng.choice(["b1", "b2"], n))
    pt = np.where(rng.uniform(size=n) < 0.9, t, np.nan)
    obs = pd.DataFrame({"lab": lab, "bat": bat, "pt": pt}, index=[f"c{i}" for i in range(n)])
    ad.AnnData(X=np.zeros((n, 1), np.float32), obs=obs,
               obsm={"X_emb": emb}).write_h5ad(os.path.join(d, "traj.h5ad"))


def run(d):
    import anndata as ad
    from scib_trajectory_ref import graph15, trajectory
    a = ad.read_h5ad(os.path.join(d, "traj.h5ad"))
    conn = graph15(a.obsm["X_emb"])
    t0 = time.perf_counter()
    s, root, ncomp, nsub = trajectory(a.obs, conn, "lab", "pt")
    print(f"peer_seconds {time.perf_counter() - t0:.3f}")
    print(f"peer_value {s!r}")
    print(f"peer_root {a.obs.index.get_loc(root) if root is not None else -1}")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        run(sys.argv[2])
