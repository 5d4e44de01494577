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

# Every per-gene score and summary metric against numpy/scipy; mean and knn
# predictions against a numpy/sklearn transcription.
for m in mean knn5; do "$SCEVAL" cat "$(out imputation.spatial predicted.h5ad $m)" > pred_$m.h5ad; done
for m in mean knn5 tg; do "$SCEVAL" cat "$(out imputation.spatial_eval gene_scores.tsv $m)" > scores_$m.tsv; done
"$PYTHON" - s.json <<'PY' > m.out 2>&1
import json, sys, numpy as np, anndata as ad, scipy.stats as st
from sklearn.neighbors import NearestNeighbors
np.seterr(invalid="ignore", divide="ignore")
rows = [l.rstrip("\n").split("\t") for l in open("genes.tsv")][1:]
tr = [r for r in rows if r[2] == "train"]; te = [r for r in rows if r[2] == "test"]
def side(path, col):
    a = ad.read_h5ad(path); idx = {g: i for i, g in enumerate(a.var_names)}
    X = np.asarray(a.X.todense(), dtype=float)
    A = X[:, [idx[r[col]] for r in tr]]; B = X[:, [idx[r[col]] for r in te]]
    t = A.sum(1); f = np.where(t > 0, 1e4 / np.where(t > 0, t, 1), 1)
    # libm's log1p (numpy's vectorised one can differ by an ulp, which
    # splits ties that Spearman's average ranks must keep)
    return lg(A * f[:, None]), lg(B * f[:, None])
import math
lg = lambda v: np.frompyfunc(math.log1p, 1, 1)(v).astype(float)
sp_tr, sp_te = side("sp.h5ad", 0); rf_tr, rf_te = side("ref.h5ad", 1)
run = json.load(open(sys.argv[1]))
rows_m = {(r["method"], r["metric"]): r["value"] for r in run["metrics"]}
bad = checked = 0
def close(a, b, tol, what):
    global bad, checked
    checked += 1
    if a is None: a = np.nan
    if b is None: b = np.nan
    if (np.isnan(a) and np.isnan(b)) or abs(a - b) <= tol: return
    bad += 1; print("mismatch", what, a, b)
want_pred = {"mean": np.tile(rf_te.mean(0), (sp_te.shape[0], 1))}
nn = NearestNeighbors(n_neighbors=5, metric="cosine", algorithm="brute").fit(rf_tr)
_, idx = nn.kneighbors(sp_tr)
want_pred["knn5"] = rf_te[idx].mean(1)
for m, w in want_pred.items():
    got = np.asarray(ad.read_h5ad(f"pred_{m}.h5ad").X)
    close(float(np.abs(got - w).max()), 0.0, 1e-12, f"{m} predictions")
for m in ("mean", "knn5", "tg"):
    P = np.asarray(ad.read_h5ad(f"pred_{m}.h5ad").X)
    tab = [l.rstrip("\n").split("\t") for l in open(f"scores_{m}.tsv")][1:]
    cos, pr, sr, pv = [], [], [], []
    for j, r in enumerate(tab):
        y, x = sp_te[:, j], P[:, j]
        c = (x @ y) / (np.linalg.norm(x) * np.linalg.norm(y))   # Tangram's compare_spatial_geneexp
        if np.all(x == x[0]) or np.all(y == y[0]): p = (np.nan, np.nan); s = np.nan
        else: p = st.pearsonr(x, y); s = st.spearmanr(x, y).correlation
        close(float(r[1]), 1 - np.count_nonzero(y) / len(y), 1e-15, f"{m} {r[0]} sparsity_sp")
        close(float(r[3]), c, 1e-12, f"{m} {r[0]} cosine")
        close(float(r[4]), p[0], 1e-12, f"{m} {r[0]} pearson")
        close(float(r[5]), p[1], 1e-9 * max(p[1], 1e-300) if p[1] == p[1] else 0, f"{m} {r[0]} p")
        close(float(r[6]), s, 1e-12, f"{m} {r[0]} spearman")
        cos.append(c); pr.append(p[0]); sr.append(s); pv.append(p[1])
    for name, v in (("cosine", cos), ("pearson", pr), ("spearman", sr)):
        v = np.array(v, dtype=float)
        ok = ~np.isnan(v)
        close(rows_m[(m, name + "_mean")], v[ok].mean() if ok.any() else np.nan, 1e-12, f"{m} {name}_mean")
        close(rows_m[(m, name + "_median")], np.median(v[ok]) if ok.any() else np.nan, 1e-12, f"{m} {name}_median")
    pv = np.array(pv, dtype=float); ok = ~np.isnan(pv)
    close(rows_m[(m, "pearson_significant")], (pv[ok] < 0.005).mean() if ok.any() else np.nan, 1e-12, f"{m} significant")
print("checked", checked, "bad", bad)
PY
expect_match "per-gene cosine, Pearson (r, p), Spearman, sparsity and their summaries equal numpy/scipy; mean and knn predictions equal numpy/sklearn" "$(tail -n1 m.out)" "^checked [0-9]+ bad 0$"
tail -n5 m.out | sed 's/^/# /'
expect_eq "three figures per method: score vs sparsity, per-gene boxes, a held-out gene on the spots" \
  "$(pyjson "sorted(k for k in [s for s in d['step_list'] if s['kind']=='imputation.spatial_eval'][0]['outputs'] if k.endswith('.svg'))" < s.json)" \
  '["gene_scores_box.svg", "heldout_gene.svg", "score_vs_sparsity.svg"]'

"$PYTHON" "$TESTS_DIR/oracle/imputation_compare.py" s.json "$SCEVAL" imputation.spatial_eval > c.out 2>&1
expect_match "imputation.compare: every method's per-gene cosine, Pearson, Spearman side by side (box plots, score vs sparsity)" "$(tail -n1 c.out)" "^checked 12 bad 0$"
head -n3 c.out | grep -v '^checked' | sed 's/^/# /'

# The same bytes with 1 and 2 threads.
cat > spec2.yaml <<'SPEC'
datasets: {sp: sp.h5ad, ref: ref.h5ad}
methods: {tg: {builtin: tangram, params: {epochs: 50}}}
tasks:
  - {task: imputation, dataset: sp, reference: ref, test_genes: [Gad1, Aqp4, Slc17a6], methods: [tg, knn]}
SPEC
SCEVAL_THREADS=1 "$SCEVAL" run --force --json spec2.yaml > t1.json
SCEVAL_THREADS=2 "$SCEVAL" run --force --json spec2.yaml > t2.json
expect_eq "Tangram and knn: the same result with 1 and 2 threads" "$(pyjson 'd["result"]' < t1.json)" "$(pyjson 'd["result"]' < t2.json)"

# Bad input: one clear error, nothing recorded.
"$PYTHON" - <<'PY'
import anndata as ad
r = ad.read_h5ad("ref.h5ad"); r.var_names = ["x" + g for g in r.var_names]; r.write_h5ad("noshared.h5ad")
PY
before=$(store_state "$T")
bad() { # bad DESC PATTERN TASK-LINE
  printf 'datasets: {sp: sp.h5ad, ref: ref.h5ad, other: noshared.h5ad, nc: nocoord.h5ad}\ntasks:\n  - %s\n' "$3" > bad.yaml
  expect_exit "$1: exit 1" 1 "$SCEVAL" run bad.yaml
  expect_match "$1: the message" "$(cat "$T/err")" "$2"
}
bad "no shared genes" "noshared.h5ad share no gene" "{task: imputation, dataset: sp, reference: other, methods: [mean]}"
bad "a held-out gene absent from the reference" "held-out gene 'Nope' is not measured" "{task: imputation, dataset: sp, reference: ref, test_genes: [Gad1, Nope], methods: [mean]}"
bad "spots without coordinates" "nocoord.h5ad: the spots have no coordinates" "{task: imputation, dataset: nc, reference: ref, methods: [mean]}"
bad "no reference" "needs 'reference'" "{task: imputation, dataset: sp, methods: [mean]}"
bad "a denoising method in the spatial setting" "'magic' is a denoising method" "{task: imputation, dataset: sp, reference: ref, methods: [magic]}"
expect_eq "bad input leaves the store as it was" "$(store_state "$T")" "$before"
done_testing
