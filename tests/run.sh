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
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Tests run SCEVAL_TEST_JOBS at a time (default: the online CPUs, at most
# 4): each in its own scratch folder, its output kept whole and reported in
# the fixed order below, so the summary reads the same at any job count.
: "${SCEVAL_TEST_JOBS:=$(nproc 2>/dev/null || echo 1)}"
[ "$SCEVAL_TEST_JOBS" -gt 4 ] && SCEVAL_TEST_JOBS=4
[ "$SCEVAL_TEST_JOBS" -lt 1 ] && SCEVAL_TEST_JOBS=1

# exec_one IDX CMD...: run one test, keeping its output and its exit status
# and seconds (written last: the reporter waits for that file).
exec_one() {
  idx=$1; shift
  start=$(date +%s)
  "$@" >"$work/$idx.log" 2>&1
  rc=$?
  echo "$rc $(( $(date +%s) - start ))" >"$work/$idx.tmp" && mv "$work/$idx.tmp" "$work/$idx.meta"
}

report_one() {
  name=$1 log=$2 rc=$3 secs=$4
  p=$(grep -c '^ok ' "$log")
  f=$(grep -c '^not ok ' "$log")
  s=$(grep -c '^skip ' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1
    echo "not ok - $name exited with status $rc" >>"$log"
  fi
  pass=$((pass + p)); fail=$((fail + f)); skipn=$((skipn + s))
  printf '%-40s %4d ok %3d failed %3d skipped  %3ss\n' "$name" "$p" "$f" "$s" "$secs"
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

# The list: index, display name, command.
n=0
: >"$work/list"
for t in "$SCEVAL_UNITDIR"/test_*; do
  [ -x "$t" ] || continue
  b=$(basename "$t")
  [ -n "$FILTER" ] && ! matches "$b" $FILTER && continue
  n=$((n + 1)); printf '%s\tunit/%s\t%s\n' "$n" "$b" "$t" >>"$work/list"
done
for t in "$here"/cli/t[0-9]*.sh; do
  [ -f "$t" ] || continue
  b=$(basename "$t" .sh)
  [ -n "$FILTER" ] && ! matches "$b" $FILTER && continue
  n=$((n + 1)); printf '%s\tcli/%s\tsh %s\n' "$n" "$b" "$t" >>"$work/list"
done

# Tests that kill processes at timed moments or fill a disk run alone,
# after the others, as they did before tests ran in parallel: under a
# neighbour's load their timing changes what they exercise.
SERIAL_TESTS="t0004-store-kill t0005-store-concurrent t0503-run-concurrent t0504-run-interrupt t0600-fault-injection t0601-crash t0602-full-disk t0603-concurrency"
is_serial() {
  for x in $SERIAL_TESTS; do case "$1" in *"/$x") return 0 ;; esac; done
  return 1
}
# Tests that mostly wait on a clock (Slurm enforces a time limit of at
# least a minute, checked every 30 s) run from the start beside the
# workers, outside SCEVAL_TEST_JOBS: their waiting overlaps the others'
# work. The serial tests start once they are done.
WAITING_TESTS="t0530-slurm"
is_waiting() {
  for x in $WAITING_TESTS; do case "$1" in *"/$x") return 0 ;; esac; done
  return 1
}

# Workers take the next index from a shared counter (a lock-free claim by
# mkdir), so at most SCEVAL_TEST_JOBS tests run at once.
worker() {
  while :; do
    i=1
    while [ "$i" -le "$n" ]; do
      name=$(sed -n "${i}p" "$work/list" | cut -f2)
      if ! is_serial "$name" && ! is_waiting "$name" && mkdir "$work/$i.claim" 2>/dev/null; then
        break
      fi
      i=$((i + 1))
    done
    [ "$i" -le "$n" ] || { : >"$work/worker.$1.done"; return 0; }
    cmd=$(sed -n "${i}p" "$work/list" | cut -f3)
    # shellcheck disable=SC2086
    exec_one "$i" $cmd
  done
}
waiting() {
  i=1
  while [ "$i" -le "$n" ]; do
    name=$(sed -n "${i}p" "$work/list" | cut -f2)
    if is_waiting "$name"; then
      cmd=$(sed -n "${i}p" "$work/list" | cut -f3)
      # shellcheck disable=SC2086
      exec_one "$i" $cmd
    fi
    i=$((i + 1))
  done
  : >"$work/waiting.done"
}
serial() {
  w=0
  while [ "$w" -lt "$SCEVAL_TEST_JOBS" ]; do
    while [ ! -f "$work/worker.$w.done" ]; do sleep 0.2; done
    w=$((w + 1))
  done
  while [ ! -f "$work/waiting.done" ]; do sleep 0.2; done
  i=1
  while [ "$i" -le "$n" ]; do
    name=$(sed -n "${i}p" "$work/list" | cut -f2)
    if is_serial "$name"; then
      cmd=$(sed -n "${i}p" "$work/list" | cut -f3)
      # shellcheck disable=SC2086
      exec_one "$i" $cmd
    fi
    i=$((i + 1))
  done
}
w=0
while [ "$w" -lt "$SCEVAL_TEST_JOBS" ]; do
  worker "$w" &
  w=$((w + 1))
done
waiting &
serial &

i=1
while [ "$i" -le "$n" ]; do
  while [ ! -f "$work/$i.meta" ]; do sleep 0.2; done
  name=$(sed -n "${i}p" "$work/list" | cut -f2)
  read -r rc secs <"$work/$i.meta"
  report_one "$name" "$work/$i.log" "$rc" "$secs"
  i=$((i + 1))
done
wait

[ -n "$failed_list" ] && echo "failed:$failed_list"
if [ "$skipn" -gt 0 ]; then
  echo "$pass passed, $fail failed, $skipn skipped"
else
  echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
