#!/bin/sh
# Leiden against python3-leidenalg on one graph: N cells (default 100,000)
# from a 20-cluster Gaussian mixture in 50 dimensions, scanpy's 15-NN UMAP
# connectivities built once by sceval and handed to both; leidenalg is run
# as scanpy.tl.leiden runs it (get_igraph_from_adjacency's directed graph,
# RBConfigurationVertexPartition, n_iterations=-1, seed 0). Times resolution
# 1 and scib's ten resolutions 0.2 .. 2.0, checks that the memberships are
# identical, and prints the ratios (leidenalg / sceval).
# Usage: sh bench/leiden.sh [N]. Needs ./sceval built (make) and
# python3-leidenalg.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-100000}
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
make -C "$top" -s bench >/dev/null
"$PY" - "$W" "$N" <<'PY'
import sys, numpy as np
w, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
centers = rng.normal(0, 4, (20, 50))
x = centers[rng.integers(0, 20, n)] + rng.normal(0, 1, (n, 50))
x.astype(np.float64).tofile(f"{w}/emb.bin")
PY
"$top/build/bench/leiden_bench" "$W" "$N" 50 > "$W/c.txt"
"$PY" - "$W" <<'PY' > "$W/py.txt"
import sys, time, numpy as np, igraph as ig, leidenalg
w = sys.argv[1]
with open(f"{w}/graph.bin", "rb") as f:
    n, nnz = np.fromfile(f, np.int64, 2)
    indptr = np.fromfile(f, np.int64, n + 1)
    indices = np.fromfile(f, np.int32, nnz)
    data = np.fromfile(f, np.float64, nnz)
t = time.perf_counter()
src = np.repeat(np.arange(n), np.diff(indptr))
keep = data != 0
g = ig.Graph(directed=True)
g.add_vertices(int(n))
g.add_edges(list(zip(src[keep], indices[keep])))
g.es["weight"] = data[keep]
print("graph_seconds %.3f" % (time.perf_counter() - t))
def run(res):
    return leidenalg.find_partition(g, leidenalg.RBConfigurationVertexPartition,
                                    resolution_parameter=res, weights="weight",
                                    n_iterations=-1, seed=0).membership
t = time.perf_counter()
m1 = np.array(run(1.0), np.int32)
print("res1_seconds %.3f" % (time.perf_counter() - t))
t = time.perf_counter()
ms = np.array([run(0.2 * (r + 1)) for r in range(10)], np.int32)
print("sweep_seconds %.3f" % (time.perf_counter() - t))
c = np.fromfile(f"{w}/memberships.bin", np.int32)
same = np.array_equal(c[:n], m1) and np.array_equal(c[n:].reshape(10, n), ms)
print("identical", same)
PY
get() { sed -n "s/^$1 //p" "$2"; }
echo "$N cells, $(get nnz "$W/c.txt") stored connectivities"
echo "memberships identical to leidenalg (resolution 1 and the sweep): $(get identical "$W/py.txt")"
c1=$(get res1_seconds "$W/c.txt"); p1=$(get res1_seconds "$W/py.txt")
cs=$(get sweep_serial_seconds "$W/c.txt"); cp=$(get sweep_parallel_seconds "$W/c.txt")
ps=$(get sweep_seconds "$W/py.txt")
echo "resolution 1: sceval ${c1} s, leidenalg ${p1} s (its igraph graph $(get graph_seconds "$W/py.txt") s more), ratio $(awk "BEGIN{printf \"%.2f\", $p1 / $c1}")"
echo "ten resolutions: sceval ${cs} s one after another, ${cp} s on the cores; leidenalg ${ps} s; ratio $(awk "BEGIN{printf \"%.2f\", $ps / $cs}") (serial), $(awk "BEGIN{printf \"%.2f\", $ps / $cp}") (parallel)"
