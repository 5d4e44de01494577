# Shared helpers for the command-line tests (sourced by tests/cli/tNNNN-*.sh).
# Each check prints one line: "ok - what", "not ok - what" or "skip - what".
# Every script runs in a fresh scratch directory $T, removed at exit.
set -u
: "${SCEVAL:?SCEVAL must name the sceval binary}"
: "${PYTHON:=/usr/bin/python3}"
: "${SCEVAL_TESTDATA:=../shared/data}"
DATA=$SCEVAL_TESTDATA
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/sceval-test.XXXXXX")
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
cd "$T" || exit 1
unset SCEVAL_DIR
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.org
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.org
_fails=0

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; _fails=$((_fails + 1)); }
skip() { echo "skip - $*"; }
# check DESC CMD...: passes when CMD exits 0
check() { d=$1; shift; if "$@" >/dev/null 2>&1; then pass "$d"; else fail "$d"; fi; }
# check_fails DESC CMD...: passes when CMD exits non-zero
check_fails() { d=$1; shift; if "$@" >/dev/null 2>&1; then fail "$d"; else pass "$d"; fi; }
# expect_eq DESC GOT WANT
expect_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1"; echo "#   got:  $2"; echo "#   want: $3"; fi
}
# expect_match DESC TEXT GREP-E-PATTERN
expect_match() {
  if printf '%s\n' "$2" | grep -q -E -- "$3"; then pass "$1"; else fail "$1"; printf '#   text: %.400s\n#   want /%s/\n' "$2" "$3"; fi
}
# expect_exit DESC CODE CMD...: runs CMD, stdout to $T/out, stderr to $T/err
expect_exit() {
  d=$1; want=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; got=$?
  if [ "$got" -eq "$want" ]; then pass "$d"; else
    fail "$d (exit $got, want $want)"; sed 's/^/#   err: /' "$T/err" | head -n 5
  fi
}
# need_data FILE...: true when every named file exists in $DATA
need_data() {
  for f in "$@"; do [ -f "$DATA/$f" ] || return 1; done
  return 0
}
# store_state DIR: a fingerprint of a store (objects and catalog rows) for
# "nothing changed" checks
store_state() {
  ( cd "$1/.sceval" && find objects -type f | sort | xargs -r sha256sum;
    "$SCEVAL" --store "$1" ls --all 2>/dev/null ) | sha256sum | cut -c1-64
}
done_testing() { exit 0; }
# jq-like: pyjson 'EXPR' < file   (EXPR sees the parsed JSON as d)
pyjson() { "$PYTHON" -c "import json,sys; d=json.load(sys.stdin); v=($1); print(v if not isinstance(v,(dict,list)) else json.dumps(v))"; }
PBMC=scanpy_pbmc68k_reduced_with_counts.h5ad
# example NAME: copy examples/NAME.yaml into $T with the data path pointing at $DATA
example() {
  sed -e "s|\.\./\.\./shared/data|$DATA|g" -e "s|models/standin_model.py|$TESTS_DIR/../examples/models/standin_model.py|" \
    "$TESTS_DIR/../examples/$1.yaml" > "$T/$1.yaml"
}
