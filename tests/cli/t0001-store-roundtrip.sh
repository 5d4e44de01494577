# Store round trip: files of 0 bytes, 1 byte and 1 GiB go in and come out
# unchanged; hashes equal `openssl dgst -sha256`; objects are raw, read-only
# files under objects/ab/cdef...
. "$(dirname "$0")/lib.sh"

expect_exit "init creates a store" 0 "$SCEVAL" init
check "store layout exists" test -d .sceval/objects -a -f .sceval/catalog.db -a -d .sceval/tmp
expect_match "init is idempotent" "$("$SCEVAL" init)" "^Reinitialized existing sceval store"

: > empty
printf 'x' > one
head -c 1073741824 /dev/urandom > big 2>/dev/null || dd if=/dev/urandom of=big bs=1M count=1024 2>/dev/null
for f in empty one big; do
  want=$(openssl dgst -sha256 -r "$f" | cut -c1-64)
  line=$("$SCEVAL" add "$f")
  expect_eq "add $f prints '<sha256>  PATH' equal to openssl" "$line" "$want  $f"
  obj=.sceval/objects/$(echo "$want" | cut -c1-2)/$(echo "$want" | cut -c3-)
  check "object for $f is stored raw (opens in place)" cmp -s "$f" "$obj"
  perms=$(stat -c %a "$obj")
  expect_eq "object for $f is read-only" "$perms" "444"
  "$SCEVAL" cat "$want" > out.$f
  check "cat $f gives the same bytes" cmp -s "$f" out.$f
  rm -f out.$f
  "$SCEVAL" checkout "$(echo "$want" | cut -c1-10)" co.$f
  check "checkout $f by prefix gives the same bytes" cmp -s "$f" co.$f
  expect_eq "checkout $f is read-only" "$(stat -c %a co.$f)" "444"
done
expect_eq "sha256sum agrees for the 1 GiB file" \
  "$(sha256sum big | cut -c1-64)" "$(openssl dgst -sha256 -r big | cut -c1-64)"
n=$("$SCEVAL" ls --json | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["objects"]))')
expect_eq "ls lists the three objects" "$n" "3"
expect_exit "fsck is clean" 0 "$SCEVAL" fsck
expect_exit "checkout onto an existing path fails" 1 "$SCEVAL" checkout "$(openssl dgst -sha256 -r one | cut -c1-64)" co.one
expect_match "... naming the path" "$(cat "$T/err")" "^sceval checkout: 'co.one' already exists$"
# Stores are found from subdirectories, from --store and from SCEVAL_DIR.
mkdir -p sub/deeper && cd sub/deeper
expect_exit "a store is found from a subdirectory" 0 "$SCEVAL" cat "$(openssl dgst -sha256 -r ../../one | cut -c1-64)"
cd "$T"
mkdir elsewhere && cd elsewhere
expect_exit "--store DIR selects a store" 0 "$SCEVAL" --store "$T" ls
expect_exit "SCEVAL_DIR selects a store" 0 env SCEVAL_DIR="$T" "$SCEVAL" ls
cd "$T"
rm -f big co.big
done_testing
