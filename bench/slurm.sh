#!/bin/sh
# Slurm executor overhead, in one run: a spec of 49 small steps (annotation
# on a simulated dataset, logreg and kNN, 12 seeds, plus the shared
# preparation) computed by the local executor (-j 2) and by
# --executor slurm against a one-node Slurm started here on 127.0.0.1
# (scripts/slurm-local.sh; root, slurm-wlm and munge), each into a fresh
# store. Prints both times, the overhead per step and the ratio, and checks
# that both give the same result hash.
# Usage: sh bench/slurm.sh [POLL_SECONDS] (default 0.5: how often the
# submitter asks squeue). Needs ./sceval built.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
SCEVAL=${SCEVAL:-$top/sceval}
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
. "$top/scripts/slurm-local.sh"
trap 'slurm_local_stop "$W/slurm"; chmod -R u+w "$W"; rm -rf "$W"' EXIT
cd "$W"
slurm_local_start "$W/slurm" || { echo "slurm.sh: Slurm cannot start: $slurm_local_why" >&2; exit 1; }
export SCEVAL_SLURM_POLL=${1:-0.5}
now() { date +%s.%N; }
"$SCEVAL" simulate -q -o sim.h5ad --cells 600 --genes 200 --types 4 --batches 2 --seed 1 >/dev/null
cat > spec.yaml <<SPEC
datasets: {sim: sim.h5ad}
tasks:
  - {task: annotation, dataset: sim, label_key: cell_type, n_top_genes: 100, n_comps: 10,
     methods: [logreg, knn], seeds: [$(seq -s, 0 11)]}
SPEC
mkdir local slurm-store
"$SCEVAL" init local >/dev/null
"$SCEVAL" init slurm-store >/dev/null
s=$(now); "$SCEVAL" --store local run -q -j 2 --json spec.yaml > local.json; e=$(now)
tl=$(awk "BEGIN{print $e - $s}")
s=$(now); "$SCEVAL" --store slurm-store run -q --executor slurm --json spec.yaml > slurm.json; e=$(now)
ts=$(awk "BEGIN{print $e - $s}")
res() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["result"], d["steps"])' "$1"; }
set -- $(res local.json); rl=$1 n=$2
set -- $(res slurm.json); rs=$1
[ "$rl" = "$rs" ] && same=yes || same=NO
awk -v tl="$tl" -v ts="$ts" -v n="$n" -v same="$same" -v poll="$SCEVAL_SLURM_POLL" 'BEGIN {
  printf "%d steps: local -j 2 %.2f s, slurm (poll %ss) %.2f s\n", n, tl, poll, ts
  printf "slurm overhead per step: %.3f s; slurm/local: %.1fx; same result hash: %s\n", (ts - tl) / n, ts / tl, same
}'
