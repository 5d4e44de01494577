# sceval export-table RUN... --format scib|openproblems: read back with
# pandas (scib's CSV: metrics as rows, a column per task/dataset/method) and
# PyYAML + pandas (Open Problems' score_uns.yaml), every value equals the
# mean over seeds of the catalog's values (sceval show --json), NaN where
# the catalog has none; scib's metrics come first, in scib's order.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -q -o rna.h5ad --cells 300 --genes 200 --types 3 --batches 2 --seed 3 \
  --batch-strength 0.3 >/dev/null || fail "simulate"
cat > spec.yaml <<'SPEC'
datasets: {rna: rna.h5ad}
tasks:
  - {task: batch, dataset: rna, batch_key: batch, label_key: cell_type, n_top_genes: 100,
     n_comps: 10, methods: [unintegrated, harmony], seeds: [0, 1]}
  - {task: annotation, dataset: rna, label_key: cell_type, n_top_genes: 100, n_comps: 10,
     methods: [knn], seeds: [0]}
SPEC
"$SCEVAL" -q run --json spec.yaml > r.json; rc=$?
expect_eq "the spec runs" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
run=$(pyjson 'd["run"]' < r.json)
"$SCEVAL" show --json "$run" > show.json
expect_exit "export-table --format scib -o FILE" 0 "$SCEVAL" export-table "$run" --format scib -o scib.csv
expect_eq "... prints nothing" "$(cat "$T/out")" ""
"$SCEVAL" export-table "$run" > stdout.csv
check "without -o (scib is the default) the same bytes go to stdout" cmp -s scib.csv stdout.csv
"$PYTHON" - show.json scib.csv <<'PY' > scib.out
import json, math, sys
import pandas as pd
d = json.load(open(sys.argv[1]))
want = {}
for r in d["metrics"]:
    key = (f'{r["task"]}/{r["dataset"]}/{r["method"]}', r["metric"])
    want.setdefault(key, [])
    if r["value"] is not None:
        want[key].append(r["value"])
# round_trip: pandas' default parser may be off in the last bit
t = pd.read_csv(sys.argv[2], index_col=0, float_precision="round_trip")
cols = sorted({k[0] for k in want})
print("columns", sorted(t.columns) == cols)
bad = checked = 0
for (col, metric), vals in want.items():
    got = t.loc[metric, col]
    exp = sum(vals) / len(vals) if vals else float("nan")
    checked += 1
    if not (got == exp or (math.isnan(got) and math.isnan(exp))):
        bad += 1
        print("differs", col, metric, got, exp)
# cells no catalog value stands behind are empty (annotation has no scIB metric)
extra = sum(1 for col in t.columns for m in t.index
            if (col, m) not in want and not math.isnan(t.loc[m, col]))
print("checked", checked > 40, "bad", bad, "extra", extra)  # 2 x 21 scIB + 7 annotation
scib = ["NMI_cluster/label", "ARI_cluster/label", "ASW_label", "ASW_label/batch", "PCR_batch",
        "cell_cycle_conservation", "isolated_label_F1", "isolated_label_silhouette", "graph_conn",
        "kBET", "iLISI", "cLISI", "hvg_overlap", "trajectory"]
print("order", list(t.index[:len(scib)]) == scib)
PY
expect_eq "scib CSV: a column per task/dataset/method" "$(sed -n 1p scib.out)" "columns True"
expect_eq "scib CSV: every value equals the catalog's mean over seeds, no value without one" \
  "$(grep -v '^columns\|^order' scib.out)" "checked True bad 0 extra 0"
expect_eq "scib CSV: scib's metrics first, in the order of scib's metrics()" "$(sed -n '$p' scib.out)" "order True"

# Open Problems: one task per export.
expect_exit "openproblems with two tasks is refused" 1 "$SCEVAL" export-table "$run" --format openproblems
expect_match "... saying why" "$(cat "$T/err")" "tasks 'batch' and 'annotation'|tasks 'annotation' and 'batch'"
cat > batch.yaml <<'SPEC'
datasets: {rna: rna.h5ad}
tasks:
  - {task: batch, dataset: rna, batch_key: batch, label_key: cell_type, n_top_genes: 100,
     n_comps: 10, methods: [unintegrated, harmony], seeds: [0, 1]}
SPEC
"$SCEVAL" -q run --json batch.yaml > b.json
brun=$(pyjson 'd["run"]' < b.json)
expect_eq "the batch-only run is all cached" "$(pyjson 'd["computed"]' < b.json)" "0"
"$SCEVAL" export-table "$brun" --format openproblems -o score_uns.yaml || fail "openproblems export"
"$PYTHON" - show.json score_uns.yaml <<'PY' > op.out
import json, math, sys
import pandas as pd
import yaml
d = json.load(open(sys.argv[1]))
entries = yaml.safe_load(open(sys.argv[2]))
t = pd.DataFrame(entries)
print("fields", sorted(t.columns) == ["dataset_id", "method_id", "metric_ids", "metric_values",
                                      "normalization_id"])
print("rows", sorted(t["method_id"]) == ["harmony", "unintegrated"], set(t["dataset_id"]) == {"rna"})
bad = n = 0
for _, e in t.iterrows():
    if len(e["metric_ids"]) != len(e["metric_values"]):
        bad += 1
    for m, v in zip(e["metric_ids"], e["metric_values"]):
        vals = [r["value"] for r in d["metrics"] if r["task"] == "batch" and
                r["method"] == e["method_id"] and r["metric"] == m]
        nums = [x for x in vals if x is not None]
        exp = sum(nums) / len(nums) if nums else float("nan")
        n += 1
        if not vals or not (v == exp or (math.isnan(v) and math.isnan(exp))):
            bad += 1
            print("differs", e["method_id"], m, v, exp)
    recorded = {r["metric"] for r in d["metrics"] if r["task"] == "batch" and r["method"] == e["method_id"]}
    if set(e["metric_ids"]) != recorded:
        bad += 1
print("values", n > 30, bad)
PY
expect_eq "openproblems: the score_uns fields of Open Problems v2" "$(sed -n 1p op.out)" "fields True"
expect_eq "openproblems: one entry per method of the dataset" "$(sed -n 2p op.out)" "rows True True"
expect_eq "openproblems: every metric the catalog has, values equal its mean over seeds" "$(sed -n '$p' op.out)" "values True 0"

expect_exit "an unknown format is a usage error" 2 "$SCEVAL" export-table "$run" --format csv
expect_match "... naming it" "$(cat "$T/err")" "'csv'"
expect_exit "no RUN is a usage error" 2 "$SCEVAL" export-table
expect_exit "an unknown run is an error" 1 "$SCEVAL" export-table 999
done_testing
