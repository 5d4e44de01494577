# The grn task's metric-vs-resolution figure: with `resolutions: [...]` one
# grn.curve step tabulates every method's program metrics at each resolution
# (the very values the enrich steps recorded) and draws them as an SVG, one
# panel per metric and one line per method, which the report's page of the
# task embeds; with one resolution there is no curve.
. "$(dirname "$0")/lib.sh"
need_data $PBMC genesets/msigdb_hallmark_v7.0_symbols.gmt || { skip "needs PBMC and the hallmark sets"; done_testing; }
"$SCEVAL" init >/dev/null
cat > c.yaml <<Y
datasets: {pbmc: $DATA/$PBMC, hallmark: $DATA/genesets/msigdb_hallmark_v7.0_symbols.gmt}
tasks:
  - {task: grn, dataset: pbmc, genesets: hallmark, counts: layers/counts, resolutions: [5, 10, 40], edges: none, methods: [coexpression, random]}
Y
"$SCEVAL" run --json c.yaml > r.json; rc=$?
expect_eq "a spec with three resolutions runs" "$rc:$(pyjson 'd["status"]' < r.json)" "0:done"
run=$(pyjson 'd["run"]' < r.json)
"$SCEVAL" show --json "$run" > s.json
"$PYTHON" - s.json "$SCEVAL" <<'PY' > check.out 2>&1
import json, math, subprocess, sys, xml.etree.ElementTree as ET
run, sceval = json.load(open(sys.argv[1])), sys.argv[2]
curves = [s for s in run["step_list"] if s["kind"] == "grn.curve"]
print("curves", len(curves))
out = curves[0]["outputs"]
cat = lambda h: subprocess.run([sceval, "cat", h], capture_output=True, check=True).stdout
rows = [l.split("\t") for l in cat(out["resolution_curve.tsv"]).decode().splitlines()[1:]]
rec = {(r["method"], r["metric"]): r["value"] for r in run["metrics"]}
n = bad = 0
for method, res, metric, value in rows:
    want = rec[("%s[resolution=%g]" % (method, float(res)), metric)]
    n += 1
    got = float(value)
    if not ((want is None and math.isnan(got)) or (want is not None and got == want)):
        bad += 1; print("mismatch", method, res, metric, value, want)
print("points", n, "bad", bad)
svg = ET.fromstring(cat(out["resolution_curve.svg"]))
ns = "{http://www.w3.org/2000/svg}"
texts = [t.text or "" for t in svg.iter(ns + "text")]
print("polylines", len(list(svg.iter(ns + "polyline"))))
print("legend", "coexpression" in texts and "random" in texts)
print("panels", sum(t in texts for t in ["programs_enriched", "sets_recovered", "best_jaccard_median", "n_programs", "genes_in_programs"]))
PY
expect_eq "one curve step for the task" "$(sed -n 's/^curves //p' check.out)" 1
expect_eq "its table holds 2 methods x 3 resolutions x 5 metrics, equal to the recorded metrics" \
  "$(sed -n 's/^points //p' check.out)" "30 bad 0"
grep mismatch check.out | head -n 3 | sed 's/^/#   /'
expect_eq "the SVG has a panel per metric and a legend of both methods" \
  "$(sed -n 's/^panels //p' check.out) $(sed -n 's/^legend //p' check.out)" "5 True"
check "... and a line per method and metric ($(sed -n 's/^polylines //p' check.out) polylines)" \
  test "$(sed -n 's/^polylines //p' check.out)" -ge 10
"$SCEVAL" report "$run" -o rep >/dev/null
expect_match "the report embeds it" "$(grep -o 'resolution curve: grn.curve, resolution_curve.svg' rep/grn.html)" \
  "resolution_curve.svg"
sed -i 's/resolutions: \[5, 10, 40\]/resolution: 10/' c.yaml
"$SCEVAL" run --json c.yaml > r1.json
"$SCEVAL" show --json "$(pyjson 'd["run"]' < r1.json)" > s1.json
expect_eq "one resolution: no curve" "$(pyjson 'len([s for s in d["step_list"] if s["kind"] == "grn.curve"])' < s1.json)" 0
done_testing
