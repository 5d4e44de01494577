# Ctrl-C (SIGINT) or kill: the run is recorded as interrupted, the steps it
# finished stay cached, and the next run resumes from them.
. "$(dirname "$0")/lib.sh"
need_data "$PBMC" || { skip "needs $PBMC in \$SCEVAL_TESTDATA"; done_testing; }
"$SCEVAL" init >/dev/null
cat > step.py <<'PY'
import sys, time, numpy as np
time.sleep(float(sys.argv[3]))
np.save(sys.argv[1], np.random.default_rng(int(sys.argv[2])).standard_normal((700, 4)))
PY
cat > spec.yaml <<SPEC
datasets: {pbmc: $DATA/$PBMC}
methods:
  fast:
    command: [$PYTHON, "{file:s}", "{output}", "{seed}", "0.1"]
    files: {s: step.py}
    output: e.npy
    provides: {obsm: X}
  slow:
    command: [$PYTHON, "{file:s}", "{output}", "{seed}", "30"]
    files: {s: step.py}
    output: e.npy
    provides: {obsm: X}
tasks:
  - {task: annotation, dataset: pbmc, label_key: bulk_labels, methods: [fast, slow]}
SPEC
"$SCEVAL" run spec.yaml > out1 2>err1 & pid=$!
# Wait until the fast method's three steps are done, then interrupt.
i=0
while [ $i -lt 100 ]; do
  n=$("$SCEVAL" show --json 1 2>/dev/null | pyjson 'sum(1 for s in d["step_list"] if s["status"]=="done")' 2>/dev/null)
  [ "${n:-0}" -ge 3 ] && break
  sleep 0.1; i=$((i + 1))
done
kill -INT $pid; wait $pid; rc=$?
expect_eq "an interrupted run exits 130" "$rc" "130"
expect_match "... and says what happened" "$(cat err1)" "^sceval run: interrupted; run 1 recorded as interrupted"
expect_eq "the run is recorded as interrupted" "$("$SCEVAL" runs --json | pyjson 'd["runs"][0]["status"]')" "interrupted"
check "the slow command was stopped (no python left running it)" sh -c "! pgrep -f 'step.py.* 30$' >/dev/null"
# Resume: the fast steps come from the cache. Make the slow one fast now? No:
# change nothing; interrupt again quickly with SIGTERM to test kill.
"$SCEVAL" run --json spec.yaml > r2.json 2>/dev/null & pid=$!
sleep 1.5
kill -TERM $pid; wait $pid; rc=$?
expect_eq "a killed (SIGTERM) run exits 130 too" "$rc" "130"
expect_eq "the second run found the finished steps in the cache" "$("$SCEVAL" show --json 2 | pyjson 'sorted(set((s["method"], s["cached"]) for s in d["step_list"] if s["status"]=="done"))')" '[["fast", true]]'
# kill -9 leaves a 'running' row; the next command sees the process is gone.
"$SCEVAL" run spec.yaml >/dev/null 2>&1 & pid=$!
sleep 1.5
kill -9 $pid; wait $pid 2>/dev/null
sed -i 's/"30"\]/"0.1"]/' spec.yaml
"$SCEVAL" run --json spec.yaml > r4.json
expect_eq "a run killed with -9 is marked interrupted by the next run" "$("$SCEVAL" runs --json | pyjson '[r["status"] for r in d["runs"]]')" '["done", "interrupted", "interrupted", "interrupted"]'
expect_eq "the resumed run completes, reusing the fast steps" "$(pyjson '(d["status"], d["cached"] >= 3)' < r4.json)" "('done', True)"
expect_exit "fsck is clean" 0 "$SCEVAL" fsck
done_testing
