# copula_nb's gene-gene correlations on real CellBench cells (5 cell lines,
# the 300 genes detected in most cells), among the 20 genes with the largest
# share of the counts: the simulated cells' normal scores and Spearman
# correlations equal those of a numpy/scipy transcription of scDesign3's
# model (same fitted margins, 20 replicate simulations: within 4 sd). The
# real Spearman correlations of these genes are stronger than the model's
# (both sceval's and the transcription's): the library-size offset fixes
# every gene's log-log slope on the library size at 1, and these genes
# scale at about 1.4 (README, simulation).
. "$(dirname "$0")/lib.sh"
need_data cellbench_5cl_celseq2_3plates.h5ad || { skip "needs CellBench 5cl"; done_testing; }
"$PYTHON" - "$DATA/cellbench_5cl_celseq2_3plates.h5ad" <<'PY'
import sys, anndata as ad, numpy as np
a = ad.read_h5ad(sys.argv[1])
a = a[a.obs.demuxlet_cls == "SNG"].copy()
x = a.X.toarray()
keep = np.sort(np.argsort(-(x > 0).mean(0), kind="stable")[:300])
b = a[:, keep].copy()
b.obs = b.obs[["cell_line"]]
b.write_h5ad("cb.h5ad")
PY
cat > s.yaml <<'SPEC'
datasets: {cb: cb.h5ad}
tasks:
  - {task: simulation, dataset: cb, cell_type_key: cell_line, methods: [copula_nb]}
SPEC
"$SCEVAL" init >/dev/null
"$SCEVAL" run --json s.yaml > r.json; rc=$?
expect_eq "copula_nb runs on CellBench 5cl" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > show.json
out() { pyjson "[s['outputs']['$1'] for s in d['step_list'] if s['kind']=='simulation.fit'][0]" < show.json; }
"$SCEVAL" checkout "$(out simulated.h5ad)" sim.h5ad >/dev/null
"$SCEVAL" checkout "$(out model.tsv)" model.tsv >/dev/null
"$PYTHON" "$TESTS_DIR/oracle/simulation_copula.py" cb.h5ad sim.h5ad model.tsv cell_line 20 > o.txt 2>&1
expect_eq "top-share genes: simulated normal-score and Spearman correlations equal the numpy transcription's within 4 sd; real Spearman above the model's; slope on library size above 1" "$(tail -n1 o.txt)" "ok"
sed 's/^/# /' o.txt | head -n 4
done_testing
