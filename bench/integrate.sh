#!/bin/sh
# Integration benchmark: on the same simulated inputs, in one run, time
# sceval's ComBat and Harmony (C, build/libsceval.a) beside numpy
# transcriptions of scanpy's pp.combat and of harmonypy (bench/
# integrate_peer.py; transcriptions, not the packages: scanpy and harmonypy
# are not installed here), and print the ratios.
#   ComBat:  N cells x 500 genes (default N = 100000; 100k x 2000 dense would
#            be 1.6 GB per copy), 10 batches, 10 cell types.
#   Harmony: N cells x 50 PCs, 10 batches, 20 cell types; each side runs its
#            own k-means initialisation (sceval's k-means / sklearn's KMeans,
#            10 inits x 25 iterations), so their iteration counts can differ:
#            both are printed, with time per soft k-means step.
# Usage: sh bench/integrate.sh [N_COMBAT] [N_HARMONY]. Builds with make first.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
NC=${1:-100000}
NH=${2:-100000}
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT

make -C "$top" -s -j2 bench >/dev/null
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
calc() { awk "BEGIN{printf \"%.2f\", $1}"; }

echo "simulating ComBat input: $NC cells x 500 genes, 10 batches..."
"$top/build/bench/integrate_driver" gen-combat "$W" "$NC" 500 10 1
c=$("$top/build/bench/integrate_driver" combat "$W")
p=$("$PYTHON" "$top/bench/integrate_peer.py" combat "$W")
tc=$(field "$c" seconds); tp=$(field "$p" seconds)
printf '%-44s %8.2f s  (%s EB iterations)\n' "sceval ComBat" "$tc" "$(field "$c" iterations)"
printf '%-44s %8.2f s  (%s EB iterations)\n' "numpy transcription of scanpy pp.combat" "$tp" \
  "$(field "$p" iterations)"
printf 'ComBat: transcription / sceval = %s x; outputs differ by at most %s (relative)\n\n' \
  "$(calc "$tp / $tc")" "$(field "$p" max_rel_diff)"
rm -f "$W"/x.bin "$W"/combat_*.bin

echo "simulating Harmony input: $NH cells x 50 PCs, 10 batches..."
"$top/build/bench/integrate_driver" gen-harmony "$W" "$NH" 50 10 2
c=$("$top/build/bench/integrate_driver" harmony "$W")
p=$("$PYTHON" "$top/bench/integrate_peer.py" harmony "$W")
tc=$(field "$c" seconds); tp=$(field "$p" seconds)
kc=$(field "$c" kmeans_steps); kp=$(field "$p" kmeans_steps)
printf '%-44s %8.2f s  (%s rounds, %s k-means steps, %.3f s/step)\n' "sceval Harmony" "$tc" \
  "$(field "$c" rounds)" "$kc" "$(calc "$tc / $kc")"
printf '%-44s %8.2f s  (%s rounds, %s k-means steps, %.3f s/step)\n' \
  "numpy transcription of harmonypy" "$tp" "$(field "$p" rounds)" "$kp" "$(calc "$tp / $kp")"
printf 'Harmony: transcription / sceval = %s x (per k-means step: %s x)\n' \
  "$(calc "$tp / $tc")" "$(calc "($tp / $kp) / ($tc / $kc)")"
