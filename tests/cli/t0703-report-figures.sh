# A task's figures reach its report page: every *.svg output of a method's
# evaluation chain is embedded once, as an <img> with a base64 data URI
# (so it runs no script), decodes to the step's object byte for byte and
# parses as SVG; a figure missing from the store is named, not fatal.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -q --perturb -o p.h5ad --seed 7 >/dev/null
cat > spec.yaml <<SPEC
datasets: {perturb: p.h5ad}
tasks:
  - {task: perturbation, dataset: perturb, methods: [control_mean, additive], seeds: [0]}
SPEC
"$SCEVAL" run --json spec.yaml > r.json 2>err.txt
run=$(pyjson 'd["run"]' < r.json)
"$SCEVAL" show --json "$run" > s.json
"$SCEVAL" report "$run" -o rep >/dev/null 2>&1
expect_eq "report written" "$?" "0"
page=$(ls rep/*.html | grep -v index.html | head -n 1)
"$PYTHON" - s.json "$page" .sceval <<'PY' > figs.out
import base64, hashlib, json, re, sys, xml.etree.ElementTree as E
d = json.load(open(sys.argv[1])); html = open(sys.argv[2]).read()
want = {}
for st in d["step_list"]:
    for name, oid in (st.get("outputs") or {}).items():
        if name.endswith(".svg"):
            want[oid.split(":")[-1]] = name
imgs = re.findall(r'<img alt="[^"]*" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)">', html)
got = [hashlib.sha256(base64.b64decode(b)).hexdigest() for b in imgs]
roots = [E.fromstring(base64.b64decode(b)).tag.endswith("svg") for b in imgs]
inline = any(base64.b64decode(b).decode()[:120] in html for b in imgs)
print(len(want), len(imgs), sorted(got) == sorted(want), all(roots), inline)
PY
set -- $(cat figs.out)
expect_eq "the run wrote figures" "$([ "${1:-0}" -gt 0 ] && echo yes)" "yes"
expect_eq "each figure embedded once, byte for byte, as an SVG image; none inline" "$*" "$1 $1 True True False"
# A figure gone from the store: the page names it and is still written.
oid=$(pyjson '[o for s in d["step_list"] for n, o in (s.get("outputs") or {}).items() if n.endswith(".svg")][0]' < s.json)
hex=${oid#sha256:}
obj=$(find .sceval -type f -name "${hex#??}*" | head -n 1)
chmod u+w "$(dirname "$obj")" "$obj" 2>/dev/null; rm -f "$obj"
"$SCEVAL" report "$run" -o rep2 >/dev/null 2>&1
expect_eq "a report with a missing figure is still written" "$?" "0"
expect_match "the missing figure is named" "$(cat rep2/*.html)" "figure not in the store"
done_testing
