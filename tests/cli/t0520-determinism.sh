# Reproducible anywhere: every built-in step of every task gives the same
# result hash at any number of BLAS threads and workers (1, 2, 3, 8, 16 on a
# 2-core machine), under each OpenBLAS kernel a machine of this family can
# run (its own, Haswell, SkylakeX where the CPU has AVX-512, Sandybridge,
# Prescott) so one CPU family tests for the others; and in portable mode
# (--portable) the same result hash under every one of those kernels.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -q -o rna.h5ad --cells 400 --genes 300 --types 4 --batches 2 --seed 7 \
  --batch-strength 0.3 >/dev/null
"$SCEVAL" simulate -q -o prot.h5ad --cells 400 --genes 20 --types 4 --batches 2 --seed 7 \
  --de-prob 0.5 --lib-loc 7 >/dev/null
cat > spec.yaml <<'YAML'
name: determinism
datasets: {rna: rna.h5ad, prot: prot.h5ad}
methods:
  nn: {builtin: nn, params: {max_epochs: 4, patience: 2}}
tasks:
  - {task: annotation, dataset: rna, label_key: cell_type, n_top_genes: 200, n_comps: 20,
     methods: [logreg, knn, nn], seeds: [0]}
  - {task: gene-function, dataset: rna, gene_labels: "var:de_type", unlabeled: [none],
     methods: [logreg], seeds: [0], folds: 3}
  - {task: batch, dataset: rna, batch_key: batch, label_key: cell_type, n_top_genes: 200,
     n_comps: 20, methods: [unintegrated, combat, harmony], seeds: [0]}
  - {task: multiomics, dataset: rna, data2: prot, modality2: protein, label_key: cell_type,
     n_comps: 20, n_comps2: 8, methods: [concat, wnn]}
YAML

kernels="own Haswell Sandybridge Prescott"
grep -q avx512f /proc/cpuinfo && kernels="$kernels SkylakeX"
# run KERNEL BLAS_THREADS WORKERS [sceval run options]: prints the result hash
run() {
  k=$1 bt=$2 wt=$3; shift 3
  if [ "$k" = own ]; then
    env -u OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS=$bt SCEVAL_THREADS=$wt \
      "$SCEVAL" run --json "$@" spec.yaml
  else
    OPENBLAS_CORETYPE=$k OPENBLAS_NUM_THREADS=$bt SCEVAL_THREADS=$wt \
      "$SCEVAL" run --json "$@" spec.yaml
  fi | pyjson 'd["result"]'
}
for k in $kernels; do
  a=$(run $k 1 1 --force)
  b=$(run $k 2 3 --force)
  c=$(run $k 4 16 --force -j 2)
  case $a in *[!0-9a-f]*|"") fail "kernel $k: the spec runs ($a)"; continue ;; esac
  expect_eq "kernel $k: 1, 2 and 4 BLAS threads with 1, 3 and 16 workers give one result" \
    "$b $c" "$a $a"
done

# Portable mode: one result hash whatever the kernel the CPU would pick. Its
# steps have their own cache keys: the first portable run reuses no fast step.
expect_eq "a portable run reuses no step of a fast run" \
  "$("$SCEVAL" run --portable --json spec.yaml | pyjson 'd["cached"]')" 0
p0=""
same=1
for k in $kernels; do
  p=$(run $k 2 2 --portable)
  [ -z "$p0" ] && p0=$p
  [ "$p" = "$p0" ] || { same=0; echo "# portable result under $k: $p (first: $p0)"; }
done
case $p0 in *[!0-9a-f]*|"") fail "portable runs give a result ($p0)" ;; *)
  expect_eq "--portable: the same result hash under kernels $kernels" "$same" 1 ;; esac
# A portable result is reproduced in portable mode whatever the kernel asked
# for: every output identical, not merely equivalent.
res=$("$SCEVAL" run --portable --json spec.yaml | pyjson 'd["result"]')
OPENBLAS_CORETYPE=Sandybridge "$SCEVAL" reproduce --json "$res" > rep.json; rc=$?
expect_eq "reproduce of a portable result under another kernel: all identical, exit 0" \
  "$rc $(pyjson '(d["equivalent"], d["different"], d["failed"], d["identical"] > 0)' < rep.json)" \
  "0 (0, 0, 0, True)"
printf 'name: p\nportable: true\ndatasets: {rna: rna.h5ad}\ntasks: [{task: annotation, dataset: rna, label_key: cell_type, n_top_genes: 200, n_comps: 20, methods: [logreg], seeds: [0]}]\n' > pspec.yaml
printf 'name: p\ndatasets: {rna: rna.h5ad}\ntasks: [{task: annotation, dataset: rna, label_key: cell_type, n_top_genes: 200, n_comps: 20, methods: [logreg], seeds: [0]}]\n' > fspec.yaml
r1=$("$SCEVAL" run --json pspec.yaml | pyjson 'd["result"]')
r2=$("$SCEVAL" run --portable --json fspec.yaml | pyjson 'd["result"]')
expect_eq "'portable: true' in a spec is --portable" "$r1" "$r2"
printf 'name: p\nportable: yes please\ndatasets: {rna: rna.h5ad}\ntasks: [{task: annotation, dataset: rna, label_key: cell_type}]\n' > bad.yaml
expect_match "a non-boolean 'portable' is refused with its line" \
  "$("$SCEVAL" run bad.yaml 2>&1)" "bad.yaml:2:[0-9]+: 'portable' must be true or false"
expect_match "SCEVAL_PORTABLE=1 under another kernel is refused, not silently wrong" \
  "$(SCEVAL_PORTABLE=1 OPENBLAS_CORETYPE=Haswell "$SCEVAL" run fspec.yaml 2>&1)" \
  "portable mode needs OpenBLAS's 'Prescott' kernel, but it runs 'Haswell'"
done_testing
