# Bundles: export a result, import it into another store, reproduce it there
# offline, bit for bit; tampered bundles are rejected and leave the store
# unchanged; gc keeps everything a recorded run refers to.
. "$(dirname "$0")/lib.sh"
need_data "$PBMC" || { skip "needs $PBMC in \$SCEVAL_TESTDATA"; done_testing; }
mkdir a b && cd a && "$SCEVAL" init >/dev/null
cp "$TESTS_DIR/../examples/models/standin_model.py" model.py
cat > spec.yaml <<SPEC
datasets: {pbmc: $DATA/$PBMC}
methods:
  model:
    command: [$PYTHON, "{file:m}", "{input}", "{output}", --seed, "{seed}", --layer, layers/counts]
    files: {m: model.py}
    output: emb.npy
    provides: {obsm: X_model}
tasks:
  - {task: annotation, dataset: pbmc, label_key: bulk_labels, methods: [model, logreg], representation: "obsm:X_pca"}
SPEC
R=$("$SCEVAL" run --json spec.yaml | pyjson 'd["result"]')
expect_match "the run has a result" "$R" "^[0-9a-f]{64}$"
"$SCEVAL" gc >/dev/null
expect_exit "gc keeps what the run refers to: reproduce still works" 0 "$SCEVAL" reproduce "$R"
expect_exit "export writes a bundle" 0 "$SCEVAL" export "$R" -o "$T/r.tar"
"$SCEVAL" export "$R" -o "$T/r2.tar" >/dev/null
check "the same result exports to the same bytes" cmp -s "$T/r.tar" "$T/r2.tar"
cd "$T/b" && "$SCEVAL" init >/dev/null
expect_exit "import into a fresh store" 0 "$SCEVAL" import "$T/r.tar"
expect_exit "reproduce works there, offline" 0 "$SCEVAL" reproduce "$R"
expect_match "... bit for bit" "$(cat "$T/out")" " 0 equivalent, 0 different, 0 steps failed$"
expect_eq "the imported run is listed" "$("$SCEVAL" runs --json | pyjson '[r["result"] for r in d["runs"]]')" "[\"$R\"]"
expect_exit "fsck is clean after import" 0 "$SCEVAL" fsck
"$SCEVAL" import "$T/r.tar" >/dev/null
expect_eq "importing twice keeps one run" "$("$SCEVAL" runs --json | pyjson 'len(d["runs"])')" "1"

# Tampered bundles, each built from the good one with Python's tarfile.
mkdir "$T/c" && cd "$T/c" && "$SCEVAL" init >/dev/null
echo x > keep && "$SCEVAL" add --name keep keep >/dev/null
before=$(store_state "$T/c")
tamper() {
  "$PYTHON" - "$T/r.tar" "$T/bad.tar" "$1" <<'PY'
import io, json, sys, tarfile
src, dst, how = sys.argv[1], sys.argv[2], sys.argv[3]
tin = tarfile.open(src)
members = [(m, tin.extractfile(m).read()) for m in tin.getmembers()]
out = tarfile.open(dst, "w", format=tarfile.PAX_FORMAT)
def add(name, data, **kw):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o444
    for k, v in kw.items(): setattr(ti, k, v)
    out.addfile(ti, io.BytesIO(data))
for i, (m, data) in enumerate(members):
    if how == "flip" and m.name.startswith("objects/") and m.size > 100:
        data = bytearray(data); data[50] ^= 1; data = bytes(data); how = "done"
    if how == "key" and m.name == "sceval-bundle.json":
        j = json.loads(data); j["steps"][0]["key_json"] = j["steps"][0]["key_json"].replace('"seed":0', '"seed":1'); data = json.dumps(j).encode()
    add(m.name, data)
if how == "extra":
    add("objects/00/" + "0" * 62, b"not listed")
elif how == "dotdot":
    add("../evil", b"x")
elif how == "absolute":
    add("/tmp/sceval-evil", b"x")
elif how == "symlink":
    ti = tarfile.TarInfo("objects/aa/" + "a" * 62); ti.type = tarfile.SYMTYPE; ti.linkname = "/etc/passwd"
    out.addfile(ti)
elif how == "outside":
    add("notes.txt", b"hello")
out.close()
PY
}
for how in flip extra dotdot absolute symlink outside key; do
  tamper $how
  expect_exit "a bundle with $how is rejected" 1 "$SCEVAL" import "$T/bad.tar"
  expect_match "... with a one-line reason" "$(cat "$T/err")" "^sceval import: '$T/bad.tar': rejected: "
  expect_eq "... and the store is unchanged" "$(store_state "$T/c")" "$before"
done
check "nothing escaped the store" test ! -e /tmp/sceval-evil
head -c 5000 "$T/r.tar" > "$T/trunc.tar"
expect_exit "a truncated bundle is rejected" 1 "$SCEVAL" import "$T/trunc.tar"
expect_eq "... store unchanged" "$(store_state "$T/c")" "$before"
done_testing
