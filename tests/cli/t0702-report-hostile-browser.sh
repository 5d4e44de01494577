# Hostile strings through every field a report or diff page shows, checked in
# headless Chromium: cell-type and batch labels, gene names, obs and var
# column names, the data file's name, the spec's name, file name, dataset,
# method and task names, a git branch and commit message, a tag. Each markup
# payload sets window.__pwned (or opens a dialog) if it ever runs. The pages
# are loaded as written (their Content-Security-Policy forbids scripts) and
# again with that policy removed, so that escaping alone must stop them:
# no script, no dialog, no handler attribute, no <img> but the report's own
# embedded SVG figures, __pwned undefined,
# and every payload is shown as literal text (a bidi override as its escape
# \u202e, as on a terminal). A control page with the same
# payloads unescaped proves the checks can fail. Every CSV cell that report,
# diff and the steps write is checked for formula injection; a screenshot of
# the annotation page (hostile labels in its tables) is saved and checked to
# be a valid PNG.
. "$(dirname "$0")/lib.sh"
CHROMIUM=$(command -v chromium || true)
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -q -o sim.h5ad --cells 300 --genes 120 --types 7 --batches 2 >/dev/null
BRANCH='"><svg/onload=window.__pwned=31>'
git init -q . && git checkout -q -b "$BRANCH" || fail "a hostile branch name"
"$PYTHON" - <<'PY' || fail "the hostile dataset and spec could not be written"
import json
import anndata as ad
# Each markup payload sets window.__pwned to its own number if it ever runs.
P = ['<script>window.__pwned=1;alert(1)</script>',
     '"><img src=x onerror="window.__pwned=2">',
     '</style><script>window.__pwned=3</script>',
     ']]><svg onload="window.__pwned=4"></svg>',
     '=HYPERLINK("http://evil.example/","x")',
     "+cmd|' /C calc'!A0",
     'abc\u202eevil']
# HDF5 names cannot hold '/': column names and the file name use these.
C = ['"><img src=x onerror=window.__pwned=11>', '=HYPERLINK("evil")',
     '@SUM(1+1)\u202e<b onmouseover=window.__pwned=12>']
# Dataset and method names are identifiers (letters, digits, ._-+): only the
# formula characters get through.
D, M = "+cmd-1", "-2+3"
a = ad.read_h5ad("sim.h5ad")
cats = list(a.obs["cell_type"].cat.categories)
a.obs["cell_type"] = a.obs["cell_type"].cat.rename_categories(dict(zip(cats, P)))
a.obs["batch"] = a.obs["batch"].cat.rename_categories(dict(zip(["batch1", "batch2"], P[4:6])))
a.var["de_type"] = a.var["de_type"].replace(dict(zip(cats, P)))
a.var_names = P + list(a.var_names[len(P):])
a.obs = a.obs.rename(columns={"cell_type": C[0], "batch": C[1]})
a.var = a.var.rename(columns={"de_type": C[2]})
fname = C[0] + ".h5ad"
a.write_h5ad(fname)
spec = {"name": P[0],
        "description": P[2],
        "datasets": {D: "./" + fname},
        "methods": {M: {"builtin": "logreg"}},
        "tasks": [
            {"task": "annotation", "name": P[1], "dataset": D, "label_key": C[0],
             "methods": [M, "knn"], "n_top_genes": 60, "n_comps": 10},
            {"task": "gene-function", "name": P[4], "dataset": D, "gene_labels": "var:" + C[2],
             "unlabeled": ["none"], "methods": ["knn"]},
            {"task": "batch", "name": P[3], "dataset": D, "label_key": C[0], "batch_key": C[1],
             "n_comps": 10, "methods": ["unintegrated"]}]}
open(P[6] + ".yaml", "w").write(json.dumps(spec, ensure_ascii=False, indent=1))
json.dump({"P": P, "C": C, "D": D, "M": M, "spec": P[6] + ".yaml", "file": fname},
          open("payloads.json", "w"))
PY
SPEC=$(pyjson 'd["spec"]' < payloads.json)
MSG=$(printf '<script>window.__pwned=32</script>\n\n=HYPERLINK("http://evil.example/")\n')
git add "$SPEC" && git commit -qm "$MSG" || fail "a hostile commit message"
"$SCEVAL" run -q "$SPEC" > /dev/null 2> run.err || { fail "run 1"; cat run.err; done_testing; }
echo "# edited" >> "$SPEC"
"$SCEVAL" run -q "$SPEC" > /dev/null 2> run.err || { fail "run 2 (dirty tree)"; cat run.err; done_testing; }
TAG='=1+1,@SUM'
expect_exit "a result tagged '$TAG'" 0 "$SCEVAL" tag "$("$SCEVAL" show --json 1 | pyjson 'd["result"]')" "$TAG"
expect_exit "report of the tag and run 2" 0 "$SCEVAL" report "$TAG" 2 -o rep
expect_exit "diff --html of the tag and run 2" 0 "$SCEVAL" diff "$TAG" 2 --html rep/diff.html
expect_exit "diff --csv of the tag and run 2" 0 "$SCEVAL" diff "$TAG" 2 --csv
cp out rep/diff.csv

# ---- CSV: every cell of every CSV file report, diff and the steps wrote -----------
"$SCEVAL" show --json 1 | pyjson '"\n".join(v for s in d["step_list"] for r, v in s["outputs"].items() if r.endswith(".csv"))' > step-csv.txt
mkdir steps && n=0
while read -r id; do n=$((n + 1)); "$SCEVAL" cat "$id" > "steps/$n.csv"; done < step-csv.txt
"$PYTHON" - rep/*.csv steps/*.csv > csv.out <<'PY'
import csv, json, sys
P = json.load(open("payloads.json"))
# OWASP's advice: a cell starting with = + - @ TAB or CR gets a leading
# single quote (and the cell is quoted); numbers stay numbers.
def formula(f):
    if f[:1] not in ("=", "+", "-", "@", "\t", "\r"):
        return False
    try:
        float(f)
        return False
    except ValueError:
        return True
bad, cells, seen = 0, 0, set()
for path in sys.argv[1:]:
    for row in csv.reader(open(path, newline="", encoding="utf-8")):
        for f in row:
            cells += 1
            if formula(f):
                bad += 1
                print("formula cell", path, repr(f))
            g = f[1:] if f[:1] == "'" and formula(f[1:]) else f
            seen.add(g)
print("cells", cells, "formula", bad)
want = P["P"][4:6] + [P["D"], P["M"]] + P["P"][:4]
print("neutralised and kept", sorted(set(want) - seen) == [])
PY
expect_match "no CSV cell would run as a formula ($(ls rep/*.csv steps/*.csv | wc -l) files)" "$(grep '^cells' csv.out)" "^cells [0-9]+ formula 0$"
expect_eq "... each formula-like name and label is kept behind a quote" "$(grep '^neutralised' csv.out)" "neutralised and kept True"
grep '^formula' csv.out | head -n 5 | sed 's/^/#   /'

# ---- inspect: the labels and names print as they are, no escape is raw -----------
"$SCEVAL" inspect "$(pyjson 'd["file"]' < payloads.json)" > insp.txt
expect_match "inspect names the hostile obs column" "$(cat insp.txt)" 'onerror=window.__pwned=11>'
expect_match "... and prints the RLO escaped" "$(cat insp.txt)" '@SUM\(1\+1\)\\u202e<b'
check "... and no raw RLO" sh -c "! grep -q \"$(printf '\342\200\256')\" insp.txt"

# ---- in a browser -----------------------------------------------------------------
if [ -z "$CHROMIUM" ]; then
  skip "headless browser checks: chromium is not installed"
  done_testing
fi
# The same pages with their Content-Security-Policy taken out.
mkdir nocsp
for f in rep/*.html; do
  sed 's/<meta http-equiv="Content-Security-Policy"[^>]*>//' "$f" > "nocsp/${f#rep/}"
done
expect_eq "the policy is gone from the copies" "$(cat nocsp/*.html | grep -c Content-Security-Policy)" "0"
# A control page: the payloads unescaped, no policy.
"$PYTHON" - > control.html <<'PY'
import json
P = json.load(open("payloads.json"))
print("<!DOCTYPE html><html><head><title>c</title></head><body><table><tr><td>%s</td></tr></table></body></html>"
      % "</td><td>".join(P["P"][:4] + P["C"][:1]))
PY
EXPR="JSON.stringify({pwned: String(window.__pwned), scripts: document.querySelectorAll('script').length, imgs: document.querySelectorAll('img:not([src^=\"data:image/svg+xml;base64,\"])').length, handlers: Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes).some(a => a.name.toLowerCase().startsWith('on'))).length, text: document.body.textContent})"
ANN=$(grep -l 'Annotation\|annotation' rep/*.html | grep -v 'index\|diff' | head -n 1)
set -- "file://$T/$ANN=$EXPR"
for f in rep/*.html nocsp/*.html; do set -- "$@" "file://$T/$f=$EXPR"; done
mkdir shots
timeout 180 "$PYTHON" "$TESTS_DIR/cli/cdp.py" "$CHROMIUM" shots "$@" "file://$T/control.html=$EXPR" > browser.json 2> browser.err
rc=$?
expect_eq "chromium loaded every page" "$rc" "0"
[ "$rc" -eq 0 ] || { sed 's/^/#   /' browser.err | tail -n 5; done_testing; }
"$PYTHON" - browser.json > dom.out <<'PY'
import json, sys
P = json.load(open("payloads.json"))
pages = json.load(open(sys.argv[1]))["pages"]
control, pages = pages[-1], pages[:-1]
def v(p):
    return json.loads(p["value"])
c = v(control)
print("control", c["pwned"] != "undefined", c["scripts"] > 0, c["handlers"] > 0,
      len(control["dialogs"]) > 0)
ran = [(p["url"], v(p)["pwned"]) for p in pages if v(p)["pwned"] != "undefined"]
print("pwned", ran)
print("dialogs", sum(len(p["dialogs"]) for p in pages))
print("exceptions", sum(len(p["exceptions"]) + len(p["console"]) + len(p["log"]) for p in pages))
print("elements", sum(v(p)["scripts"] + v(p)["imgs"] + v(p)["handlers"] for p in pages))
rep = " ".join(v(p)["text"] for p in pages if "/rep/" in p["url"] and not p["url"].split("=")[0].endswith("diff.html"))
diff = " ".join(v(p)["text"] for p in pages if p["url"].split("=")[0].endswith("/rep/diff.html"))
fields = {
    "cell-type label": P["P"],
    "obs column (label key)": P["C"][:1],
    "obs column (batch key)": P["C"][1:2],
    "var column (gene labels)": P["C"][2:],
    "data file name": [P["file"]],
    "spec name": P["P"][:1],
    "spec description": P["P"][2:3],
    "spec file name": [P["spec"]],
    "task name": [P["P"][1], P["P"][3], P["P"][4]],
    "dataset name": [P["D"]],
    "method name": [P["M"]],
    "git branch": ['"><svg/onload=window.__pwned=31>'],
}
# A bidi override is shown as its escape, as on a terminal: it must not
# reorder what the reader sees ("abc\u202eevil" would read "abclive").
def shown(x):
    return x.replace("\u202e", "\\u202e")
print("raw overrides", sum(v(p)["text"].count("\u202e") for p in pages))
for what, xs in fields.items():
    # step parameters are shown as JSON: a quote there reads \"
    missing = [x for x in xs
               if shown(x) not in rep and shown(json.dumps(x, ensure_ascii=False)[1:-1]) not in rep]
    print("report shows %s: %s" % (what, "yes" if not missing else "MISSING %r" % missing))
print("diff shows tag:", "=1+1,@SUM" in diff)
PY
expect_eq "control: the checks see a script run, a handler, a dialog" "$(grep '^control' dom.out)" "control True True True True"
expect_eq "no payload ran on any page, with or without the policy" "$(grep '^pwned' dom.out)" "pwned []"
expect_eq "no dialog opened" "$(grep '^dialogs' dom.out)" "dialogs 0"
expect_eq "no exception, console message or policy violation" "$(grep '^exceptions' dom.out)" "exceptions 0"
expect_eq "no <script>, <img> or on* attribute in any DOM" "$(grep '^elements' dom.out)" "elements 0"
expect_eq "no raw right-to-left override in any page's text" "$(grep '^raw overrides' dom.out)" "raw overrides 0"
grep '^report shows' dom.out | while IFS= read -r line; do
  case $line in *": yes") pass "$line as literal text";; *) fail "$line";; esac
done
expect_eq "the diff page shows the tag as text" "$(grep '^diff shows' dom.out)" "diff shows tag: True"
"$PYTHON" - shots/desktop.png > png.out <<'PY'
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
ok = b[:8] == b"\x89PNG\r\n\x1a\n"
pos, chunks, idat = 8, [], b""
while ok and pos + 12 <= len(b):
    n, kind = struct.unpack(">I4s", b[pos:pos + 8])
    body = b[pos + 8:pos + 8 + n]
    ok = ok and zlib.crc32(kind + body) == struct.unpack(">I", b[pos + 8 + n:pos + 12 + n])[0]
    chunks.append(kind)
    if kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h = struct.unpack(">II", b[16:24]) if ok else (0, 0)
raw = zlib.decompress(idat) if ok else b""
print("png", ok and chunks[0] == b"IHDR" and chunks[-1] == b"IEND" and w > 0 and h > 0 and len(raw) > 0, w, h)
PY
expect_match "screenshot of the annotation page: a valid PNG (signature, chunk CRCs, image data)" "$(cat png.out)" "^png True [0-9]+ [0-9]+$"
if [ -n "${SCEVAL_ARTEFACTS:-}" ]; then
  cp shots/desktop.png "$SCEVAL_ARTEFACTS/report-hostile.png"
  echo "# screenshot: $SCEVAL_ARTEFACTS/report-hostile.png"
else
  echo "# screenshot: $T/shots/desktop.png (removed at exit; set SCEVAL_ARTEFACTS to keep it)"
fi
done_testing
