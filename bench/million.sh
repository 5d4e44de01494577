#!/bin/sh
# bench/million.sh - sceval at a million cells on one machine (issue: scale).
#  (a) examples/million.yaml end to end on CELLS simulated cells (2000 genes,
#      20 types, 10 batches): `sceval simulate`, then every step of the run
#      (prepare, batch.embed unintegrated and Harmony, integration.eval = the
#      scIB suite, annotation fit and eval) with its wall time and peak
#      resident memory as the runner recorded them (getrusage of the step's
#      process); target: every step under 12 GiB.
#  (b) the scIB suite alone at each of SCIB_SIZES cells (a 50-dimensional
#      embedding, 20 types as Gaussian clusters, 10 batches as shifts: the
#      generator of bench/scib.sh), per metric: wall time and the process's
#      peak resident memory during the stage computing it (the suite's
#      measure_rss option), so the growth with n is visible. Silhouette is
#      quadratic by definition (exact, tiled): its share of the total is
#      printed; so is exact kNN's (n^2 d by matrix products).
# For scale: scib-metrics reports ~20 s per embedding at 32k cells with 6
# workers and hours in isolated labels at 1.3M cells (scib-metrics #175).
# Environment: CELLS [1000000; 0 skips (a)], SCIB_SIZES ["100000 300000
# 1000000"], JOBS [2] (sceval run -j). Run it with nice on a shared machine.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
SCEVAL=${SCEVAL:-$top/sceval}
PYTHON=${PYTHON:-/usr/bin/python3}
CELLS=${CELLS:-1000000} SCIB_SIZES=${SCIB_SIZES:-"100000 300000 1000000"} JOBS=${JOBS:-2}
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-million.XXXXXX")
trap 'chmod -R u+w "$W"; rm -rf "$W"' EXIT
make -C "$top" -s sceval build/libsceval.a >/dev/null
make -C "$top" -s bench >/dev/null
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
  "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$CELLS" -gt 0 ]; then
  mkdir "$W/spec"
  cp "$top/examples/million.yaml" "$W/spec/"
  cd "$W/spec"
  "$SCEVAL" init -q >/dev/null
  /usr/bin/time -f "%e %M" -o sim.time "$SCEVAL" simulate -q -o million.h5ad --cells "$CELLS" \
    --genes 2000 --types 20 --batches 10 --seed 0 >/dev/null
  /usr/bin/time -f "%e %M" -o run.time "$SCEVAL" run -q -j "$JOBS" million.yaml >/dev/null
  "$SCEVAL" show 1 --json > run.json
  echo "# (a) examples/million.yaml on $CELLS cells x 2000 genes: per step"
  printf '  %-52s %9s %10s\n' step "wall (s)" "peak RSS"
  awk '{printf "  %-52s %9.1f %7.2f GiB\n", "simulate (sceval simulate)", $1, $2 / 1048576}' sim.time
  "$PYTHON" - run.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
steps = r.get("step_list") or []
big = max(steps, key=lambda s: s.get("maxrss_kb") or 0) if steps else None
for s in steps:
    print("  %-52s %9.1f %7.2f GiB%s" % (s["label"][:52], s["wall"] or 0,
          (s["maxrss_kb"] or 0) / 1048576, "   (cached)" if s.get("cached") else ""))
if big:
    print("  largest step: %s, %.2f GiB (target < 12 GiB)" % (big["label"], big["maxrss_kb"] / 1048576))
PY
  awk '{printf "  %-52s %9.1f %7.2f GiB\n", "whole run (sceval run, the parent)", $1, $2 / 1048576}' run.time
  cd "$top"
fi

[ -n "$SCIB_SIZES" ] || exit 0
for n in $SCIB_SIZES; do
  mkdir "$W/s$n"
  "$PYTHON" "$top/bench/scib_peer.py" gen "$W/s$n" "$n" 50 20 10 1 >/dev/null
  "$top/build/bench/scib_bench" suite "$W/s$n" rss > "$W/s$n/out"
  rm -f "$W/s$n"/*.bin
done
echo "# (b) the scIB suite per metric: wall seconds / peak RSS (GiB) of its stage"
for n in $SCIB_SIZES; do echo "$n $W/s$n/out"; done | awk '
  { n[++c] = $1; f = $2
    while ((getline line < f) > 0) { split(line, a, " "); v[c, a[1]] = a[2]
      if (c == 1 && a[1] ~ /^t_/) order[++k] = substr(a[1], 3)
      if (c == 1 && a[1] ~ /^step_/) st[++m] = substr(a[1], 6)
      if (a[1] ~ /^rss_/ && a[2] > peak[c]) peak[c] = a[2] } }
  END {
    printf "  %-28s", "cells"; for (j = 1; j <= c; j++) printf " %20d", n[j]; printf "\n"
    for (i = 1; i <= m; i++) { printf "  %-28s", "shared: " st[i]
      for (j = 1; j <= c; j++) printf " %10.1f / %6.2f", v[j, "step_" st[i]], v[j, "rss_step_" st[i]] / 1048576
      printf "\n" }
    for (i = 1; i <= k; i++) { printf "  %-28s", order[i]
      for (j = 1; j <= c; j++) printf " %10.1f / %6.2f", v[j, "t_" order[i]], v[j, "rss_" order[i]] / 1048576
      printf "\n" }
    # the largest stage peak (with the resets the process figure is only the last stage)
    printf "  %-28s", "TOTAL (largest stage peak)"
    for (j = 1; j <= c; j++) printf " %10.1f / %6.2f", v[j, "total_seconds"], peak[j] / 1048576
    printf "\n  %-28s", "silhouette share"
    for (j = 1; j <= c; j++) printf " %19.0f%%", 100 * (v[j, "t_ASW_label"] + v[j, "t_ASW_label/batch"]) / v[j, "total_seconds"]
    printf "\n  %-28s", "exact kNN share"
    for (j = 1; j <= c; j++) printf " %19.0f%%", 100 * v[j, "step_knn"] / v[j, "total_seconds"]
    printf "\n"
  }'
