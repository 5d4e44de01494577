#!/bin/sh
# bench/imputation.sh - the imputation task's numerics on simulated data:
# Tangram's mapping of NC cells [10000] to NS spots [2000] on NG genes [200]
# for E epochs [20] (map_cells_to_space's defaults otherwise), sceval against
# the PyTorch transcription of its loss that the tests use
# (tests/oracle/imputation_tangram.py), from the same initial scores, with
# the same number of threads; prints both times, both final losses and the
# ratio. Then MAGIC-style denoising of NM cells [50000] x NMG genes [200]
# (sceval's time only: no peer is installed). 1000 epochs (Tangram's
# default) take about 50 times the default's Tangram time.
# usage: bench/imputation.sh [NC NS NG E NM NMG]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
NC=${1:-10000} NS=${2:-2000} NG=${3:-200} E=${4:-20} NM=${5:-50000} NMG=${6:-200}
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
make -C "$top" -s build/bench/imputation_bench
TH=${SCEVAL_THREADS:-$(nproc)}
echo "# machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $TH threads each"
SCEVAL_THREADS=$TH "$top/build/bench/imputation_bench" "$NC" "$NS" "$NG" "$E" "$NM" "$NMG" "$W" | tee "$W/c.txt"
PYTHONPATH="$top/tests/oracle" /usr/bin/python3 - "$W" "$NC" "$NS" "$NG" "$E" "$TH" <<'PY' | tee "$W/p.txt"
import sys, time, numpy as np, torch
from imputation_tangram import fit
W, NC, NS, NG, E, TH = sys.argv[1], *map(int, sys.argv[2:])
torch.set_num_threads(TH)
S = np.fromfile(W + "/S").reshape(NC, NG); G = np.fromfile(W + "/G").reshape(NS, NG)
M = np.fromfile(W + "/M").reshape(NC, NS)
fit(S[:50], G[:20], M[:50, :20], 1)   # torch's first-call setup, untimed
t0 = time.time(); hist, _ = fit(S, G, M, E); t1 = time.time()   # float64, as sceval
print("torch  tangram %d cells x %d spots x %d genes, %d epochs: %.3f s (loss %.9f -> %.9f)"
      % (NC, NS, NG, E, t1 - t0, hist[0], hist[-1]))
PY
a=$(grep " tangram " "$W/c.txt" | sed 's/.*: \([0-9.]*\) s.*/\1/'); b=$(grep " tangram " "$W/p.txt" | sed 's/.*: \([0-9.]*\) s.*/\1/')
echo "tangram: torch/sceval = $(/usr/bin/python3 -c "print('%.2f' % ($b / max($a, 1e-6)))")"
