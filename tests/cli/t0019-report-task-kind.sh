# The report takes a table's task from the task kind recorded with its
# steps (schema 2), not from the step kinds or an input called 'pre': a
# batch task under another name is a batch table; with the record changed
# by hand the table follows the record; a step recorded without a kind (an
# older store) is told by the descriptors only when they are unambiguous.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init . >/dev/null
"$SCEVAL" simulate -q -o rna.h5ad --cells 300 --genes 200 --types 3 --batches 2 --seed 3 >/dev/null
cat > spec.yaml <<'YAML'
name: kinds
datasets: {rna: rna.h5ad}
tasks:
  - {task: batch, name: integ, dataset: rna, batch_key: batch, label_key: cell_type,
     n_top_genes: 100, n_comps: 10, methods: [unintegrated, combat], seeds: [0]}
YAML
"$SCEVAL" run -q spec.yaml >/dev/null 2>run.err || { fail "the spec runs"; cat run.err; done_testing; }
kind_of_table() {
  rm -rf rep
  "$SCEVAL" report 1 -o rep >/dev/null &&
    sed -n 's|.*<a href="integ.html">integ</a></td><td>\([a-z-]*\)</td>.*|\1|p' rep/index.html
}
expect_eq "a renamed batch task is reported as batch" "$(kind_of_table)" "batch"
expect_eq "its steps record the task kind" \
  "$("$SCEVAL" show --json 1 | pyjson 'sorted({s["task_kind"] for s in d["step_list"]})')" '["batch"]'
sql() { "$PYTHON" -c "import sqlite3,sys; c=sqlite3.connect('.sceval/catalog.db'); c.execute(sys.argv[1]); c.commit()" "$1"; }
sql "UPDATE run_steps SET task_kind = 'multiomics'"
expect_eq "the report follows the recorded kind" "$(kind_of_table)" "multiomics"
# Recorded before schema 2: integration.eval belongs to two tasks and the
# label names neither, so the descriptors cannot tell; nothing is guessed.
sql "UPDATE run_steps SET task_kind = NULL"
sql "UPDATE step_metrics SET declared_higher_is_better = NULL, metric_group = NULL, is_primary = NULL"
expect_eq "an unrecorded kind the descriptors cannot tell is 'other'" "$(kind_of_table)" "other"
sql "UPDATE run_steps SET task = 'batch'"
expect_match "one whose label names a task declaring its step kind is that task" \
  "$("$SCEVAL" report 1 -o rep2 >/dev/null && cat rep2/index.html)" \
  '<a href="batch.html">batch</a></td><td>batch</td>'
done_testing
