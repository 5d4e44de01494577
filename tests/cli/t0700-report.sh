# sceval report: the CSV files hold exactly the catalog's values and agree
# with each other; quoting survives Python's csv module; the same runs give
# the same bytes; leaderboard means, the scIB table (against sklearn's
# MinMaxScaler) and the ranks (scipy's rankdata) are recomputed from the
# catalog; the pages are well-formed with resolving links; a cell type named
# <script>alert(1)</script> is text; and in headless Chromium the pages load
# with no console message, no network request and no sideways scrolling on a
# phone. Bad references and unwritable folders fail with one line.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -q -o sim.h5ad --cells 600 --genes 300 --types 4 --batches 2 >/dev/null
# Hostile names: markup and CSV specials in cell types, task name, grid label.
"$PYTHON" - sim.h5ad hostile.h5ad <<'PY'
import sys, anndata as ad
a = ad.read_h5ad(sys.argv[1])
a.obs["cell_type"] = a.obs["cell_type"].cat.rename_categories(
    {"type1": "<script>alert(1)</script>", "type2": 'a,b "q" & c'})
a.write_h5ad(sys.argv[2])
PY
TASK='<b>cells</b>, "types" & <script>x</script>'
cat > spec.yaml <<SPEC
datasets:
  hostile: hostile.h5ad
methods:
  lr: {builtin: logreg, grid: {C: [0.5]}}
tasks:
  - task: annotation
    name: '$TASK'
    dataset: hostile
    label_key: cell_type
    methods: [lr, knn]
    seeds: [0, 1]
  - task: batch
    dataset: hostile
    label_key: cell_type
    batch_key: batch
    n_comps: 20
    methods: [unintegrated, combat, harmony]
    seeds: [0, 1]
SPEC
sed 's/seeds: \[0, 1\]/seeds: [0]/; s/    methods: \[lr, knn\]/    split: {test_size: 0.3}\n    methods: [lr]/' spec.yaml |
  awk '/task: batch/{exit} {print}' > spec2.yaml
# Runs 1 and 2 from a clean git checkout, run 3 from a dirty one.
printf '*\n!spec.yaml\n!spec2.yaml\n' > .gitignore
git init -q . && git add -f .gitignore spec.yaml spec2.yaml && git commit -qm specs
"$SCEVAL" run -q spec.yaml >/dev/null 2>run.err || { fail "run 1"; cat run.err; done_testing; }
"$SCEVAL" run -q spec.yaml >/dev/null 2>&1
echo "# edited" >> spec.yaml
"$SCEVAL" run -q spec2.yaml >/dev/null 2>run.err || { fail "run 3"; cat run.err; done_testing; }
"$SCEVAL" show --json 1 > show1.json
"$SCEVAL" show --json 2 > show2.json
"$SCEVAL" show --json 3 > show3.json
R1=$(pyjson 'd["result"]' < show1.json)

mkdir rep && echo keep > rep/keep.txt
expect_exit "report 1 2 exits 0" 0 "$SCEVAL" report 1 run:2 -o rep --json
cp out report.json
expect_eq "--json names what was written" \
  "$(pyjson '(d["schema"], d["index"], len(d["pages"]), d["csv"])' < report.json)" \
  "(1, 'rep/index.html', 2, ['rep/metrics_long.csv', 'rep/metrics_wide.csv'])"
expect_eq "files written: the index, one page per task, two CSV files" \
  "$(ls rep | wc -l)" "6"
expect_eq "other files in the folder are left alone" "$(cat rep/keep.txt)" "keep"

# ---- CSV against the catalog ----------------------------------------------------
"$PYTHON" - rep show1.json show2.json "$TASK" > csv.out 2>&1 <<'PY'
import csv, io, json, math, sys
d = sys.argv[1]
raw = open(d + "/metrics_long.csv", "rb").read()
print("crlf", raw.count(b"\r\n") == raw.count(b"\n") and raw.endswith(b"\r\n"))
rows = list(csv.reader(io.StringIO(raw.decode(), newline="")))
head, body = rows[0], rows[1:]
print("long header", head == "run,result,task,dataset,method,metric,value,seed,higher_is_better".split(","))
print("long widths", all(len(r) == len(head) for r in body))
bad = 0
for i, f in enumerate(sys.argv[2:4]):
    s = json.load(open(f))
    want = {}
    for m in s["metrics"]:
        want[(m["task"], m["dataset"], m["method"], str(m["seed"]), m["metric"])] = (m["value"], m["higher_is_better"])
    got = {}
    for r in body:
        if r[0] != str(s["id"]):
            continue
        if r[1] != s["result"]:
            bad += 1
        got[(r[2], r[3], r[4], r[7], r[5])] = (None if r[6] == "nan" else float(r[6]), r[8] == "true")
    if set(got) != set(want):
        bad += 1
        print("keys differ for run", s["id"], len(got), len(want))
    for k, v in want.items():
        g = got.get(k)
        if g is None or g[1] != v[1] or (g[0] is None) != (v[0] is None) or (v[0] is not None and g[0] != v[0]):
            bad += 1
            if bad < 5:
                print("mismatch", k, g, v)
    print("run", s["id"], "rows", len(got))
print("long = catalog, bad", bad)
print("task name round-trips", any(r[2] == sys.argv[4] for r in body))
# wide: the long rows pivoted
wraw = open(d + "/metrics_wide.csv", "rb").read()
w = list(csv.reader(io.StringIO(wraw.decode(), newline="")))
wh, wb = w[0], w[1:]
metrics = sorted({r[5] for r in body})
print("wide header", wh == ["run", "result", "task", "dataset", "method", "seed"] + metrics)
print("wide widths", all(len(r) == len(wh) for r in wb))
piv = {}
for r in body:
    piv.setdefault((r[0], r[1], r[2], r[3], r[4], r[7]), {})[r[5]] = r[6]
wide = {}
for r in wb:
    wide[tuple(r[:6])] = {wh[6 + k]: v for k, v in enumerate(r[6:]) if v != ""}
print("wide = long pivoted", wide == piv, len(wide), len(wb) == len(wide))
PY
expect_eq "CSV files use CRLF line ends" "$(grep '^crlf' csv.out)" "crlf True"
expect_eq "long CSV header" "$(grep '^long header' csv.out)" "long header True"
expect_eq "every long row has the header's width" "$(grep '^long widths' csv.out)" "long widths True"
expect_eq "long CSV holds exactly the catalog's values (show --json)" "$(grep '^long = catalog' csv.out)" "long = catalog, bad 0"
expect_eq "a task name with quotes, comma and markup round-trips through csv" "$(grep '^task name' csv.out)" "task name round-trips True"
expect_eq "wide CSV header: keys, then every metric in byte order" "$(grep '^wide header' csv.out)" "wide header True"
expect_eq "every wide row has the header's width" "$(grep '^wide widths' csv.out)" "wide widths True"
expect_match "wide CSV is the long one pivoted" "$(grep '^wide = long' csv.out)" "^wide = long pivoted True [0-9]+ True$"
grep -q '^mismatch\|^keys differ' csv.out && sed 's/^/#   /' csv.out | head -n 8

# ---- determinism ------------------------------------------------------------------
"$SCEVAL" report 2 1 1 -o rep2 >/dev/null
same=yes
for f in index.html metrics_long.csv metrics_wide.csv $(cd rep && ls *.html); do
  cmp -s "rep/$f" "rep2/$f" || { same=no; echo "# differs: $f"; }
done
expect_eq "the same runs (in any order, repeated) give byte-identical files" "$same" "yes"
"$SCEVAL" report --timestamp 1 2 -o rep3 >/dev/null
expect_match "--timestamp prints the time of writing" "$(grep -o 'at 20[0-9-]*T[0-9:]*Z' rep3/index.html)" "^at 20"
expect_eq "without --timestamp there is none" "$(grep -c 'at 20[0-9-]*T[0-9:]*Z' rep/index.html)" "0"

# ---- pages: structure, escaping, numbers --------------------------------------------
"$PYTHON" "$TESTS_DIR/cli/report_html.py" rep > html.out
expect_eq "pages are well-formed, ids unique, every internal link resolves, no script" \
  "$(tail -n1 html.out | pyjson 'd["problems"]')" "0"
grep '^problem' html.out | head -n 5 | sed 's/^/#   /'
mkdir control && cat > control/a.html <<'HTML'
<!DOCTYPE html><html><head><title>c</title></head><body><div id="x"><p id="x">t</div>
<a href="#nowhere">a</a><a href="b.html#y">b</a><a href="https://example.org/">c</a></body></html>
HTML
expect_eq "control folder: the structural check finds each planted problem" \
  "$("$PYTHON" "$TESTS_DIR/cli/report_html.py" control | grep -c '^problem')" "6"
expect_eq "no literal <script in any page" "$(cat rep/*.html | grep -c '<script')" "0"
"$PYTHON" - html.out show1.json "$TASK" > pages.out 2>&1 <<'PY'
import json, math, sys
import numpy as np
from scipy.stats import rankdata
from sklearn.preprocessing import MinMaxScaler
pages = json.loads(open(sys.argv[1]).read().splitlines()[-1])["pages"]
run = json.load(open(sys.argv[2]))
task = sys.argv[3]
vals = {}
for m in run["metrics"]:
    vals.setdefault((m["task"], m["dataset"], m["method"], m["metric"]), []).append(
        np.nan if m["value"] is None else m["value"])
tables = {f + "#" + tid: t for f, p in pages.items() for tid, t in p["tables"].items()}
def table(tid):
    return [t for k, t in tables.items() if k.endswith("#" + tid)][0]
lbs = [t for t in tables.values() if t["class"] == "leaderboard"]
print("leaderboards", sorted((t["task"] == task, t["dataset"], len(t["body"])) for t in lbs))
hostile = [f for f, p in pages.items() if "<script>alert(1)</script>" in p["text"]]
print("hostile label is text on", len(hostile), "pages")
def close(a, b, tol=1e-9):
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return (a is None) and (b is None or math.isnan(b))
    return abs(float(a) - b) <= tol * max(1.0, abs(b))
bad = checked = 0
for t in lbs:
    names = [h.split("\xa0")[0] for h in t["head"][0][3:]]
    for row in t["body"]:
        meth = row[1][0]
        for name, cell in zip(names, row[3:]):
            v = np.array(vals[(t["task"], t["dataset"], meth, name)], float)
            f = v[np.isfinite(v)]
            want = f.mean() if len(f) else None
            checked += 1
            if not close(cell[1], want):
                bad += 1; print("mean", meth, name, cell, want)
            if len(f) > 1:
                sd = "%.2g" % np.std(f, ddof=1)
                if not cell[0].endswith("\xa0" + sd):
                    bad += 1; print("sd", meth, name, cell, sd)
print("leaderboard means and sds", checked, "bad", bad)
# scIB table against sklearn's MinMaxScaler and the scib aggregation
BIO = ["NMI_cluster/label", "ARI_cluster/label", "ASW_label", "isolated_label_F1", "isolated_label_silhouette", "cLISI", "cell_cycle_conservation"]
BATCH = ["ASW_label/batch", "PCR_batch", "graph_conn", "kBET", "iLISI"]
bad = checked = 0
for kind in ("scaled", "raw"):
    t = table("scib0-" + kind)
    cols = t["head"][1]
    meths = [r[0][0] for r in t["body"]]
    metric_cols = cols[:-3]
    X = np.array([[np.nanmean(vals[(t["task"], t["dataset"], m, c)]) for c in metric_cols] for m in meths])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        S = MinMaxScaler().fit_transform(X) if kind == "scaled" else X
        bio = np.nanmean(S[:, [i for i, c in enumerate(metric_cols) if c in BIO]], axis=1)
        batch = np.nanmean(S[:, [i for i, c in enumerate(metric_cols) if c in BATCH]], axis=1)
    overall = 0.6 * bio + 0.4 * batch
    for i, r in enumerate(t["body"]):
        want = list(S[i]) + [bio[i], batch[i], overall[i]]
        for cell, w in zip(r[1:], want):
            checked += 1
            if not close(cell[1], w):
                bad += 1; print("scib", kind, meths[i], cell, w)
        if kind == "raw":
            rec = np.nanmean(vals[(t["task"], t["dataset"], meths[i], "overall")])
            checked += 1
            if not close(r[-1][1], rec):
                bad += 1; print("raw overall vs recorded", meths[i], r[-1], rec)
    print("scib order", kind, [x for x in overall] == sorted(overall, reverse=True))
print("scib cells", checked, "bad", bad)
# ranks against scipy
rk = table("rank-table")
heads = rk["head"][0][1:-1]
bad = checked = 0
cols = [(task, "accuracy"), ("batch", "overall")]
for j, (tk, metric) in enumerate(cols):
    if not heads[j].startswith(tk):
        bad += 1; print("rank column", j, heads[j])
    meths = sorted({k[2] for k in vals if k[0] == tk})
    means = np.array([np.nanmean(vals[(tk, "hostile", m, metric)]) for m in meths])
    want = dict(zip(meths, rankdata(-means, method="average")))
    for r in rk["body"]:
        checked += 1
        if not close(r[1 + j][1], want.get(r[0][0])):
            bad += 1; print("rank", r[0][0], r[1 + j], want.get(r[0][0]))
print("ranks", checked, "bad", bad)
PY
expect_eq "leaderboards: the annotation task (2 methods) and batch (3 methods)" \
  "$(grep '^leaderboards' pages.out)" "leaderboards [(False, 'hostile', 3), (True, 'hostile', 2)]"
expect_eq "the hostile cell-type label is text on both task pages" \
  "$(grep '^hostile' pages.out)" "hostile label is text on 2 pages"
expect_match "leaderboard means = numpy's mean over seeds, sds = std(ddof=1)" \
  "$(grep '^leaderboard means' pages.out)" "^leaderboard means and sds [0-9]+ bad 0$"
expect_match "scIB table = sklearn MinMaxScaler + scib aggregation (raw: = recorded overall)" \
  "$(grep '^scib cells' pages.out)" "^scib cells [0-9]+ bad 0$"
expect_eq "scIB tables ordered by overall" "$(grep -c '^scib order .* True' pages.out)" "2"
expect_match "rank table = scipy rankdata(average) of the primary metric" \
  "$(grep '^ranks' pages.out)" "^ranks [0-9]+ bad 0$"
grep -E '^(mean|sd|scib |raw|rank )' pages.out | head -n 5 | sed 's/^/#   /'
grep -q Traceback pages.out && sed 's/^/#   /' pages.out | tail -n 5

# ---- results, disagreeing runs, failures -----------------------------------------
expect_exit "report of a result hash" 0 "$SCEVAL" report "$R1" -o res
expect_eq "a result's CSV rows: no run, the result, the run's values" \
  "$(cut -d, -f1,2 res/metrics_long.csv | sort -u | tail -n +1 | tr -d '\r' | tr '\n' ' ')" \
  "$(printf ',%s run,result ' "$R1")"
expect_eq "a result alone gives its run's rows" \
  "$(tail -n +2 res/metrics_long.csv | cut -d, -f3- | md5sum)" \
  "$(grep '^1,' rep/metrics_long.csv | cut -d, -f3- | md5sum)"
"$SCEVAL" report 1 3 -o rep13 >/dev/null
"$PYTHON" "$TESTS_DIR/cli/report_html.py" rep13 | tail -n1 | pyjson \
  'sorted(r[1][0] for p in d["pages"].values() for t in p["tables"].values() if t["class"] == "leaderboard" and t["task"] != "batch" for r in t["body"])' > split.out
expect_eq "runs that disagree about a method get a row each, named by what differs" "$(cat split.out)" \
  '["knn", "lr[C=0.5] split.test_size=0.2", "lr[C=0.5] split.test_size=0.3"]'
"$SCEVAL" compare --json 1 3 | pyjson 'sorted(r["variant"] for r in d["rows"] if r["task"] != "batch")' > cmp13.out
expect_eq "the report names variants as sceval compare does" "$(cat cmp13.out)" "$(cat split.out)"
HEAD12=$(git rev-parse HEAD | cut -c1-12)
expect_match "index: run 1's commit" "$(grep '<tr id="src-0">' rep13/index.html)" \
  "^<tr id=\"src-0\"><td>run 1</td>.*<code>$HEAD12</code>"
expect_eq "index: run 1 is not flagged dirty" "$(grep '<tr id="src-0">' rep13/index.html | grep -c 'class="dirty"')" "0"
expect_match "index: run 3's commit flagged dirty (in red)" "$(grep '<tr id="src-1">' rep13/index.html)" \
  "<td>run 3</td>.*<code>$HEAD12</code> [^<]* <span class=\"dirty\">dirty</span>"
expect_match "the dirty flag is red" "$(grep -o '\.dirty{[^}]*}' rep13/index.html)" "color:var\(--bad\)"
expect_exit "unknown run: exit 1" 1 "$SCEVAL" report 99 -o bad
expect_eq "unknown run: one line" "$(cat err)" "sceval report: no run 99"
DS=$(pyjson '[s["inputs"]["data"] for s in d["step_list"] if s["kind"] == "prepare"][0]' < show1.json | sed 's/sha256://')
expect_exit "an object that is not a result: exit 1" 1 "$SCEVAL" report "$DS" -o bad
expect_match "an object that is not a result: one line" "$(cat err)" "^sceval report: '[0-9a-f]+': [0-9a-f]{12} is not a result$"
expect_eq "no folder written on bad input" "$(ls -d bad 2>/dev/null)" ""
: > afile
expect_exit "unwritable folder: exit 1" 1 "$SCEVAL" report 1 -o afile/rep
expect_eq "unwritable folder: one line" "$(wc -l < err | tr -d ' ')" "1"
expect_exit "no -o: usage error" 2 "$SCEVAL" report 1
expect_exit "help" 0 "$SCEVAL" help report

# ---- in a browser ---------------------------------------------------------------
CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then
  skip "headless browser checks: chromium is not installed"
  done_testing
fi
cat > control.html <<'HTML'
<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"><title>c</title></head><body><img src="https://example.invalid/x.png" alt=""><div style="width:2000px">wide</div></body></html>
HTML
EXPR="JSON.stringify({s: document.querySelectorAll('script').length, lb: Array.from(document.querySelectorAll('table.leaderboard')).map(t => t.tBodies[0].rows.length), hostile: Array.from(document.querySelectorAll('td,th')).some(e => e.textContent === '<script>alert(1)</script>')})"
set -- "file://$T/rep/index.html=$EXPR"
for p in $(pyjson '" ".join(x.split("/")[-1] for x in d["pages"])' < report.json); do
  set -- "$@" "file://$T/rep/$p=$EXPR"
done
mkdir shots
start=$(date +%s)
timeout 120 "$PYTHON" "$TESTS_DIR/cli/cdp.py" "$CHROMIUM" shots "$@" "file://$T/control.html" > browser.json 2> browser.err
rc=$?
expect_eq "chromium loaded every page" "$rc" "0"
[ "$rc" -eq 0 ] || { sed 's/^/#   /' browser.err | tail -n 5; done_testing; }
echo "# browser checks took $(( $(date +%s) - start ))s"
expect_eq "control page: the checker sees a blocked request, its CSP error, the overflow" \
  "$(pyjson '(len(d["pages"][-1]["requests"]) > 1, any("Content Security Policy" in l[1] for l in d["pages"][-1]["log"]), d["pages"][-1]["phone_overflow"])' < browser.json)" "(True, True, True)"
expect_eq "report pages: no request but the page itself (and its embedded SVG figures)" \
  "$(pyjson 'all([r for r in p["requests"] if not r.startswith("data:image/svg+xml;base64,")] == [p["url"].split("=")[0]] for p in d["pages"][:-1])' < browser.json)" "True"
expect_eq "report pages: no console message, log entry, exception or dialog" \
  "$(pyjson 'sum(len(p[k]) for p in d["pages"][:-1] for k in ("console", "log", "exceptions", "dialogs"))' < browser.json)" "0"
expect_eq "in the DOM: no script, leaderboards of 2 and 3 rows, the hostile label as text" \
  "$(pyjson 'str(sorted(tuple(sorted(json.loads(p["value"]).items())) for p in d["pages"][1:-1]))' < browser.json)" \
  "[(('hostile', True), ('lb', [2]), ('s', 0)), (('hostile', True), ('lb', [3]), ('s', 0))]"
expect_eq "every page on a 390 px wide phone: no sideways scrolling (tables scroll in their box)" \
  "$(pyjson '[p["phone_overflow"] for p in d["pages"][:-1]]' < browser.json)" "[false, false, false]"
if [ -n "${SCEVAL_ARTEFACTS:-}" ] && [ -s shots/desktop.png ]; then
  cp shots/desktop.png "$SCEVAL_ARTEFACTS/report-index.png"
  cp shots/phone.png "$SCEVAL_ARTEFACTS/report-index-phone.png"
  pass "screenshots saved as $SCEVAL_ARTEFACTS/report-index{,-phone}.png"
else
  check "screenshot taken" test -s shots/desktop.png
fi
done_testing
