#!/bin/sh
# The classification benchmark script at a small size: it builds, runs both
# sides, and sceval's logistic regression takes sklearn's iteration count
# and accuracy on the same data (the bench's own consistency check).
. "$(dirname "$0")/lib.sh"
top=$TESTS_DIR/..

if [ "${SCEVAL_ASAN:-0}" = 1 ]; then
  skip "classify bench: not under ASan (it builds the normal tree)"
  done_testing
fi
if ! "$PYTHON" -c 'import sklearn' 2>/dev/null; then
  skip "classify bench: $PYTHON lacks sklearn"
  done_testing
fi
N=3000 D=20 NN_D=64 K=5 REPEAT=1 EPOCHS=2 sh "$top/bench/classify.sh" >"$T/bench.out" 2>"$T/bench.err"
expect_eq "bench script runs" "$?" 0
out=$(cat "$T/bench.out")
it_c=$(printf '%s\n' "$out" | sed -n 's/^  sceval .*iterations *\([0-9]*\).*/\1/p')
it_py=$(printf '%s\n' "$out" | sed -n 's/^  sklearn .*iterations *\([0-9]*\).*/\1/p')
expect_eq "logreg: sceval and sklearn take the same iterations" "$it_c" "$it_py"
expect_match "logreg: same accuracy" "$out" "accuracy difference [+-]0\.00 points"
expect_match "network epoch time reported" "$out" "2 epoch\(s\) on 2700 cells: [0-9.]+s per epoch"
expect_match "kNN part runs or says why not" "$out" "^kNN classifier"
done_testing
