#!/bin/sh
# sceval inspect --checksum --json against anndata 0.8 (tests/oracle/h5ad_compare.py)
# on every real file in $SCEVAL_TESTDATA and on generated files in the
# layouts the real data lacks (pre-0.7, CSC, nullable columns, no X, 0 genes).
. "$(dirname "$0")/lib.sh"

compare() {
  f=$1
  if "$SCEVAL" inspect --checksum --json "$f" >"$T/j.json" 2>"$T/err"; then
    "$PYTHON" "$TESTS_DIR/oracle/h5ad_compare.py" "$f" "$T/j.json" 2>&1 || fail "$(basename "$f"): oracle crashed"
  else
    fail "$(basename "$f"): sceval inspect failed: $(cat "$T/err")"
  fi
}

if [ -d "$DATA" ] && ls "$DATA"/*.h5ad >/dev/null 2>&1; then
  for f in "$DATA"/*.h5ad; do compare "$f"; done
else
  skip "real data: $DATA not found"
fi

# The same through H5Dread only (no parallel inflating): both paths must agree with anndata.
if need_data cellbench_3cl_celseq2_dropseq.h5ad; then
  SCEVAL_H5AD_NOFAST=1 "$SCEVAL" inspect --checksum --json "$DATA/cellbench_3cl_celseq2_dropseq.h5ad" >"$T/slow.json"
  "$SCEVAL" inspect --checksum --json "$DATA/cellbench_3cl_celseq2_dropseq.h5ad" >"$T/fast.json"
  expect_eq "parallel inflating and H5Dread give the same checksums" \
    "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["X"]["checksum"])' "$T/fast.json")" \
    "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["X"]["checksum"])' "$T/slow.json")"
else
  skip "fast/slow path comparison: data not found"
fi
"$SCEVAL" simulate -o "$T/sim.h5ad" --cells 3000 --genes 200 --seed 3 >/dev/null || fail "simulate"
SCEVAL_H5AD_NOFAST=1 "$SCEVAL" inspect --checksum --json "$T/sim.h5ad" >"$T/slow.json"
"$SCEVAL" inspect --checksum --json "$T/sim.h5ad" >"$T/fast.json"
"$PYTHON" "$TESTS_DIR/oracle/h5ad_compare.py" "$T/sim.h5ad" "$T/fast.json"
expect_eq "shuffled gzip chunks: both paths agree" \
  "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["X"]["checksum"])' "$T/fast.json")" \
  "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["X"]["checksum"])' "$T/slow.json")"

"$PYTHON" "$TESTS_DIR/oracle/h5ad_fixtures.py" "$T/fx" || fail "fixtures could not be written"
for f in legacy variants noX emptyX unsorted; do compare "$T/fx/$f.h5ad"; done
done_testing
