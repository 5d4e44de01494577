# Gene-function prediction on real data: S-phase vs G2/M genes on the
# CellBench cell lines. Per-fold metrics recomputed with sklearn from the
# written out-of-fold predictions equal sceval's means and sds; a shuffled
# label table scores near chance; labels matching no gene are an error.
. "$(dirname "$0")/lib.sh"
CC=genesets/cell_cycle_genes_homo_sapiens.tsv
need_data cellbench_3cl_celseq2_dropseq.h5ad "$CC" || { skip "needs CellBench and the cell-cycle genes"; done_testing; }
"$SCEVAL" init >/dev/null
example cellcycle_genes
"$SCEVAL" run --json cellcycle_genes.yaml > r.json; rc=$?
expect_eq "the cell-cycle example runs" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > s.json
expect_match "all 97 genes are found and labelled" "$(pyjson '[n for s in d["step_list"] for n in s["notes"]]' < s.json)" "97 genes with a label"
"$PYTHON" - s.json "$SCEVAL" <<'PY' > check.out 2>&1
import csv, io, json, subprocess, sys
import numpy as np
from sklearn import metrics as M
run = json.load(open(sys.argv[1]))
rows = {(r["method"], r["seed"], r["metric"]): r["value"] for r in run["metrics"]}
bad = checked = 0
for st in run["step_list"]:
    if st["kind"] != "genefunc.cv":
        continue
    text = subprocess.run([sys.argv[2], "cat", st["outputs"]["predictions.csv"]], capture_output=True, text=True, check=True).stdout
    recs = list(csv.DictReader(io.StringIO(text)))
    per = {"accuracy": [], "precision_macro": [], "recall_macro": [], "f1_macro": [], "auroc": [], "average_precision": []}
    for f in sorted(set(int(r["fold"]) for r in recs)):
        rr = [r for r in recs if int(r["fold"]) == f]
        y = [r["label"] for r in rr]; p = [r["predicted"] for r in rr]
        s = [float(r["score"]) for r in rr]
        yb = [1 if v == "S" else 0 for v in y]        # 'S' sorts after 'G2/M': the positive class
        per["accuracy"].append(M.accuracy_score(y, p))
        per["precision_macro"].append(M.precision_score(y, p, average="macro", zero_division=0))
        per["recall_macro"].append(M.recall_score(y, p, average="macro", zero_division=0))
        per["f1_macro"].append(M.f1_score(y, p, average="macro", zero_division=0))
        per["auroc"].append(M.roc_auc_score(yb, s))
        per["average_precision"].append(M.average_precision_score(yb, s))
    for k, v in per.items():
        for stat, val in (("mean", np.mean(v)), ("sd", np.std(v))):
            checked += 1
            got = rows[(st["method"], st["seed"], k + "_" + stat)]
            if abs(got - val) > 1e-12:
                bad += 1; print("mismatch", st["method"], k, stat, got, val)
    if len(recs) != 97:
        bad += 1; print("predictions for", len(recs), "genes")
print("checked", checked, "bad", bad)
PY
expect_eq "fold metrics equal sklearn's on the out-of-fold predictions (mean and sd, 1e-12)" "$(tail -n1 check.out)" "checked 48 bad 0"
acc=$(pyjson '[r["value"] for r in d["metrics"] if r["metric"]=="accuracy_mean" and r["method"]=="logreg"]' < s.json)
# A shuffled label table: the same genes, labels permuted.
"$PYTHON" - "$DATA/$CC" shuffled.tsv <<'PY'
import sys, numpy as np
lines = open(sys.argv[1]).read().splitlines()
head, body = lines[0], [l.split("\t") for l in lines[1:]]
lab = [b[2] for b in body]
np.random.default_rng(3).shuffle(lab)
open(sys.argv[2], "w").write(head + "\n" + "\n".join("\t".join(b[:2] + [l]) for b, l in zip(body, lab)) + "\n")
PY
sed -e "s|$DATA/$CC|$T/shuffled.tsv|" cellcycle_genes.yaml > shuf.yaml
"$SCEVAL" run --json shuf.yaml > r2.json
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r2.json)" > s2.json
sacc=$(pyjson '[r["value"] for r in d["metrics"] if r["metric"]=="accuracy_mean" and r["method"]=="logreg"]' < s2.json)
check "real labels score far above shuffled ones ($acc vs $sacc)" "$PYTHON" -c "import sys; a=$acc; s=$sacc; sys.exit(0 if min(a) > 0.85 and max(s) < 0.7 else 1)"
# Labels keyed by symbols against a dataset keyed by Ensembl ids: an error at plan time.
sed -e 's/id_column: gene_id/id_column: gene_name/' cellcycle_genes.yaml > wrongid.yaml
expect_exit "labels matching no gene are an error" 1 "$SCEVAL" run wrongid.yaml
expect_match "... saying which ids were compared" "$(cat "$T/err")" "no id in column 'gene_name' \(e.g. 'MCM5'\) names a gene of dataset 'cb3' \(e.g. 'ENSG"
done_testing
