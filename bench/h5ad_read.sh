#!/bin/sh
# Reading an .h5ad file: sceval's reader vs anndata.read_h5ad, same file, same run.
#
#   sh bench/h5ad_read.sh [CELLS] [GENES]      (default 100000 x 2000)
#
# Makes the input with `sceval simulate` (timed, with peak RSS from
# /usr/bin/time -v), then times reading X as CSR plus obs (names, cell_type,
# batch) with a small C driver linked against build/libsceval.a, and
# anndata.read_h5ad in /usr/bin/python3 (which reads everything: X, obs,
# var, uns). Each reader runs 3 times after a warm-up read; the best time
# counts (the file is in the page cache for both). Prints wall-clock and CPU
# (user + system, all threads) times and their ratios: on a shared machine
# the CPU ratio is the steadier figure, the wall ratio the one users see.
set -eu
cells=${1:-100000}
genes=${2:-2000}
here=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
cd "$here"
make -s all build/libsceval.a >/dev/null
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The driver: built by `make bench` with the Makefile's own flags and libraries.
make -s bench >/dev/null

f=$tmp/sim.h5ad
echo "input: sceval simulate --cells $cells --genes $genes"
/usr/bin/time -v ./sceval simulate -o "$f" --cells "$cells" --genes "$genes" --seed 1 2>"$tmp/time.txt"
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time.txt")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
echo "simulate: wall $wall, peak RSS $((rss / 1024)) MiB, file $(($(wc -c <"$f") / 1048576)) MiB"

best() { sort -n | head -n 1; }
build/bench/h5ad_read "$f" >/dev/null
for i in 1 2 3; do build/bench/h5ad_read "$f"; done >"$tmp/c.txt"
s=$(cut -d' ' -f1 "$tmp/c.txt" | best)
sc=$(cut -d' ' -f2 "$tmp/c.txt" | best)
"$PYTHON" - "$f" >"$tmp/py.txt" <<'PY'
import sys, time, warnings
warnings.simplefilter("ignore")
import anndata
path = sys.argv[1]
anndata.read_h5ad(path)
ts, cs = [], []
for _ in range(3):
    t, c = time.perf_counter(), time.process_time()
    ad = anndata.read_h5ad(path)
    ts.append(time.perf_counter() - t)
    cs.append(time.process_time() - c)
    del ad
print(f"{min(ts):.3f} {min(cs):.3f}")
PY
p=$(cut -d' ' -f1 "$tmp/py.txt")
pc=$(cut -d' ' -f2 "$tmp/py.txt")
/usr/bin/time -v build/bench/h5ad_read "$f" >/dev/null 2>"$tmp/time2.txt"
rss2=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time2.txt")
echo "read X (CSR) + obs: sceval wall ${s}s cpu ${sc}s (peak RSS $((rss2 / 1024)) MiB); anndata.read_h5ad wall ${p}s cpu ${pc}s"
"$PYTHON" -c "import sys; s, sc, p, pc = map(float, sys.argv[1:]); print(f'ratio anndata / sceval: wall {p / s:.2f}x, cpu {pc / sc:.2f}x (target 3x)')" "$s" "$sc" "$p" "$pc"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)"
