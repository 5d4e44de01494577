# Changing one byte of one input recomputes exactly the steps that depend on
# it, and `sceval diff` names that input; a changed parameter is named too.
. "$(dirname "$0")/lib.sh"
need_data "$PBMC" || { skip "needs $PBMC in \$SCEVAL_TESTDATA"; done_testing; }
"$SCEVAL" init >/dev/null
cp "$DATA/$PBMC" a.h5ad
"$PYTHON" - "$DATA/$PBMC" b.h5ad <<'PY'
import sys, anndata as ad
a = ad.read_h5ad(sys.argv[1])
a = a[:600].copy()
a.write_h5ad(sys.argv[2])
PY
cat > spec.yaml <<SPEC
datasets: {a: a.h5ad, b: b.h5ad}
methods:
  lr: {builtin: logreg, params: {C: 1.0}}
tasks:
  - {task: annotation, dataset: a, label_key: bulk_labels, representation: "obsm:X_pca", methods: [lr]}
  - {task: annotation, dataset: b, label_key: bulk_labels, representation: "obsm:X_pca", methods: [lr]}
SPEC
"$SCEVAL" run --json spec.yaml > r1.json
expect_eq "first run computes 4 steps" "$(pyjson '(d["steps"], d["cached"])' < r1.json)" "(4, 0)"
# One value of b's embedding changes (h5py writes in place: one number, the
# same file otherwise).
"$PYTHON" - b.h5ad <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    f["obsm/X_pca"][3, 0] = f["obsm/X_pca"][3, 0] + 5.0
PY
"$SCEVAL" run --json spec.yaml > r2.json
expect_eq "only b's two steps are recomputed" "$(pyjson '(d["steps"], d["cached"], d["computed"])' < r2.json)" "(4, 2, 2)"
"$SCEVAL" show --json 2 > s2.json
expect_eq "the cached steps are a's" "$(pyjson 'sorted(set(s["dataset"] for s in d["step_list"] if s["cached"]))' < s2.json)" '["a"]'
"$SCEVAL" diff --json 1 2 > d.json
expect_eq "diff names the changed dataset, and only it" "$(pyjson '[c["what"] for c in d["inputs"]]' < d.json)" "[\"dataset 'b'\"]"
expect_eq "... with its old and new hash" "$(pyjson '[c["a"] for c in d["inputs"]][0]' < d.json)" "$("$SCEVAL" show --json 1 | pyjson '[s["inputs"]["data"][7:] for s in d["step_list"] if s["dataset"]=="b" and s["kind"]=="annotation.fit"][0]')"
expect_eq "a's metrics are unchanged" "$(pyjson 'sorted(set(r["change"] for r in d["metrics"] if r["dataset"]=="a"))' < d.json)" '["same"]'
expect_eq "no parameter changed" "$(pyjson 'len(d["params"])' < d.json)" "0"
# A parameter change
sed -i 's/C: 1.0/C: 2.0/' spec.yaml
"$SCEVAL" run --json spec.yaml > r3.json
"$SCEVAL" diff --json 2 3 > d2.json
expect_eq "diff names the changed parameter" "$(pyjson 'sorted(list(x) for x in set((c["what"].split(": ")[1], c["a"], c["b"]) for c in d["params"]))' < d2.json)" "[[\"C\", 1.0, 2.0]]"
expect_eq "... and no input" "$(pyjson 'len(d["inputs"])' < d2.json)" "0"
"$SCEVAL" diff --csv 2 3 > d.csv
expect_eq "csv header" "$(head -n1 d.csv | tr -d '\r')" "task,dataset,method,seed,metric,A,B,B-A,relative,change"
check "csv parses with one row per metric" "$PYTHON" -c "import csv,sys; r=list(csv.DictReader(open('d.csv'))); sys.exit(0 if len(r)==14 and all(x['A'] for x in r) else 1)"
expect_match "text diff has a parameters section" "$("$SCEVAL" diff 2 3)" "^parameters:"
"$SCEVAL" diff --html d.html 2 3 >/dev/null
check "html diff is written" test -s d.html
done_testing
