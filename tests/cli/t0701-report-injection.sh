# Hostile names in data and specs: cells that a spreadsheet would run as a
# formula are neutralised in every CSV sceval writes (numbers stay numbers),
# and terminal escapes in a file's values are printed escaped by inspect.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -o d.h5ad --cells 300 --genes 200 --types 3 --seed 1 >/dev/null 2>&1
"$PYTHON" - <<'PY' || fail "labels could not be rewritten"
import h5py
f = h5py.File("d.h5ad", "r+")
c = f["obs/cell_type/categories"]
labels = ['=HYPERLINK("http://evil.example/","x")', "+cmd|' /C calc'!A0", "-2+3"]
del f["obs/cell_type/categories"]
f["obs/cell_type"].create_dataset("categories", data=labels, dtype=h5py.string_dtype("utf-8"))
b = f["obs/batch/categories"]
del f["obs/batch/categories"]
f["obs/batch"].create_dataset("categories", dtype=h5py.string_dtype("utf-8"),
    data=["\x1b[31mred\x1b[0m", "bidi\u202eevil"])
f.close()
PY
cat > spec.yaml <<'SPEC'
datasets: {d: d.h5ad}
tasks:
  - {task: annotation, name: '=HYPERLINK("http://evil.example/","t")', dataset: d, label_key: cell_type, methods: [logreg], n_top_genes: 100, n_comps: 10}
SPEC
"$SCEVAL" run --json spec.yaml > run.json
expect_match "the run succeeds" "$(cat run.json)" '"status": "done"'
expect_exit "report writes" 0 "$SCEVAL" report 1 -o rep
# No field of any CSV starts with a formula character unless it is a number.
unsafe_fields() {
  "$PYTHON" - "$1" <<'PY'
import csv, sys
bad = 0
for row in csv.reader(open(sys.argv[1], newline="")):
    for f in row:
        if f[:1] in ("=", "+", "-", "@", "\t", "\r"):
            try: float(f)
            except ValueError: bad += 1; print(repr(f), file=sys.stderr)
print(bad)
PY
}
for f in metrics_long.csv metrics_wide.csv; do
  expect_eq "$f has no formula cell" "$(unsafe_fields rep/$f)" "0"
  expect_match "... and keeps the task name, quoted" "$(cat rep/$f)" "\"'=HYPERLINK\(\"\"http://evil.example/\"\",\"\"t\"\"\)\""
done
ev=$("$SCEVAL" show --json 1 | pyjson '[s for s in d["step_list"] if s["kind"] == "annotation.eval"][0]["outputs"]["confusion.csv"]')
"$SCEVAL" cat "$ev" > confusion.csv
expect_eq "confusion.csv has no formula cell" "$(unsafe_fields confusion.csv)" "0"
expect_match "... the labels are there, neutralised" "$(cat confusion.csv)" "\"'\+cmd\|' /C calc'!A0\""
expect_match "... a label like a sum too" "$(cat confusion.csv)" "\"'-2\+3\""
ev=$("$SCEVAL" show --json 1 | pyjson '[s for s in d["step_list"] if s["kind"] == "annotation.eval"][0]["outputs"]["report.csv"]')
"$SCEVAL" cat "$ev" > report.csv
expect_eq "report.csv has no formula cell" "$(unsafe_fields report.csv)" "0"
expect_match "the report page shows the labels as they are" "$(cat rep/*annotation*.html 2>/dev/null || cat rep/*.html)" "\+cmd\|&#39; /C calc&#39;!A0"

# sceval scib's per-cell and per-label tables (the integration task's CSV
# schema, tasks/scib/tables.h) take labels from a file.
"$PYTHON" - <<'PY'
import numpy as np
np.save("emb.npy", np.random.default_rng(0).standard_normal((60, 5)))
open("lab.txt", "w").write("".join('=HYPERLINK("http://evil.example/")\n' if i % 2 else "b\tc\n" for i in range(60)))
open("bat.txt", "w").write("".join("x\n" if i < 30 else "y\n" for i in range(60)))
PY
expect_exit "scib writes its tables" 0 "$SCEVAL" scib --per-label pl.csv --per-cell pc.csv emb.npy lab.txt bat.txt
expect_eq "the per-label table has no formula cell" "$(unsafe_fields pl.csv)" "0"
expect_match "... the label is kept, neutralised" "$(cat pl.csv)" "^\"'=HYPERLINK"
expect_eq "... a tab in a label does not add a column" \
  "$("$PYTHON" -c 'import csv,sys; print(sorted({len(r) for r in csv.reader(open(sys.argv[1], newline=""))}))' pl.csv)" "[6]"
expect_eq "the per-cell table has no formula cell" "$(unsafe_fields pc.csv)" "0"

"$SCEVAL" inspect d.h5ad > insp.txt
check "inspect prints no escape character" sh -c "! grep -q \"$(printf '\033')\" insp.txt"
expect_match "... but an escaped one" "$(cat insp.txt)" '\\x1b\[31mred\\x1b\[0m'
expect_match "... and the bidi override escaped" "$(cat insp.txt)" 'bidi\\u202eevil'
check "... and no raw override" sh -c "! grep -q \"$(printf '\342\200\256')\" insp.txt"
# An uns entry's encoding-type attribute is text from the file too.
"$PYTHON" - <<'PY'
import h5py, numpy as np
with h5py.File("d.h5ad", "r+") as f:
    e = f["uns"].create_dataset("k\x1b[2J", data=np.arange(3))
    e.attrs["encoding-type"] = "arr\x1b[31mred"
    g = f["uns"].create_group("g")
    g.attrs["encoding-type"] = "dict\x1b]0;title\x07"
PY
"$SCEVAL" inspect d.h5ad > insp2.txt
check "inspect prints no escape from uns keys or encodings" sh -c "! grep -q \"$(printf '\033')\" insp2.txt"
expect_match "... but escaped ones" "$(grep '^  k' insp2.txt)" 'k\\x1b\[2J +arr\\x1b\[31mred int64'
expect_match "... for a group's encoding too" "$(grep '^  g ' insp2.txt)" 'dict\\x1b\]0;title\\x07'
# show prints metric tables with labels from the spec; a task name with an
# escape sequence comes out escaped.
cat > esc.yaml <<'SPEC'
datasets: {d: d.h5ad}
tasks:
  - {task: annotation, name: "bad\e[2Jname", dataset: d, label_key: cell_type, methods: [knn], n_top_genes: 50, n_comps: 5}
SPEC
"$SCEVAL" run esc.yaml >/dev/null 2>&1
"$SCEVAL" show 2 > show.txt
check "show prints no escape character" sh -c "! grep -q \"$(printf '\033')\" show.txt"
expect_match "... but the escaped name" "$(cat show.txt)" 'bad\\x1b\[2Jname'

done_testing
