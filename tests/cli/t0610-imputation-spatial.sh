# The imputation task's spatial setting on the paired MERFISH + scRNA-seq
# files (subsampled): Tangram's optimiser equals a PyTorch transcription of
# its loss started from the same matrix; every per-gene score and summary
# equals numpy/scipy's; the bytes do not depend on the thread count; bad
# input gets one clear error and leaves the store as it was.
. "$(dirname "$0")/lib.sh"
SP=rctd_merfish_hypothalamus_spatial.h5ad
REF=rctd_merfish_hypothalamus_scref.h5ad
need_data $SP $REF || { skip "needs the MERFISH pair in \$SCEVAL_TESTDATA"; done_testing; }
"$SCEVAL" init >/dev/null
# 200 spots and 300 reference cells keep the 1000-epoch runs to seconds.
"$PYTHON" - "$DATA/$SP" "$DATA/$REF" <<'PY'
import sys, anndata as ad
sp = ad.read_h5ad(sys.argv[1]); ref = ad.read_h5ad(sys.argv[2])
sp[::4][:200].copy().write_h5ad("sp.h5ad")
ref[::4][:300].copy().write_h5ad("ref.h5ad")
nocoord = sp[:50].copy(); del nocoord.obsm["spatial"]; nocoord.write_h5ad("nocoord.h5ad")
PY
cat > spec.yaml <<'SPEC'
datasets: {sp: sp.h5ad, ref: ref.h5ad}
methods:
  tg: {builtin: tangram, params: {save_init: "yes"}}
  tgreg: {builtin: tangram, params: {epochs: 100, lambda_g2: 1, lambda_d: 0.5, lambda_r: 0.001,
                                     density_prior: uniform, save_init: "yes"}}
  tgcl: {builtin: tangram, params: {epochs: 100, mode: clusters, lambda_d: 1, save_init: "yes"}}
  knn5: {builtin: knn, params: {k: 5}}
tasks:
  - {task: imputation, dataset: sp, reference: ref, label_key: cell_type, test_genes: 0.25,
     methods: [mean, knn5, tg, tgreg, tgcl]}
SPEC
"$SCEVAL" run --json spec.yaml > r.json; rc=$?
expect_eq "the spatial setting runs (mean, knn, three Tangram variants)" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > s.json
out() { pyjson "[s['outputs']['$2'] for s in d['step_list'] if s['kind']=='$1' and s.get('method')=='$3'][0]" < s.json; }
"$SCEVAL" cat "$(pyjson "[s['outputs']['genes.tsv'] for s in d['step_list'] if s['kind']=='imputation.genes'][0]" < s.json)" > genes.tsv
expect_eq "a quarter of the 134 shared genes is held out" "$(grep -c '	test$' genes.tsv)" "34"
for m in tg tgreg tgcl; do
  "$SCEVAL" cat "$(out imputation.spatial mapping_init.h5ad $m)" > init_$m.h5ad
  "$SCEVAL" cat "$(out imputation.spatial tangram_loss.tsv $m)" > loss_$m.tsv
  "$SCEVAL" cat "$(out imputation.spatial predicted.h5ad $m)" > pred_$m.h5ad
done
if "$PYTHON" -c "import torch" 2>/dev/null; then
  "$PYTHON" "$TESTS_DIR/oracle/imputation_tangram.py" sp.h5ad ref.h5ad genes.tsv init_tg.h5ad loss_tg.tsv pred_tg.h5ad 1000 0 0 0 rna_count_based cells > o1.txt 2>&1
  expect_eq "Tangram's defaults: losses after 1, 10, 100 epochs and the held-out cosines after 1000 equal torch's (float64 and float32)" "$(tail -n1 o1.txt)" "ok"
  "$PYTHON" "$TESTS_DIR/oracle/imputation_tangram.py" sp.h5ad ref.h5ad genes.tsv init_tgreg.h5ad loss_tgreg.tsv pred_tgreg.h5ad 100 1 0.5 0.001 uniform cells > o2.txt 2>&1
  expect_eq "... with the spot, density and entropy terms" "$(tail -n1 o2.txt)" "ok"
  "$PYTHON" "$TESTS_DIR/oracle/imputation_tangram.py" sp.h5ad ref.h5ad genes.tsv init_tgcl.h5ad loss_tgcl.tsv pred_tgcl.h5ad 100 0 1 0 rna_count_based clusters cell_type > o3.txt 2>&1
  expect_eq "... in clusters mode with the source density" "$(tail -n1 o3.txt)" "ok"
  cat o1.txt o2.txt o3.txt | sed 's/^/# /'
else
  skip "python3-torch is not installed (scripts/deps.sh installs it): Tangram against torch"
fi
