# A malformed spec gets one line "spec.yaml:LINE:COL: message", exit 1, and
# leaves the store and the catalog exactly as they were.
. "$(dirname "$0")/lib.sh"
need_data "$PBMC" || { skip "needs $PBMC in \$SCEVAL_TESTDATA"; done_testing; }
"$SCEVAL" init >/dev/null
echo keep > keep; "$SCEVAL" add --name keep keep >/dev/null
before=$(store_state "$T")
n=0
# bad NAME EXPECTED-STDERR-REGEX <<< spec text
bad() {
  n=$((n + 1))
  cat > spec$n.yaml
  "$SCEVAL" run spec$n.yaml >/dev/null 2>err.txt; rc=$?
  if [ "$rc" = 1 ] && [ "$(wc -l < err.txt)" = 1 ] && grep -qE "^sceval run: $2" err.txt; then
    pass "$1"
  else
    fail "$1 (exit $rc)"; sed 's/^/#   /' err.txt
  fi
  expect_eq "... store unchanged after: $1" "$(store_state "$T")" "$before"
}
bad "YAML syntax error" "spec1.yaml:3:[0-9]+: .*" <<'Y'
datasets:
  pbmc: x.h5ad
  - oops
Y
bad "unknown top-level key" "spec2.yaml:3:1: unknown key 'taks' in the spec \(allowed: version, name, description, portable, datasets, methods, tasks, allow_outside\)" <<Y
datasets:
  pbmc: $DATA/$PBMC
taks: []
Y
bad "unknown dataset in a task" "spec3.yaml:4:33: unknown dataset 'pbcm' \(have: pbmc\)" <<Y
datasets:
  pbmc: $DATA/$PBMC
tasks:
  - {task: annotation, dataset: pbcm, label_key: bulk_labels, methods: [logreg]}
Y
bad "unknown method" "spec4.yaml:5:14: unknown method 'lgoreg' for task 'annotation'; did you mean 'logreg'\?" <<Y
datasets: {pbmc: $DATA/$PBMC}
tasks:
  - task: annotation
    dataset: pbmc
    methods: [lgoreg]
    label_key: bulk_labels
Y
bad "unknown task kind" "spec5.yaml:3:11: unknown task 'anotation'; did you mean 'annotation'\? \(have: annotation" <<Y
datasets: {pbmc: $DATA/$PBMC}
tasks:
  - task: anotation
    dataset: pbmc
    methods: [logreg]
Y
bad "a label column that does not exist lists those that do" "spec6.yaml:6:16: dataset 'pbmc': obs/cell_type: no such column; have: .*bulk_labels" <<Y
datasets: {pbmc: $DATA/$PBMC}
tasks:
  - task: annotation
    dataset: pbmc
    methods: [logreg]
    label_key: cell_type
Y
bad "a missing dataset file" "spec7.yaml:1:18: dataset 'pbmc': cannot read '.*/nonexistent.h5ad': No such file or directory" <<'Y'
datasets: {pbmc: nonexistent.h5ad}
tasks:
  - {task: annotation, dataset: pbmc, label_key: x, methods: [logreg]}
Y
bad "seeds that are not integers" "spec8.yaml:4:[0-9]+: task 1: seed 2 is not a non-negative integer" <<Y
datasets: {pbmc: $DATA/$PBMC}
tasks:
  - task: annotation
    seeds: [1, "two"]
    dataset: pbmc
    methods: [logreg]
    label_key: bulk_labels
Y
bad "a grid that is not a list" "spec9.yaml:3:31: method 'lr': grid 'C' must be a non-empty list" <<Y
datasets: {pbmc: $DATA/$PBMC}
methods:
  lr: {builtin: logreg, grid: {C: 1.0}}
tasks:
  - {task: annotation, dataset: pbmc, label_key: bulk_labels, methods: [lr]}
Y
bad "an unknown placeholder in an external command" "spec10.yaml:3:[0-9]+: method 'm': unknown placeholder '\{inptu\}'" <<Y
datasets: {pbmc: $DATA/$PBMC}
methods:
  m: {command: [echo, "{inptu}"], output: o.npy, provides: {obsm: X}}
tasks:
  - {task: annotation, dataset: pbmc, label_key: bulk_labels, methods: [m]}
Y
bad "an unknown task option" "spec11.yaml:4:5: unknown option 'lable_key' for task 'annotation'; did you mean 'label_key'\?" <<Y
datasets: {pbmc: $DATA/$PBMC}
tasks:
  - task: annotation
    lable_key: bulk_labels
    dataset: pbmc
    methods: [logreg]
Y
bad "a split category that does not exist" "spec12.yaml:6:[0-9]+: .*" <<Y
datasets: {pbmc: $DATA/$PBMC}
tasks:
  - task: annotation
    dataset: pbmc
    methods: [logreg]
    split: {by: nonexistent_column, test: [x]}
    label_key: bulk_labels
Y
bad "an empty spec" "spec13.yaml: a spec must be a mapping" < /dev/null
expect_exit "a missing spec file" 1 "$SCEVAL" run nonexistent.yaml
expect_match "... names it" "$(cat "$T/err")" "^sceval run: cannot read spec 'nonexistent.yaml': No such file or directory$"
expect_eq "no run was recorded by any of these" "$("$SCEVAL" runs --json | pyjson 'len(d["runs"])')" "0"
done_testing
