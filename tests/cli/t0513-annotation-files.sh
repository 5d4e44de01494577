# Annotation with separate training and test files: labels matched by name,
# unseen test labels reported, genes matched by name whatever their order;
# preprocessing (HVG, scaling, PCA) learnt on the training file only and
# applied to the test file, checked against numpy.
. "$(dirname "$0")/lib.sh"
need_data cellbench_3cl_celseq2_dropseq.h5ad || { skip "needs CellBench"; done_testing; }
"$SCEVAL" init >/dev/null
"$PYTHON" - "$DATA/cellbench_3cl_celseq2_dropseq.h5ad" <<'PY'
import sys, anndata as ad
a = ad.read_h5ad(sys.argv[1])
a[a.obs.batch == "CEL-seq2"].copy().write_h5ad("train.h5ad")
b = a[a.obs.batch == "Drop-seq"].copy()
b.write_h5ad("test_same.h5ad")
b[:, b.var_names[::-1]].copy().write_h5ad("test_reversed.h5ad")
c = b.copy()
c.obs["cell_line"] = c.obs["cell_line"].astype(str)
c.obs.loc[c.obs_names[:5], "cell_line"] = "A549"          # a line the training file lacks
c.obs["cell_line"] = c.obs["cell_line"].astype("category")
c.write_h5ad("test_unseen.h5ad")
PY
spec() {
cat > $1.yaml <<SPEC
datasets: {train: train.h5ad, test: $1.h5ad}
tasks:
  - {task: annotation, dataset: train, label_key: cell_line, split: {test_dataset: test}, methods: [logreg]}
SPEC
}
for f in test_same test_reversed test_unseen; do spec $f; "$SCEVAL" run --json $f.yaml > $f.json; done
expect_eq "train on one file, test on another" "$(pyjson 'd["status"]' < test_same.json)" "done"
pred() { "$SCEVAL" show --json "$(pyjson 'd["run"]' < $1.json)" | pyjson '[s["outputs"]["predictions.h5ad"] for s in d["step_list"] if s["kind"]=="annotation.fit"][0]'; }
expect_eq "the test file's gene order does not matter (identical predictions)" "$(pred test_reversed)" "$(pred test_same)"
"$SCEVAL" cat "$(pred test_same)" > p.h5ad
expect_eq "every labelled test cell is predicted" "$("$PYTHON" -c "import anndata as ad; print(ad.read_h5ad('p.h5ad').n_obs)")" "225"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < test_unseen.json)" > u.json
expect_match "a test class never seen in training is reported" "$(pyjson '[n for s in d["step_list"] for n in s["notes"]]' < u.json)" "1 test class never seen in training \(cannot be predicted\): 'A549'"
check "files-split accuracy on the unseen-free test file is high" "$PYTHON" -c "
import json,subprocess,sys
r=json.loads(subprocess.run(['$SCEVAL','show','--json','$(pyjson 'd["run"]' < test_same.json)'],capture_output=True,text=True).stdout)
a=[m['value'] for m in r['metrics'] if m['metric']=='accuracy'][0]
sys.exit(0 if a > 0.9 else 1)"
# The test PCs are the training PCA applied to the test cells: with V solved
# from the training scores, P_test = (S_test - mu) V, S = clip(z-score by the
# training mean and sd (ddof 1), +-10) of the log-normalised HVG matrix.
"$SCEVAL" show --json "$(pyjson 'd["run"]' < test_same.json)" > s.json
tr=$(pyjson '[s["outputs"]["prepared.h5ad"] for s in d["step_list"] if s["kind"]=="prepare.pair"][0]' < s.json)
te=$(pyjson '[s["outputs"]["prepared_test.h5ad"] for s in d["step_list"] if s["kind"]=="prepare.pair"][0]' < s.json)
"$SCEVAL" cat "$tr" > tr.h5ad; "$SCEVAL" cat "$te" > te.h5ad
check "the projected test PCs equal numpy's (1e-6: X is stored as float32)" "$PYTHON" -c "
import anndata as ad, numpy as np, sys
a, b = ad.read_h5ad('tr.h5ad'), ad.read_h5ad('te.h5ad')
xa = np.asarray(a.X.todense(), dtype=np.float64); xb = np.asarray(b.X.todense(), dtype=np.float64)
assert list(a.var_names) == list(b.var_names)
mu, sd = xa.mean(0), xa.std(0, ddof=1); sd[sd == 0] = 1
sa = np.clip((xa - mu) / sd, -10, 10); sb = np.clip((xb - mu) / sd, -10, 10)
m = sa.mean(0)
V = np.linalg.lstsq(sa - m, a.obsm['X_pca'], rcond=None)[0]
err = np.abs((sb - m) @ V - b.obsm['X_pca']).max() / np.abs(b.obsm['X_pca']).max()
sys.exit(0 if err < 1e-6 else 1)"
done_testing
