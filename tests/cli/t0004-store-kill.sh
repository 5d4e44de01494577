# kill -9 of `sceval add` at random moments, 50 times: no partial object is
# ever visible under objects/ and fsck stays clean.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
head -c 24000000 /dev/urandom > base
: > verified
bad=0
i=0
while [ $i -lt 50 ]; do
  i=$((i + 1))
  # A different content every round (one byte changed), so every add writes.
  printf "$(printf '\\%03o' $((i % 256)))" | dd of=base bs=1 seek=$((i * 997)) conv=notrunc 2>/dev/null
  "$SCEVAL" add base >/dev/null 2>&1 &
  pid=$!
  # 0 to ~150 ms
  sleep "0.$(printf '%03d' $(( $(od -An -N2 -tu2 /dev/urandom) % 150 )))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  # Every object file must hash to its own name (each checked once).
  for f in .sceval/objects/*/*; do
    [ -f "$f" ] || continue
    grep -qxF "$f" verified && continue
    echo "$f" >> verified
    name=$(echo "$f" | sed 's|.sceval/objects/||; s|/||')
    got=$(sha256sum "$f" | cut -c1-64)
    if [ "$got" != "$name" ]; then bad=$((bad + 1)); echo "# partial object $f"; fi
  done
done
expect_eq "no partial object after 50 kill -9" "$bad" "0"
expect_exit "fsck is clean after the kills" 0 "$SCEVAL" fsck
expect_eq "no temporary files left behind" "$(ls .sceval/tmp | wc -l)" "0"
# And the store still works: the last content goes in whole.
h=$("$SCEVAL" add base | cut -c1-64)
expect_eq "a later add stores the file whole" "$h" "$(sha256sum base | cut -c1-64)"
done_testing
