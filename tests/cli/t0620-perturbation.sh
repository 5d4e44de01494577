# The perturbation task on Norman 2019 (K562, PerturBench's file): every
# built-in method and an external model's per-cell predictions run; the DE
# ranking, the split and every metric equal an independent numpy/scipy
# transcription of GEARS (tests/oracle/perturbation_gears.py); the same
# bytes at 1 and 2 threads; bad input gets one clear error or note.
. "$(dirname "$0")/lib.sh"
NORMAN=perturbench_norman19_mcfaline23_devel.h5ad
need_data "$NORMAN" || { skip "needs $NORMAN in \$SCEVAL_TESTDATA"; done_testing; }
"$SCEVAL" init >/dev/null
# An external model: it reads the split sceval made and writes per-cell
# predictions named in the file's own convention (FOXO4, KLF1+MAP2K6),
# the truth blurred by noise, three rows per test perturbation.
cat > model.py <<'PY'
import sys, numpy as np, anndata as ad, pandas as pd
data, split, out = sys.argv[1:4]
a = ad.read_h5ad(data); a = a[a.obs["cell_type"] == "k562"]
X = a.X.toarray()
test = [l.split("\t")[0] for l in open(split).read().splitlines()[1:] if l.split("\t")[1] == "test"]
rng = np.random.default_rng(int(sys.argv[4]))
rows, names = [], []
for t in test:
    raw = t.replace("+ctrl", "")
    m = X[(a.obs["condition"] == raw).values].mean(0)
    for _ in range(3):
        rows.append(m + rng.normal(0, 0.05, m.shape)); names.append(raw)
p = ad.AnnData(np.array(rows), obs=pd.DataFrame({"condition": pd.Categorical(names)}, index=[str(i) for i in range(len(rows))]), var=pd.DataFrame(index=a.var_names))
if len(sys.argv) > 5:
    p = p[:, 1:].copy()          # drop the first gene: a mismatch
p.write_h5ad(out)
PY
cat > spec.yaml <<SPEC
datasets: {norman: $DATA/$NORMAN}
methods:
  noisy_truth:
    command: [$PYTHON, "{file:model}", "{input}", "{input:split}", "{output}", "{seed}"]
    files: {model: model.py}
    output: pred.h5ad
    provides: {file: pred.h5ad}
tasks:
  - {task: perturbation, dataset: norman, control: control, select: {cell_type: k562},
     methods: [control_mean, train_mean, additive, linear, noisy_truth], seeds: [0, 1]}
SPEC
"$SCEVAL" run --json spec.yaml > r.json 2>err.txt; rc=$?
expect_eq "every method runs on Norman (K562)" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > s.json
"$PYTHON" "$TESTS_DIR/oracle/perturbation_gears.py" s.json "$SCEVAL" > oracle.out 2>&1
expect_match "DE ranking, splits and every metric equal the GEARS transcription" "$(tail -n 1 oracle.out)" "^checked [0-9]{3,} bad 0$"
sed 's/^/#   /' oracle.out | grep -v "^#   ok" | head -n 8
"$PYTHON" - s.json <<'PY' > sanity.out
import json, sys
d = json.load(open(sys.argv[1]))
v = {(r["method"], r["seed"], r["metric"]): r["value"] for r in d["metrics"]}
ok = all(v[("noisy_truth", s, "pearson_delta")] > 0.75 and v[("noisy_truth", s, "rank")] < 0.05 and
         v[("control_mean", s, "pearson_delta")] == 0 and v[("control_mean", s, "rank")] == 0.5
         for s in (0, 1))
notes = [n for st in d["step_list"] for n in (st.get("notes") or [])]
ok &= any("33 perturbations kept: 18 single genes, 15 combinations; 100 control cells" in n for n in notes)
print("sane" if ok else "insane %s" % [(k, x) for k, x in v.items() if k[2] in ("rank", "pearson_delta")])
PY
expect_eq "a near-truth model scores high (> 0.75) and ranks first; no change scores 0 and ranks in the middle; the summary counts Norman's 18 singles and 15 combinations" "$(cat sanity.out)" "sane"
# The built-in steps again from scratch at 1 and 2 threads: the same bytes.
sed -e 's/, noisy_truth\]/]/' -e 's/seeds: \[0, 1\]/seeds: [1]/' spec.yaml > builtin.yaml
SCEVAL_THREADS=1 "$SCEVAL" run --force --json builtin.yaml > t1.json 2>/dev/null
SCEVAL_THREADS=2 "$SCEVAL" run --force --json builtin.yaml > t2.json 2>/dev/null
expect_eq "the same result at 1 and 2 threads" "$(pyjson 'd["result"]' < t1.json)" "$(pyjson 'd["result"]' < t2.json)"

# Bad input.
fails() { # DESC SPEC-TEXT REGEX
  printf '%s\n' "$2" > bad.yaml
  "$SCEVAL" run bad.yaml >/dev/null 2>err.txt; r=$?
  if [ $r = 1 ] && grep -qE "$3" err.txt; then pass "$1"; else fail "$1 (exit $r)"; sed 's/^/#   /' err.txt | head -n 5; fi
}
before=$(store_state "$T")
fails "no control cells: the labels found are listed" \
  "{datasets: {n: $DATA/$NORMAN}, tasks: [{task: perturbation, dataset: n, methods: [additive]}]}" \
  "0 control cells: no label of 'condition' is 'ctrl' or a 'control' label; have: 'BPGM\\+SAMD1', 'CBL\\+CNN1'"
fails "a perturbation column that does not exist" \
  "{datasets: {n: $DATA/$NORMAN}, tasks: [{task: perturbation, dataset: n, perturbation_key: guide, control: control, methods: [additive]}]}" \
  "obs/guide: no such column"
fails "a select value that does not exist" \
  "{datasets: {n: $DATA/$NORMAN}, tasks: [{task: perturbation, dataset: n, control: control, select: {cell_type: hela}, methods: [additive]}]}" \
  "hela"
fails "an unknown split kind" \
  "{datasets: {n: $DATA/$NORMAN}, tasks: [{task: perturbation, dataset: n, control: control, split: {kind: random}, methods: [additive]}]}" \
  "split 'kind' must be simulation or single, not 'random'"
sed -i 's/"{seed}"\]/"{seed}", drop]/' spec.yaml
fails "predictions whose genes do not match name the missing gene" "$(cat spec.yaml)" \
  "the predictions' genes do not match the data's: 1 of 500 genes missing \('$("$PYTHON" -c "import anndata as ad; print(ad.read_h5ad('$DATA/$NORMAN', backed='r').var_names[0])")'\)"
# A minimum of cells: PLK4 (95 cells) and FOXL2+HOXB9 (80) are skipped, with a note.
cat > few.yaml <<SPEC
datasets: {norman: $DATA/$NORMAN}
tasks:
  - {task: perturbation, dataset: norman, control: control, select: {cell_type: k562}, min_cells: 99, methods: [additive]}
SPEC
"$SCEVAL" run --json few.yaml > f.json 2>/dev/null
"$SCEVAL" show --json "$(pyjson 'd["run"]' < f.json)" > fs.json
expect_match "perturbations under min_cells are skipped with a note naming them" \
  "$(pyjson '[n for s in d["step_list"] for n in (s.get("notes") or [])]' < fs.json)" \
  "2 perturbations with fewer than 99 cells skipped: FOXL2\+HOXB9 \(80\), PLK4\+ctrl \(95\)"
done_testing
