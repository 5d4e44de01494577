# External steps: a command that works, one that fails, one that hangs past
# its timeout, one that writes nothing; logs are kept; --keep-going runs the
# independent rest; the interpreter is recorded.
. "$(dirname "$0")/lib.sh"
need_data "$PBMC" || { skip "needs $PBMC in \$SCEVAL_TESTDATA"; done_testing; }
"$SCEVAL" init >/dev/null
cp "$TESTS_DIR/../examples/models/standin_model.py" model.py
cat > fail.py <<'PY'
import sys
print("loading weights from /nowhere/model.pt", file=sys.stderr)
print("RuntimeError: CUDA out of memory", file=sys.stderr)
sys.exit(3)
PY
cat > hang.py <<'PY'
import time
time.sleep(60)
PY
cat > lazy.py <<'PY'
print("did all the work, forgot to save")
PY
cat > spec.yaml <<SPEC
datasets: {pbmc: $DATA/$PBMC}
methods:
  model:
    command: [$PYTHON, "{file:m}", "{input}", "{output}", --seed, "{seed}", --layer, layers/counts]
    files: {m: model.py}
    output: emb.npy
    provides: {obsm: X_model}
  broken:
    command: [$PYTHON, "{file:m}"]
    files: {m: fail.py}
    output: emb.npy
    provides: {obsm: X}
  hangs:
    command: [$PYTHON, "{file:m}"]
    files: {m: hang.py}
    output: emb.npy
    provides: {obsm: X}
    timeout: 1
  lazy:
    command: [$PYTHON, "{file:m}"]
    files: {m: lazy.py}
    output: emb.npy
    provides: {obsm: X}
  crashes:
    command: [/bin/sh, -c, 'echo reading weights >&2; kill -SEGV \$\$']
    output: emb.npy
    provides: {obsm: X}
tasks:
  - task: annotation
    dataset: pbmc
    label_key: bulk_labels
    methods: [model, broken, hangs, lazy, crashes]
SPEC
"$SCEVAL" run --keep-going --json spec.yaml > r.json 2>err.txt; rc=$?
expect_eq "a run with failed steps exits 1" "$rc" "1"
expect_eq "four externals fail, their fits and evaluations are not run, the rest is done" \
  "$(pyjson '(d["status"], d["steps"], d["failed"], d["result"])' < r.json)" "('failed', 15, 12, None)"
"$SCEVAL" show --json 1 > s.json
err_of() { pyjson "[s['error'] for s in d['step_list'] if s['method']=='$1' and s['kind']=='external'][0]" < s.json; }
expect_eq "a failing command is reported with its exit status and last stderr line" \
  "$(err_of broken)" "command exited with status 3: RuntimeError: CUDA out of memory"
expect_eq "a hanging command is killed at its timeout" "$(err_of hangs)" "timed out after 1s (killed)"
expect_eq "a command killed by a signal: its number, name and last stderr line" "$(err_of crashes)" \
  "command killed by signal 11 (Segmentation fault): reading weights"
expect_eq "a command that writes nothing is reported as such" "$(err_of lazy)" "command exited 0 but did not write 'emb.npy'"
log=$(pyjson "[s['stderr_log'] for s in d['step_list'] if s['method']=='broken' and s['kind']=='external'][0]" < s.json)
expect_match "the failing command's stderr is kept as a log object" "$("$SCEVAL" cat "$log")" "^loading weights from /nowhere/model.pt$"
expect_eq "the working model's evaluation ran (keep-going)" \
  "$(pyjson "[s['status'] for s in d['step_list'] if s['method']=='model' and s['kind']=='annotation.eval'][0]" < s.json)" "done"
expect_match "failures are named on stderr, one line each" "$(cat err.txt)" "^sceval run: step external pbmc/broken seed=0 failed: command exited with status 3"
env=$(pyjson "[s['environment'] for s in d['step_list'] if s['method']=='model' and s['kind']=='external'][0]" < s.json)
expect_match "the interpreter path and version are recorded" "$env" '"path": "/usr/bin/python3.11".*"version": "Python 3\.[0-9]+\.[0-9]+"'
# Without --keep-going the run stops at the first failure.
"$SCEVAL" run --json spec.yaml > r2.json 2>/dev/null
expect_eq "without --keep-going, later steps are not run" "$(pyjson '(d["status"], d["failed"] > 0)' < r2.json)" "('failed', True)"
# Only the working model: done, and its embedding is what the script wrote.
cat > ok.yaml <<SPEC
datasets: {pbmc: $DATA/$PBMC}
methods:
  model:
    command: [$PYTHON, "{file:m}", "{input}", "{output}", --seed, "{seed}", --layer, layers/counts]
    files: {m: model.py}
    output: emb.npy
    provides: {obsm: X_model}
tasks:
  - {task: annotation, dataset: pbmc, label_key: bulk_labels, methods: [model], seeds: [0, 1]}
SPEC
"$SCEVAL" run --json ok.yaml > r4.json; rc=$?
expect_eq "a spec whose external steps succeed runs to the end" "$rc" "0"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r4.json)" > s4.json
emb=$(pyjson "[s['outputs']['emb.npy'] for s in d['step_list'] if s['kind']=='external' and s['seed']==0][0]" < s4.json)
"$SCEVAL" cat "$emb" > emb.npy
"$PYTHON" model.py "$DATA/$PBMC" direct.npy --seed 0 --layer layers/counts 2>/dev/null
check "the stored output is what the command wrote" cmp -s emb.npy direct.npy
# A changed script is a changed input: the step runs again.
echo "# a comment" >> model.py
"$SCEVAL" run --json ok.yaml > r5.json
expect_eq "editing the model's script re-runs its steps" "$(pyjson '(d["cached"] < d["steps"])' < r5.json)" "True"
done_testing
