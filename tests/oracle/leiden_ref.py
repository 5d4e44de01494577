#!/usr/bin/python3
"""Oracle for the Leiden unit test (tests/unit/test_core_leiden.c):
memberships from python3-leidenalg run exactly as scanpy 1.9's tl.leiden
runs it, on 15-NN UMAP connectivity graphs.

usage: leiden_ref.py CMD OUTDIR DATADIR [ARGS]
  real         graphs of labelled real files (pbmc68k, CellBench 3cl and 5cl),
               and the connectivities scanpy stored in the pbmc68k file
  sim N [...]  graphs of simulated Gaussian mixtures of N cells
  rand N       a random asymmetric sparse graph with loops and isolated nodes
  check        real + rand 1500 + sim 2000 (the unit test's default set)

For each graph NAME it writes (formats of core_oracle.py):
  NAME_graph.bin   the connectivities (CSR, float64, the C test's input)
  NAME_memb.bin    one row per configuration: the leidenalg membership
  NAME_conf.bin    the configurations: resolution, seed, directed
  NAME_labels.bin, NAME_nmi.bin, NAME_ari.bin  labels and sklearn's NMI and
                   ARI of each membership (real files only)
  NAME_sec.bin     seconds leidenalg took for each configuration
"""
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_oracle import (knn_with_self, read, umap_connectivities,  # noqa: E402
                         write_csr, write_d, write_i)

warnings.filterwarnings("ignore")

RESOLUTIONS = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0]  # scib's sweep
SEEDS = [0, 1, 2]


def igraph_from_adjacency(adj, directed):
    """scanpy's _utils.get_igraph_from_adjacency, line for line."""
    import igraph as ig
    sources, targets = adj.nonzero()
    weights = adj[sources, targets]
    if isinstance(weights, np.matrix):
        weights = weights.A1
    g = ig.Graph(directed=directed)
    g.add_vertices(adj.shape[0])
    g.add_edges(list(zip(sources, targets)))
    g.es["weight"] = weights
    return g


def scanpy_leiden(adj, res, seed, directed):
    """scanpy.tl.leiden's call of leidenalg (use_weights=True,
    n_iterations=-1, partition_type RBConfigurationVertexPartition)."""
    import leidenalg
    g = igraph_from_adjacency(adj, directed)
    part = leidenalg.find_partition(
        g, leidenalg.RBConfigurationVertexPartition,
        weights=np.array(g.es["weight"]).astype(np.float64),
        n_iterations=-1, seed=seed, resolution_parameter=res)
    return np.array(part.membership)


def emit(out, name, graph, labels=None, seeds=SEEDS, resolutions=RESOLUTIONS):
    import scipy.sparse as sp
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    graph = sp.csr_matrix(graph, dtype=np.float64)
    graph.sort_indices()
    write_csr(f"{out}/{name}_graph.bin", graph)
    memb, conf, sec, nmi, ari = [], [], [], [], []
    for directed in (True, False):
        for seed in seeds:
            for res in resolutions:
                t = time.perf_counter()
                m = scanpy_leiden(graph, res, seed, directed)
                sec.append(time.perf_counter() - t)
                memb.append(m)
                conf.append((res, seed, 1.0 if directed else 0.0))
                if labels is not None:
                    nmi.append(normalized_mutual_info_score(labels, m))
                    ari.append(adjusted_rand_score(labels, m))
    write_i(f"{out}/{name}_memb.bin", np.array(memb))
    write_d(f"{out}/{name}_conf.bin", np.array(conf))
    write_d(f"{out}/{name}_sec.bin", np.array(sec))
    if labels is not None:
        write_i(f"{out}/{name}_labels.bin", labels)
        write_d(f"{out}/{name}_nmi.bin", np.array(nmi))
        write_d(f"{out}/{name}_ari.bin", np.array(ari))


def conn15(x):
    i, d = knn_with_self(np.asarray(x, dtype=np.float64), 15)
    return umap_connectivities(i, d)


def cmd_real(out, data, args):
    from scib_ref import codes, embedding
    a = read(data, "scanpy_pbmc68k_reduced_with_counts.h5ad")
    emit(out, "pbmc68k", conn15(a.obsm["X_pca"]), codes(a.obs["bulk_labels"]))
    # the graph scanpy itself stored in the file (float32 weights)
    emit(out, "pbmc68k_obsp", a.obsp["connectivities"], codes(a.obs["bulk_labels"]))
    for name, fn in (("cellbench3", "cellbench_3cl_celseq2_dropseq.h5ad"),
                     ("cellbench5", "cellbench_5cl_celseq2_3plates.h5ad")):
        c = read(data, fn)
        emb, _ = embedding(c, 30)
        emit(out, name, conn15(emb), codes(c.obs["cell_line"]))


def cmd_real_more(out, data, args):
    """The other labelled files (the long test): both HLCA subsets and the
    RCTD scRNA-seq reference, 20 PCs of their log-normalised counts."""
    from scib_ref import codes, embedding
    for name, fn, key in (("krasnow", "hlca_subset_Krasnow_2020.h5ad", "ann_level_3"),
                          ("nawijn", "hlca_subset_Nawijn_2021.h5ad", "ann_level_2"),
                          ("rctd", "rctd_merfish_hypothalamus_scref.h5ad", "cell_type")):
        c = read(data, fn)
        emb, _ = embedding(c, 20)
        emit(out, name, conn15(emb), codes(c.obs[key]))


def simulate(n, seed):
    """A Gaussian mixture in 20 dimensions: 12 clusters of unequal sizes,
    some of them close, so that resolutions split and merge them."""
    rng = np.random.default_rng(seed)
    k, d = 12, 20
    centres = rng.normal(scale=4.0, size=(k, d))
    centres[1] = centres[0] + rng.normal(scale=1.0, size=d)
    p = rng.dirichlet(np.full(k, 2.0))
    lab = rng.choice(k, size=n, p=p)
    return centres[lab] + rng.normal(size=(n, d)), lab


def cmd_sim(out, data, args):
    n = int(args[0])
    seeds = [int(s) for s in args[1].split(",")] if len(args) > 1 else SEEDS
    resolutions = ([float(r) for r in args[2].split(",")] if len(args) > 2
                   else RESOLUTIONS)
    x, lab = simulate(n, 7)
    if n <= 5000:
        g = conn15(x)
    else:  # a tree search: brute force is too slow at this size
        from sklearn.neighbors import NearestNeighbors
        d, i = NearestNeighbors(n_neighbors=15).fit(x).kneighbors(x)
        g = umap_connectivities(i, d)
    emit(out, f"sim{n}", g, lab, seeds, resolutions)


def cmd_rand(out, data, args):
    """A random sparse graph that is not a kNN graph: asymmetric weights,
    loops on the diagonal, nodes without edges, a few heavy edges."""
    import scipy.sparse as sp
    n = int(args[0])
    rng = np.random.default_rng(11)
    a = sp.random(n, n, density=8.0 / n, random_state=rng, format="csr")
    a = a + sp.diags(np.where(rng.random(n) < 0.05, rng.random(n), 0.0))
    a = sp.csr_matrix(a)
    a.data[rng.random(a.nnz) < 0.01] *= 50
    a[: n // 50] = 0  # isolated rows (columns may still point at them)
    a.eliminate_zeros()
    emit(out, f"rand{n}", a, None, [0, 1], [0.2, 1.0, 2.0])


def cmd_check(out, data, args):
    """What make check compares: the real files, the random graph and a
    2,000-cell mixture, in one interpreter."""
    cmd_real(out, data, [])
    cmd_rand(out, data, ["1500"])
    cmd_sim(out, data, ["2000"])


def main():
    cmd, out, data = sys.argv[1], sys.argv[2], sys.argv[3]
    {"real": cmd_real, "real_more": cmd_real_more, "sim": cmd_sim, "rand": cmd_rand,
     "check": cmd_check}[cmd](out, data, sys.argv[4:])


if __name__ == "__main__":
    main()
