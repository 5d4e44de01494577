# Two `sceval add` of the same large file at once both succeed and leave
# one object; two different files at once both land.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
head -c 200000000 /dev/urandom > big
want=$(sha256sum big | cut -c1-64)
"$SCEVAL" add big > o1 2>e1 & p1=$!
"$SCEVAL" add big > o2 2>e2 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
expect_eq "first concurrent add succeeds" "$r1" "0"
expect_eq "second concurrent add succeeds" "$r2" "0"
expect_eq "both print the same hash" "$(cut -c1-64 o1) $(cut -c1-64 o2)" "$want $want"
expect_eq "exactly one object file" "$(find .sceval/objects -type f | wc -l)" "1"
expect_eq "one catalog row" "$("$SCEVAL" ls | wc -l)" "1"
expect_exit "fsck is clean" 0 "$SCEVAL" fsck
head -c 30000000 /dev/urandom > x; head -c 30000000 /dev/urandom > y
"$SCEVAL" add x >/dev/null & p1=$!
"$SCEVAL" add y >/dev/null & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
expect_eq "two different concurrent adds succeed" "$r1$r2" "00"
expect_eq "three objects listed" "$("$SCEVAL" ls | wc -l)" "3"
done_testing
