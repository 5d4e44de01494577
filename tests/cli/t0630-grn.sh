# The grn task on real data: examples/gene_networks.yaml runs; every
# enrichment p-value, BH q-value, Jaccard index, edge AUROC/AUPRC/EPR, AMI
# and program metric equals its recomputation with scipy, statsmodels and
# sklearn (tests/oracle/grn_check.py); the co-expression baseline recovers
# the cell-cycle phases (CellBench) and hallmark programs (PBMC) far above
# random vectors; results are the same bytes at 1 and 2 threads; bad
# gene sets and embeddings fail or are noted, naming the culprit.
. "$(dirname "$0")/lib.sh"
need_data $PBMC cellbench_3cl_celseq2_dropseq.h5ad genesets/msigdb_hallmark_v7.0_symbols.gmt \
  genesets/enrichr_GO_Biological_Process_2021.gmt genesets/cell_cycle_genes_homo_sapiens.tsv ||
  { skip "needs PBMC, CellBench and the gene sets"; done_testing; }
"$PYTHON" -c 'import statsmodels, sklearn, anndata' 2>/dev/null || { skip "needs statsmodels, sklearn, anndata"; done_testing; }
"$SCEVAL" init >/dev/null
example gene_networks
# check-sized: the CellBench genes detected in at least 250 of 499 cells
sed -i "s/min_cells: 100 /min_cells: 250 /" gene_networks.yaml
"$SCEVAL" run -j 2 --json gene_networks.yaml > r.json; rc=$?
expect_eq "the gene-network example runs" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > s.json
"$PYTHON" "$TESTS_DIR/oracle/grn_check.py" s.json "$SCEVAL" pbmc-hallmark cellbench-cellcycle > check.out 2>&1
expect_match "p (hypergeom.sf, fisher_exact), BH (statsmodels), Jaccard, edges, AMI, metrics recomputed" \
  "$(tail -n1 check.out)" "^checked [0-9]{4,} bad 0$"
grep mismatch check.out | head -n 5 | sed 's/^/#   /'
m() { pyjson "[r['value'] for r in d['metrics'] if r['task']=='$1' and r['method']=='$2' and r['metric']=='$3'][0]" < s.json; }
check "CellBench: co-expression ranks S/G2M co-membership far above random (AUROC $(m cellbench-cellcycle coexpression edge_auroc) vs $(m cellbench-cellcycle random edge_auroc))" \
  "$PYTHON" -c "import sys; sys.exit(0 if $(m cellbench-cellcycle coexpression edge_auroc) > 0.85 and $(m cellbench-cellcycle random edge_auroc) < 0.6 else 1)"
expect_eq "CellBench: co-expression programs recover both phases at FDR 0.05, random none" \
  "$(m cellbench-cellcycle coexpression sets_recovered) $(m cellbench-cellcycle random sets_recovered)" "2.0 0.0"
check "PBMC hallmark: co-expression recovers sets at resolution 10, random none; EPR $(m pbmc-hallmark coexpression edge_epr) vs $(m pbmc-hallmark random edge_epr)" \
  "$PYTHON" -c "import sys; sys.exit(0 if $(m pbmc-hallmark 'coexpression[resolution=10]' sets_recovered) >= 3 and $(m pbmc-hallmark 'random[resolution=10]' sets_recovered) == 0 and $(m pbmc-hallmark coexpression edge_epr) > 1.5 and $(m pbmc-hallmark random edge_epr) < 1.3 else 1)"
check "PBMC GO BP: co-expression programs recover GO processes, random none" \
  "$PYTHON" -c "import sys; sys.exit(0 if $(m pbmc-go coexpression sets_recovered) >= 20 and $(m pbmc-go random sets_recovered) == 0 else 1)"
expect_match "the given PCA loadings: genes outside the PCA (NaN rows) are left out, named" \
  "$(pyjson '[n for s in d["step_list"] for n in s["notes"] if s["method"].startswith("pca_loadings")]' < s.json)" \
  "pca_loadings: 456 genes with NaN values left out, e.g. '"
# The figures are SVG documents.
"$PYTHON" - s.json "$SCEVAL" <<'PY' > svg.out 2>&1
import json, subprocess, sys, xml.etree.ElementTree as ET
run = json.load(open(sys.argv[1])); n = 0
for s in run["step_list"]:
    for name, h in s["outputs"].items():
        if name.endswith(".svg"):
            ET.fromstring(subprocess.run([sys.argv[2], "cat", h], capture_output=True, check=True).stdout); n += 1
print(n)
PY
check "programs and enrich steps write well-formed SVG figures ($(tail -n1 svg.out))" test "$(tail -n1 svg.out)" -ge 10
# The same bytes at 1 and 2 threads (a fresh store each).
cat > small.yaml <<Y
datasets: {pbmc: $DATA/$PBMC, hallmark: $DATA/genesets/msigdb_hallmark_v7.0_symbols.gmt}
tasks:
  - {task: grn, dataset: pbmc, genesets: hallmark, counts: layers/counts, resolution: 10, methods: [coexpression, random]}
Y
for th in 1 2; do mkdir -p st$th; (cd st$th && "$SCEVAL" init >/dev/null && SCEVAL_THREADS=$th "$SCEVAL" run --json ../small.yaml > r.json); done
expect_eq "the result is the same at 1 and 2 threads" "$(pyjson 'd["result"]' < st1/r.json)" "$(pyjson 'd["result"]' < st2/r.json)"

# Bad input. Plan-time errors leave the store as it was.
before=$(store_state "$T")
printf 'SET_A\tdesc\tCD3E\tCD3D\nEMPTY_SET\tdesc\t\t\n' > empty.gmt
sed -e "s|$DATA/genesets/msigdb_hallmark_v7.0_symbols.gmt|$T/empty.gmt|" small.yaml > b1.yaml
expect_exit "a GMT line without genes is refused" 1 "$SCEVAL" run b1.yaml
expect_match "... naming the file line and the set" "$(cat err)" "empty.gmt:2: gene set 'EMPTY_SET' lists no genes"
sed -e "s|$DATA/$PBMC|$DATA/cellbench_3cl_celseq2_dropseq.h5ad|" -e "s|, counts: layers/counts||" small.yaml > b2.yaml
expect_exit "gene sets sharing no gene with the dataset are refused" 1 "$SCEVAL" run b2.yaml
expect_match "... naming both sides" "$(cat err)" "no gene \(e.g. '[A-Z0-9]+'\) names a gene of dataset 'pbmc' \(e.g. 'ENSG[0-9]+'\).*symbol_key"
sed -e "s|resolution: 10|resolutions: [10, -1]|" small.yaml > b3.yaml
expect_exit "a negative resolution is refused" 1 "$SCEVAL" run b3.yaml
expect_match "... at its place in the spec" "$(cat err)" "b3.yaml:[0-9]+:[0-9]+: resolutions: each must be a number"
expect_eq "the store is as it was after the refused specs" "$(store_state "$T")" "$before"
# A .npy with a gene list: a NaN row is left out and named, an infinite
# value and a duplicated gene name are errors naming the gene.
"$PYTHON" - <<'PY'
import numpy as np
rng = np.random.default_rng(0)
genes = ["CD3E", "CD3D", "LYZ", "MS4A1", "NKG7", "GNLY", "CST3", "FCER1G"] + ["G%d" % i for i in range(40)]
x = rng.normal(size=(len(genes), 8))
x[2, 3] = np.nan
np.save("emb.npy", x)
open("genes.txt", "w").write("\n".join(genes) + "\n")
y = x.copy(); y[4, 0] = np.inf; np.save("inf.npy", y)
open("dup.txt", "w").write("\n".join(genes[:-1] + ["CD3D"]) + "\n")
PY
given() {
cat > $1.yaml <<Y
datasets: {pbmc: $DATA/$PBMC, hallmark: $DATA/genesets/msigdb_hallmark_v7.0_symbols.gmt, emb: $2, genes: $3}
methods: {mine: {builtin: given, params: {embedding: emb, genes: genes}}}
tasks:
  - {task: grn, dataset: pbmc, genesets: hallmark, resolution: 5, methods: [mine]}
Y
}
given g1 emb.npy genes.txt
"$SCEVAL" run --json g1.yaml > g1.json; rc=$?
expect_eq "a .npy embedding with a gene list runs" "$rc:$(pyjson 'd["status"]' < g1.json)" "0:done"
expect_match "... its NaN row left out and named" \
  "$("$SCEVAL" show --json "$(pyjson 'd["run"]' < g1.json)" | pyjson '[n for s in d["step_list"] for n in s["notes"]]')" \
  "1 gene with NaN values left out, e.g. 'LYZ'"
given g2 inf.npy genes.txt
expect_exit "an infinite value fails the run" 1 "$SCEVAL" run g2.yaml
expect_match "... naming the gene" "$(cat err)" "gene 'NKG7' has an infinite value"
given g3 emb.npy dup.txt
expect_exit "a duplicated gene name fails the run" 1 "$SCEVAL" run g3.yaml
expect_match "... naming it" "$(cat err)" "1 duplicated gene name, e.g. 'CD3D'"
done_testing
