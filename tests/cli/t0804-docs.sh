# The man page and the bash completion are generated from the commands'
# help (scripts/gen-docs.sh): every command has its section with its usage
# line, groff renders the page without a warning, and completion offers
# the commands and each command's options; make install puts both in place.
. "$(dirname "$0")/lib.sh"
ROOT=$TESTS_DIR/..
sh "$ROOT/scripts/gen-docs.sh" "$SCEVAL" doc || fail "gen-docs.sh"
cmds=$("$SCEVAL" help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
missing=0
for c in $cmds; do
  grep -qx ".SS $c" doc/sceval.1 || { missing=$((missing + 1)); echo "# no section for $c"; }
  u=$("$SCEVAL" "$c" --help | head -n1)
  grep -qxF -- "$u" doc/sceval.1 || { missing=$((missing + 1)); echo "# no usage line for $c"; }
done
expect_eq "every command of 'sceval help' has a man section with its usage line" "$missing" "0"
if command -v groff >/dev/null; then
  groff -man -Tutf8 -wall doc/sceval.1 > page.txt 2> groff.err
  expect_eq "groff renders the page without a warning" "$(cat groff.err)" ""
  expect_match "... with the compare section" "$(cat page.txt)" "usage: sceval compare RUN"
else
  skip "groff is not installed"
fi
comp() { # WORDS...: what completion offers for the last word
  bash -c '. doc/sceval.bash; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sceval; printf "%s\n" "${COMPREPLY[@]}"' _ "$@" | sort | tr '\n' ' '
}
expect_eq "completion: commands" "$(comp sceval co)" "compare "
expect_eq "completion: after --store DIR" "$(comp sceval --store x du)" "du "
expect_eq "completion: a command's options from its help" "$(comp sceval compare --m)" "--markdown --metrics "
expect_eq "completion: diff's options" "$(comp sceval diff --th)" "--threshold "
expect_eq "completion: help offers the commands" "$(comp sceval help sc)" "scib "
# The binary under test is installed as it is (-o: never rebuilt): a
# rebuild here, after a commit or an edit, would replace ./sceval under the
# tests running beside this one.
make -s -C "$ROOT" install PREFIX="$T/prefix" BIN="$SCEVAL" -o "$SCEVAL" >make.out 2>&1 ||
  { fail "make install"; head -n 5 make.out; }
expect_eq "make install puts the binary, the man page and the completion in place" \
  "$(cd prefix && find . -type f | sort | tr '\n' ' ')" \
  "./bin/sceval ./share/bash-completion/completions/sceval ./share/man/man1/sceval.1 "
done_testing
