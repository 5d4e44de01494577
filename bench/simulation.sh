#!/bin/sh
# bench/simulation.sh - copula_nb (the simulation task's scDesign3-style
# simulator) on N cells [20000] x G genes [2000] simulated by `sceval
# simulate` (5 cell types, integer counts): reading, the NB marginals (one
# GLM per gene, cell type + log library offset, dispersion by ML), the
# Gaussian copula over K genes [1000] and the generation of as many cells,
# then the task's fidelity metrics of those cells against the input (as
# simulation.eval computes them, its defaults), each process timed with
# peak memory (/usr/bin/time -v): fit+generate is one process, the metrics
# another.
# Peers: a numpy/scipy transcription of the marginal fit (the joint MLE in
# (group log means, log theta): Fisher scoring for the means, Newton for
# log theta, vectorised over genes), whose dispersions are compared with
# sceval's; and a scipy transcription of the six distribution KS statistics
# over all cells (sparse; ks_2samp), compared with sceval's values. The
# marginal peer runs up to 20,000 cells only (PEER_MAX): its dense n x G
# float64 arrays (1.6 GB each at 100k, several temporaries per iteration)
# do not fit this 2-core machine's budget and its ~35 iterations would take
# tens of minutes; raise PEER_MAX to try.
# Usage: sh bench/simulation.sh [N] [G] [K]. Prints the times, peak RSS and ratios.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-20000} G=${2:-2000} K=${3:-1000} PEER_MAX=${PEER_MAX:-20000}
PY=/usr/bin/python3
T=${SCEVAL_THREADS:-$(nproc)}
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
make -C "$top" -s all build/bench/simulation_bench
"$top/sceval" simulate -o "$W/data.h5ad" --cells "$N" --genes "$G" --types 5 --batches 2 \
  --int --seed 1 >/dev/null
cat > "$W/peer.py" <<'PEER'
import sys, time, numpy as np, anndata as ad
from scipy.special import digamma, zeta
t0 = time.perf_counter()
a = ad.read_h5ad(sys.argv[1]); key = sys.argv[2]
X = a.X.tocsc().astype(np.float64); n, G = X.shape
typ = a.obs[key].cat.codes.to_numpy(); T = typ.max() + 1
L = np.asarray(X.sum(1)).ravel()
t1 = time.perf_counter()
Y = X.toarray()
rows, cols = X.nonzero(); yv = np.asarray(X[rows, cols]).ravel()
onehot = np.zeros((n, T)); onehot[np.arange(n), typ] = 1
sy = onehot.T @ Y; sl = onehot.T @ L
eta = np.log((sy + 0.1) / sl[:, None])                   # T x G
mu = L[:, None] * np.exp(eta[typ])
tau = np.log(np.clip(n / ((Y / mu - 1) ** 2).sum(0), 1e-6, 1e8))
lo, hi = np.log(1e-6), np.log(1e8)
for it in range(200):
    th = np.exp(tau)
    mu = L[:, None] * np.exp(eta[typ]); tm = th + mu
    w = th * mu / tm
    score = onehot.T @ (th * (Y - mu) / tm); fisher = onehot.T @ w
    new = np.maximum(eta + np.clip(score / fisher, -5, 5), -50); step_eta = new - eta; eta = new
    mu = L[:, None] * np.exp(eta[typ]); tm = th + mu
    d1 = np.bincount(cols, digamma(yv + th[cols]) - digamma(th[cols]), G)
    d2 = np.bincount(cols, zeta(2, yv + th[cols]) - zeta(2, th[cols]), G)
    dl = d1 + (np.log(th) - np.log(tm) + (mu - Y) / tm).sum(0)
    ddl = d2 + (mu / (th * tm) - (mu - Y) / tm ** 2).sum(0)
    g = th * dl; h = th * th * ddl + th * dl
    step_tau = np.where(h < 0, np.clip(-g / np.where(h < 0, h, -1), -1, 1), 0.5 * np.sign(g))
    new = np.clip(tau + step_tau, lo, hi); step_tau = new - tau; tau = new
    moved = np.maximum(np.abs(step_eta).max(0), np.abs(step_tau))
    if moved.max() < 1e-8:
        break
t2 = time.perf_counter()
np.exp(tau).tofile(sys.argv[3])
print("numpy read %d cells x %d genes: %.3f s" % (n, G, t1 - t0))
print("numpy marginals %d genes (%d iterations, %d not moving): %.3f s" % (G, it + 1, (moved < 1e-8).sum(), t2 - t1))
PEER
cat > "$W/ks_peer.py" <<'PEER'
import sys, time, numpy as np, anndata as ad
from scipy.stats import ks_2samp
t0 = time.perf_counter()
def stats(path):
    x = ad.read_h5ad(path).X.tocsr().astype(np.float64); n = x.shape[0]
    s1 = np.asarray(x.sum(0)).ravel(); s2 = np.asarray(x.multiply(x).sum(0)).ravel()
    m = s1 / n; v = np.maximum((s2 - s1 * m) / (n - 1), 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(m > 0, np.sqrt(v) / m, np.nan)
    nzg = np.bincount(x.indices, minlength=x.shape[1]); nzc = np.diff(x.indptr)
    return {"gene_mean": m, "gene_var": v, "gene_cv": cv[~np.isnan(cv)],
            "gene_zero": 1 - nzg / n, "cell_libsize": np.asarray(x.sum(1)).ravel(),
            "cell_zero": 1 - nzc / x.shape[1]}
a, b = stats(sys.argv[1]), stats(sys.argv[2])
ks = {k: ks_2samp(a[k], b[k]).statistic for k in a}
t1 = time.perf_counter()
for k, v in ks.items():
    print("metric ks_%s %.6g" % (k, v))
print("metric ks_mean %.6g" % np.mean(list(ks.values())))
print("scipy KS statistics: %.3f s" % (t1 - t0))
PEER
echo "# machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); sceval threads: $T"
/usr/bin/time -v "$top/build/bench/simulation_bench" "$W/data.h5ad" cell_type "$K" "$T" \
  "$W/sim.h5ad" "$W/theta_c.bin" > "$W/c.txt" 2> "$W/c.time"
cat "$W/c.txt"
mkdir -p "$W/eval"
SCEVAL_THREADS=$T /usr/bin/time -v "$top/build/bench/simulation_bench" eval "$W/data.h5ad" \
  "$W/sim.h5ad" cell_type "$W/eval" > "$W/e.txt" 2> "$W/e.time"
grep -v '^metric' "$W/e.txt"
sed -n 's/^metric /  /p' "$W/e.txt"
/usr/bin/time -v "$PY" "$W/ks_peer.py" "$W/data.h5ad" "$W/sim.h5ad" > "$W/k.txt" 2> "$W/k.time"
grep -v '^metric' "$W/k.txt"
if [ "$N" -le "$PEER_MAX" ]; then
  /usr/bin/time -v "$PY" "$W/peer.py" "$W/data.h5ad" cell_type "$W/theta_py.bin" > "$W/p.txt" 2> "$W/p.time"
  cat "$W/p.txt"
else
  echo "numpy marginals: skipped at $N cells (PEER_MAX=$PEER_MAX; see the header)"
fi
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
secs() { grep " $1[ :]" "$2" | sed 's/.*: \([0-9.]*\) s.*/\1/'; }
echo "peak RSS: sceval fit+generate (read, marginals, copula, generate) $(($(rss "$W/c.time") / 1024)) MiB," \
  "sceval fidelity metrics $(($(rss "$W/e.time") / 1024)) MiB, scipy KS $(($(rss "$W/k.time") / 1024)) MiB"
"$PY" - "$W/e.txt" "$W/k.txt" "$(secs metrics "$W/e.txt")" "$(secs statistics "$W/k.txt")" <<'PY'
import sys
def metrics(p):
    return {l.split()[1]: float(l.split()[2]) for l in open(p) if l.startswith("metric ")}
e, k = metrics(sys.argv[1]), metrics(sys.argv[2])
d = max(abs(e[m] - k[m]) for m in k)
print("KS statistics: max |sceval - scipy| over %d = %.2e" % (len(k), d))
print("fidelity metrics (all of them) vs scipy KS statistics only: scipy/sceval = %.1f"
      % (float(sys.argv[4]) / max(float(sys.argv[3]), 1e-6)))
PY
[ -f "$W/p.time" ] || exit 0
"$PY" - "$W" "$(rss "$W/p.time")" "$(secs marginals "$W/c.txt")" \
  "$(secs marginals "$W/p.txt")" "$(secs fit+generate "$W/c.txt")" <<'PY'
import sys, numpy as np
w, rp, mc, mp, total = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
a = np.fromfile(w + "/theta_c.bin"); b = np.fromfile(w + "/theta_py.bin")
m = np.isfinite(a) & (a < 1e6) & (b < 1e6)
print("peak RSS: numpy (marginals only) %.0f MiB" % (rp / 1024))
print("theta agreement on %d genes (finite, < 1e6 on both sides): max relative difference %.2e"
      % (m.sum(), np.max(np.abs(a[m] / b[m] - 1))))
print("marginals: numpy/sceval = %.1f" % (mp / max(mc, 1e-6)))
print("sceval fit+generate (everything) vs numpy marginals only: numpy/sceval = %.1f" % (mp / max(total, 1e-6)))
PY
