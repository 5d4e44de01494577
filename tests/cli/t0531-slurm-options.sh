# Slurm options and spec keys checked before anything runs (no Slurm
# needed): a bad executor, job options without --executor slurm, bad
# 'slurm:' keys in a spec, and no sbatch in PATH each give one clear line
# and leave the store as it was; `sceval step` is not listed by help.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -q -o rna.h5ad --cells 100 --genes 50 --types 2 --batches 2 --seed 1 >/dev/null
cat > spec.yaml <<'YAML'
datasets: {rna: rna.h5ad}
tasks:
  - {task: annotation, dataset: rna, label_key: cell_type, n_top_genes: 30, n_comps: 5,
     methods: [logreg], slurm: {time: "0:10:00", cpus: 2}}
YAML
before=$(store_state .)
expect_exit "an unknown executor is a usage error" 2 "$SCEVAL" run --executor pbs spec.yaml
expect_match "...naming it" "$(cat "$T/err")" "--executor must be 'local' or 'slurm', not 'pbs'"
expect_exit "job options need --executor slurm" 2 "$SCEVAL" run --partition gpu spec.yaml
expect_exit "--cpus must be a positive number" 2 "$SCEVAL" run --executor slurm --cpus 0 spec.yaml
sed 's/cpus: 2/cpu: 2/' spec.yaml > bad1.yaml
expect_exit "an unknown slurm key is refused" 1 "$SCEVAL" run bad1.yaml
expect_match "...with its line" "$(cat "$T/err")" "bad1.yaml:4:.*'cpu'"
sed 's/cpus: 2/cpus: two/' spec.yaml > bad2.yaml
expect_exit "slurm.cpus must be an integer" 1 "$SCEVAL" run bad2.yaml
expect_match "...says so" "$(cat "$T/err")" "slurm.cpus must be a positive integer"
sed 's/time: "0:10:00"/time: "1 2"/' spec.yaml > bad3.yaml
expect_exit "a slurm value of two words is refused" 1 "$SCEVAL" run bad3.yaml
expect_match "...says so" "$(cat "$T/err")" "slurm.time must be one word"
expect_exit "no sbatch in PATH: a clear error" 1 env PATH=/nonexistent "$SCEVAL" run --executor slurm spec.yaml
expect_match "...naming sbatch" "$(cat "$T/err")" "cannot run 'sbatch'"
expect_eq "the store is as it was" "$(store_state .)" "$before"
expect_exit "the spec with valid slurm keys runs locally" 0 "$SCEVAL" run spec.yaml
expect_eq "'step' is not listed by help" "$("$SCEVAL" help | grep -c '^  step ')" "0"
expect_exit "'sceval step' without DEF is a usage error" 2 "$SCEVAL" step
done_testing
