# Forged bundles: the manifest of a bundle is not hashed, so import takes
# every recorded value from the result object (whose hash is the result
# hash) and rejects a bundle whose records disagree with it.
. "$(dirname "$0")/lib.sh"
mkdir a && cd a && "$SCEVAL" init >/dev/null
"$SCEVAL" simulate -o d.h5ad --cells 300 --genes 200 --types 3 --seed 1 >/dev/null 2>&1
cat > spec.yaml <<'SPEC'
datasets: {d: d.h5ad}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [logreg], n_top_genes: 100, n_comps: 10}
SPEC
R=$("$SCEVAL" run --json spec.yaml | pyjson 'd["result"]')
expect_match "the run has a result" "$R" "^[0-9a-f]{64}$"
"$SCEVAL" export "$R" -o "$T/r.tar" >/dev/null
mkdir "$T/c" && cd "$T/c" && "$SCEVAL" init >/dev/null
echo x > keep && "$SCEVAL" add --name keep keep >/dev/null
before=$(store_state "$T/c")
runs_before=$("$SCEVAL" runs --json | pyjson 'len(d["runs"])')

# forge HOW: write $T/bad.tar from the good bundle.
#   manifest  a metric value edited in the manifest only
#   rehash    the result object rewritten (metric edited) and listed under its
#             new hash, the manifest still claiming the old result hash
#   partial   the same, the manifest's result, objects and runs updated too,
#             its metric rows left as they were
#   full      everything updated consistently: a different result
#   label     a run step relabelled as another method
#   extrastep a step record the result does not list (a cache entry planted
#             under a key of its own, consistent with its key JSON)
forge() {
  "$PYTHON" - "$T/r.tar" "$T/bad.tar" "$1" <<'PY'
import hashlib, io, json, sys, tarfile
src, dst, how = sys.argv[1:4]
tin = tarfile.open(src)
ents = [(m.name, tin.extractfile(m).read()) for m in tin.getmembers()]
man = json.loads(ents[0][1])
objs = dict(ents[1:])
rid = man["result"][7:]
def edit_metrics(steps):
    for st in steps:
        for m in st["metrics"]:
            if m["name"] == "accuracy": m["value"] = 0.9999
if how == "manifest":
    edit_metrics(man["steps"])
elif how == "label":
    man["runs"][0]["run_steps"][-1]["method"] = "knn"
elif how == "extrastep":
    st = json.loads(json.dumps([x for x in man["steps"] if '"seed":0' in x["key_json"]][0]))
    st["key_json"] = st["key_json"].replace('"seed":0', '"seed":7')
    st["key"] = hashlib.sha256(st["key_json"].encode()).hexdigest()
    man["steps"].append(st)
else:
    name = "objects/%s/%s" % (rid[:2], rid[2:])
    res = json.loads(objs.pop(name))
    for st in res["steps"]:
        if "accuracy" in st["metrics"]: st["metrics"]["accuracy"]["value"] = 0.9999
    data = json.dumps(res, sort_keys=True, separators=(",", ":")).encode()
    new = hashlib.sha256(data).hexdigest()
    objs["objects/%s/%s" % (new[:2], new[2:])] = data
    for o in man["objects"]:
        if o["id"] == "sha256:" + rid:
            o["size"] = len(data)
            o["id"] = "sha256:" + new
    if how in ("partial", "full"):
        man["result"] = "sha256:" + new
        for r in man["runs"]: r["result"] = "sha256:" + new
    if how == "full": edit_metrics(man["steps"])
    man["objects"].sort(key=lambda o: o["id"])
out = tarfile.open(dst, "w", format=tarfile.PAX_FORMAT)
def add(name, data):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o444
    out.addfile(ti, io.BytesIO(data))
add("sceval-bundle.json", json.dumps(man).encode())
for n in sorted(objs): add(n, objs[n])
out.close()
if how == "full": print(new)
PY
}
for how in manifest rehash partial label extrastep; do
  forge $how >/dev/null
  expect_exit "a bundle with $how forgery is rejected" 1 "$SCEVAL" import "$T/bad.tar"
  expect_match "... with a reason" "$(cat "$T/err")" "^sceval import: '$T/bad.tar': rejected: "
  expect_eq "... on one line" "$(wc -l < "$T/err")" "1"
  expect_eq "... and the store is unchanged" "$(store_state "$T/c")" "$before"
  expect_eq "... and no run was added" "$("$SCEVAL" runs --json | pyjson 'len(d["runs"])')" "$runs_before"
  check "... fsck is clean" "$SCEVAL" fsck
done
forge manifest >/dev/null
"$SCEVAL" import "$T/bad.tar" 2>"$T/err"
expect_match "the reason names the metric" "$(cat "$T/err")" "metric 'accuracy' of step '[0-9a-f]{12}' disagrees with the result object"
forge rehash >/dev/null
"$SCEVAL" import "$T/bad.tar" 2>"$T/err"
expect_match "the claimed result hash must be an object of the bundle" "$(cat "$T/err")" "rejected: the result object is missing$"
forge extrastep >/dev/null
"$SCEVAL" import "$T/bad.tar" 2>"$T/err"
expect_match "a planted step is named" "$(cat "$T/err")" "rejected: a step record the result does not list: '[0-9a-f]{12}'$"
forge label >/dev/null
"$SCEVAL" import "$T/bad.tar" 2>"$T/err"
expect_match "the reason names the field" "$(cat "$T/err")" "the method of run step '[0-9a-f]{12}' disagrees"

# A wholly consistent forgery is a different result: its value is never
# shown beside the genuine hash, and reproduce exposes it.
F=$(forge full)
expect_exit "a consistent forgery imports as another result" 0 "$SCEVAL" import "$T/bad.tar"
expect_eq "... under its own hash, not the genuine one" \
  "$("$SCEVAL" runs --json | pyjson '[r["result"] for r in d["runs"]]')" "[\"$F\"]"
expect_exit "... and reproduce finds it different" 1 "$SCEVAL" reproduce "$F"
# Where the genuine steps are already known, the forgery is refused.
mkdir "$T/d" && cd "$T/d" && "$SCEVAL" init >/dev/null
"$SCEVAL" import "$T/r.tar" >/dev/null
before=$(store_state "$T/d")
expect_exit "a forgery of steps this store has is rejected" 1 "$SCEVAL" import "$T/bad.tar"
expect_match "... naming the metric" "$(cat "$T/err")" "metric 'accuracy' of step '[0-9a-f]{12}' differs from this store's record"
expect_eq "... store unchanged" "$(store_state "$T/d")" "$before"
done_testing
