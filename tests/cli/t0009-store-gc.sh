# gc removes what nothing refers to and keeps named objects and everything
# inside kept trees; --dry-run removes nothing.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
mkdir d; echo in-tree > d/x; echo loose > loose; echo named > named
ht=$("$SCEVAL" add --name tree d | cut -c1-64)
hl=$("$SCEVAL" add loose | cut -c1-64)
hn=$("$SCEVAL" add --name keepme named | cut -c1-64)
before=$(find .sceval/objects -type f | wc -l)
out=$("$SCEVAL" gc --dry-run)
expect_match "dry run lists the loose object" "$out" "^would remove $hl"
expect_eq "dry run removes nothing" "$(find .sceval/objects -type f | wc -l)" "$before"
"$SCEVAL" gc >/dev/null
check "gc removed the unnamed object" test ! -e .sceval/objects/$(echo $hl | cut -c1-2)/$(echo $hl | cut -c3-)
expect_exit "named object kept" 0 "$SCEVAL" cat keepme
expect_exit "tree kept" 0 "$SCEVAL" cat tree
expect_exit "object inside the kept tree kept" 0 "$SCEVAL" cat "$(sha256sum d/x | cut -c1-64)"
expect_exit "fsck clean after gc" 0 "$SCEVAL" fsck
expect_eq "ls no longer lists it" "$("$SCEVAL" ls | grep -c "$hl")" "0"
# gc needs the store to itself
( flock -s 9; sleep 2 ) 9>.sceval/lock &
sleep 0.3
expect_exit "gc refuses while the store is in use" 1 "$SCEVAL" gc
expect_eq "... saying so" "$(cat "$T/err")" "sceval gc: the store is in use by another sceval process"
wait
done_testing
