#!/bin/sh
# make demo: simulate a dataset with cell types and batches, run a spec that
# covers every task (annotation, gene-function, batch integration,
# multi-omics) with the built-in baselines, and write the report (then the
# perturbation and gene-network tasks on simulated data, each a run of its
# own). Running it again shows the cache at work: every step is found,
# nothing is recomputed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
SCEVAL=$top/sceval
D=$top/demo
mkdir -p "$D"
cd "$D"
[ -d .sceval ] || "$SCEVAL" init . >/dev/null
# Fixed seeds: the same files, byte for byte, every time (and so the cache
# hits on a second run).
[ -f sim_rna.h5ad ] || "$SCEVAL" simulate -q -o sim_rna.h5ad --cells 3000 --genes 2000 \
	--types 6 --batches 3 --seed 42 --batch-strength 0.3 >/dev/null
[ -f sim_protein.h5ad ] || "$SCEVAL" simulate -q -o sim_protein.h5ad --cells 3000 --genes 30 \
	--types 6 --batches 3 --seed 42 --de-prob 0.5 --lib-loc 7 >/dev/null
echo "== sceval run examples/demo.yaml"
"$SCEVAL" run -j 2 --json "$top/examples/demo.yaml" > run.json || {
	cat run.json; echo "demo: the run failed (see above)" >&2; exit 1; }
run=$(sed -n 's/.*"run": \([0-9]*\).*/\1/p' run.json)
result=$(sed -n 's/.*"result": "\([0-9a-f]*\)".*/\1/p' run.json)
steps=$(sed -n 's/.*"steps": \([0-9]*\).*/\1/p' run.json)
cached=$(sed -n 's/.*"cached": \([0-9]*\).*/\1/p' run.json)
seconds=$(sed -n 's/.*"seconds": \([0-9.]*\).*/\1/p' run.json)
echo "run $run: $steps steps, $cached from the cache, in ${seconds%.*}s"
"$SCEVAL" report "$run" -o report >/dev/null
echo
echo "report: $D/report/index.html"
echo "result: $result"
echo "(reproduce it with: cd demo && ../sceval reproduce $result)"
# The perturbation task on a simulated Perturb-seq file, as a run of its own.
[ -f sim_perturb.h5ad ] || "$SCEVAL" simulate -q --perturb -o sim_perturb.h5ad --seed 42 >/dev/null
"$SCEVAL" run --json "$top/examples/perturbation_demo.yaml" > run_perturb.json || {
	cat run_perturb.json; echo "demo: the perturbation run failed (see above)" >&2; exit 1; }
prun=$(sed -n 's/.*"run": \([0-9]*\).*/\1/p' run_perturb.json)
"$SCEVAL" report "$prun" -o report-perturbation >/dev/null
echo "perturbation report: $D/report-perturbation/index.html"
# The grn task: simulated cell types each move their own genes; those genes
# are the gene sets (written from var/de_type) that programs should recover.
[ -f sim_grn.h5ad ] || "$SCEVAL" simulate -q -o sim_grn.h5ad --cells 1500 --genes 1000 --types 5 \
	--batches 1 --seed 7 --de-strength 1.5 >/dev/null
[ -f grn_demo_sets.tsv ] || /usr/bin/python3 - <<'PY'
import h5py
with h5py.File("sim_grn.h5ad", "r") as f:
    names = [s.decode() for s in f["var/_index"][:]]
    cats = [s.decode() for s in f["var/de_type/categories"][:]]
    codes = f["var/de_type/codes"][:]
with open("grn_demo_sets.tsv", "w") as out:
    out.write("gene_id\tlabel\n")
    out.writelines("%s\t%s\n" % (g, cats[c]) for g, c in zip(names, codes) if cats[c] != "none")
PY
"$SCEVAL" run --json "$top/examples/grn_demo.yaml" > run_grn.json || {
	cat run_grn.json; echo "demo: the grn run failed (see above)" >&2; exit 1; }
grun=$(sed -n 's/.*"run": \([0-9]*\).*/\1/p' run_grn.json)
"$SCEVAL" report "$grun" -o report-grn >/dev/null
echo "gene-network report: $D/report-grn/index.html"
# The imputation task: one simulated file split into a reference (900 cells,
# every gene) and "spots" (300 cells, half of the genes, placed by cell type).
[ -f sim_imp.h5ad ] || "$SCEVAL" simulate -q -o sim_imp.h5ad --cells 1200 --genes 300 --types 5 \
	--batches 1 --seed 11 --de-prob 0.3 --de-strength 1.5 >/dev/null
[ -f imp_spatial.h5ad ] || /usr/bin/python3 - <<'PY'
import numpy as np, anndata as ad
a = ad.read_h5ad("sim_imp.h5ad")
ref = a[:900].copy(); sp = a[900:, ::2].copy()
codes = sp.obs["cell_type"].cat.codes.values
rng = np.random.default_rng(11)
sp.obsm["spatial"] = np.c_[codes * 10.0, np.zeros(len(codes))] + rng.normal(0, 3, (len(codes), 2))
ref.write_h5ad("imp_reference.h5ad"); sp.write_h5ad("imp_spatial.h5ad")
PY
"$SCEVAL" run --json "$top/examples/imputation_demo.yaml" > run_imp.json || {
	cat run_imp.json; echo "demo: the imputation run failed (see above)" >&2; exit 1; }
irun=$(sed -n 's/.*"run": \([0-9]*\).*/\1/p' run_imp.json)
"$SCEVAL" report "$irun" -o report-imputation >/dev/null
echo "imputation report: $D/report-imputation/index.html"
# The simulation task: simulators fitted to simulated integer counts (cell
# types and batches), scored on how real their cells look.
[ -f sim_counts.h5ad ] || "$SCEVAL" simulate -q -o sim_counts.h5ad --cells 1500 --genes 300 \
	--types 4 --batches 2 --int --seed 5 >/dev/null
"$SCEVAL" run --json "$top/examples/simulation_demo.yaml" > run_sim.json || {
	cat run_sim.json; echo "demo: the simulation run failed (see above)" >&2; exit 1; }
srun=$(sed -n 's/.*"run": \([0-9]*\).*/\1/p' run_sim.json)
"$SCEVAL" report "$srun" -o report-simulation >/dev/null
echo "simulation report: $D/report-simulation/index.html"
