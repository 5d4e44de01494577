# scib's cell-cycle conservation on CellBench (CEL-seq2 vs Drop-seq; genes
# are Ensembl ids, so the gene table matches by gene_id): the recorded metric
# and each batch's PCR before/after equal a numpy/pandas transcription of
# scib's cell_cycle() with scanpy's score_genes_cell_cycle
# (tests/oracle/scib_cellcycle_ref.py); the metric enters the bio mean; a
# table that matches no gene of the dataset is refused with the file named.
. "$(dirname "$0")/lib.sh"
need_data cellbench_3cl_celseq2_dropseq.h5ad genesets/cell_cycle_genes_homo_sapiens.tsv hlca_subset_Krasnow_2020.h5ad ||
  { skip "needs CellBench 3cl, HLCA Krasnow and the cell-cycle gene table"; done_testing; }
"$SCEVAL" init >/dev/null
cat > cc.yaml <<SPEC
datasets: {cb3: $DATA/cellbench_3cl_celseq2_dropseq.h5ad, cc: $DATA/genesets/cell_cycle_genes_homo_sapiens.tsv}
tasks: [{task: batch, dataset: cb3, batch_key: batch, label_key: cell_line, cell_cycle_genes: cc, methods: [unintegrated, combat]}]
SPEC
"$SCEVAL" run -j 2 --json cc.yaml > r.json; rc=$?
expect_eq "the spec with cell_cycle_genes runs" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > s.json
for m in unintegrated combat; do
  out=$(pyjson "[s['outputs']['embedding.h5ad'] for s in d['step_list'] if s['kind']=='batch.embed' and s['method'] in ('$m','unintegrated')][-1 if '$m'=='combat' else 0]" < s.json)
  "$SCEVAL" checkout "$out" "e_$m.h5ad" >/dev/null
  "$PYTHON" "$TESTS_DIR/oracle/scib_cellcycle_ref.py" "$DATA/cellbench_3cl_celseq2_dropseq.h5ad" \
    "$DATA/genesets/cell_cycle_genes_homo_sapiens.tsv" batch "e_$m.h5ad" > "ref_$m.txt" 2>/dev/null
  got=$(pyjson "[r['value'] for r in d['metrics'] if r['method']=='$m' and r['metric']=='cell_cycle_conservation'][0]" < s.json)
  # Both sides compute the same sums; the PCA differs only by the
  # eigensolver (Gram matrix + dsyevr vs numpy's SVD), ~1e-12 relative in
  # the components' R^2 and variances, so 1e-9 leaves three orders.
  expect_eq "$m: cell_cycle_conservation $got equals scib's ($(head -n1 "ref_$m.txt"), 1e-9)" \
    "$("$PYTHON" -c "print(abs($got - $(head -n1 "ref_$m.txt")) < 1e-9)")" "True"
  detail=$(pyjson "[r['detail'] for r in d['metrics'] if r['method']=='$m' and r['metric']=='cell_cycle_conservation'][0]" < s.json)
  want=$("$PYTHON" -c "
import sys
rows = [l.split() for l in open('ref_$m.txt').read().splitlines()[1:]]
print(' '.join('%.4g->%.4g' % (float(r[1]), float(r[2])) for r in rows))")
  expect_match "$m: per-batch PCR before->after as scib's ($want)" "$detail" "per batch: $want\$"
done
expect_match "genes matched by gene_id: 43 S, 54 G2/M" "$detail" "^43 S and 54 G2/M genes \(by gene_id\)"
"$PYTHON" - s.json > bio.out <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = {r["metric"]: r["value"] for r in d["metrics"] if r["method"] == "combat"}
bio = [v[k] for k in ("NMI_cluster/label", "ARI_cluster/label", "ASW_label", "isolated_label_F1",
                      "isolated_label_silhouette", "cLISI", "cell_cycle_conservation")
       if v.get(k) is not None]
print(len(bio) == 5 and abs(sum(bio) / len(bio) - v["bio"]) < 1e-12)
PY
expect_eq "the metric enters the bio mean (both isolated-label metrics are NaN here: every cell line is in both batches)" "$(cat bio.out)" "True"
# Without the option the metric is not computed, and says why.
cat > nocc.yaml <<SPEC
datasets: {cb3: $DATA/cellbench_3cl_celseq2_dropseq.h5ad}
tasks: [{task: batch, dataset: cb3, batch_key: batch, label_key: cell_line, methods: [unintegrated]}]
SPEC
"$SCEVAL" run --json nocc.yaml > n.json
"$SCEVAL" show --json "$(pyjson 'd["run"]' < n.json)" > ns.json
expect_match "no gene table: NaN with the reason" "$(pyjson "[r['detail'] for r in d['metrics'] if r['metric']=='cell_cycle_conservation'][0]" < ns.json)" "no cell-cycle gene table given"
# A dataset without any of the genes: a clear error naming the table.
cat > bad.yaml <<SPEC
datasets: {h: $DATA/hlca_subset_Krasnow_2020.h5ad, cc: $DATA/genesets/cell_cycle_genes_homo_sapiens.tsv}
tasks: [{task: batch, dataset: h, batch_key: sample, label_key: ann_level_1, cell_cycle_genes: cc, methods: [unintegrated]}]
SPEC
store_state . > before.state
"$SCEVAL" run bad.yaml > bad.out 2>&1; rc=$?
expect_match "no cell-cycle gene in the dataset: refused at planning, naming both datasets (exit $rc)" "$(cat bad.out)" "'cell_cycle_genes': dataset 'cc': no S gene of the cell-cycle table is among the dataset's genes .* \\(dataset 'h'\\)"
store_state . > after.state
check "the refused spec leaves the store as it was" cmp -s before.state after.state
cat > bad2.yaml <<SPEC
datasets: {cb3: $DATA/cellbench_3cl_celseq2_dropseq.h5ad}
tasks: [{task: batch, dataset: cb3, batch_key: batch, label_key: cell_line, cell_cycle_genes: nope, methods: [unintegrated]}]
SPEC
expect_exit "an unknown dataset as cell_cycle_genes is refused" 1 "$SCEVAL" run bad2.yaml
done_testing
