# scib's trajectory conservation against a numpy/scipy transcription of scib
# and scanpy's diffmap/dpt (tests/oracle/scib_trajectory_ref.py) on scanpy's
# pbmc68k_reduced. Its pseudotime is derived by the oracle, not by sceval:
# scanpy's DPT on the file's own X_pca from the first CD34+ progenitor, kept
# for the myeloid lineage (CD34+ -> CD14+ Monocyte, Dendritic) and NaN for
# the other 318 cells, as scib expects a curated trajectory.
#
# Tolerance: both sides compute DPT in float32 as scanpy does, from
# eigenvectors of different solvers (thick-restart Lanczos vs ARPACK, both
# converged to ~1e-12). Rounding those to float32 gives the same floats
# unless a value lies within ~1e-12 of a rounding boundary (about 1 in 10^5
# values); such a float differs by one ulp (6e-8) and moves its cell by a
# rank only if another cell's value is that close, each such swap changing
# rho by about 12 / (n^3 - n) = 2.2e-7 for these 382 cells. The root cell
# must be the same cell (another root moves the score by far more), and the
# scores agree within 1e-9: no swap, the last bits left to the order of the
# correlation's sums.
. "$(dirname "$0")/lib.sh"
need_data scanpy_pbmc68k_reduced_with_counts.h5ad ||
  { skip "needs scanpy's pbmc68k_reduced"; done_testing; }
ref="$TESTS_DIR/oracle/scib_trajectory_ref.py"
"$PYTHON" "$ref" derive "$DATA/scanpy_pbmc68k_reduced_with_counts.h5ad" pt.h5ad ||
  { fail "the oracle derives a pseudotime"; done_testing; }
close() { "$PYTHON" -c "print(abs($1 - $2) <= 1e-9)"; }
traj='[[m["value"], m.get("detail"), m.get("why")] for m in d["metrics"] if m["name"] == "trajectory"][0]'
# One oracle run for every case: file's X_pca without and with the per-batch
# mean (phase as batch), and the file's UMAP.
"$PYTHON" "$ref" score pt.h5ad bulk_labels myeloid_dpt pt.h5ad,X_pca pt.h5ad,X_pca,phase \
  pt.h5ad,X_umap > ref.txt || fail "the oracle scores"
line=1
for opt in "" --trajectory-by-batch; do
  "$SCEVAL" -q scib --json pt.h5ad --obsm X_pca --label-key bulk_labels --batch-key phase \
    --pseudotime-key myeloid_dpt $opt > s.json 2>err || fail "sceval scib $opt runs ($(cat err))"
  got=$(pyjson "$traj[0]" < s.json)
  detail=$(pyjson "$traj[1]" < s.json)
  set -- $(sed -n "${line}p" ref.txt)
  expect_eq "scib $opt: the root cell is scib's (cell $2)" \
    "$(printf '%s' "$detail" | sed -n 's/.*root cell \([0-9]*\) .*/\1/p')" "$2"
  expect_eq "scib $opt: trajectory $got equals scib's $1 within 1e-9" "$(close "$got" "$1")" True
  expect_match "scib $opt: 382 cells with a pseudotime, all in one component ($4, $3)" "$detail" "^382 of 382 cells"
  line=$((line + 1))
done
expect_match "... the per-batch mean is said" "$detail" "mean over batches"
"$SCEVAL" -q scib pt.h5ad --obsm X_pca --label-key bulk_labels --batch-key phase \
  --pseudotime-key myeloid_dpt --per-cell cells.csv >/dev/null
expect_eq "--per-cell: the DPT column, 0 at the root, empty for the 318 cells without a pseudotime" \
  "$("$PYTHON" -c "
import pandas as pd
t = pd.read_csv('cells.csv')
print(list(t.columns)[-1], t['dpt'][$(sed -n 1p ref.txt | cut -d' ' -f2)], int(t['dpt'].isna().sum()), t['dpt'].max())")" "dpt 0.0 318 1.0"

# On the file's UMAP the CD34+ cells are a component apart from the largest:
# scib's RootCellError, which scib scores 0.
"$SCEVAL" -q scib --json pt.h5ad --obsm X_umap --label-key bulk_labels --batch-key phase \
  --pseudotime-key myeloid_dpt > u.json
expect_eq "no root cell in the largest component: 0, as the oracle ($(sed -n 3p ref.txt))" \
  "$(pyjson "$traj" < u.json) $(sed -n 3p ref.txt | cut -d' ' -f1,2)" \
  '[0.0, "no cell of the start label is in the largest component (scib scores 0)", null] 0.0 -1'
expect_eq "without --pseudotime-key the metric is NaN with the reason" \
  "$("$SCEVAL" -q scib --json pt.h5ad --obsm X_pca --label-key bulk_labels --batch-key phase |
     pyjson "$traj")" '[null, null, "no pseudotime given"]'
expect_exit "--trajectory-by-batch without --pseudotime-key is a usage error" 2 \
  "$SCEVAL" scib pt.h5ad --obsm X_pca --label-key bulk_labels --batch-key phase --trajectory-by-batch

# The batch task with pseudotime_key: the recorded metric equals scib's on
# the unintegrated PCA sceval computed from the counts, and enters bio.
"$SCEVAL" init >/dev/null
cat > t.yaml <<SPEC
datasets: {pb: pt.h5ad}
tasks: [{task: batch, dataset: pb, batch_key: phase, label_key: bulk_labels, counts: layers/counts,
         pseudotime_key: myeloid_dpt, methods: [unintegrated]}]
SPEC
"$SCEVAL" run --json t.yaml > r.json 2>run.err; rc=$?
expect_eq "the spec with pseudotime_key runs" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > show.json
out=$(pyjson "[s['outputs']['embedding.h5ad'] for s in d['step_list'] if s['kind']=='batch.embed'][0]" < show.json)
"$SCEVAL" checkout "$out" emb.h5ad >/dev/null
"$PYTHON" "$ref" score pt.h5ad bulk_labels myeloid_dpt emb.h5ad,X_emb > tref.txt
got=$(pyjson "[r['value'] for r in d['metrics'] if r['metric']=='trajectory'][0]" < show.json)
set -- $(cat tref.txt)
expect_eq "task: trajectory $got equals scib's $1 within 1e-9" "$(close "$got" "$1")" True
expect_match "task: the root cell is scib's (cell $2)" \
  "$(pyjson "[r['detail'] for r in d['metrics'] if r['metric']=='trajectory'][0]" < show.json)" "root cell $2 "
"$PYTHON" - show.json > bio.out <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = {r["metric"]: r["value"] for r in d["metrics"] if r["method"] == "unintegrated"}
bio = [v[k] for k in ("NMI_cluster/label", "ARI_cluster/label", "ASW_label", "isolated_label_F1",
                      "isolated_label_silhouette", "cLISI", "trajectory", "cell_cycle_conservation",
                      "hvg_overlap") if v.get(k) is not None]
print(v["trajectory"] in bio and abs(sum(bio) / len(bio) - v["bio"]) < 1e-12)
PY
expect_eq "the metric enters the bio mean" "$(cat bio.out)" "True"

# A pseudotime column that is not numeric, or absent: refused at planning.
store_state . > before.state
sed 's/pseudotime_key: myeloid_dpt/pseudotime_key: bulk_labels/' t.yaml > bad.yaml
"$SCEVAL" run bad.yaml > bad.out 2>&1; rc=$?
expect_match "a non-numeric pseudotime column is refused, named (exit $rc)" "$(cat bad.out)" \
  "'pseudotime_key': obs column 'bulk_labels' of dataset 'pb' is not numeric"
sed 's/pseudotime_key: myeloid_dpt/pseudotime_key: nope/' t.yaml > bad2.yaml
expect_exit "an absent pseudotime column is refused" 1 "$SCEVAL" run bad2.yaml
expect_match "... naming it" "$(cat "$T/out" "$T/err")" "nope"
store_state . > after.state
check "the refused specs leave the store as it was" cmp -s before.state after.state
done_testing
