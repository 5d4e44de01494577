#!/bin/sh
# sceval simulate: option checks, byte-identical output for the same seed
# whatever the thread count, and realism checked by tests/oracle/sim_realism.py.
. "$(dirname "$0")/lib.sh"

expect_exit "no -o is a usage error" 2 "$SCEVAL" simulate
expect_exit "--cells 0 is a usage error" 2 "$SCEVAL" simulate -o x.h5ad --cells 0
expect_match "--cells 0 message" "$(head -n 1 "$T/err")" "^sceval simulate: --cells: '0' is not an integer in \[1, "
expect_exit "--genes -3 is a usage error" 2 "$SCEVAL" simulate -o x.h5ad --genes -3
expect_exit "--types abc is a usage error" 2 "$SCEVAL" simulate -o x.h5ad --types abc
expect_exit "--batches 0 is a usage error" 2 "$SCEVAL" simulate -o x.h5ad --batches 0
expect_exit "--de-prob 2 is a usage error" 2 "$SCEVAL" simulate -o x.h5ad --de-prob 2
expect_match "--de-prob message" "$(head -n 1 "$T/err")" "DE probability must be in \[0, 1\], not 2"
expect_exit "--de-strength x is a usage error" 2 "$SCEVAL" simulate -o x.h5ad --de-strength x
expect_exit "extra argument is a usage error" 2 "$SCEVAL" simulate -o x.h5ad extra
[ -e x.h5ad ] && fail "no file after usage errors" || pass "no file after usage errors"
expect_exit "unwritable path fails" 1 "$SCEVAL" simulate -o /nonexistent/dir/x.h5ad --cells 10 --genes 5
expect_match "unwritable path message" "$(cat "$T/err")" "^sceval simulate: x.h5ad: cannot create '/nonexistent/dir/x.h5ad'"

# 2500 cells: three blocks of 1024, so threads really split the work.
common="--cells 2500 --genes 300 --types 4 --batches 3 --seed 11"
# shellcheck disable=SC2086
expect_exit "simulate with 1 thread" 0 "$SCEVAL" simulate -o a.h5ad $common --threads 1
expect_match "prints path and shape" "$(cat "$T/out")" "^a.h5ad: 2500 cells x 300 genes, 4 types, 3 batches, [0-9]+ non-zero"
# shellcheck disable=SC2086
"$SCEVAL" simulate -o b.h5ad $common --threads 3 >/dev/null || fail "simulate with 3 threads"
# shellcheck disable=SC2086
OPENBLAS_NUM_THREADS=2 "$SCEVAL" simulate -o c.h5ad $common >/dev/null || fail "simulate again"
ha=$(sha256sum <a.h5ad | cut -c1-64); hb=$(sha256sum <b.h5ad | cut -c1-64); hc=$(sha256sum <c.h5ad | cut -c1-64)
expect_eq "1 and 3 threads give the same bytes" "$hb" "$ha"
expect_eq "same seed, same sha256" "$hc" "$ha"
# shellcheck disable=SC2086
"$SCEVAL" simulate -o d.h5ad --cells 2500 --genes 300 --types 4 --batches 3 --seed 12 >/dev/null
hd=$(sha256sum <d.h5ad | cut -c1-64)
[ "$hd" != "$ha" ] && pass "another seed gives another file" || fail "another seed gives another file"

expect_exit "simulate --json" 0 "$SCEVAL" simulate -o e.h5ad --cells 100 --genes 20 --json
expect_eq "json fields" "$("$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["schema"], d["path"], d["n_obs"], d["n_vars"], d["types"], d["batches"], d["nnz"] > 0)' "$T/out")" "1 e.h5ad 100 20 5 2 True"

# Realism on the defaults (2000 x 2000, 5 types, 2 batches).
expect_exit "simulate defaults" 0 "$SCEVAL" simulate -o real.h5ad
"$PYTHON" "$TESTS_DIR/oracle/sim_realism.py" real.h5ad
# Without a batch effect or DE the oracle's detectors must fail: they can.
"$SCEVAL" simulate -o flat.h5ad --cells 1000 --genes 500 --de-prob 0 --batch-scale 0 --batch-strength 0 >/dev/null
"$PYTHON" "$TESTS_DIR/oracle/sim_realism.py" flat.h5ad >flat.txt
expect_match "no DE: types not separable" "$(cat flat.txt)" "^not ok - cell types separable"
expect_match "no batch effect: batches not separable" "$(cat flat.txt)" "^not ok - batch effect present"
done_testing
