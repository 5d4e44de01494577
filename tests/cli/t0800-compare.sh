# sceval compare: three runs of one spec, the knn k changed between them,
# make one row per variant labelled by the parameter (and a changed dataset
# by its hash); mean and sd equal numpy's over the values read from the
# catalog (SQLite, directly); the best is marked; CSV, Markdown and JSON
# carry the same numbers. diff counts and filters changes; reproduce
# prints its summary and only what is not identical unless -v.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$SCEVAL" -q simulate -o sim.h5ad --cells 500 --genes 200 --seed 3 >/dev/null
"$SCEVAL" -q simulate -o sim2.h5ad --cells 500 --genes 200 --seed 4 >/dev/null
spec() { # K DATAFILE
  cat > spec.yaml <<EOF
datasets: {sim: $2}
methods:
  knn: {builtin: knn, params: {k: $1}}
tasks:
  - {task: annotation, dataset: sim, label_key: cell_type, methods: [logreg, knn], seeds: [0, 1, 2]}
EOF
}
for k in 15 30 45; do
  spec $k sim.h5ad
  "$SCEVAL" run spec.yaml >/dev/null 2>&1 || fail "run with k=$k"
done
"$SCEVAL" compare 1 2 3 > cmp.txt; rc=$?
expect_eq "compare 1 2 3 exits 0" "$rc" "0"
expect_eq "one row per variant, labelled by the changed parameter, logreg pooled" \
  "$(awk 'NR>1 {print $3, $4}' cmp.txt | sed 's/ [0-9]*$//' | tr '\n' ';')" "knn k=15;knn k=30;knn k=45;logreg;"
expect_eq "no run number in any label" "$(grep -c 'run' cmp.txt)" "0"
"$SCEVAL" compare --json 1 2 3 > cmp.json
"$SCEVAL" compare --csv 1 2 3 > cmp.csv
"$SCEVAL" compare --markdown --metrics accuracy,kappa 1 2 3 > cmp.md

# The expected numbers: the catalog's rows read with sqlite3, numpy's mean
# and sample sd (ddof=1) per (method, k).
"$PYTHON" - .sceval/catalog.db cmp.json cmp.txt cmp.csv cmp.md <<'PY' > check.out 2>&1
import csv, json, sqlite3, sys
import numpy as np
db = sqlite3.connect(sys.argv[1])
rows = db.execute("""SELECT rs.run, rs.method, rs.seed, m.name, m.value
                     FROM run_steps rs JOIN step_metrics m ON m.step = rs.step
                     WHERE rs.run IN (1, 2, 3)""").fetchall()
k_of_run = {1: 15, 2: 30, 3: 45}
vals = {}
for run, method, seed, name, value in rows:
    label = "knn k=%d" % k_of_run[run] if method == "knn" else method
    vals.setdefault((label, name), {})[seed] = value   # logreg: the same seeds in every run
out = json.load(open(sys.argv[2]))
got = {r["variant"]: r for r in out["rows"]}
bad = checked = 0
assert out["schema"] == 1
assert sorted(got) == ["knn k=15", "knn k=30", "knn k=45", "logreg"], sorted(got)
assert got["knn k=30"]["differs"] == {"k": 30}, got["knn k=30"]["differs"]
assert got["logreg"]["runs"] == [1, 2, 3] and got["knn k=45"]["runs"] == [3]
for (label, name), by_seed in vals.items():
    x = np.array([by_seed[s] for s in sorted(by_seed)])
    st = got[label]["values"][name]
    # three values: the sum order may differ from numpy's by one rounding
    if abs(st["mean"] - x.mean()) > 1e-14 or abs(st["sd"] - x.std(ddof=1)) > 1e-14 or st["n"] != len(x):
        bad += 1; print("mismatch", label, name, st, x.mean(), x.std(ddof=1))
    checked += 1
# The text table shows 4 decimals, the best accuracy marked.
acc = {l: np.mean(list(vals[(l, "accuracy")].values())) for l in got}
best = max(acc.values())
import re
lines = open(sys.argv[3]).read().splitlines()
assert re.split(r"\s{2,}", lines[0])[:5] == ["task", "dataset", "method", "seeds", "accuracy"], lines[0]
for line in lines[1:]:
    cells = re.split(r"\s{2,}", line.strip())
    l = cells[2]
    sd = np.std(list(vals[(l, "accuracy")].values()), ddof=1)
    want = "%.4f ± %.4f%s" % (acc[l], sd, " *" if acc[l] == best else "")
    if cells[4] != want:
        bad += 1; print("text", l, repr(cells[4]), "want", want)
    checked += 1
# CSV: full precision, the same numbers.
for r in csv.DictReader(open(sys.argv[4], newline="")):
    x = np.array(list(vals[(r["variant"], "f1_macro")].values()))
    if abs(float(r["f1_macro_mean"]) - x.mean()) > 1e-14 or int(r["f1_macro_n"]) != 3:
        bad += 1; print("csv", r)
    checked += 1
md = open(sys.argv[5]).read().splitlines()
if not md[0].startswith("| task | dataset | method | seeds | accuracy | kappa |") or len(md) != 6:
    bad += 1; print("markdown", md)
bold = [l for l in md if "**" in l]
want_best = [l for l in acc if acc[l] == best]
if len(bold) < 1 or not all(any(b in l for b in want_best) for l in bold if "accuracy" not in l):
    bad += 1; print("markdown bold", bold, want_best)
print("checked", checked, "bad", bad)
PY
expect_eq "mean ± sd per variant equal numpy's over the catalog's values (json, text, csv, markdown)" \
  "$(tail -n1 check.out)" "checked 36 bad 0"
grep -v '^checked' check.out | head -n 5 | sed 's/^/#   /'

# A changed dataset file (same name) labels the variants by its hash.
spec 15 sim2.h5ad
"$SCEVAL" run spec.yaml >/dev/null 2>&1
h1=$(sha256sum sim.h5ad | cut -c1-8); h2=$(sha256sum sim2.h5ad | cut -c1-8)
expect_eq "a changed input labels the rows by its hash" \
  "$("$SCEVAL" compare 1 4 | awk 'NR>1 {print $3, $4}' | sort | tr '\n' ';')" \
  "knn data=$h1;knn data=$h2;logreg data=$h1;logreg data=$h2;"

# runs --metrics: a row per run and method, newest run first.
"$SCEVAL" runs --metrics accuracy > runs.txt
expect_eq "runs --metrics: 4 runs x 2 methods, one metric column" \
  "$(awk 'NR>1 {print $1, $4}' runs.txt | tr '\n' ';')" "4 knn;4 logreg;3 knn;3 logreg;2 knn;2 logreg;1 knn;1 logreg;"
expect_eq "... the header" "$(head -n1 runs.txt | tr -s ' ')" "run task dataset method seeds accuracy"

# Errors: one line, exit 1 (usage: 2).
expect_exit "an unknown run is an error" 1 "$SCEVAL" compare 1 99
expect_eq "... naming it" "$(cat "$T/err")" "sceval compare: no run 99"
expect_exit "an unknown metric is an error" 1 "$SCEVAL" compare --metrics accuracy,nosuch 1
expect_eq "... naming it" "$(cat "$T/err")" "sceval compare: no metric 'nosuch' in this run"
expect_exit "no run named is a usage error" 2 "$SCEVAL" compare
expect_exit "two formats at once is a usage error" 2 "$SCEVAL" compare --csv --json 1

# diff: a summary line with the threshold; --changed drops the same rows.
d=$("$SCEVAL" diff 1 2)
n_better=$(printf '%s\n' "$d" | grep -c ' better$'); n_worse=$(printf '%s\n' "$d" | grep -c ' worse$')
n_same=$(printf '%s\n' "$d" | grep -c ' same$')
expect_match "diff ends its table with a summary line" "$d" \
  "^$n_better improved, $n_worse regressed, $n_same same \(\|B-A\| <= 0\)$"
expect_eq "... 21 logreg rows the same, 21 knn rows changed" "$n_same:$((n_better + n_worse))" "21:21"
expect_eq "diff --changed prints only the changed rows" \
  "$("$SCEVAL" diff --changed 1 2 | grep -cE ' (same|better|worse)$')" "$((n_better + n_worse))"
expect_match "--threshold 1 makes every change the same" "$("$SCEVAL" diff --threshold 1 1 2)" \
  "^0 improved, 0 regressed, 42 same \(\|B-A\| <= 1\)$"
expect_eq "diff --json has the summary" "$("$SCEVAL" diff --json 1 2 | pyjson 'd["summary"]["same"]')" "21"

# reproduce: the summary, then only what is not identical (-v: everything).
res=$("$SCEVAL" show --json 1 | pyjson 'd["result"]')
"$SCEVAL" -q reproduce "$res" > rep.txt
expect_match "reproduce opens with its summary" "$(head -n1 rep.txt)" "^[0-9]+ identical, 0 equivalent, 0 different, 0 steps failed$"
expect_eq "... and lists no identical item" "$(wc -l < rep.txt)" "1"
"$SCEVAL" -q reproduce -v "$res" > repv.txt
expect_eq "reproduce -v lists every item" "$(grep -c ' identical ' repv.txt)" "$(head -n1 rep.txt | cut -d' ' -f1)"
done_testing
