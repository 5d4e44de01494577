#!/bin/sh
# The integration benchmark still builds and runs (small sizes), and its C
# and numpy sides agree: ComBat outputs equal to rounding, both Harmony runs
# converge to a result.
. "$(dirname "$0")/lib.sh"
top=$(cd "$TESTS_DIR/.." && pwd)
if [ -n "${SCEVAL_ASAN:-}" ]; then
  skip "integration benchmark smoke test (not under ASan: it links the plain library)"
  done_testing
fi
out=$(PYTHON=$PYTHON sh "$top/bench/integrate.sh" 2000 1500 2>&1)
rc=$?
expect_eq "bench/integrate.sh exits 0" "$rc" 0
expect_match "ComBat is timed on both sides" "$out" '^sceval ComBat +[0-9.]+ s'
expect_match "the ComBat transcription is timed" "$out" '^numpy transcription of scanpy pp.combat +[0-9.]+ s'
diff=$(printf '%s\n' "$out" | sed -n 's/.*differ by at most \([0-9.e+-]*\) .*/\1/p')
if [ -n "$diff" ] && awk "BEGIN{exit !($diff < 1e-8)}"; then
  pass "ComBat: sceval and the transcription agree to 1e-8 ($diff)"
else
  fail "ComBat: sceval and the transcription agree to 1e-8 (got '$diff')"
  printf '%s\n' "$out" | sed 's/^/#   /'
fi
expect_match "Harmony is timed on both sides" "$out" 'Harmony: transcription / sceval = [0-9.]+ x'
done_testing
