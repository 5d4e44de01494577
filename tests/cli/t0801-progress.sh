# Progress inside steps: on a terminal (tmux) a long step shows its name, a
# bar, the rate and the ETA; with -q, or when stderr is not a terminal,
# nothing; --json-progress writes one JSON line per update. The step's
# outputs and logs are the same bytes with and without progress.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { skip "needs tmux (scripts/deps.sh installs it)"; done_testing; }
"$SCEVAL" init >/dev/null
"$SCEVAL" -q simulate -o sim.h5ad --cells 3000 --genes 500 >/dev/null
cat > spec.yaml <<'EOF'
datasets: {sim: sim.h5ad}
methods:
  nn: {builtin: nn, params: {max_epochs: 15, patience: 15}}
tasks:
  - {task: annotation, dataset: sim, label_key: cell_type, methods: [nn], seeds: [0]}
EOF
sock=sceval-t0801-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
# in_tmux NAME ARGS...: run sceval ARGS in a tmux pane (stderr the pane's
# terminal, stdout to NAME.out), capturing the screen every 0.2 s into NAME.cap
in_tmux() {
  name=$1; shift
  rm -f "$name.done"
  tmux -L "$sock" new-session -d -x 200 -y 40 \
    "cd '$T' && '$SCEVAL' $* > '$name.out'; echo \$? > '$name.done'; sleep 60"
  : > "$name.cap"
  i=0
  while [ ! -s "$name.done" ] && [ $i -lt 600 ]; do
    tmux -L "$sock" capture-pane -p >> "$name.cap"; sleep 0.2; i=$((i + 1))
  done
  tmux -L "$sock" capture-pane -p >> "$name.cap"
  tmux -L "$sock" kill-server 2>/dev/null
}

in_tmux tty run --force spec.yaml
expect_eq "the run in a terminal succeeds" "$(cat tty.done)" "0"
bar=$(grep -E '^annotation\.fit sim/nn seed=0: training network \[#* *\] +[0-9]+% [0-9]+/15 epochs  [0-9.]+ epochs/s  ETA [0-9.]+s' tty.cap | head -n 1)
expect_match "the terminal shows the step, a bar, the rate and the ETA" "$bar" "ETA"
expect_match "... and the step lines" "$(cat tty.cap)" '\[  1/3\] running  annotation\.fit sim/nn seed=0'

in_tmux quiet -q run --force spec.yaml
expect_eq "with -q the run succeeds" "$(cat quiet.done)" "0"
expect_eq "... and the terminal shows nothing" "$(grep -c . quiet.cap)" "0"

"$SCEVAL" run --force spec.yaml > plain.out 2> plain.err; rc=$?
expect_eq "without a terminal the run succeeds" "$rc" "0"
expect_eq "... and prints nothing on stderr" "$(wc -c < plain.err)" "0"

"$SCEVAL" --json-progress run --force spec.yaml > json.out 2> json.err
"$PYTHON" - json.err <<'PY' > json.check 2>&1
import json, sys
lines = open(sys.argv[1]).read().splitlines()
ev = [json.loads(l) for l in lines]          # every line is JSON
nn = [e for e in ev if e["step"] == "annotation.fit sim/nn seed=0" and e.get("unit") == "epochs"]
assert all(e["schema"] == 1 and e["event"] == "progress" for e in ev)
assert len(nn) >= 3, len(nn)
assert [e["done"] for e in nn] == sorted(e["done"] for e in nn)      # never goes back
assert nn[-1]["done"] == 15 and all(e["total"] == 15 for e in nn)
mid = [e for e in nn if 0 < e["done"] < 15]
assert mid and all(e["rate"] > 0 and e["eta"] > 0 for e in mid)
# rate and ETA follow from done and elapsed
assert all(abs(e["rate"] - e["done"] / e["elapsed"]) <= 1e-5 * e["rate"] for e in mid)
assert all(abs(e["eta"] - (15 - e["done"]) / e["rate"]) <= 2e-3 for e in mid)
print("ok", len(nn))
PY
expect_match "--json-progress: a JSON line per update with step, done, total, rate, ETA" "$(cat json.check)" "^ok [0-9]+$"

# The same outputs and logs whether progress was drawn or not.
for r in 1 2 3 4; do
  "$SCEVAL" show --json $r | pyjson '[(s["key"], s["outputs"], s["stdout_log"], s["stderr_log"]) for s in d["step_list"]]' > steps$r.json
done
expect_eq "outputs and logs: terminal = no terminal" "$(cat steps1.json)" "$(cat steps3.json)"
expect_eq "... = -q = --json-progress" "$(cat steps2.json)" "$(cat steps4.json)"
expect_eq "... (and one run to the other)" "$(cat steps1.json)" "$(cat steps2.json)"

# Counts are read in blocks of cells (for the progress) when stored by row
# (CSR, dense), at once when by column (CSC): one prepared file from all
# three layouts of one matrix of 5000 cells (3 blocks).
"$SCEVAL" -q simulate -o csr.h5ad --cells 5000 --genes 200 --seed 2 >/dev/null
"$PYTHON" -c "
import anndata as ad, numpy as np, scipy.sparse as sp
a = ad.read_h5ad('csr.h5ad'); b = a.copy(); b.X = sp.csc_matrix(a.X); b.write_h5ad('csc.h5ad')
c = a.copy(); c.X = np.asarray(a.X.todense()); c.write_h5ad('dense.h5ad')"
cat > layouts.yaml <<'EOF'
datasets: {a: csr.h5ad, b: csc.h5ad, c: dense.h5ad}
tasks:
  - {task: annotation, dataset: a, label_key: cell_type, methods: [knn], seeds: [0]}
  - {task: annotation, dataset: b, label_key: cell_type, methods: [knn], seeds: [0]}
  - {task: annotation, dataset: c, label_key: cell_type, methods: [knn], seeds: [0]}
EOF
"$SCEVAL" run --json layouts.yaml > layouts.json
expect_eq "CSR and dense read in blocks = CSC read at once (the same prepared bytes)" \
  "$("$SCEVAL" show --json "$(pyjson 'd["run"]' < layouts.json)" | pyjson 'len(set(s["outputs"]["prepared.h5ad"] for s in d["step_list"] if s["kind"] == "prepare"))')" "1"
done_testing
