#!/bin/sh
# The test driver: runs every unit-test binary and every command-line test
# script, counts their "ok", "not ok" and "skip" lines, and ends with one line
#   N passed, N failed, N skipped
# A test program that exits non-zero without saying "not ok" counts as one
# failure, so a crash is never silent. Arguments filter by name substring.
#
# Environment: SCEVAL (binary), SCEVAL_UNITDIR (unit-test binaries),
# SCEVAL_TESTDATA (real data, default ../shared/data), PYTHON (oracles).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
: "${SCEVAL:=$top/sceval}"
: "${SCEVAL_UNITDIR:=$top/build/tests}"
: "${PYTHON:=/usr/bin/python3}"
: "${SCEVAL_TESTDATA:=$top/../shared/data}"
if [ -d "$SCEVAL_TESTDATA" ]; then
  SCEVAL_TESTDATA=$(cd "$SCEVAL_TESTDATA" && pwd)
fi
export SCEVAL SCEVAL_UNITDIR PYTHON SCEVAL_TESTDATA
ART=$top/tests/artefacts
mkdir -p "$ART"
export SCEVAL_ARTEFACTS="$ART"
cd "$top" || exit 1

pass=0 fail=0 skipn=0
failed_list=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
  name=$1; shift
  start=$(date +%s)
  "$@" >"$log" 2>&1
  rc=$?
  end=$(date +%s)
  p=$(grep -c '^ok ' "$log")
  f=$(grep -c '^not ok ' "$log")
  s=$(grep -c '^skip ' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1
    echo "not ok - $name exited with status $rc" >>"$log"
  fi
  pass=$((pass + p)); fail=$((fail + f)); skipn=$((skipn + s))
  printf '%-40s %4d ok %3d failed %3d skipped  %3ss\n' "$name" "$p" "$f" "$s" "$((end - start))"
  if [ "$f" -ne 0 ]; then
    failed_list="$failed_list $name"
    grep -E '^not ok |^#' "$log" | head -n 40 | sed 's/^/    /'
    tail -n 15 "$log" | grep -v -E '^(ok|not ok|skip) ' | sed 's/^/    | /'
  fi
  grep '^skip ' "$log" | head -n 5 | sed 's/^/    /'
}

matches() {
  [ $# -eq 0 ] && return 0
  for pat in $FILTER; do
    case "$1" in *"$pat"*) return 0 ;; esac
  done
  return 1
}
FILTER="$*"

for t in "$SCEVAL_UNITDIR"/test_*; do
  [ -x "$t" ] || continue
  n=$(basename "$t")
  [ -n "$FILTER" ] && ! matches "$n" $FILTER && continue
  run_one "unit/$n" "$t"
done
for t in "$here"/cli/t[0-9]*.sh; do
  [ -f "$t" ] || continue
  n=$(basename "$t" .sh)
  [ -n "$FILTER" ] && ! matches "$n" $FILTER && continue
  run_one "cli/$n" sh "$t"
done

[ -n "$failed_list" ] && echo "failed:$failed_list"
if [ "$skipn" -gt 0 ]; then
  echo "$pass passed, $fail failed, $skipn skipped"
else
  echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
