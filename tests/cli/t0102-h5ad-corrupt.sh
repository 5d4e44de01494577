#!/bin/sh
# Broken .h5ad files: each gives one clear line on stderr and exit 1, never a
# crash (this script also runs under ASan with `make asan`). The broken
# copies are made here with h5py from a good generated file.
. "$(dirname "$0")/lib.sh"

"$PYTHON" "$TESTS_DIR/oracle/h5ad_fixtures.py" "$T/fx" || fail "fixtures could not be written"
good=$T/fx/variants.h5ad

# bad NAME PYTHON-EDIT: a copy of the legacy-free CSR file with one change.
"$PYTHON" - "$T" <<'PY' || fail "corrupt copies could not be written"
import shutil, sys
import h5py, numpy as np
T = sys.argv[1]
S = h5py.string_dtype("utf-8")

def base(name):
    p = f"{T}/{name}.h5ad"
    shutil.copy(f"{T}/fx/variants.h5ad", p)
    f = h5py.File(p, "r+")
    # Replace the CSC X with a CSR one: 4 x 3, rows [1,0,2],[0,0,3],[4,5,0],[0,6,0]
    del f["X"]
    g = f.create_group("X")
    g.attrs["encoding-type"] = "csr_matrix"
    g.attrs["encoding-version"] = "0.1.0"
    g.attrs["shape"] = np.array([4, 3])
    g["data"] = np.array([1, 2, 3, 4, 5, 6], dtype=np.float32)
    g["indices"] = np.array([0, 2, 2, 0, 1, 1], dtype=np.int32)
    g["indptr"] = np.array([0, 2, 3, 5, 6], dtype=np.int64)
    return f

def redo(g, key, arr):
    del g[key]
    g[key] = arr

f = base("ok"); f.close()
f = base("shape"); f["X"].attrs["shape"] = np.array([5, 3]); f.close()
f = base("ncols"); f["X"].attrs["shape"] = np.array([4, 7]); f.close()
f = base("indices"); redo(f["X"], "indices", np.array([0, 2, 2, 0, 99, 1], dtype=np.int32)); f.close()
f = base("negindex"); redo(f["X"], "indices", np.array([0, 2, 2, -1, 1, 1], dtype=np.int64)); f.close()
f = base("indptr"); redo(f["X"], "indptr", np.array([0, 3, 2, 5, 6], dtype=np.int64)); f.close()
f = base("indptrend"); redo(f["X"], "indptr", np.array([0, 2, 3, 5, 5], dtype=np.int64)); f.close()
f = base("indptrlen"); redo(f["X"], "indptr", np.array([0, 2, 3, 6], dtype=np.int64)); f.close()
f = base("lengths"); redo(f["X"], "data", np.array([1, 2, 3, 4, 5], dtype=np.float32)); f.close()
f = base("nan"); redo(f["X"], "data", np.array([1, 2, np.nan, 4, 5, 6], dtype=np.float32)); f.close()
f = base("inf"); redo(f["X"], "data", np.array([1, 2, 3, np.inf, 5, 6], dtype=np.float32)); f.close()
f = base("neg"); redo(f["X"], "data", np.array([1, 2, 3, 4, -5, 6], dtype=np.float32)); f.close()
f = base("noindptr"); del f["X/indptr"]; f.close()
f = base("strX"); del f["X"]; f.create_dataset("X", data=np.array([["a"] * 3] * 4, dtype=object), dtype=S); f.close()
f = base("codes"); redo(f["obs/grp"], "codes", np.array([1, 5, 0, 1], dtype=np.int8)); f.close()
f = base("nocodes"); del f["obs/grp/codes"]; f.close()
f = base("colorder"); f["obs"].attrs["column-order"] = ["grp", "ghost"]; f.close()
f = base("noindex"); del f["obs/_index"]; f.close()
f = base("obsmrows"); redo(f["obsm"], "emb", np.zeros((3, 2))); f.close()
# A gzip chunk whose bytes are damaged: the parallel inflater must refuse it.
f = base("badchunk"); del f["X/data"]
f["X"].create_dataset("data", data=np.array([1, 2, 3, 4, 5, 6], dtype=np.float32), chunks=(6,), compression="gzip", shuffle=True)
info = f["X/data"].id.get_chunk_info(0)
f.close()
with open(f"{T}/badchunk.h5ad", "r+b") as fh:
    fh.seek(info.byte_offset + 2)
    fh.write(b"\xff" * (info.size - 2))
PY

expect_exit "good copy reads (control)" 0 "$SCEVAL" inspect --checksum --counts X "$T/ok.h5ad"

# broken FILE WHAT PATTERN [inspect options]
broken() {
  f=$1 what=$2 pat=$3; shift 3
  expect_exit "$what: exit 1" 1 "$SCEVAL" inspect "$@" "$f"
  err=$(cat "$T/err")
  expect_match "$what: message" "$err" "$pat"
  n=$(wc -l <"$T/err")
  expect_eq "$what: one line" "$n" 1
}

printf 'cell,gene\n1,2\n' >"$T/x.h5ad"
broken "$T/x.h5ad" "not HDF5" "^sceval inspect: x.h5ad: not an HDF5 file$"
: >"$T/empty.h5ad"
broken "$T/empty.h5ad" "empty file" "^sceval inspect: empty.h5ad: not an HDF5 file$"
mkdir "$T/dir.h5ad"
broken "$T/dir.h5ad" "directory" "^sceval inspect: dir.h5ad: is a directory"
size=$(wc -c <"$good")
head -c $((size / 2)) "$good" >"$T/trunc.h5ad"
broken "$T/trunc.h5ad" "truncated file" "^sceval inspect: trunc.h5ad: cannot open: truncated or corrupt HDF5 file"
head -c 100 "$good" >"$T/trunc100.h5ad"
expect_exit "truncated to 100 bytes: exit 1" 1 "$SCEVAL" inspect "$T/trunc100.h5ad"
expect_match "truncated to 100 bytes: message" "$(cat "$T/err")" "^sceval inspect: trunc100.h5ad: (not an HDF5 file|cannot open: truncated)"
if need_data cellbench_3cl_celseq2_dropseq.h5ad; then
  head -c 4000000 "$DATA/cellbench_3cl_celseq2_dropseq.h5ad" >"$T/cb.h5ad"
  broken "$T/cb.h5ad" "truncated real file" "^sceval inspect: cb.h5ad: cannot open: truncated or corrupt HDF5 file"
else
  skip "truncated real file: data not found"
fi

broken "$T/shape.h5ad" "X rows differ from obs" "^sceval inspect: shape.h5ad: X: shape 5 x 3 does not match obs x var \(4 x 3\)$"
broken "$T/ncols.h5ad" "X cols differ from var" "X: shape 4 x 7 does not match obs x var \(4 x 3\)$"
broken "$T/indices.h5ad" "index out of range" "X: index 99 in row 2 is outside \[0, 3\)$" --checksum
broken "$T/negindex.h5ad" "negative index" "X: index -1 in row 2 is outside \[0, 3\)$" --checksum
broken "$T/indptr.h5ad" "indptr decreasing" "X/indptr: decreases at entry 2 \(2 < 3\)$" --checksum
broken "$T/indptrend.h5ad" "indptr end != nnz" "X/indptr: ends at 5 but there are 6 stored values$"
broken "$T/indptrlen.h5ad" "indptr too short" "X/indptr: has 4 entries for 4 rows \(expected 5\)$"
broken "$T/lengths.h5ad" "data/indices lengths" "X: data has 5 values but indices has 6$"
broken "$T/nan.h5ad" "NaN count" "X: value nan at row 1, column 2 is not a count \(not finite\)$" --counts X
broken "$T/inf.h5ad" "Inf count" "X: value inf at row 2, column 0 is not a count \(not finite\)$" --counts X
broken "$T/neg.h5ad" "negative count" "X: value -5.0 at row 2, column 1 is not a count \(negative\)$" --counts X
broken "$T/noindptr.h5ad" "missing indptr" "X: sparse matrix without 'indptr'$"
broken "$T/strX.h5ad" "string X" "X: not a numeric matrix \(str\)$"
broken "$T/codes.h5ad" "code out of range" "obs/grp/codes: code 5 at row 1 is outside \[-1, 2\)$"
broken "$T/nocodes.h5ad" "categorical without codes" "obs/grp: categorical without codes or categories$"
broken "$T/colorder.h5ad" "column-order names a missing column" "obs/ghost: listed in column-order but missing$"
broken "$T/noindex.h5ad" "missing obs index" "obs: index '_index' is missing$"
broken "$T/obsmrows.h5ad" "obsm rows differ from obs" "obsm/emb: shape 3 x 2 does not match obs \(4 rows\)$"
broken "$T/badchunk.h5ad" "damaged compressed chunk" "X: a compressed chunk of data does not decompress$" --checksum
broken "$T/ok.h5ad" "missing counts layer" "ok.h5ad: layers/raw: no such element$" --counts layers/raw

# An error quotes names from the user's files: control characters (a
# terminal escape sequence) and bytes that are not UTF-8 are written as
# \xNN, so the message stays one line that cannot rewrite the screen.
esc=$(printf 'x\033[2Jy\nz\237.h5ad')
printf 'not hdf5' > "$T/$esc"
"$SCEVAL" inspect "$T/$esc" > /dev/null 2> "$T/err.esc"
expect_eq "an error with control characters and non-UTF-8 bytes in a name is one line" \
  "$(wc -l < "$T/err.esc")" 1
expect_eq "... with each such byte as \\xNN" \
  "$(sed -n 's/.*inspect: \(.*\): not an HDF5 file$/\1/p' "$T/err.esc")" 'x\x1b[2Jy\x0az\x9f.h5ad'
check_fails "... and no raw escape byte" grep -q "$(printf '\033')" "$T/err.esc"
done_testing
