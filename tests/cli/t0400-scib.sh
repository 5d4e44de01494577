#!/bin/sh
# t0400-scib: `sceval scib` on a real embedding (cellbench, PCA of the
# counts with batch means removed) against the oracle's references, its
# output files, determinism across thread counts, and bad input.
. "$(dirname "$0")/lib.sh"

if ! need_data cellbench_3cl_celseq2_dropseq.h5ad; then
  skip "scib: no test data"
  done_testing
fi

mkdir o
"$PYTHON" "$TESTS_DIR/oracle/scib_ref.py" real o "$DATA" \
  cellbench_3cl_celseq2_dropseq.h5ad cell_line batch 30 || { fail "oracle runs"; done_testing; }
# the oracle's raw binaries as .npy and text files, the way a user has them
"$PYTHON" - <<'EOF' || fail "inputs convert"
import numpy as np
def rd(p, dt):
    with open(p, "rb") as f:
        f.read(4)
        sh = np.fromfile(f, dtype="<i8", count=2)
        return np.fromfile(f, dtype=dt).reshape(sh)
np.save("emb.npy", rd("o/emb.bin", "<f8"))
np.save("emb32.npy", rd("o/emb.bin", "<f8").astype(np.float32))
np.save("embF.npy", np.asfortranarray(rd("o/emb.bin", "<f8")).astype(">f8"))
np.save("pre.npy", rd("o/pre.bin", "<f8"))
np.save("prevar.npy", rd("o/pre_var.bin", "<f8").ravel())
lab = rd("o/labels.bin", "<i4").ravel()
bat = rd("o/batches.bin", "<i4").ravel()
open("labels.txt", "w").write("".join(f"type_{v}\n" for v in lab))
open("batches.txt", "w").write("".join(f"plate {v}\n" for v in bat))
np.save("batches.npy", bat.astype(np.int64))
open("one_batch.txt", "w").write("b\n" * len(bat))
open("short.txt", "w").write("".join(f"type_{v}\n" for v in lab[:-1]))
x = rd("o/emb.bin", "<f8"); x[3, 2] = np.nan; np.save("nan.npy", x)
EOF

expect_exit "scib runs with --json" 0 "$SCEVAL" -q scib --json --threads 2 \
  --pre pre.npy --pre-var prevar.npy --per-cell cells.csv --per-label labels.csv \
  emb.npy labels.txt batches.txt
cp out run.json
"$PYTHON" - <<'EOF' > cmp.txt 2>&1
import json, numpy as np
def rd(p):
    with open(p, "rb") as f:
        f.read(4)
        sh = np.fromfile(f, dtype="<i8", count=2)
        return np.fromfile(f, dtype="<f8").reshape(sh)
j = json.load(open("run.json"))
v = {m["name"]: m["value"] for m in j["metrics"]}
ref = {  # name: (oracle file, tolerance)
    "ASW_label": ("asw_label", 1e-9), "ASW_label/batch": ("asw_batch", 1e-9),
    "pcr_before": ("pcr_before", 1e-9), "pcr_after": ("pcr_after", 1e-9),
    "PCR_batch": ("pcr_cmp", 1e-9), "isolated_label_silhouette": ("iso_asw", 1e-9),
    # graph metrics: the core's kNN and UMAP graph equal the oracle's to rounding
    "graph_conn": ("graph_conn", 1e-6), "iLISI": ("ilisi", 1e-6),
    "cLISI": ("clisi", 1e-6), "kBET": ("kbet", 1e-6),
    "ilisi_knn_scibmetrics": ("ilisik", 1e-6), "clisi_knn_scibmetrics": ("clisik", 1e-6),
}
for name, (f, tol) in ref.items():
    r = rd(f"o/{f}.bin").ravel()[0]
    g = v[name]
    ok = (g is None and np.isnan(r)) or (g is not None and abs(g - r) <= tol * max(1, abs(r)))
    print(("ok" if ok else "bad"), name, g, r)
# NMI and ARI: the sweep's memberships are leidenalg's, as in scib's own run
best = rd("o/leiden_best.bin").ravel()
for name, k in (("NMI_cluster/label", 0), ("ARI_cluster/label", 1)):
    ok = v[name] is not None and abs(v[name] - best[k]) <= 1e-12
    print(("ok" if ok else "bad"), name, v[name], best[k])
agg = j["aggregates"]
print("ok" if abs(agg["overall"] - (0.6 * agg["bio"] + 0.4 * agg["batch"])) < 1e-12 else "bad",
      "overall")
print("ok" if j["schema"] == 1 and len(j["resolutions"]) == 10 else "bad", "schema and sweep")
EOF
bad=$(grep -c '^bad' cmp.txt)
expect_eq "scib values equal the oracle's ($(grep -c '^ok' cmp.txt) checked)" "$bad" 0
[ "$bad" -eq 0 ] || sed 's/^/#   /' cmp.txt

expect_eq "per-cell file has a row per cell" "$(wc -l < cells.csv)" 500
expect_eq "per-label file has a row per label" "$(wc -l < labels.csv)" 4
# the integration task's schema (tasks/scib/tables.h), written by the same code
expect_eq "per-cell columns are the batch task's cells.csv" "$(head -n1 cells.csv)" \
  "cell,label,batch,cluster,asw_label,asw_batch,ilisi,clisi,kbet_pvalue"
expect_eq "per-label columns are the batch task's labels.csv" "$(head -n1 labels.csv)" \
  "label,cells,asw_label,asw_batch,ilisi,clisi"
"$PYTHON" - <<'EOF' > cells_cmp.txt 2>&1
import csv, numpy as np
from sklearn.metrics import silhouette_samples
rows = list(csv.DictReader(open("cells.csv")))
x = np.load("emb.npy")
lab = [r["label"] for r in rows]
s = silhouette_samples(x, lab)
d = max(abs(float(r["asw_label"]) - v) for r, v in zip(rows, s))
# per label: the mean of its cells' silhouettes
labrows = list(csv.DictReader(open("labels.csv")))
for r in labrows:
    m = np.mean([v for l, v in zip(lab, s) if l == r["label"]])
    d = max(d, abs(float(r["asw_label"]) - m))
print("ok" if d < 1e-9 and len(labrows) == 3 else "bad", d)
EOF
expect_match "per-cell silhouettes and their per-label means equal sklearn's" "$(cat cells_cmp.txt)" '^ok'

expect_exit "scib with one thread" 0 "$SCEVAL" -q scib --json --threads 1 \
  --pre pre.npy --pre-var prevar.npy emb.npy labels.txt batches.txt
strip() { "$PYTHON" -c "import json,sys; j=json.load(open(sys.argv[1])); print([(m['name'], m['value']) for m in j['metrics']])" "$1"; }
cp out run1.json
expect_eq "values identical with 1 and 2 threads" "$(strip run1.json)" "$(strip run.json)"

expect_exit "a Fortran-ordered big-endian embedding (np.asfortranarray)" 0 "$SCEVAL" -q scib --json \
  --threads 1 --pre pre.npy --pre-var prevar.npy embF.npy labels.txt batches.txt
cp out runF.json
expect_eq "... gives the same values as the C-ordered one" "$(strip runF.json)" "$(strip run.json)"

expect_exit "float32 embedding, .npy batch codes, text output" 0 "$SCEVAL" -q scib \
  emb32.npy labels.txt batches.npy
expect_match "text output has the overall score" "$(cat out)" '^overall +[0-9.]+ +\(0.6 bio'
expect_match "PCR comparison NaN without --pre" "$(cat out)" 'PCR_batch +NaN.*no unintegrated'

expect_exit "one batch: defined exit" 0 "$SCEVAL" -q scib --json emb.npy labels.txt one_batch.txt
expect_match "one batch: iLISI null with a reason" "$(tr -d '\n ' < out)" \
  '"name":"iLISI","seconds":[0-9.e-]+,"value":null,"why":"iLISIneedsatleast2batches'

expect_exit "NaN in the embedding fails" 1 "$SCEVAL" -q scib nan.npy labels.txt batches.txt
expect_match "NaN message" "$(cat err)" "^sceval scib: embedding has a non-finite value"
expect_exit "labels of the wrong length fail" 1 "$SCEVAL" -q scib emb.npy short.txt batches.txt
expect_match "length message" "$(cat err)" "^sceval scib: labels have 498 entries for 499 cells"
expect_exit "missing file fails" 1 "$SCEVAL" -q scib missing.npy labels.txt batches.txt
expect_match "missing-file message" "$(cat err)" "^sceval scib: cannot read 'missing.npy'"
expect_exit "not a .npy fails" 1 "$SCEVAL" -q scib labels.txt labels.txt batches.txt
expect_exit "no arguments is a usage error" 2 "$SCEVAL" scib
expect_exit "--threads 0 is a usage error" 2 "$SCEVAL" scib --threads 0 emb.npy labels.txt batches.txt
expect_exit "--pre-var without --pre is a usage error" 2 "$SCEVAL" scib --pre-var prevar.npy \
  emb.npy labels.txt batches.txt
expect_exit "help exits 0" 0 "$SCEVAL" scib --help
done_testing
