#!/bin/sh
# bench/trajectory.sh - scib's trajectory conservation (tasks/scib/trajectory.h)
# on N cells along a noisy curve, sceval against the numpy/scipy transcription
# of scib + scanpy (ARPACK's eigsh for the diffusion map) on the same input:
# the metric alone (both sides build the 15-neighbour graph first, untimed),
# its value and root cell on both sides. Environment: N SEED. CPU load from
# other processes shows in both figures.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
N=${N:-20000} SEED=${SEED:-1}
W=$(mktemp -d "${TMPDIR:-/tmp}/sceval-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
make -C "$top" -s sceval
echo "# machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $N cells"
"$PYTHON" "$top/bench/trajectory_peer.py" gen "$W" "$N" "$SEED"
"$top/sceval" -q scib --json "$W/traj.h5ad" --obsm X_emb --label-key lab --batch-key bat \
  --pseudotime-key pt > "$W/s.json"
"$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = [m for m in d["metrics"] if m["name"] == "trajectory"][0]
print("sceval_seconds %.3f" % m["seconds"]); print("sceval_value %r" % m["value"])
print("sceval_detail", m["detail"])' "$W/s.json" | tee "$W/r.txt"
"$PYTHON" "$top/bench/trajectory_peer.py" run "$W" | tee -a "$W/r.txt"
awk '{ v[$1] = $2 } END {
  printf "# ratio (> 1: sceval faster): %.1f (sceval %.2f s, peer %.2f s); |value difference| %.2g\n",
    v["peer_seconds"] / v["sceval_seconds"], v["sceval_seconds"], v["peer_seconds"],
    (v["sceval_value"] > v["peer_value"] ? v["sceval_value"] - v["peer_value"] : v["peer_value"] - v["sceval_value"]) }' "$W/r.txt"
