# The task descriptors (tasks/task.h) seen from the command line: `sceval
# tasks` and `sceval help TASK` show every task's options; the generic
# option checker names what is wrong; and the seed contract: every method
# a descriptor calls seeded gets a step per seed (different keys, and
# different outputs where the method is random), every other method one
# step shared by all seeds; every metric recorded is declared; and the
# parameter defaults the descriptors document are the ones the steps use.
. "$(dirname "$0")/lib.sh"
# The README's Tasks table (an independent list: its first column, in
# table order) names the tasks `sceval tasks` lists.
readme_tasks=$(awk '/^\| task \| options \|/{t=1; next} t && !/^\|/{exit} t && /^\| `/{print}' \
  "$TESTS_DIR/../README.md" | sed 's/^| `\([^`]*\)`.*/\1/' | tr '\n' ' ')
expect_eq "sceval tasks lists the README's tasks" \
  "$("$SCEVAL" tasks | awk 'NF>1 && /^  /{print $1}' | tr '\n' ' ')" "$readme_tasks"
expect_eq "the README's Tasks table is read" "$(printf '%s' "$readme_tasks" | cut -d' ' -f1-4)" \
  "annotation gene-function batch multiomics"
for spec in "annotation label_key representation split counts n_top_genes n_comps classifier unlabeled" \
            "gene-function gene_labels id_column label_column features folds unlabeled" \
            "batch batch_key label_key counts n_top_genes n_comps unlabeled" \
            "multiomics label_key modality2 where2 data2 n_comps n_comps2 batch_key" \
            "grn genesets id_column set_column var_key symbol_key counts min_cells n_comps n_neighbors resolution resolutions min_size fdr fdr_family edges edge_max_genes" \
            "simulation cell_type_key batch_key mean_covariates counts n_corr_genes max_cells n_comps folds"; do
  set -- $spec; task=$1; shift
  a=$("$SCEVAL" help "$task"); ra=$?
  b=$("$SCEVAL" tasks "$task"); rb=$?
  expect_eq "help $task = tasks $task (exit 0)" "$ra$rb$([ "$a" = "$b" ] && echo same)" "00same"
  missing=""
  for o in "$@"; do
    printf '%s\n' "$a" | grep -qE "^  $o +(string|integer|number|mapping|any) +[^ ]+ +[^ ]" || missing="$missing $o"
  done
  expect_eq "help $task shows each option with type, default and doc" "$missing" ""
done
expect_exit "help of an unknown task is a usage error" 2 "$SCEVAL" tasks frobnicate

# The generic checker of options.
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -o rna.h5ad --cells 300 --genes 200 --types 3 --batches 2 --seed 3 >/dev/null 2>&1
"$SCEVAL" simulate -o prot.h5ad --cells 300 --genes 20 --types 3 --batches 2 --seed 3 >/dev/null 2>&1
n=0
bad() {
  n=$((n + 1)); cat > b$n.yaml
  expect_exit "$1 is refused" 1 "$SCEVAL" run b$n.yaml
  expect_match "... saying so" "$(cat "$T/err")" "^sceval run: b$n.yaml:$2"
}
bad "an integer option given a word" "[0-9]+:[0-9]+: 'n_comps' must be an integer in \[2, 1000\]" <<'Y'
datasets: {d: rna.h5ad}
tasks:
  - {task: batch, dataset: d, batch_key: batch, label_key: cell_type, n_comps: many, methods: [combat]}
Y
bad "a value outside the allowed ones" "[0-9]+:[0-9]+: 'modality2' must be one of protein, adt, atac, not 'rna'" <<'Y'
datasets: {d: rna.h5ad}
tasks:
  - {task: multiomics, dataset: d, label_key: cell_type, modality2: rna, methods: [rna]}
Y
bad "a misspelt option" "[0-9]+:[0-9]+: unknown option 'batchkey' for task 'batch'; did you mean 'batch_key'\?" <<'Y'
datasets: {d: rna.h5ad}
tasks:
  - {task: batch, dataset: d, batchkey: batch, label_key: cell_type, methods: [combat]}
Y
bad "a missing required option" "[0-9]+:[0-9]+: task 'batch' needs 'batch_key'" <<'Y'
datasets: {d: rna.h5ad}
tasks:
  - {task: batch, dataset: d, label_key: cell_type, methods: [combat]}
Y

# Seeds: every built-in method with a step of its own, two seeds.
cat > seeds.yaml <<'Y'
datasets: {rna: rna.h5ad, prot: prot.h5ad}
methods:
  nn: {builtin: nn, params: {max_epochs: 5, patience: 2}}
tasks:
  - {task: annotation, dataset: rna, label_key: cell_type, methods: [logreg, knn, nn], seeds: [0, 1]}
  - {task: gene-function, dataset: rna, gene_labels: "var:de_type", unlabeled: [none], methods: [logreg, knn, nn], seeds: [0, 1]}
  - {task: batch, dataset: rna, batch_key: batch, label_key: cell_type, methods: [unintegrated, combat, harmony], seeds: [0, 1]}
  - {task: multiomics, dataset: rna, data2: prot, modality2: protein, label_key: cell_type, n_comps2: 10, methods: [rna, modality2, concat, wnn], seeds: [0, 1]}
Y
"$SCEVAL" run -j 2 --json seeds.yaml > r.json 2>"$T/err"; rc=$?
expect_eq "the spec runs" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r.json)" > s.json
"$SCEVAL" tasks --json > tasks.json
"$PYTHON" - s.json tasks.json <<'PY' > seeds.out 2>&1
import json, sys
run = json.load(open(sys.argv[1]))
tasks = {t["name"]: t for t in json.load(open(sys.argv[2]))["tasks"]}
# The step of its own each method gets, per task.
own = {"annotation": "annotation.fit", "gene-function": "genefunc.cv",
       "batch": "batch.embed", "multiomics": "multiomics.embed"}
# Independent of the descriptors: what draws random numbers.
must_seed = {("batch", "harmony"), ("annotation", "logreg"), ("annotation", "nn"),
             ("gene-function", "knn")}
must_not = {("batch", "combat"), ("multiomics", "concat"), ("multiomics", "wnn")}
random_outputs = {("batch", "harmony"): "embedding.h5ad", ("annotation", "nn"): "predictions.h5ad"}
bad = 0
seen = set()
for task, kind in own.items():
    for m in tasks[task]["methods"]:
        steps = [s for s in run["step_list"] if s["kind"] == kind and s["method"] == m["name"]
                 and s["task"] == task]
        if not steps:
            continue
        seen.add((task, m["name"]))
        keys = {s["key"] for s in steps}
        if m["seeded"] and ((task, m["name"]) in must_not or len(keys) != 2 or
                            sorted(s["seed"] for s in steps) != [0, 1]):
            print("not ok - %s %s: seeded, yet %d keys" % (task, m["name"], len(keys))); bad += 1
        elif not m["seeded"] and ((task, m["name"]) in must_seed or len(keys) != 1):
            print("not ok - %s %s: not seeded, yet %d keys" % (task, m["name"], len(keys))); bad += 1
        out = random_outputs.get((task, m["name"]))
        if out and len({s["outputs"][out] for s in steps}) != 2:
            print("not ok - %s %s: the same %s for both seeds" % (task, m["name"], out)); bad += 1
# Every metric a step recorded is declared by its task, with its direction.
for r in run["metrics"]:
    d = {m["name"]: m for m in tasks[r["task"]]["metrics"]}.get(r["metric"])
    if not d or d["higher_is_better"] != r["higher_is_better"]:
        print("not ok - %s %s: %s" % (r["task"], r["metric"],
              "undeclared" if not d else "recorded with another direction")); bad += 1
missing = (must_seed | must_not | set(random_outputs)) - seen
if missing:
    print("not ok - no step for", sorted(missing)); bad += 1
print("checked", len(seen), "methods and", len(run["metrics"]), "metric rows")
sys.exit(1 if bad else 0)
PY
rc=$?
expect_eq "seeded methods: a key (and output) per seed; others: one key; metrics declared" "$rc" "0"
sed "s/^/#   /" seeds.out | head -n 10
# The defaults a descriptor documents are the ones the steps use: each
# method run with its numeric defaults written out gives other keys but the
# same output bytes as the method run plainly.
"$PYTHON" - tasks.json <<'PY' > defaults.yaml
import json, sys
tasks = {t["name"]: t for t in json.load(open(sys.argv[1]))["tasks"]}
def num(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return int(f) if f == int(f) and "e-" not in v and "." not in v else f
extra = {"annotation": "label_key: cell_type",
         "gene-function": 'gene_labels: "var:de_type", unlabeled: [none]',
         "batch": "batch_key: batch, label_key: cell_type"}
methods, lists = {}, {}
for task in extra:
    for m in tasks[task]["methods"]:
        p = {q["name"]: num(q["default"]) for q in m["params"] if num(q["default"]) is not None}
        if p:
            name = "%s__%s" % (task.replace("-", "_"), m["name"])
            methods[name] = {"builtin": m["name"], "params": p}
            lists.setdefault(task, []).extend([m["name"], name])
print("datasets: {rna: rna.h5ad}")
print("methods:")
for k, v in methods.items():
    print("  %s: %s" % (k, json.dumps(v)))
print("tasks:")
for task, ms in lists.items():
    print("  - {task: %s, dataset: rna, %s, methods: [%s], seeds: [0]}" % (task, extra[task], ", ".join(ms)))
PY
"$SCEVAL" run -j 2 --json defaults.yaml > d.json 2>"$T/err"; rc=$?
expect_eq "the spec with the defaults written out runs" "$rc:$(pyjson 'd["status"]' < d.json)" "0:done"
"$SCEVAL" show --json "$(pyjson 'd["run"]' < d.json)" > ds.json
"$PYTHON" - ds.json <<'PY' > defaults.out 2>&1
import json, sys
run = json.load(open(sys.argv[1]))
own = {"annotation": "annotation.fit", "gene-function": "genefunc.cv", "batch": "batch.embed"}
by = {(s["task"], s["method"]): s for s in run["step_list"] if own.get(s["task"]) == s["kind"]}
bad = n = 0
for (task, m), s in sorted(by.items()):
    if "__" not in m:
        continue
    n += 1
    b = by[(task, m.split("__")[1])]
    if b["key"] == s["key"] or b["outputs"] != s["outputs"]:
        print("not ok - %s %s: its documented defaults change its output" % (task, b["method"]))
        bad += 1
print("compared", n, "methods")
sys.exit(1 if bad or n < 8 else 0)
PY
rc=$?
expect_eq "documented parameter defaults are the steps' defaults" "$rc" "0"
sed "s/^/#   /" defaults.out | head -n 10
done_testing
