# The simulation task on real CellBench cells (5 cell lines, 3 plates; the
# 300 genes detected in most cells): copula_nb, independent_nb, splat_fit and
# an external simulator (the permutation floor: each gene shuffled across
# cells). The NB fits equal R's MASS::glm.nb, the KS statistics scipy's
# ks_2samp, the AUROC sklearn's, the correlation metric scipy's Spearman;
# bad input gets a clear error and leaves the store as it was.
. "$(dirname "$0")/lib.sh"
need_data cellbench_5cl_celseq2_3plates.h5ad || { skip "needs CellBench 5cl"; done_testing; }
"$PYTHON" - "$DATA/cellbench_5cl_celseq2_3plates.h5ad" <<'PY'
import sys, anndata as ad, numpy as np
a = ad.read_h5ad(sys.argv[1])
a = a[a.obs.demuxlet_cls == "SNG"].copy()
x = a.X.toarray()
keep = np.sort(np.argsort(-(x > 0).mean(0), kind="stable")[:300])
b = a[:, keep].copy()
b.obs = b.obs[["cell_line", "batch"]]
b.write_h5ad("cb.h5ad")
# Bad inputs: halved counts (not integers), a covariate with one value.
h = b.copy(); h.X = h.X * 0.5; h.write_h5ad("half.h5ad")
o = b.copy(); o.obs["one"] = "p"; o.write_h5ad("one.h5ad")
PY
cat > floor.py <<'PY'
import sys, anndata as ad, numpy as np
a = ad.read_h5ad(sys.argv[1]); rng = np.random.default_rng(int(sys.argv[3]))
x = a.X.toarray()
for g in range(x.shape[1]):
    x[:, g] = x[rng.permutation(x.shape[0]), g]
import scipy.sparse as sp
a.X = sp.csr_matrix(x); a.write_h5ad(sys.argv[2])
PY
cat > s.yaml <<SPEC
datasets: {cb: cb.h5ad}
methods:
  permuted: {command: [$PYTHON, "{file:f}", "{input}", "{output}", "{seed}"], files: {f: floor.py},
             output: sim.h5ad, provides: {file: simulated}}
tasks:
  - task: simulation
    dataset: cb
    cell_type_key: cell_line
    batch_key: batch
    max_cells: 1000
    methods: [copula_nb, independent_nb, splat_fit, permuted]
SPEC
"$SCEVAL" init >/dev/null
"$SCEVAL" run -j 2 --json s.yaml > r.json; rc=$?
expect_eq "the simulation spec runs (4 simulators)" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > show.json
val() { pyjson "[r['value'] for r in d['metrics'] if r['method']=='$1' and r['metric']=='$2'][0]" < show.json; }
out() { pyjson "[s['outputs']['$3'] for s in d['step_list'] if s['method']=='$1' and s['kind']=='$2'][0]" < show.json; }
cmp_py() { "$PYTHON" -c "import sys; sys.exit(0 if $1 else 1)"; }

# The NB GLM against MASS::glm.nb on real genes (those with counts in every line).
"$SCEVAL" checkout "$(out copula_nb simulation.fit model.tsv)" model.tsv >/dev/null
"$PYTHON" - <<'PY' > levels.txt
import anndata as ad, numpy as np, pandas as pd
a = ad.read_h5ad("cb.h5ad"); x = a.X.toarray(); t = a.obs.cell_line
lev = [c for c in t.cat.categories if (t == c).any()]
ok = [g for g in range(x.shape[1]) if all(x[(t == c).values, g].sum() > 0 for c in lev)]
genes = [ok[i] for i in np.linspace(0, len(ok) - 1, 6).astype(int)]
d = pd.DataFrame({"lib": x.sum(1), "type": t.astype(str).values})
for g in genes:
    d[a.var_names[g]] = x[:, g]
d.to_csv("genes.csv", index=False)
print(",".join(lev))
PY
if Rscript -e 'library(MASS)' >/dev/null 2>&1; then
  Rscript "$TESTS_DIR/oracle/simulation_glmnb.R" genes.csv "$(cat levels.txt)" > r_fit.txt 2>r_err.txt
  "$PYTHON" - <<'PY' > glm.out
import csv
mine = {r["gene"]: r for r in csv.DictReader(open("model.tsv"), delimiter="\t")}
bad = n = 0
for line in open("r_fit.txt"):
    f = line.split(); g = f[0]; theta = float(f[1]); coef = [float(v) for v in f[2:]]
    m = mine[g]; cols = list(m)[5:]
    n += 1
    # The joint MLE, both converged far below 1e-6: relative 1e-6 (absolute for tiny coefficients).
    if abs(float(m["theta"]) - theta) > 1e-6 * theta:
        bad += 1; print("theta", g, m["theta"], theta)
    for c, v in zip(cols, coef):
        if abs(float(m[c]) - v) > 1e-6 * max(1, abs(v)):
            bad += 1; print("coef", g, c, m[c], v)
print("genes", n, "bad", bad)
PY
  expect_eq "NB GLM = MASS::glm.nb (theta and coefficients, 1e-6) on 6 CellBench genes" "$(tail -n1 glm.out)" "genes 6 bad 0"
else
  skip "R's MASS is not installed (scripts/deps.sh installs r-cran-mass)"
fi

# KS, Spearman structure and AUROC against scipy and sklearn, for each simulator.
for m in copula_nb permuted; do
  kind=simulation.fit; [ $m = permuted ] && kind=external
  name=simulated.h5ad; [ $m = permuted ] && name=sim.h5ad
  "$SCEVAL" checkout "$(out $m $kind $name)" sim_$m.h5ad >/dev/null
  "$SCEVAL" cat "$(out $m simulation.eval ks.csv)" > ks_$m.csv
  "$SCEVAL" cat "$(out $m simulation.eval joint.csv)" > joint_$m.csv
  pyjson "json.dumps(dict([(r['metric'], r['value']) for r in d['metrics'] if r['method']=='$m'] + [('_corr_genes', 100)]))" < show.json > met_$m.json
  "$PYTHON" "$TESTS_DIR/oracle/simulation_fidelity.py" cb.h5ad sim_$m.h5ad ks_$m.csv joint_$m.csv met_$m.json cell_line > fid_$m.out 2>&1
  expect_eq "$m: KS (ks_2samp), Spearman distance and AUROC (sklearn) agree" "$(tail -n1 fid_$m.out)" "bad 0"
  grep mismatch fid_$m.out | sed "s/^/#   /"
done
"$PYTHON" - <<'PY' > cov.out
import anndata as ad
a, b = ad.read_h5ad("cb.h5ad"), ad.read_h5ad("sim_copula_nb.h5ad")
print(a.shape == b.shape, (a.obs.cell_line.astype(str).values == b.obs.cell_line.astype(str).values).all(),
      (a.obs.batch.astype(str).values == b.obs.batch.astype(str).values).all(),
      (b.X.data == b.X.data.round()).all())
PY
expect_eq "simulated cells keep the real cells' types and batches, as integer counts" "$(cat cov.out)" "True True True True"

# What the metrics must show: the copula is worth something, the floor is bad.
check "copula_nb is harder to tell from real than independent_nb (kNN AUROC $(val copula_nb auroc_knn) < $(val independent_nb auroc_knn))" \
  cmp_py "$(val copula_nb auroc_knn) < $(val independent_nb auroc_knn)"
check "copula_nb keeps more gene-gene structure than independent_nb (rel. Frobenius $(val copula_nb corr_rel_frobenius) < $(val independent_nb corr_rel_frobenius))" \
  cmp_py "$(val copula_nb corr_rel_frobenius) < $(val independent_nb corr_rel_frobenius)"
# Shuffling each gene keeps every gene distribution (gene KS 0) but destroys
# the correlations: C_sim ~ 0, so ||C_sim - C_real|| / ||C_real|| ~ 1.
check "the permutation floor: gene KS 0, correlation distance near 1 ($(val permuted corr_rel_frobenius))" \
  cmp_py "$(val permuted ks_gene_mean) == 0 and $(val permuted ks_gene_var) == 0 and 0.9 < $(val permuted corr_rel_frobenius) < 1.1"
check "cell types survive copula_nb (real -> simulated accuracy $(val copula_nb celltype_acc_real_to_sim) > 0.95)" \
  cmp_py "$(val copula_nb celltype_acc_real_to_sim) > 0.95"
for f in ks_heatmap.svg densities.svg joint_pca.svg; do
  "$SCEVAL" cat "$(out copula_nb simulation.eval $f)" > $f 2>/dev/null
  expect_match "figure $f is an SVG" "$(head -c 200 $f)" "<svg"
done

# Bad input: a clear error naming the culprit; the store stays as it was.
before=$(store_state .)
badspec() { printf 'datasets: {d: %s}\ntasks: [{task: simulation, dataset: d, cell_type_key: %s, methods: [%s]}]\n' "$1" "$2" "$3" > bad.yaml; }
badspec half.h5ad cell_line independent_nb
expect_exit "non-integer counts are refused" 1 "$SCEVAL" run bad.yaml
expect_match "... naming the file and the value" "$(cat "$T/err")" "half.h5ad: X: not counts: cell 0, gene '[^']+' has [0-9.]+"
badspec one.h5ad one independent_nb
expect_exit "a covariate with one value is refused" 1 "$SCEVAL" run bad.yaml
expect_match "... naming the column" "$(cat "$T/err")" "obs/one: a covariate with a single value \('p'\)"
printf 'datasets: {d: cb.h5ad}\nmethods: {c: {builtin: copula_nb, params: {n_genes: 301}}}\ntasks: [{task: simulation, dataset: d, cell_type_key: cell_line, methods: [c]}]\n' > bad.yaml
expect_exit "more copula genes than genes is refused" 1 "$SCEVAL" run bad.yaml
expect_match "... before anything runs" "$(cat "$T/err")" "n_genes = 301 copula genes, but dataset 'd' has only 300 genes"
expect_eq "the store is unchanged by the refused runs" "$(store_state .)" "$before"
done_testing
