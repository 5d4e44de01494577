# The catalog is reached only through store/catalog.h: no SQL text, no
# sqlite3 call and no include of the connection header store/db.h in any
# .c/.h outside store/ (tests/ build old schemas by hand on purpose and are
# left out). And names change only under the
# store lock: `tag -d` waits for gc, which holds it exclusive.
. "$(dirname "$0")/lib.sh"
top=$(cd "$TESTS_DIR/.." && pwd)
sql_pattern='\b(SELECT|INSERT|UPDATE|DELETE|REPLACE INTO|PRAGMA)\b|CREATE (TABLE|INDEX|VIEW)|ALTER TABLE|sqlite3|store/db\.h'
crossings() {
  ( cd "$1" && find . -name '*.[ch]' -not -path './store/*' -not -path './tests/*' \
      -not -path './build*' -not -path './demo/*' | sort |
    xargs -r grep -lE "$sql_pattern" )
}
expect_eq "no SQL text or sqlite3 call outside store/" "$(crossings "$top")" ""
# The check itself sees a crossing (a guard against a pattern that matches nothing).
mkdir -p fake/runner fake/store
printf 'static const char *q = "SELECT id FROM runs";\n' > fake/runner/a.c
printf 'int n(void) { return sqlite3_changes(0); }\n' > fake/runner/b.h
printf 'static const char *q = "DELETE FROM names";\n' > fake/store/ok.c
expect_eq "the check finds SQL text and sqlite3 calls, and allows them in store/" \
  "$(crossings fake | tr '\n' ' ')" "./runner/a.c ./runner/b.h "

# tag -d under the store lock.
if command -v flock >/dev/null 2>&1; then
  "$SCEVAL" init s >/dev/null
  printf 'x\n' > s/f.txt
  "$SCEVAL" --store s add --name keep s/f.txt >/dev/null
  mkfifo hold
  # Hold the lock exclusive (as gc does) until a line arrives on the fifo.
  flock -x s/.sceval/lock -c 'read x < hold' &
  holder=$!
  sleep 0.3
  "$SCEVAL" --store s tag -d keep 2>tagd.err &
  deleter=$!
  sleep 1
  expect_match "tag -d waits while the store is locked" "$("$SCEVAL" --store s tag)" "  keep$"
  echo go > hold
  wait "$holder"
  wait "$deleter"; rc=$?
  expect_eq "tag -d then removes the name" "$rc:$("$SCEVAL" --store s tag)" "0:"
  expect_exit "tag -d of a missing name fails" 1 "$SCEVAL" --store s tag -d keep
  expect_eq "and names it" "$(cat "$T/err")" "sceval tag: no name 'keep'"
else
  skip "tag -d under the store lock (no flock(1))"
fi
done_testing
