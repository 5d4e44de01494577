# Batch integration and multi-omics tasks on real data. On CellBench (CEL-seq2
# vs Drop-seq: a strong protocol effect) ComBat and Harmony beat unintegrated
# PCA on the batch metrics without losing cell-line ASW; label ASW, NMI and
# ARI equal sklearn's on the written embedding and clusters; bad input gets a
# clear error or a documented NaN with a reason.
. "$(dirname "$0")/lib.sh"
need_data cellbench_3cl_celseq2_dropseq.h5ad hlca_subset_Krasnow_2020.h5ad openproblems_scicar_kidney_rna_atac_sample.h5ad ||
  { skip "needs CellBench, HLCA Krasnow and sci-CAR"; done_testing; }
"$SCEVAL" init >/dev/null
example batch_integration
"$SCEVAL" run -j 2 --json batch_integration.yaml > r.json; rc=$?
expect_eq "the batch example runs" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > s.json
val() { pyjson "[r['value'] for r in d['metrics'] if r['dataset']=='$1' and r['method']=='$2' and r['metric']=='$3'][0]" < s.json; }
for m in combat harmony; do
  for metric in iLISI kBET batch; do
    check "cb3: $m beats unintegrated on $metric ($(val cb3 $m $metric) > $(val cb3 unintegrated $metric))" \
      "$PYTHON" -c "import sys; sys.exit(0 if $(val cb3 $m $metric) > $(val cb3 unintegrated $metric) + 0.2 else 1)"
  done
  check "cb3: $m keeps the cell-line ASW ($(val cb3 $m ASW_label) vs $(val cb3 unintegrated ASW_label))" \
    "$PYTHON" -c "import sys; sys.exit(0 if $(val cb3 $m ASW_label) >= $(val cb3 unintegrated ASW_label) - 0.02 else 1)"
done
expect_eq "overall = 0.6 bio + 0.4 batch" "$("$PYTHON" -c "print(abs($(val cb3 harmony overall) - (0.6*$(val cb3 harmony bio) + 0.4*$(val cb3 harmony batch))) < 1e-12)")" "True"
expect_match "the Leiden resolution is reported with NMI" "$(pyjson "[r['detail'] for r in d['metrics'] if r['method']=='harmony' and r['metric']=='NMI_cluster/label'][0]" < s.json)" "resolution [0-9.]+, [0-9]+ clusters"
expect_match "an undefined metric says why" "$(pyjson "[r['detail'] for r in d['metrics'] if r['dataset']=='cb3' and r['metric']=='isolated_label_F1'][0]" < s.json)" "no isolated label"
# sklearn on the written embedding and clusters.
"$PYTHON" - s.json "$SCEVAL" "$DATA/cellbench_3cl_celseq2_dropseq.h5ad" <<'PY' > check.out 2>&1
import csv, io, json, subprocess, sys
import anndata as ad, numpy as np
from sklearn import metrics as M
run = json.load(open(sys.argv[1]))
rows = {(r["dataset"], r["method"], r["metric"]): r["value"] for r in run["metrics"]}
steps = {(s["dataset"], s["method"], s["kind"]): s for s in run["step_list"]}
bad = 0
data = ad.read_h5ad(sys.argv[3])
for m in ("unintegrated", "combat", "harmony"):
    emb_step = steps.get(("cb3", m, "batch.embed")) or steps[("cb3", "unintegrated", "batch.embed")]
    subprocess.run([sys.argv[2], "checkout", emb_step["outputs"]["embedding.h5ad"], "e.h5ad"], check=True)
    e = ad.read_h5ad("e.h5ad").obsm["X_emb"]; subprocess.run(["rm", "-f", "e.h5ad"])
    ev = steps[("cb3", m, "integration.eval")]
    cells = list(csv.DictReader(io.StringIO(subprocess.run([sys.argv[2], "cat", ev["outputs"]["cells.csv"]], capture_output=True, text=True).stdout)))
    y = data.obs["cell_line"].astype(str).values
    cl = [int(c["cluster"]) for c in cells]
    want = {"ASW_label": (M.silhouette_score(e, y) + 1) / 2,
            "NMI_cluster/label": M.normalized_mutual_info_score(y, cl, average_method="arithmetic"),
            "ARI_cluster/label": M.adjusted_rand_score(y, cl)}
    for k, v in want.items():
        if abs(rows[("cb3", m, k)] - v) > 1e-9:
            bad += 1; print("mismatch", m, k, rows[("cb3", m, k)], v)
print("bad", bad)
PY
expect_eq "label ASW, NMI and ARI equal sklearn's on the outputs (1e-9)" "$(tail -n1 check.out)" "bad 0"
# Multi-omics on sci-CAR (RNA + ATAC).
example multiomics
"$SCEVAL" run --json multiomics.yaml > m.json; rc=$?
expect_eq "the multi-omics example runs" "$rc:$(pyjson 'd["status"]' < m.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < m.json)" > ms.json
expect_match "cells without a label are left out, with a note" "$(pyjson '[n for s in d["step_list"] for n in s["notes"]]' < ms.json)" "113 cells without a label or batch left out"
expect_eq "without a batch key no batch metric is reported" "$(pyjson 'sorted(set(r["metric"] for r in d["metrics"]) & {"iLISI","kBET","ASW_label/batch","batch","overall"})' < ms.json)" "[]"
expect_match "WNN: embedding metrics undefined, with the reason" "$(pyjson "[r['detail'] for r in d['metrics'] if r['method']=='wnn' and r['metric']=='ASW_label'][0]" < ms.json)" "gives a graph, not an embedding"
expect_eq "WNN: graph metrics are computed on its graph" "$(pyjson "[r['value'] is not None for r in d['metrics'] if r['method']=='wnn' and r['metric'] in ('NMI_cluster/label','ARI_cluster/label','cLISI')]" < ms.json)" "[true, true, true]"
# Bad input.
"$PYTHON" - "$DATA/cellbench_3cl_celseq2_dropseq.h5ad" <<'PY'
import sys, anndata as ad
a = ad.read_h5ad(sys.argv[1])
a.obs["one_batch"] = "b"; a.write_h5ad("onebatch.h5ad")
PY
cat > bad.yaml <<SPEC
datasets: {d: onebatch.h5ad}
tasks: [{task: batch, dataset: d, batch_key: one_batch, label_key: cell_line, methods: [unintegrated]}]
SPEC
"$SCEVAL" run --json bad.yaml > b.json
"$SCEVAL" show --json "$(pyjson 'd["run"]' < b.json)" > bs.json
expect_match "one batch: iLISI is NaN with the reason" "$(pyjson "[r['detail'] for r in d['metrics'] if r['metric']=='iLISI'][0]" < bs.json)" "needs at least 2 batches"
cp "$TESTS_DIR/../examples/models/standin_model.py" m.py
printf 'import numpy as np, sys\ne = np.ones((499, 8)); e[3, 2] = np.nan\nnp.save(sys.argv[1], e)\n' > nanmodel.py
cat > nan.yaml <<SPEC
datasets: {d: $DATA/cellbench_3cl_celseq2_dropseq.h5ad}
methods: {m: {command: [$PYTHON, "{file:s}", "{output}"], files: {s: nanmodel.py}, output: e.npy, provides: {obsm: X}}}
tasks: [{task: batch, dataset: d, batch_key: batch, label_key: cell_line, methods: [m]}]
SPEC
"$SCEVAL" run nan.yaml >/dev/null 2>err.txt; rc=$?
expect_eq "an embedding with NaN fails the evaluation (exit 1)" "$rc" "1"
expect_match "... naming the value" "$(cat err.txt)" "embedding: NaN at cell 3, column 2"
done_testing
