#!/bin/sh
# bench/scib.sh - the whole scIB suite (tasks/scib/suite.h) on a simulated
# integrated embedding, timed per metric, beside sklearn on the same input in
# the same run:
#   (a) every metric of sc_scib_suite_run on N cells x D dims (20 cell types
#       as Gaussian clusters, 10 batches as shifts): kNN, both UMAP graphs,
#       the Leiden sweep, silhouettes, LISI, kBET, PCR, ... and the total;
#   (b) silhouette: sklearn's silhouette_score on all N cells (chunked by
#       sklearn itself; about a minute for 100k cells; SK_FULL=0 instead
#       extrapolates from a random subsample of S cells by the n^2 cost, which
#       overestimates sklearn here), vs the suite's label ASW (a full
#       silhouette of N cells); both sides also run on that subsample, where
#       the values are compared;
#   (c) NMI and ARI: sklearn's normalized_mutual_info_score and
#       adjusted_rand_score vs sc_scib_nmi / sc_scib_ari, on the suite's
#       NMI-optimal clustering against the labels.
# Environment: N D TYPES BATCHES S SEED SK_FULL. Targets: suite < 60 s on 2
# cores; silhouette >= 10x sklearn. The machine's other load shows in every
# figure; CPU time is printed beside wall time.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
N=${N:-100000} D=${D:-50} TYPES=${TYPES:-20} BATCHES=${BATCHES:-10} S=${S:-20000}
SEED=${SEED:-1} SK_FULL=${SK_FULL:-1}
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT

make -C "$top" -s build/libsceval.a
make -C "$top" -s bench >/dev/null

out=$W/results
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out"
"$PYTHON" "$top/bench/scib_peer.py" gen "$W" "$N" "$D" "$TYPES" "$BATCHES" "$SEED" | tee -a "$out"

/usr/bin/time -f "suite_cpu_seconds %U" -o "$W/cpu.txt" "$top/build/bench/scib_bench" suite "$W" > "$W/suite.txt"
cat "$W/suite.txt" "$W/cpu.txt" >> "$out"

"$top/build/bench/scib_bench" nmi "$W" >> "$out"
"$PYTHON" "$top/bench/scib_peer.py" nmi "$W" >> "$out"
"$PYTHON" "$top/bench/scib_peer.py" sub "$W" "$S" "$SEED"
"$top/build/bench/scib_bench" sil "$W" sub >> "$out"
"$PYTHON" "$top/bench/scib_peer.py" sil "$W" "$S" >> "$out"
if [ "$SK_FULL" = 1 ]; then
  "$PYTHON" "$top/bench/scib_peer.py" full "$W" >> "$out"
fi

echo "# per metric (sceval, $N cells x $D dims, $TYPES types, $BATCHES batches)"
awk -v N="$N" -v S="$S" '
  { v[$1] = $2; if ($1 ~ /^t_/) order[++k] = substr($1, 3); if ($1 ~ /^step_/) st[++m] = substr($1, 6) }
  END {
    for (i = 1; i <= m; i++) printf "  step %-22s %8.2f s\n", st[i], v["step_" st[i]]
    for (i = 1; i <= k; i++) printf "  %-27s %8.2f s   value %s\n", order[i], v["t_" order[i]], v["v_" order[i]]
    printf "  %-27s %8.2f s   bio %s batch %s overall %s\n", "TOTAL", v["total_seconds"], v["v_bio"], v["v_batch"], v["v_overall"]
    printf "# ratios (> 1: sceval faster)\n"
    printf "suite: %.1f s wall (%.1f s CPU) for all metrics (target < 60 s)\n", v["total_seconds"], v["suite_cpu_seconds"]
    if ("sk_sil_full_seconds" in v)
      sk = v["sk_sil_full_seconds"]
    else
      sk = v["sk_sil_sub_seconds"] * (N / S) * (N / S)
    how = ("sk_sil_full_seconds" in v) ? "measured on all cells" : sprintf("extrapolated from %d cells by (N/S)^2", S)
    printf "silhouette %d cells: sceval %.2f s, sklearn %.1f s (%s): x%.1f (target >= 10)\n", N,
      v["t_asw_label"], sk, how, sk / v["t_asw_label"]
    printf "silhouette %d-cell subsample: sceval %.2f s, sklearn %.2f s (x%.1f), max |diff| %s\n", S,
      v["sil_sub_seconds"], v["sk_sil_sub_seconds"], v["sk_sil_sub_seconds"] / v["sil_sub_seconds"], v["sil_sub_maxdiff"]
    printf "nmi: sceval %.4f s, sklearn %.4f s (x%.1f); values %s vs %s\n", v["nmi_seconds"], v["sk_nmi_seconds"],
      v["sk_nmi_seconds"] / v["nmi_seconds"], v["nmi_value"], v["sk_nmi_value"]
    printf "ari: sceval %.4f s, sklearn %.4f s (x%.1f); values %s vs %s\n", v["ari_seconds"], v["sk_ari_seconds"],
      v["sk_ari_seconds"] / v["ari_seconds"], v["ari_value"], v["sk_ari_value"]
  }' "$out"
