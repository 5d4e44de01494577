# Names: give, resolve, refuse to move silently, move with --force, delete.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
echo a > a; echo b > b
ha=$("$SCEVAL" add --name data/pbmc a | cut -c1-64)
hb=$("$SCEVAL" add b | cut -c1-64)
expect_eq "a name resolves to its object" "$("$SCEVAL" cat data/pbmc)" "a"
expect_exit "tag REF NAME" 0 "$SCEVAL" tag "$(echo $hb | cut -c1-8)" other
expect_eq "... resolves" "$("$SCEVAL" cat other)" "b"
expect_exit "moving a name without --force fails" 1 "$SCEVAL" tag "$hb" data/pbmc
expect_match "... saying where it points" "$(cat "$T/err")" "^sceval tag: name 'data/pbmc' already refers to $(echo $ha | cut -c1-12)"
expect_eq "... and it still points there" "$("$SCEVAL" cat data/pbmc)" "a"
expect_exit "--force moves it" 0 "$SCEVAL" tag --force "$hb" data/pbmc
expect_eq "... now b" "$("$SCEVAL" cat data/pbmc)" "b"
expect_eq "tag lists names" "$("$SCEVAL" tag)" "$(printf '%s  data/pbmc\n%s  other' "$hb" "$hb")"
expect_exit "delete a name" 0 "$SCEVAL" tag --delete other
expect_exit "deleting an unknown name fails" 1 "$SCEVAL" tag --delete other
expect_match "show lists names and the source" "$("$SCEVAL" show data/pbmc)" "names   data/pbmc"
expect_match "show says where it came from" "$("$SCEVAL" show data/pbmc)" "source  .*:$T/b "
done_testing
