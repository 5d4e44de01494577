#!/bin/sh
# Replays every fuzz seed and every kept crash (tests/fuzz/corpus/NAME and
# tests/fuzz/crashes/NAME) through each fuzz target's plain replay driver:
# a crash once found and fixed must stay fixed. No clang or libFuzzer here;
# `make fuzz` is what finds new inputs (tests/fuzz/README.md).
. "$(dirname "$0")/lib.sh"
: "${SCEVAL_UNITDIR:?SCEVAL_UNITDIR must name the unit-test binaries}"
FUZZ=$TESTS_DIR/fuzz
for t in spec npy table bundle h5ad h5ad_struct ref; do
  bin=$SCEVAL_UNITDIR/fuzz-replay-$t
  if [ ! -x "$bin" ]; then
    fail "$t: no replay driver $bin"
    continue
  fi
  dirs="$FUZZ/corpus/$t"
  [ -d "$FUZZ/crashes/$t" ] && dirs="$dirs $FUZZ/crashes/$t"
  # shellcheck disable=SC2086
  if out=$("$bin" $dirs 2>"$T/err"); then
    n=$(printf '%s\n' "$out" | sed -n "s/^$t: \([0-9]*\) files replayed$/\1/p")
    if [ -n "$n" ] && [ "$n" -gt 0 ]; then
      pass "$t: $n files replayed"
    else
      fail "$t: nothing replayed"
    fi
  else
    fail "$t: an input crashed the target"
    tail -n 20 "$T/err" | sed 's/^/#   /'
  fi
done
done_testing
