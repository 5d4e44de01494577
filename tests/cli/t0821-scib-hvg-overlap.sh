# scib's HVG overlap on CellBench (CEL-seq2 vs Drop-seq): an external method
# outputs corrected features (log-normalised expression of 1000 variable
# genes, each batch's gene means moved to the global ones: a crude
# correction that keeps each batch's variance structure) and
# an embedding; the recorded hvg_overlap equals a transcription of scib's
# hvg_overlap (tests/oracle/scib_hvg_overlap_ref.py); methods that give only
# an embedding get NaN with the reason.
. "$(dirname "$0")/lib.sh"
need_data cellbench_3cl_celseq2_dropseq.h5ad || { skip "needs CellBench 3cl"; done_testing; }
"$SCEVAL" init >/dev/null
cat > corrected.py <<'PY'
import sys
import anndata as ad, numpy as np, scipy.sparse as sp
a = ad.read_h5ad(sys.argv[1])
x = sp.csr_matrix(a.X, dtype=np.float64)
tot = np.asarray(x.sum(axis=1)).ravel()
x = sp.diags(1e4 / np.maximum(tot, 1)) @ x
x.data = np.log1p(x.data)
var = np.asarray(x.power(2).mean(axis=0)).ravel() - np.asarray(x.mean(axis=0)).ravel() ** 2
genes = np.sort(np.argsort(-var, kind="stable")[:1000])
y = x[:, genes].toarray()
mu = y.mean(axis=0)
for b in np.unique(a.obs["batch"].values):
    m = (a.obs["batch"] == b).values
    y[m] += mu - y[m].mean(axis=0)
u, s, _ = np.linalg.svd(y - y.mean(axis=0), full_matrices=False)
out = ad.AnnData(X=y, obs=a.obs[[]].copy(), var=a.var.iloc[genes][[]].copy())
out.obsm["X_emb"] = u[:, :20] * s[:20]
out.write_h5ad(sys.argv[2])
PY
cat > h.yaml <<SPEC
datasets: {cb3: $DATA/cellbench_3cl_celseq2_dropseq.h5ad}
methods:
  centred: {command: [$PYTHON, "{file:s}", "{input}", "{output}"], files: {s: corrected.py}, output: out.h5ad, provides: {obsm: X_emb}}
tasks: [{task: batch, dataset: cb3, batch_key: batch, label_key: cell_line, methods: [centred, unintegrated]}]
SPEC
"$SCEVAL" run -j 2 --json h.yaml > r.json; rc=$?
expect_eq "the spec with a corrected-features method runs" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > s.json
out=$(pyjson "[v for s in d['step_list'] if s['method']=='centred' and s['kind']!='integration.eval' for v in s['outputs'].values()][0]" < s.json)
"$SCEVAL" checkout "$out" post.h5ad >/dev/null
"$PYTHON" "$TESTS_DIR/oracle/scib_hvg_overlap_ref.py" "$DATA/cellbench_3cl_celseq2_dropseq.h5ad" batch post.h5ad > ref.txt 2>/dev/null
got=$(pyjson "[r['value'] for r in d['metrics'] if r['method']=='centred' and r['metric']=='hvg_overlap'][0]" < s.json)
# A count of shared genes over a count: any difference in the selections
# shows as a step of at least 1/500, so equality to rounding is required.
expect_eq "hvg_overlap $got equals scib's ($(head -n1 ref.txt))" \
  "$("$PYTHON" -c "print(abs($got - $(head -n1 ref.txt)) < 1e-12)")" "True"
check "the overlap is a real comparison (strictly between 0 and 1)" "$PYTHON" -c "import sys; sys.exit(0 if 0 < $got < 1 else 1)"
expect_match "an embedding-only method: NaN with the reason" \
  "$(pyjson "[r['detail'] for r in d['metrics'] if r['method']=='unintegrated' and r['metric']=='hvg_overlap'][0]" < s.json)" \
  "gives an embedding, not corrected features"
done_testing
