# The simulator fitted to cells it generated itself (no real data needed):
# copula_nb is fitted to counts from `sceval simulate`, its simulated cells
# become a data set, and copula_nb fitted to those recovers the dispersions
# it generated them with and scores near the ideal on the KS and
# classifier metrics (bounds from the sampling error of 1,500 cells and
# 200 genes, stated below).
. "$(dirname "$0")/lib.sh"
"$SCEVAL" simulate -o d.h5ad --cells 1500 --genes 200 --types 3 --batches 1 --int --seed 3 >/dev/null
spec() {
  cat > "$1.yaml" <<SPEC
datasets: {$1: $2}
tasks:
  - task: simulation
    dataset: $1
    cell_type_key: cell_type
    max_cells: 1500
    methods: [copula_nb]
SPEC
}
"$SCEVAL" init >/dev/null
run() {
  "$SCEVAL" run -j 2 --json "$1.yaml" > "$1.json" || return 1
  "$SCEVAL" show --json "$(pyjson 'd["run"]' < "$1.json")" > "$1.show"
}
out() { pyjson "[s['outputs']['$2'] for s in d['step_list'] if s['kind']=='simulation.fit'][0]" < "$1.show"; }
val() { pyjson "[r['value'] for r in d['metrics'] if r['metric']=='$2'][0]" < "$1.show"; }
spec first d.h5ad
run first
expect_eq "copula_nb fits the simulated counts" "$?:$(pyjson 'd["status"]' < first.json)" "0:done"
"$SCEVAL" checkout "$(out first simulated.h5ad)" s1.h5ad >/dev/null
"$SCEVAL" checkout "$(out first model.tsv)" m1.tsv >/dev/null
spec second s1.h5ad
run second
expect_eq "copula_nb fits its own cells" "$?:$(pyjson 'd["status"]' < second.json)" "0:done"
"$SCEVAL" checkout "$(out second model.tsv)" m2.tsv >/dev/null

# Dispersions: the refit estimates the theta that generated its data; the
# standard error of the NB MLE of theta (relative) from n cells of mean
# count m is sqrt(2/n) (1 + theta/m) (gamma-Poisson). Genes with m >= 1 and
# theta < 100 (beyond, theta is barely identified: Poisson-like); 4.5 se
# over ~200 genes fails by chance with probability below 200 x 6.8e-6.
"$PYTHON" - <<'PY' > theta.out
import csv, math, anndata as ad, numpy as np
a = ad.read_h5ad("s1.h5ad"); x = a.X.toarray() if hasattr(a.X, "toarray") else a.X
mean = dict(zip(a.var_names, x.mean(0))); n = x.shape[0]
m1 = {r["gene"]: float(r["theta"]) for r in csv.DictReader(open("m1.tsv"), delimiter="\t")}
m2 = {r["gene"]: float(r["theta"]) for r in csv.DictReader(open("m2.tsv"), delimiter="\t")}
bad = used = 0
for g, t in m1.items():
    m = mean[g]
    if not (m >= 1 and t < 100):
        continue
    used += 1
    se = math.sqrt(2 / n) * (1 + t / m)
    if abs(m2[g] / t - 1) > 4.5 * se:
        bad += 1; print("gene", g, t, m2[g], se)
print("used", used)
print("bad", bad)
PY
expect_eq "the refit recovers the generating dispersions within 4.5 se" "$(tail -n1 theta.out)" "bad 0"
cmp_py() { "$PYTHON" -c "import sys; sys.exit(0 if $1 else 1)"; }
used=$(sed -n 's/^used //p' theta.out)
cmp_py "$used >= 50" && pass "dispersions compared on $used genes" || fail "only $used genes compared"

# Near the ideal: two samples of one distribution give a KS statistic under
# 1.95 sqrt(2/n) with probability 0.999 (0.195 over 200 genes, 0.071 over
# 1,500 cells); a classifier of real vs simulated cells from one
# distribution has AUROC 0.5 with standard error sqrt((1/n1 + 1/n2)/12) =
# 0.0105, bound 0.5 + 4 se.
for m in ks_gene_mean ks_gene_var ks_gene_zero; do
  cmp_py "$(val second $m) <= 0.195" && pass "$m $(val second $m) <= 0.195" || fail "$m $(val second $m) > 0.195"
done
for m in ks_cell_libsize ks_cell_zero; do
  cmp_py "$(val second $m) <= 0.071" && pass "$m $(val second $m) <= 0.071" || fail "$m $(val second $m) > 0.071"
done
for m in auroc_logreg auroc_knn; do
  cmp_py "$(val second $m) <= 0.542" && pass "$m $(val second $m) <= 0.542" || fail "$m $(val second $m) > 0.542"
done
done_testing
