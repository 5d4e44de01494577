# The annotation task on real data: the shipped examples run; splits by
# column and a model's own predictions work; every metric equals sklearn's
# on the written predictions; the network is deterministic at any thread
# count; bad input gets one clear error and records no result.
. "$(dirname "$0")/lib.sh"
need_data "$PBMC" hlca_subset_Krasnow_2020.h5ad cellbench_3cl_celseq2_dropseq.h5ad ||
  { skip "needs the PBMC, HLCA and CellBench files in \$SCEVAL_TESTDATA"; done_testing; }
"$SCEVAL" init >/dev/null
for ex in hlca_annotation cellbench_annotation; do
  example $ex
  "$SCEVAL" run --json $ex.yaml > $ex.json; rc=$?
  expect_eq "example $ex runs" "$rc:$(pyjson 'd["status"]' < $ex.json)" "0:done"
done
run=$(pyjson 'd["run"]' < hlca_annotation.json)
"$SCEVAL" show --json "$run" > hlca.json
expect_eq "the HLCA split trains on 3 samples and tests on the other 2 (200 cells)" \
  "$("$SCEVAL" cat "$(pyjson '[s["outputs"]["predictions.h5ad"] for s in d["step_list"] if s["kind"]=="annotation.fit" and s["task"]=="across-samples"][0]' < hlca.json)" > p.h5ad && "$PYTHON" -c "import anndata as ad; print(ad.read_h5ad('p.h5ad').n_obs)")" "200"
check "HLCA kNN on PCA classifies level-2 types well above chance (0.18 for shuffled labels)" "$PYTHON" -c "
import json,sys; d=json.load(open('hlca.json'))
a=[r['value'] for r in d['metrics'] if r['task']=='across-samples' and r['method']=='knn' and r['metric']=='accuracy'][0]
sys.exit(0 if a > 0.4 else 1)"

# A model's own predictions (an obs column) scored directly; the NN and kNN.
"$PYTHON" - "$DATA/$PBMC" pred.h5ad <<'PY'
import sys, numpy as np, anndata as ad
a = ad.read_h5ad(sys.argv[1])
rng = np.random.default_rng(1)
y = a.obs["bulk_labels"].astype(str).values.copy()
flip = rng.random(a.n_obs) < 0.3          # 30% of the cells get a wrong label
y[flip] = "CD14+ Monocyte"
a.obs["model_pred"] = y
a.write_h5ad(sys.argv[2])
PY
cat > spec.yaml <<SPEC
datasets: {pbmc: pred.h5ad}
methods:
  mine: {builtin: given, params: {predictions: model_pred}}
  net: {builtin: nn, params: {max_epochs: 15}}
tasks:
  - {task: annotation, dataset: pbmc, label_key: bulk_labels, counts: layers/counts, methods: [mine, net, knn]}
SPEC
"$SCEVAL" run --json spec.yaml > r.json; rc=$?
expect_eq "given predictions, nn and knn run" "$rc" "0"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > s.json
"$PYTHON" - s.json "$SCEVAL" pred.h5ad <<'PY' > check.out 2>&1
import json, subprocess, sys
import anndata as ad
from sklearn import metrics as M
run = json.load(open(sys.argv[1]))
rows = {(r["method"], r["metric"]): r["value"] for r in run["metrics"]}
bad = checked = 0
for st in run["step_list"]:
    if st["kind"] != "annotation.fit":
        continue
    subprocess.run([sys.argv[2], "checkout", st["outputs"]["predictions.h5ad"], "q.h5ad"], check=True)
    p = ad.read_h5ad("q.h5ad"); subprocess.run(["rm", "-f", "q.h5ad"])
    y, yhat = p.obs["label"].astype(str), p.obs["predicted"].astype(str)
    want = {"accuracy": M.accuracy_score(y, yhat), "balanced_accuracy": M.balanced_accuracy_score(y, yhat),
            "precision_macro": M.precision_score(y, yhat, average="macro", zero_division=0),
            "recall_macro": M.recall_score(y, yhat, average="macro", zero_division=0),
            "f1_macro": M.f1_score(y, yhat, average="macro", zero_division=0),
            "f1_weighted": M.f1_score(y, yhat, average="weighted", zero_division=0),
            "kappa": M.cohen_kappa_score(y, yhat)}
    for k, v in want.items():
        checked += 1
        if abs(rows[(st["method"], k)] - v) > 1e-12:
            bad += 1; print("mismatch", st["method"], k, rows[(st["method"], k)], v)
# The given predictions cover every labelled cell; 70% unchanged + some already monocytes.
a = ad.read_h5ad(sys.argv[3])
acc = (a.obs["bulk_labels"].astype(str) == a.obs["model_pred"].astype(str)).mean()
if abs(rows[("mine", "accuracy")] - acc) > 1e-12:
    bad += 1; print("given accuracy", rows[("mine", "accuracy")], acc)
print("checked", checked, "bad", bad)
PY
expect_eq "metrics equal sklearn's for given, nn and knn predictions" "$(tail -n1 check.out)" "checked 21 bad 0"
# The network: same seed, same bytes, with 1 or 2 BLAS threads.
OPENBLAS_NUM_THREADS=1 "$SCEVAL" run --force --json spec.yaml > t1.json
OPENBLAS_NUM_THREADS=2 "$SCEVAL" run --force --json spec.yaml > t2.json
expect_eq "the same result with 1 and 2 BLAS threads (nn included)" "$(pyjson 'd["result"]' < t1.json)" "$(pyjson 'd["result"]' < t2.json)"
expect_eq "... and as the first run" "$(pyjson 'd["result"]' < t1.json)" "$(pyjson 'd["result"]' < r.json)"

# Bad input: one clear error each, no result recorded.
"$PYTHON" - "$DATA/$PBMC" <<'PY'
import sys, numpy as np, anndata as ad
a = ad.read_h5ad(sys.argv[1])
b = a.copy(); b.obs["one"] = "T cell"; b.write_h5ad("single.h5ad")
c = a.copy(); c.obsm["X_bad"] = c.obsm["X_pca"].copy(); c.obsm["X_bad"][5, 3] = np.nan; c.write_h5ad("nan.h5ad")
np.save("short.npy", np.zeros((10, 4), dtype=np.float32))
import os; os.chmod("short.npy", 0o644)
PY
runs_before=$("$SCEVAL" runs --json | pyjson 'len(d["runs"])')
fails() { # DESC SPEC-TEXT REGEX
  printf '%s\n' "$2" > bad.yaml
  "$SCEVAL" run bad.yaml >/dev/null 2>err.txt; r=$?
  if [ $r = 1 ] && grep -qE "$3" err.txt; then pass "$1"; else fail "$1 (exit $r)"; sed 's/^/#   /' err.txt; fi
}
fails "a label column that does not exist lists those that do" \
  "{datasets: {p: $DATA/$PBMC}, tasks: [{task: annotation, dataset: p, label_key: celltype, methods: [logreg]}]}" \
  "obs/celltype: no such column; have: .*bulk_labels"
fails "a single class" \
  "{datasets: {p: single.h5ad}, tasks: [{task: annotation, dataset: p, label_key: one, representation: 'obsm:X_pca', methods: [logreg]}]}" \
  "label column 'one' has 1 class: nothing to classify"
fails "NaN in the features" \
  "{datasets: {p: nan.h5ad}, tasks: [{task: annotation, dataset: p, label_key: bulk_labels, representation: 'obsm:X_bad', methods: [logreg]}]}" \
  "obsm/X_bad: NaN at cell 5, column 3"
cp "$TESTS_DIR/../examples/models/standin_model.py" m.py
fails "an embedding whose row count differs from the cells" \
  "{datasets: {p: $DATA/$PBMC}, methods: {e: {command: [cp, $T/short.npy, '{output}'], output: e.npy, provides: {obsm: X}}}, tasks: [{task: annotation, dataset: p, label_key: bulk_labels, methods: [e]}]}" \
  "the representation .* has 10 rows but the dataset has 700 cells"
expect_eq "none of these recorded a result" "$("$SCEVAL" runs --json | pyjson '[r["result"] for r in d["runs"]][:1]')" "[null]"
done_testing
