# Command-line conventions: help, usage errors, exit codes, --json schema.
. "$(dirname "$0")/lib.sh"
expect_exit "sceval help exits 0" 0 "$SCEVAL" help
for cmd in $("$SCEVAL" help | awk '/^commands:/{f=1;next} /^$/{f=0} f{print $1}'); do
  a=$("$SCEVAL" help "$cmd"); ra=$?
  b=$("$SCEVAL" "$cmd" --help); rb=$?
  if [ "$ra$rb" = "00" ] && [ "$a" = "$b" ] && printf '%s' "$a" | grep -q "^usage: sceval $cmd"; then
    pass "help $cmd = $cmd --help (stdout, exit 0)"
  else
    fail "help $cmd = $cmd --help (stdout, exit 0)"
  fi
  "$SCEVAL" "$cmd" --no-such-option >/dev/null 2>"$T/err"; r=$?
  if [ "$r" = 2 ] && grep -q "^sceval $cmd: unknown option '--no-such-option'" "$T/err" && grep -q "^usage: sceval $cmd" "$T/err"; then
    pass "$cmd: unknown option is a usage error (stderr, exit 2)"
  else
    fail "$cmd: unknown option is a usage error (stderr, exit 2)"
  fi
done
expect_exit "unknown command exits 2" 2 "$SCEVAL" frobnicate
expect_match "... with one line on stderr" "$(cat "$T/err")" "^sceval: 'frobnicate' is not a sceval command"
expect_exit "no command exits 2" 2 "$SCEVAL"
expect_exit "help of an unknown command exits 2" 2 "$SCEVAL" help frobnicate
# --json output is JSON with "schema": 1
"$SCEVAL" init >/dev/null; echo x > f; "$SCEVAL" add --name f f >/dev/null
for c in "version" "add f" "ls" "show f" "tag" "fsck" "gc --dry-run" "provenance" "init"; do
  # shellcheck disable=SC2086
  "$SCEVAL" $c --json > out.json 2>/dev/null
  if "$PYTHON" -c 'import json,sys; d=json.load(open("out.json")); assert d["schema"]==1' 2>/dev/null; then
    pass "$c --json prints JSON with schema 1"
  else
    fail "$c --json prints JSON with schema 1"
  fi
done
# A full disk on stdout is an error, not a silent truncation.
if [ -w /dev/full ]; then
  "$SCEVAL" ls > /dev/full 2>"$T/err"; r=$?
  expect_eq "ls > /dev/full exits 1" "$r" "1"
  expect_match "... saying why" "$(cat "$T/err")" "^sceval ls: cannot write output: No space left on device"
fi
done_testing
