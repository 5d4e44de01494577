# Directories become tree objects: the hash depends on content only, not on
# the order of creation; symlinks are stored as links, empty files and
# subdirectories survive a checkout.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null

mkdir -p a/sub/deeper a/emptydir
printf 'one\n' > a/f1; : > a/empty; printf 'two\n' > a/sub/f2; printf 'three' > a/sub/deeper/f3
chmod +x a/sub/f2
ln -s ../f1 a/sub/link; ln -s /nonexistent/target a/dangling
# Same content, created in the opposite order
mkdir -p b/emptydir b/sub/deeper
ln -s /nonexistent/target b/dangling
printf 'three' > b/sub/deeper/f3; ln -s ../f1 b/sub/link; printf 'two\n' > b/sub/f2; chmod +x b/sub/f2
: > b/empty; printf 'one\n' > b/f1
ha=$("$SCEVAL" add a | cut -c1-64)
hb=$("$SCEVAL" add b | cut -c1-64)
expect_eq "tree hash is independent of creation order" "$ha" "$hb"
printf 'changed\n' > b/f1
hb2=$("$SCEVAL" add b | cut -c1-64)
check "changing one file changes the tree hash" test "$ha" != "$hb2"

manifest=$("$SCEVAL" cat "$ha")
expect_match "manifest starts with its format line" "$manifest" '^sceval-tree 1$'
expect_match "a symlink is stored as a link" "$manifest" '^120000 link sha256:[0-9a-f]{64} 19 dangling$'
expect_match "an empty file is a 0-byte blob" "$manifest" '^100644 blob sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 empty$'
expect_match "an empty directory is a tree" "$manifest" '^040000 tree sha256:[0-9a-f]{64} [0-9]+ emptydir$'
# The manifest is sorted by name
names=$(printf '%s\n' "$manifest" | tail -n +2 | awk '{print $5}')
expect_eq "entries are sorted bytewise" "$names" "$(printf '%s\n' "$names" | LC_ALL=C sort)"
# Independent recomputation of a leaf tree hash with sha256sum
leaf=$(printf 'sceval-tree 1\n100644 blob sha256:%s 5 f3\n' "$(printf three | sha256sum | cut -c1-64)" | sha256sum | cut -c1-64)
expect_match "leaf tree hash equals a hand-built manifest's sha256" "$manifest" "tree sha256:[0-9a-f]{64}"
expect_match "... deeper/ has that hash inside sub/" "$("$SCEVAL" cat "$(printf '%s\n' "$manifest" | awk '$5=="sub"{print $3}')")" "tree sha256:$leaf [0-9]+ deeper"

"$SCEVAL" checkout "$ha" co
check "checkout of a tree reproduces the directory" diff -r --no-dereference a co
expect_eq "symlink target preserved" "$(readlink co/sub/link)" "../f1"
expect_eq "dangling symlink preserved" "$(readlink co/dangling)" "/nonexistent/target"
check "empty directory preserved" test -d co/emptydir
check "executable bit preserved" test -x co/sub/f2
check "checked-out files are read-only" test "$(stat -c %a co/f1)" = 444
expect_exit "fsck is clean" 0 "$SCEVAL" fsck
# The top-level path is followed when it is a link (like sha256sum)
ln -s a/f1 toplink
expect_eq "a symlink given on the command line is followed" "$("$SCEVAL" add toplink | cut -c1-64)" "$(sha256sum a/f1 | cut -c1-64)"
done_testing
