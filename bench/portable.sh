#!/bin/sh
# Portable mode's cost: the demo spec (every task, 3000 cells x 2000 genes),
# computed from scratch in fast mode and with --portable, alternately, in
# fresh stores, REPS times each; prints each time and the median ratio.
# Usage: sh bench/portable.sh [REPS] (default 3). Needs ./sceval built.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
SCEVAL=${SCEVAL:-$top/sceval}
REPS=${1:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'chmod -R u+w "$W"; rm -rf "$W"' EXIT
cd "$W"
now() { date +%s.%N; }
"$SCEVAL" simulate -q -o sim_rna.h5ad --cells 3000 --genes 2000 --types 6 --batches 3 \
  --seed 42 --batch-strength 0.3 >/dev/null
"$SCEVAL" simulate -q -o sim_protein.h5ad --cells 3000 --genes 30 --types 6 --batches 3 \
  --seed 42 --de-prob 0.5 --lib-loc 7 >/dev/null
sed 's|\.\./demo/||' "$top/examples/demo.yaml" > demo.yaml
echo "kernel picked for this CPU: $("$SCEVAL" version | sed -n 's/^openblas *//p')"
one() { # MODE -> seconds
  rm -rf s && mkdir s && cp demo.yaml sim_*.h5ad s/
  s=$(now)
  (cd s && "$SCEVAL" init . >/dev/null && "$SCEVAL" run -q -j 2 $1 demo.yaml >/dev/null)
  e=$(now)
  awk "BEGIN{printf \"%.2f\", $e - $s}"
}
ratios=""
for i in $(seq "$REPS"); do
  f=$(one "")
  p=$(one --portable)
  r=$(awk "BEGIN{printf \"%.2f\", $p / $f}")
  echo "demo from scratch: fast ${f} s, portable ${p} s, ratio ${r}"
  ratios="$ratios $r"
done
echo "median portable/fast: $(echo $ratios | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')"
