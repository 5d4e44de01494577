#!/bin/sh
# bench/grn.sh - the grn task's numerics against numpy/scipy/sklearn and
# python3-leidenalg on one input: N genes [20000] x D dims [512] (400
# Gaussian modules; names: the genes of the GMT, then made-up ones),
# scGPT's recipe at resolution RES [40]:
#   knn     cosine 15-NN: sceval vs sklearn NearestNeighbors (brute, cosine,
#           as scanpy for exact neighbours); the neighbour sets are compared
#   leiden  on sceval's UMAP connectivities: sceval vs leidenalg as
#           scanpy.tl.leiden runs it; the memberships are compared
#   enrich  the programs (clusters >= 5 genes) against the 6,036 GO BP sets
#           of the shipped Enrichr GMT, GMT reading included: sceval vs a
#           scipy transcription (sparse overlaps, hypergeom.sf, BH, Jaccard);
#           the number of tests and of FDR < 0.05 are compared
# The UMAP connectivities have no peer here (umap-learn is not installed);
# their exactness is tested against scanpy's formulas elsewhere.
# Usage: sh bench/grn.sh [N] [D] [RES]. Prints the times and the ratios.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-20000} D=${2:-512} RES=${3:-40}
GMT=${GMT:-$top/../shared/data/genesets/enrichr_GO_Biological_Process_2021.gmt}
[ -r "$GMT" ] || { echo "bench/grn.sh: no $GMT (set GMT=...)" >&2; exit 1; }
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
make -C "$top" -s build/libsceval.a
PKGS="sqlite3 libgit2 libcrypto hdf5 libdeflate openblas lapack igraph yaml-0.1 jansson libarchive"
cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$top" $(pkg-config --cflags $PKGS) -o "$W/gb" \
  "$top/bench/grn_bench.c" "$top/build/libsceval.a" $(pkg-config --libs $PKGS) -lm -pthread
"$PY" - "$W" "$N" "$D" "$GMT" <<'PY'
import sys, numpy as np
w, n, d, gmt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
genes = sorted({g for line in open(gmt) for g in line.rstrip("\n").split("\t")[2:] if g})
genes = (genes + ["MADEUP%d" % i for i in range(n)])[:n]
rng = np.random.default_rng(0)
centers = rng.normal(0, 1, (400, d))
x = centers[rng.integers(0, 400, n)] + rng.normal(0, 1.5, (n, d))
x.astype(np.float64).tofile(f"{w}/emb.bin")
open(f"{w}/genes.txt", "w").write("\n".join(genes) + "\n")
PY
echo "# machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); sceval threads: ${SCEVAL_THREADS:-all}"
"$W/gb" "$W" "$N" "$D" "$GMT" "$RES" | tee "$W/c.txt"
"$PY" - "$W" "$N" "$D" "$GMT" "$RES" <<'PY' | tee "$W/p.txt"
import sys, time, numpy as np, scipy.sparse as sp, igraph as ig, leidenalg
from scipy import stats
from sklearn.neighbors import NearestNeighbors
w, n, d, gmt, res = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
x = np.fromfile(f"{w}/emb.bin").reshape(n, d)
genes = open(f"{w}/genes.txt").read().split("\n")[:n]
t = time.perf_counter()
idx = NearestNeighbors(n_neighbors=15, metric="cosine", algorithm="brute").fit(x).kneighbors(x)[1]
tk = time.perf_counter() - t
ci = np.fromfile(f"{w}/knn.bin", np.int32).reshape(n, 15)
agree = np.mean([len(set(a) & set(b)) / 15 for a, b in zip(idx, ci)])
print("numpy knn %d x %d, k 15: %.3f s (neighbour sets agree %.6f)" % (n, d, tk, agree))
with open(f"{w}/graph.bin", "rb") as f:
    nn, nnz = np.fromfile(f, np.int64, 2)
    indptr = np.fromfile(f, np.int64, nn + 1); indices = np.fromfile(f, np.int32, nnz)
    data = np.fromfile(f, np.float64, nnz)
t = time.perf_counter()
src = np.repeat(np.arange(n), np.diff(indptr)); keep = data != 0
g = ig.Graph(directed=True); g.add_vertices(n)
g.add_edges(list(zip(src[keep], indices[keep]))); g.es["weight"] = data[keep]
m = np.array(leidenalg.find_partition(g, leidenalg.RBConfigurationVertexPartition, resolution_parameter=res,
                                      weights="weight", n_iterations=-1, seed=0).membership, np.int32)
tl = time.perf_counter() - t
pr = np.fromfile(f"{w}/programs.bin", np.int32)
cl, prog = pr[:n], pr[n:]
print("numpy leiden res %g: %.3f s (%d clusters, identical %s)" % (res, tl, m.max() + 1, np.array_equal(m, cl)))
t = time.perf_counter()
pos = {gname: i for i, gname in enumerate(genes)}
rows, cols, names = [], [], []
for line in open(gmt):
    f = line.rstrip("\n").split("\t")
    if len(f) < 3 or line.startswith("#"): continue
    mem = sorted({pos[x] for x in f[2:] if x in pos})
    rows += [len(names)] * len(mem); cols += mem; names.append(f[0])
S = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(names), n))   # sets x genes
bg = np.asarray(S.sum(0)).ravel() > 0; N = int(bg.sum())
ok = prog >= 0
P = sp.csr_matrix((np.ones(ok.sum()), (prog[ok], np.nonzero(ok)[0])), shape=(prog.max() + 1, n))
P = P.multiply(bg[None, :]).tocsr()           # programs' genes within the background
O = (P @ S.T).tocoo()                         # overlaps of every pair sharing a gene
k = O.data; a = np.asarray(P.sum(1)).ravel()[O.row]; b = np.asarray(S.sum(1)).ravel()[O.col]
p = stats.hypergeom.sf(k - 1, N, b, a)
o = np.argsort(p, kind="stable"); m_ = len(p)
q = np.minimum.accumulate((p[o] * m_ / np.arange(1, m_ + 1))[::-1])[::-1]
qq = np.empty(m_); qq[o] = np.minimum(q, 1)
jac = k / (a + b - k)
te = time.perf_counter() - t
print("numpy enrich %d sets: %.3f s (%d tests, %d at FDR<0.05, sum log p %.6f, background %d)"
      % (len(names), te, m_, (qq < 0.05).sum(), np.log(p).sum(), N))
PY
for what in knn leiden enrich; do
  a=$(grep "^sceval $what " "$W/c.txt" | sed 's/.*: \([0-9.]*\) s.*/\1/'); b=$(grep "^numpy $what " "$W/p.txt" | sed 's/.*: \([0-9.]*\) s.*/\1/')
  echo "$what: peer/sceval = $($PY -c "print('%.1f' % ($b / max($a, 1e-6)))")"
done
