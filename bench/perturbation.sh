#!/bin/sh
# bench/perturbation.sh - the perturbation task's numerics against a
# numpy/scipy transcription on the same inputs: GEARS's metrics and the
# rank metric for NP perturbations x NG genes [1000 x 5000], and the DE
# ranking (Welch t against ctrl, ranked by |t|) over NC cells [100000] x
# NG2 genes [2000] in NK conditions [100]. Prints both times and the ratio.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
NP=${1:-1000} NG=${2:-5000} NC=${3:-100000} NG2=${4:-2000} NK=${5:-100}
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
make -C "$top" -s build/libsceval.a
PKGS="sqlite3 libgit2 libcrypto hdf5 openblas lapack igraph yaml-0.1 jansson libarchive"
cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$top" $(pkg-config --cflags $PKGS 2>/dev/null) -o "$W/pb" \
  "$top/bench/perturbation_bench.c" "$top/build/libsceval.a" $(pkg-config --libs $PKGS 2>/dev/null) -lm -pthread
echo "# machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$W/pb" "$NP" "$NG" "$NC" "$NG2" "$NK" "$W" | tee "$W/c.txt"
/usr/bin/python3 - "$W" "$NP" "$NG" "$NC" "$NG2" "$NK" <<'PY' | tee "$W/p.txt"
import sys, time, numpy as np, scipy.sparse as sp
from scipy import stats
W, NP, NG, NC, NG2, NK = sys.argv[1], *map(int, sys.argv[2:])
pred = np.fromfile(W + "/pred").reshape(NP, NG); truth = np.fromfile(W + "/truth").reshape(NP, NG)
ctrl = np.fromfile(W + "/ctrl"); de = [g * (NG // 20) for g in range(20)]
t0 = time.time(); s = 0
for i in range(NP):
    p, t = pred[i], truth[i]
    vals = [np.mean((p - t) ** 2), stats.pearsonr(p, t)[0], np.mean((p[de] - t[de]) ** 2),
            stats.pearsonr(p[de], t[de])[0], stats.pearsonr(p - ctrl, t - ctrl)[0],
            stats.pearsonr(p[de] - ctrl[de], t[de] - ctrl[de])[0]]
    dc = np.abs(np.sign(p[de] - ctrl[de]) - np.sign(t[de] - ctrl[de]))
    vals.append(len(np.where(dc == 2)[0]) / 20)
    s += vals[4]
dp, dt = pred - ctrl, truth - ctrl
S = (dp / np.linalg.norm(dp, axis=1, keepdims=True)) @ (dt / np.linalg.norm(dt, axis=1, keepdims=True)).T
d = np.diag(S)[:, None]
rank = ((S > d).sum(1) + 0.5 * ((S == d).sum(1) - 1)) / (NP - 1)
t1 = time.time()
print("numpy  metrics %d x %d: %.3f s (mean pearson_delta %.6f, mean rank %.6f)" % (NP, NG, t1 - t0, s / NP, rank.mean()))
raw = open(W + "/csr", "rb").read()
indptr = np.frombuffer(raw, np.int64, NC + 1); nnz = indptr[-1]
indices = np.frombuffer(raw, np.int32, nnz, (NC + 1) * 8)
data = np.frombuffer(raw, np.float64, nnz, (NC + 1) * 8 + nnz * 4)
X = sp.csr_matrix((data, indices, indptr), shape=(NC, NG2)); codes = np.fromfile(W + "/codes").astype(int)
t0 = time.time(); top = 0
# scanpy's way: mean and variance per group, scipy's Welch test from stats
def mv(A):
    m = np.asarray(A.mean(0)).ravel(); v = np.asarray(A.multiply(A).mean(0)).ravel() - m ** 2
    return m, v * A.shape[0] / (A.shape[0] - 1)
mc, vc = mv(X[codes == 0]); nc0 = (codes == 0).sum()
for k in range(1, NK):
    A = X[codes == k]; m, v = mv(A)
    with np.errstate(all="ignore"):
        t = stats.ttest_ind_from_stats(m, np.sqrt(v), A.shape[0], mc, np.sqrt(vc), nc0, equal_var=False)[0]
    t[np.isnan(t)] = 0
    o = np.argsort(-np.abs(t), kind="stable"); top += t[o[0]]
t1 = time.time()
print("numpy  de %d cells x %d genes, %d conditions: %.3f s (sum of top t %.6f)" % (NC, NG2, NK, t1 - t0, top))
PY
for what in metrics de; do
  a=$(grep " $what " "$W/c.txt" | sed 's/.*: \([0-9.]*\) s.*/\1/'); b=$(grep " $what " "$W/p.txt" | sed 's/.*: \([0-9.]*\) s.*/\1/')
  echo "$what: numpy/sceval = $(/usr/bin/python3 -c "print('%.1f' % ($b / max($a, 1e-6)))")"
done
