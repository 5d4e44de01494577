# Steps by the keys `show RUN` prints: `show STEP` describes the step and
# `log STEP` prints what it wrote; `du` counts objects and bytes by kind
# (checked against the catalog read directly with sqlite3) and what gc
# would reclaim (checked by running gc).
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$SCEVAL" -q simulate -o sim.h5ad --cells 300 --genes 100 >/dev/null
cat > model.py <<'EOF'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    n = f["obs"][f["obs"].attrs["_index"]].shape[0]
print("hello from stdout")
print("epoch 1 loss 0.5", file=sys.stderr)
np.save(sys.argv[2], np.random.default_rng(int(sys.argv[3])).normal(size=(n, 4)))
EOF
cat > spec.yaml <<'EOF'
datasets: {sim: sim.h5ad}
methods:
  ext:
    command: [/usr/bin/python3, "{file:script}", "{input}", "{output}", "{seed}"]
    files: {script: model.py}
    output: embedding.npy
    provides: {obsm: X_ext}
    deterministic: true
tasks:
  - {task: annotation, dataset: sim, label_key: cell_type, methods: [ext], seeds: [0]}
EOF
"$SCEVAL" run -q spec.yaml > run.out 2>&1 || { fail "the run"; cat run.out; }
key=$("$SCEVAL" show 1 | awk '$3 == "external" || /sim\/ext seed=0/ {print $1; exit}')
expect_match "show RUN lists a 12-digit key for the external step" "$key" "^[0-9a-f]{12}$"
full=$("$SCEVAL" show --json 1 | pyjson '[s["key"] for s in d["step_list"] if s["key"].startswith("'"$key"'")][0]')
"$SCEVAL" show "$key" > step.txt; rc=$?
expect_eq "show STEP with the printed key works" "$rc" "0"
expect_eq "... names the full key" "$(sed -n 1p step.txt)" "step     $full"
expect_eq "... the runs that used it" "$(grep '^runs' step.txt | tr -s ' ')" "runs 1"
expect_match "... and its output" "$(cat step.txt)" "embedding\.npy +[0-9a-f]{64}"
expect_eq "show --json STEP" "$("$SCEVAL" show --json "$key" | pyjson '(d["key"], d["status"], d["seed"], d["runs"])')" "('$full', 'done', 0, [1])"
expect_eq "log STEP prints its stderr" "$("$SCEVAL" log "$key")" "epoch 1 loss 0.5"
expect_eq "log --stdout STEP prints its stdout" "$("$SCEVAL" log --stdout "$key")" "hello from stdout"
expect_exit "an unknown step is an error" 1 "$SCEVAL" log 0123456789ab
expect_eq "... naming it" "$(cat "$T/err")" "sceval log: no step '0123456789ab'"
expect_exit "show of an unknown key still says no such object" 1 "$SCEVAL" show 0123456789ab

# du against the catalog, then against what gc removes.
# an object added and never named is what gc reclaims
echo "stray" > stray.txt && "$SCEVAL" add stray.txt >/dev/null
"$SCEVAL" du --json > du.json
"$PYTHON" - .sceval/catalog.db du.json <<'PY' > du.check
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
want = {k: (n, b) for k, n, b in db.execute("SELECT kind, count(*), sum(size) FROM objects GROUP BY kind")}
got = {k: (v["objects"], v["bytes"]) for k, v in json.load(open(sys.argv[2]))["kinds"].items() if k != "unrecorded"}
print("same" if got == want else "differ %r %r" % (got, want))
PY
expect_eq "du: objects and bytes by kind equal the catalog's" "$(cat du.check)" "same"
rb=$(pyjson 'sum(v["reclaimable_bytes"] for v in d["kinds"].values())' < du.json)
ro=$(pyjson 'sum(v["reclaimable_objects"] for v in d["kinds"].values())' < du.json)
expect_eq "du: the added, never named file (6 bytes) is reclaimable" "$ro:$rb" "1:6"
"$SCEVAL" gc --json > gc.json
expect_eq "du's reclaimable = what gc removes" "$ro:$rb" "$(pyjson '"%d:%d" % (d["removed_count"], d["removed_bytes"])' < gc.json)"
expect_eq "after gc nothing is reclaimable" "$("$SCEVAL" du --json | pyjson 'sum(v["reclaimable_objects"] for v in d["kinds"].values())')" "0"
expect_match "du prints a total line" "$("$SCEVAL" du)" "^total +[0-9]+ "
done_testing
