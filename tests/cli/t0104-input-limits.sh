# Files that declare more than they hold or than memory allows (.h5ad,
# .npy, bundles whose entries or decompressed objects are huge), and files
# that crash or hang libhdf5 1.10.8 itself (tests/fuzz/hdf5-known/): each is
# refused with one line naming the file (and the element), a non-zero exit,
# no hang, and the store as it was.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -q -o sim.h5ad --cells 300 --genes 200 --types 3 --seed 1 >/dev/null
"$PYTHON" - <<'PY' || fail "the crafted files could not be written"
import h5py, numpy as np, shutil
# A var index declaring 10^7 strings in a tiny file: chunked,
# gzip-compressed, no chunk written (a decompression bomb's shape).
shutil.copy("sim.h5ad", "bomb.h5ad")
with h5py.File("bomb.h5ad", "r+") as f:
    v = f["var"]
    del v["_index"]
    v.create_dataset("_index", shape=(10**7,), dtype=h5py.string_dtype(), chunks=(1024,),
                     compression="gzip")
# The same without compression: a contiguous dataset larger than the file.
shutil.copy("sim.h5ad", "big.h5ad")
with h5py.File("big.h5ad", "r+") as f:
    g = f.require_group("obsm")
    g.create_dataset("X_huge", shape=(300, 4 * 10**6), dtype="float32")
# A CSR whose indptr disagrees with its shape.
shutil.copy("sim.h5ad", "csr.h5ad")
with h5py.File("csr.h5ad", "r+") as f:
    p = f["X/indptr"][:]
    del f["X/indptr"]
    f["X"].create_dataset("indptr", data=p[:-5])
PY
before=$(store_state .)
expect_exit "a compressed var index of 10^7 strings in a small file: refused" 1 "$SCEVAL" inspect bomb.h5ad
expect_match "... naming the file, the element, what it declares and the ratio" "$(cat err)" \
  "^sceval inspect: bomb.h5ad: var/_index: declares 10000000 values \(.*\) that a file of .* cannot hold even compressed \(at most 1032:1\): corrupt or truncated$"
expect_exit "an uncompressed obsm of 300 x 4e6 float32 in a small file: refused" 1 "$SCEVAL" inspect --checksum big.h5ad
expect_match "... naming the element and the sizes" "$(cat err)" \
  "^sceval inspect: big.h5ad: obsm/X_huge: declares 1200000000 values \(4.5 GiB\) that a file of [0-9.]+ KiB cannot hold: corrupt or truncated$"
expect_exit "a CSR indptr shorter than its rows: refused" 1 "$SCEVAL" inspect --checksum csr.h5ad
expect_match "... naming the element" "$(cat err)" "^sceval inspect: csr.h5ad: X/indptr: has 296 entries for 300 rows \(expected 301\)$"

# The memory limit: a real 300 x 200 matrix read densely needs 300*200*8 bytes.
expect_exit "under a memory limit of 100 KiB, reading X densely fails" 1 env SCEVAL_MEM_LIMIT=100K "$SCEVAL" inspect --checksum sim.h5ad
expect_match "... with the element, the size asked for and the limit" "$(cat err)" \
  "^sceval inspect: sim.h5ad: X: .* need [0-9.]+ [KM]iB, more than the memory limit 100 KiB \(SCEVAL_MEM_LIMIT\)$"
expect_exit "a malformed SCEVAL_MEM_LIMIT: usage error" 2 env SCEVAL_MEM_LIMIT=lots "$SCEVAL" inspect sim.h5ad
expect_eq "... one line naming it" "$(cat err)" "sceval inspect: SCEVAL_MEM_LIMIT='lots': not a size (e.g. 512M, 8G)"
expect_exit "with 64M, the same read works" 0 env SCEVAL_MEM_LIMIT=64M "$SCEVAL" inspect --checksum sim.h5ad
"$PYTHON" - <<'PY'
import numpy as np
np.save("e.npy", np.random.default_rng(0).random((300, 50), np.float32))
# The same 128-byte header, claiming 3e6 x 5e4 values, and no data.
h = open("e.npy", "rb").read(128)
i = h.index(b"(300, 50)")
h = h[:i] + b"(3000000, 50000)" + h[i + 9:].replace(b"       ", b"", 1)
assert len(h) == 128
open("lie.npy", "wb").write(h)
PY
for i in $(seq 300); do echo a; done > lab.txt
for i in $(seq 300); do echo b$((i % 2)); done > bat.txt
expect_exit "an .npy embedding over the limit: refused" 1 env SCEVAL_MEM_LIMIT=50K "$SCEVAL" scib e.npy lab.txt bat.txt
expect_eq "... naming the file and the size (300 x 50 x (4 + 8) bytes)" "$(cat err)" \
  "sceval scib: e.npy: 300 x 50 values need 176 KiB, more than the memory limit 50 KiB (SCEVAL_MEM_LIMIT)"
expect_exit "an .npy header claiming more than the file holds: refused" 1 "$SCEVAL" scib lie.npy lab.txt bat.txt
expect_eq "... before allocating" "$(cat err)" "sceval scib: lie.npy: truncated data: the header claims 3000000 x 50000 values of <f4, more than the file holds"

# libhdf5's own crashes and hangs, through inspect and run.
cat > spec.yaml <<'SPEC'
datasets: {d: d.h5ad}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [knn]}
SPEC
for f in "$TESTS_DIR"/fuzz/hdf5-known/*.h5ad; do
  n=$(basename "$f")
  cp "$f" d.h5ad
  start=$(date +%s)
  expect_exit "$n: inspect exits 1" 1 env SCEVAL_READ_TIMEOUT=3 timeout 60 "$SCEVAL" inspect d.h5ad
  expect_match "... in one line naming the file" "$(cat err)" \
    "^sceval inspect: (('d.h5ad': libhdf5 (crashed reading it \(.*\)|did not finish reading it in 3 s \(SCEVAL_READ_TIMEOUT\)): the file is corrupt)|d.h5ad: .*)$"
  expect_eq "... one line only" "$(wc -l < err | tr -d ' ')" "1"
  grep -q libhdf5 err && expect_eq "... nothing half-printed on stdout" "$(wc -c < out | tr -d ' ')" "0"
  expect_exit "$n: run exits 1" 1 env SCEVAL_READ_TIMEOUT=3 timeout 60 "$SCEVAL" run spec.yaml
  expect_match "... in one line naming the dataset and the file" "$(cat err)" \
    "^sceval run: spec.yaml:[0-9]+:[0-9]+: dataset 'd': 'd.h5ad': ((libhdf5 (crashed reading it|did not finish reading it in 3 s)|its HDF5 structure cannot be read|[^ ]+: cannot be read).*: the file is corrupt|cannot open: truncated or corrupt HDF5 file)$"
  expect_eq "... one line only" "$(wc -l < err | tr -d ' ')" "1"
  t=$(( $(date +%s) - start ))
  check "... both within 15 s (took ${t}s)" test "$t" -le 15
done

# Bundles: a plain tar whose object entry declares 100 MB in a 10 KB file,
# and a gzip-compressed one whose manifest declares 1 PiB of objects.
"$PYTHON" - <<'PY'
import io, json, tarfile
def bundle(path, size, mode):
    oid = "ab" * 32
    man = json.dumps({"format": "sceval-bundle", "version": 1,
                      "objects": [{"id": "sha256:" + oid, "type": "blob", "kind": "output",
                                   "size": size}]}).encode()
    with tarfile.open(path, mode, format=tarfile.PAX_FORMAT) as t:
        ti = tarfile.TarInfo("sceval-bundle.json"); ti.size = len(man)
        t.addfile(ti, io.BytesIO(man))
        ti = tarfile.TarInfo("objects/%s/%s" % (oid[:2], oid[2:])); ti.size = size
        t.addfile(ti)  # the header alone: its data are not there
bundle("entry.tar", 100 * 10**6, "w")
bundle("bomb.tar.gz", 2**50, "w:gz")
PY
expect_exit "a bundle entry larger than the bundle: rejected" 1 "$SCEVAL" import entry.tar
expect_match "... saying so, with both sizes" "$(cat err)" \
  "^sceval import: 'entry.tar': rejected: abab[0-9a-f]+ declares 95 MiB, more than the whole bundle \([0-9.]+ KiB\)$"
expect_exit "a compressed bundle declaring 1 PiB of objects: rejected" 1 "$SCEVAL" import bomb.tar.gz
expect_match "... before staging anything" "$(cat err)" \
  "^sceval import: 'bomb.tar.gz': its objects take 1.0 PiB, more than the .* free on the store's disk$"
expect_eq "no staging folder left" "$(ls .sceval/tmp 2>/dev/null | wc -l | tr -d ' ')" "0"
expect_eq "the store is as it was" "$(store_state .)" "$before"
done_testing
