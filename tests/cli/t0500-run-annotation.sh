# sceval run end to end on real data: first run computes, the second is all
# cache hits with the same result hash; metrics equal sklearn's on the
# predictions sceval wrote; reproduce says identical; shuffled labels score
# far lower.
. "$(dirname "$0")/lib.sh"
need_data "$PBMC" || { skip "needs $PBMC in \$SCEVAL_TESTDATA"; done_testing; }
"$SCEVAL" init >/dev/null
"$PYTHON" - "$DATA/$PBMC" shuffled.h5ad <<'PY'
import sys, numpy as np, anndata as ad
a = ad.read_h5ad(sys.argv[1])
rng = np.random.default_rng(7)
a.obs["bulk_labels"] = a.obs["bulk_labels"].values[rng.permutation(a.n_obs)]
a.write_h5ad(sys.argv[2])
PY
cat > spec.yaml <<SPEC
name: pbmc
datasets:
  pbmc: $DATA/$PBMC
  shuffled: shuffled.h5ad
methods:
  lr: {builtin: logreg, grid: {C: [0.5, 1.0]}}
tasks:
  - task: annotation
    dataset: pbmc
    label_key: bulk_labels
    representation: obsm:X_pca
    methods: [lr]
    seeds: [0, 1]
  - task: annotation
    dataset: shuffled
    label_key: bulk_labels
    representation: obsm:X_pca
    methods: [logreg]
SPEC
"$SCEVAL" run --json spec.yaml > r1.json; rc=$?
expect_eq "first run exits 0" "$rc" "0"
expect_eq "first run computes every step" "$(pyjson '(d["schema"], d["steps"], d["cached"], d["failed"])' < r1.json)" "(1, 10, 0, 0)"
"$SCEVAL" run --json spec.yaml > r2.json
expect_eq "second run is all cache hits" "$(pyjson '(d["steps"], d["cached"])' < r2.json)" "(10, 10)"
r1=$(pyjson 'd["result"]' < r1.json); r2=$(pyjson 'd["result"]' < r2.json)
expect_match "the result is a sha256" "$r1" "^[0-9a-f]{64}$"
expect_eq "same result hash" "$r2" "$r1"
expect_eq "runs lists both runs" "$("$SCEVAL" runs --json | pyjson '[r["status"] for r in d["runs"]]')" '["done", "done"]'

# Metrics against sklearn on the predictions sceval wrote.
"$SCEVAL" show --json 1 > run.json
"$PYTHON" - run.json "$SCEVAL" <<'PY' > check.out 2>&1
import json, subprocess, sys
import anndata as ad
from sklearn import metrics as M
run = json.load(open(sys.argv[1]))
rows = {(r["method"], r["seed"], r["metric"]): r["value"] for r in run["metrics"] if r["dataset"] == "pbmc"}
bad = 0
checked = 0
for st in run["step_list"]:
    if st["kind"] != "annotation.fit" or st["dataset"] != "pbmc":
        continue
    subprocess.run([sys.argv[2], "checkout", st["outputs"]["predictions.h5ad"], "p.h5ad"], check=True)
    p = ad.read_h5ad("p.h5ad")
    subprocess.run(["rm", "-f", "p.h5ad"])
    y, yhat = p.obs["label"].astype(str), p.obs["predicted"].astype(str)
    want = {
        "accuracy": M.accuracy_score(y, yhat),
        "balanced_accuracy": M.balanced_accuracy_score(y, yhat),
        "precision_macro": M.precision_score(y, yhat, average="macro", zero_division=0),
        "recall_macro": M.recall_score(y, yhat, average="macro", zero_division=0),
        "f1_macro": M.f1_score(y, yhat, average="macro", zero_division=0),
        "f1_weighted": M.f1_score(y, yhat, average="weighted", zero_division=0),
        "kappa": M.cohen_kappa_score(y, yhat),
    }
    for k, v in want.items():
        got = rows[(st["method"], st["seed"], k)]
        checked += 1
        if abs(got - v) > 1e-12:
            bad += 1
            print("mismatch", st["method"], st["seed"], k, got, v)
print("checked", checked, "bad", bad)
PY
expect_eq "every metric equals sklearn's on the written predictions (1e-12)" "$(tail -n1 check.out)" "checked 28 bad 0"
acc=$(pyjson '[r["value"] for r in d["metrics"] if r["dataset"]=="pbmc" and r["metric"]=="accuracy"]' < run.json)
sh_acc=$(pyjson '[r["value"] for r in d["metrics"] if r["dataset"]=="shuffled" and r["metric"]=="accuracy"][0]' < run.json)
check "real labels score far above the label-shuffled control ($acc vs $sh_acc)" \
  "$PYTHON" -c "import sys; a=$acc; s=$sh_acc; sys.exit(0 if min(a) > 0.7 and s < 0.35 else 1)"

expect_exit "reproduce exits 0" 0 "$SCEVAL" reproduce "$r1"
expect_match "reproduce says identical" "$(cat "$T/out")" "^[0-9]+ identical, 0 equivalent, 0 different, 0 steps failed$"
expect_match "show RESULT lists the metrics" "$("$SCEVAL" show "$(echo $r1 | cut -c1-10)")" "annotation +pbmc +lr\[C=0.5\] +1 +accuracy"
expect_match "show RUN shows its steps" "$("$SCEVAL" show 2)" "cached +annotation.eval"
# The same bytes at any thread count.
OPENBLAS_NUM_THREADS=1 "$SCEVAL" run --force --json spec.yaml > r3.json
expect_eq "forced recomputation with 1 BLAS thread gives the same result" "$(pyjson 'd["result"]' < r3.json)" "$r1"
done_testing
