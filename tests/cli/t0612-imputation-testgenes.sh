# The imputation task's held-out genes given as a file (a dataset: its bytes
# are hashed, its name is not) and as leave-one-gene-out (test_genes: loo,
# folds of loo_chunk genes, each held out by a mapping of its own), on a
# small simulated pair: the genes held out are the ones named, every gene is
# scored once under leave-one-out, and the mean method's per-gene cosines
# equal a numpy transcription that normalises each fold over its own
# training genes; bad input gets one clear error and changes nothing.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$PYTHON" - <<'PY'
import numpy as np, anndata as ad
rng = np.random.default_rng(3)
genes = [f"G{i}" for i in range(10)]
ref = ad.AnnData(rng.poisson(rng.gamma(2, 2, (60, 10))).astype(np.float32))
ref.var_names = genes; ref.obs_names = [f"c{i}" for i in range(60)]
sp = ad.AnnData(rng.poisson(rng.gamma(2, 2, (40, 10))).astype(np.float32))
sp.var_names = genes; sp.obs_names = [f"s{i}" for i in range(40)]
sp.obsm["spatial"] = rng.uniform(0, 10, (40, 2))
ref.write_h5ad("ref.h5ad"); sp.write_h5ad("sp.h5ad")
PY
printf 'G1\n\n# a comment\n  G3 \n' > held.txt
cp held.txt held_copy.txt
printf 'G1\nG7\n' > other.txt
spec() { # spec FILE TEST_GENES [METHODS-AND-OPTIONS]
  printf 'datasets: {sp: sp.h5ad, ref: ref.h5ad, held: held.txt, heldcopy: held_copy.txt, other: other.txt}\ntasks:\n  - {task: imputation, dataset: sp, reference: ref, test_genes: %s, %s}\n' "$2" "${3-methods: [mean, knn]}" > "$1"
}
genes_of() { # genes_of RUN-JSON: the held-out genes of its (first) genes step
  "$SCEVAL" show --json "$(pyjson 'd["run"]' < "$1")" > show.json
  "$SCEVAL" cat "$(pyjson "[s['outputs']['genes.tsv'] for s in d['step_list'] if s['kind']=='imputation.genes'][0]" < show.json)" | awk -F'\t' '$3=="test"{printf "%s ", $1}'
}
spec f1.yaml held
"$SCEVAL" run --json f1.yaml > f1.json; rc=$?
expect_eq "test_genes as a file runs" "$rc:$(pyjson 'd["status"]' < f1.json)" "0:done"
expect_eq "the file's genes are held out (blank and # lines skipped)" "$(genes_of f1.json)" "G1 G3 "
spec f2.yaml '[G1, G3]'
"$SCEVAL" run --json f2.yaml > f2.json
expect_eq "the same genes as a list: the same metrics" "$(pyjson '[(r["method"], r["metric"], r["value"]) for r in d["metrics"]]' < f2.json)" "$(pyjson '[(r["method"], r["metric"], r["value"]) for r in d["metrics"]]' < f1.json)"
spec f3.yaml heldcopy
"$SCEVAL" run --json f3.yaml > f3.json
expect_eq "another name for the same bytes: every step from the cache" "$(pyjson 'd["result"]' < f3.json)" "$(pyjson 'd["result"]' < f1.json)"
expect_eq "... none computed again" "$(pyjson 'd["computed"]' < f3.json)" "0"
spec f4.yaml other
"$SCEVAL" run --json f4.yaml > f4.json
expect_eq "other genes in the file: other held-out genes" "$(genes_of f4.json)" "G1 G7 "

# Leave-one-gene-out: each gene held out once, scored under its own fold.
spec l1.yaml loo 'methods: [mean]'
"$SCEVAL" run --json l1.yaml > l1.json; rc=$?
expect_eq "test_genes loo runs" "$rc:$(pyjson 'd["status"]' < l1.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < l1.json)" > l1s.json
expect_eq "one genes step per gene (loo_chunk 1)" "$(pyjson "sum(s['kind']=='imputation.genes' for s in d['step_list'])" < l1s.json)" "10"
spec l3.yaml loo 'methods: [mean], loo_chunk: 3'
"$SCEVAL" run --json l3.yaml > l3.json
"$SCEVAL" show --json "$(pyjson 'd["run"]' < l3.json)" > l3s.json
expect_eq "loo_chunk 3: four folds of 3, 3, 3 and 1 genes" "$(pyjson "sum(s['kind']=='imputation.genes' for s in d['step_list'])" < l3s.json)" "4"
for r in l1 l3; do
  "$SCEVAL" cat "$(pyjson "[s['outputs']['gene_scores.tsv'] for s in d['step_list'] if s['kind']=='imputation.spatial_eval' and s.get('method')=='mean'][0]" < ${r}s.json)" > scores_$r.tsv
done
"$PYTHON" - <<'PY' > loo.out 2>&1
import math, numpy as np, anndata as ad
lg = np.frompyfunc(math.log1p, 1, 1)
sp = np.asarray(ad.read_h5ad("sp.h5ad").X, dtype=float); rf = np.asarray(ad.read_h5ad("ref.h5ad").X, dtype=float)
def norm(X, test):   # counts scaled to 1e4 over the fold's training genes, then log1p
    t = np.delete(X, test, axis=1).sum(1); f = np.where(t > 0, 1e4 / np.where(t > 0, t, 1), 1)
    return lg(X[:, test] * f[:, None]).astype(float)
bad = 0
for name, chunk in (("l1", 1), ("l3", 3)):
    rows = [l.rstrip("\n").split("\t") for l in open(f"scores_{name}.tsv")][1:]
    got = {r[0]: float(r[3]) for r in rows}
    if sorted(got) != sorted(f"G{i}" for i in range(10)):
        bad += 1; print("genes scored", name, sorted(got))
    for f0 in range(0, 10, chunk):
        test = list(range(f0, min(f0 + chunk, 10)))
        y, m = norm(sp, test), norm(rf, test).mean(0)
        for k, j in enumerate(test):
            x = np.full(y.shape[0], m[k])
            c = x @ y[:, k] / (np.linalg.norm(x) * np.linalg.norm(y[:, k]))
            if abs(c - got[f"G{j}"]) > 1e-12:   # the same sums in another order
                bad += 1; print("cosine", name, j, c, got[f"G{j}"])
print("ok" if not bad else f"{bad} mismatches")
PY
expect_eq "loo: every gene scored once, the mean method's cosines equal numpy's per fold" "$(tail -n1 loo.out)" "ok"
[ "$(tail -n1 loo.out)" = ok ] || sed 's/^/# /' loo.out

# Bad input: one clear error, nothing recorded.
printf '\n# nothing\n' > empty.txt
printf 'G1\nNope\n' > nope.txt
before=$(store_state "$T")
bad() { # bad DESC PATTERN TASK-LINE
  printf 'datasets: {sp: sp.h5ad, ref: ref.h5ad, empty: empty.txt, nope: nope.txt}\ntasks:\n  - %s\n' "$3" > bad.yaml
  expect_exit "$1: exit 1" 1 "$SCEVAL" run bad.yaml
  expect_match "$1: the message" "$(cat "$T/err")" "$2"
}
bad "a file without genes" "empty.txt: no gene names" "{task: imputation, dataset: sp, reference: ref, test_genes: empty, methods: [mean]}"
bad "a file naming an unmeasured gene" "held-out gene 'Nope' is not measured" "{task: imputation, dataset: sp, reference: ref, test_genes: nope, methods: [mean]}"
bad "test_genes naming no dataset" "no dataset 'nothere'" "{task: imputation, dataset: sp, reference: ref, test_genes: nothere, methods: [mean]}"
bad "loo_chunk holding out every gene" "loo_chunk 10 holds out all 10" "{task: imputation, dataset: sp, reference: ref, test_genes: loo, loo_chunk: 10, methods: [mean]}"
expect_eq "bad input leaves the store as it was" "$(store_state "$T")" "$before"
done_testing
