# sceval simulate --perturb: the same file for the same seed; on expected
# means (no sampling) the additive baseline is exact on the combinations
# simulated without interaction and misses those with one (uns/interacting);
# on sampled counts the task runs end to end.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
expect_exit "simulate --perturb --expected" 0 "$SCEVAL" simulate --perturb --expected --seed 5 -o e.h5ad
"$SCEVAL" simulate --perturb --expected --seed 5 -o e2.h5ad >/dev/null
expect_eq "same seed, same bytes" "$(sha256sum < e.h5ad)" "$(sha256sum < e2.h5ad)"
expect_exit "--knockdown 0 is refused" 1 "$SCEVAL" simulate --perturb --knockdown 0 -o x.h5ad
combos=$("$PYTHON" -c "
import anndata as ad; a = ad.read_h5ad('e.h5ad')
print(', '.join(c for c in a.obs['condition'].cat.categories if 'ctrl' not in c))")
cat > spec.yaml <<SPEC
datasets: {sim: e.h5ad}
tasks:
  - {task: perturbation, dataset: sim, normalize: none, split: {test: [$combos]}, methods: [additive]}
SPEC
"$SCEVAL" run --json spec.yaml > r.json 2>err.txt; rc=$?
expect_eq "the task runs on the simulated expected means" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > s.json
"$SCEVAL" cat "$(pyjson '[s["outputs"]["per_perturbation.tsv"] for s in d["step_list"] if s["kind"]=="perturbation.eval"][0]' < s.json)" > per.tsv
"$PYTHON" - e.h5ad per.tsv <<'PY' > add.out
import sys, anndata as ad
inter = set(ad.read_h5ad(sys.argv[1]).uns["interacting"])
rows = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()]
h = rows[0]; rows = [dict(zip(h, r)) for r in rows[1:]]
exact = [r for r in rows if r["condition"] not in inter]
off = [r for r in rows if r["condition"] in inter]
# Exact: the sum of changes in log space is the simulated truth; only
# rounding of logs and exps of O(1) values remains.
ok = exact and off and all(float(r["mse"]) < 1e-24 and abs(float(r["pearson_delta"]) - 1) < 1e-12 for r in exact)
ok = ok and all(float(r["mse"]) > 1e-4 for r in off)
print("as simulated" if ok else [(r["condition"], r["condition"] in inter, r["mse"], r["pearson_delta"]) for r in rows])
PY
expect_eq "additive is exact without interaction and misses with one" "$(cat add.out)" "as simulated"
"$SCEVAL" simulate --perturb --seed 5 -o c.h5ad >/dev/null
sed -e 's/e.h5ad/c.h5ad/' -e 's/normalize: none, //' -e 's/split: {test: \[[^]]*\]}, //' -e 's/\[additive\]/[train_mean, additive, linear]/' spec.yaml > counts.yaml
"$SCEVAL" run --json counts.yaml > c.json 2>err.txt; rc=$?
expect_eq "the task runs on simulated counts with GEARS's split" "$rc:$(pyjson 'd["status"]' < c.json)" "0:done"
done_testing
