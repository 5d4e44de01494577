# Spec mistakes that used to pass silently: unknown or ill-typed method
# parameters, non-finite numbers, repeated seeds, a bare method name; and
# messages that ran a dataset's name into its file name.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -o d.h5ad --cells 200 --genes 100 --types 2 --seed 1 >/dev/null 2>&1
echo "not hdf5" > bad.h5ad
before=$(store_state "$T")
# bad DESC PATTERN: the spec on stdin fails with one line matching PATTERN
n=0
bad() {
  n=$((n + 1)); cat > s$n.yaml
  expect_exit "$1 is refused" 1 "$SCEVAL" run s$n.yaml
  expect_match "... saying so" "$(cat "$T/err")" "^sceval run: s$n.yaml:$2$"
  expect_eq "... on one line" "$(wc -l < "$T/err")" "1"
  expect_eq "... store unchanged" "$(store_state "$T")" "$before"
}
bad "an unknown parameter" "3:7: method 'lr': unknown parameter 'bogus_param' for logreg \(known: C, max_iter, tol\)" <<'Y'
datasets: {d: d.h5ad}
methods:
  lr: {builtin: logreg, params: {bogus_param: 1}}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [lr]}
Y
bad "an unknown grid parameter" "3:6: method 'k': unknown parameter 'kk' for knn \(known: k\); did you mean 'k'\?" <<'Y'
datasets: {d: d.h5ad}
methods:
  k: {builtin: knn, grid: {kk: [1, 2]}}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [k]}
Y
bad "C: nan" "3:37: method 'lr': parameter 'C' must be a finite number > 0" <<'Y'
datasets: {d: d.h5ad}
methods:
  lr: {builtin: logreg, params: {C: nan}}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [lr]}
Y
bad "a negative k in a grid" "3:35: method 'k': parameter 'k' must be an integer >= 1" <<'Y'
datasets: {d: d.h5ad}
methods:
  k: {builtin: knn, grid: {k: [3, -1]}}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [k]}
Y
bad ".nan in a grid" "3:39: '.nan' is not a finite number \(quote it for a string\)" <<'Y'
datasets: {d: d.h5ad}
methods:
  lr: {builtin: logreg, grid: {C: [1, .nan]}}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [lr]}
Y
bad ".inf as a parameter" "3:37: '.inf' is not a finite number \(quote it for a string\)" <<'Y'
datasets: {d: d.h5ad}
methods:
  lr: {builtin: logreg, params: {C: .inf}}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [lr]}
Y
bad "a repeated seed" "3:[0-9]+: task 1: seed 1 is listed twice" <<'Y'
datasets: {d: d.h5ad}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [logreg], seeds: [0, 1, 1]}
Y
bad "methods as a bare name" "3:[0-9]+: task 1: 'methods' must be a list of method names, e.g. \[logreg\]" <<'Y'
datasets: {d: d.h5ad}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: logreg}
Y
bad "a dataset that is not HDF5" "3:47: dataset 'd': 'bad.h5ad': not an HDF5 file" <<'Y'
datasets: {d: bad.h5ad}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [logreg]}
Y
bad "a dataset that is not HDF5, for gene-function" "3:[0-9]+: dataset 'd': 'bad.h5ad': not an HDF5 file" <<'Y'
datasets: {d: bad.h5ad}
tasks:
  - {task: gene-function, dataset: d, gene_labels: "var:de_type", methods: [logreg]}
Y
# What is allowed still runs.
cat > ok.yaml <<'Y'
datasets: {d: d.h5ad}
methods:
  lr: {builtin: logreg, params: {max_iter: 200}, grid: {C: [0.5, 1]}}
  k: {builtin: knn, params: {k: 3}}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [lr, k], seeds: [0, 1], n_top_genes: 50, n_comps: 5}
Y
expect_exit "known parameters still run" 0 "$SCEVAL" run ok.yaml
done_testing
