# A run of the batch-integration and multi-omics tasks on small simulated
# data (300 cells, 2 batches, 4 types; a protein modality of the same
# cells), for the tests of their report pages. Sourced after lib.sh.
# integration_run SEEDS: init, simulate, run (run 1); SEEDS of the batch task, e.g. "0, 1".
integration_run() {
  "$SCEVAL" init >/dev/null
  "$SCEVAL" simulate -q -o rna.h5ad --cells 300 --genes 200 --types 4 --batches 2 --seed 7 \
    --batch-strength 0.3 >/dev/null
  "$SCEVAL" simulate -q -o prot.h5ad --cells 300 --genes 20 --types 4 --batches 2 --seed 7 \
    --de-prob 0.5 --lib-loc 7 >/dev/null
  cat > spec.yaml <<YAML
datasets: {rna: rna.h5ad, prot: prot.h5ad}
tasks:
  - {task: batch, dataset: rna, batch_key: batch, label_key: cell_type, n_top_genes: 150,
     n_comps: 10, methods: [unintegrated, combat, harmony], seeds: [$1]}
  - {task: multiomics, dataset: rna, data2: prot, modality2: protein, label_key: cell_type,
     n_comps: 10, n_comps2: 6, methods: [concat, wnn]}
YAML
  "$SCEVAL" run -q spec.yaml >/dev/null 2>run.err || { fail "run"; cat run.err; done_testing; }
}
