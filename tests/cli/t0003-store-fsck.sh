# fsck re-hashes every object: a flipped byte and a truncated object are
# reported as corrupt, a deleted one as missing, and fsck exits 1; --fast
# catches the size change only.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
head -c 100000 /dev/urandom > f1; head -c 5000 /dev/urandom > f2; echo small > f3
h1=$("$SCEVAL" add f1 | cut -c1-64); h2=$("$SCEVAL" add f2 | cut -c1-64); h3=$("$SCEVAL" add f3 | cut -c1-64)
obj() { echo ".sceval/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)"; }
expect_exit "fsck clean store exits 0" 0 "$SCEVAL" fsck
expect_match "summary counts objects" "$(cat "$T/out")" "^checked 3 objects"

# Flip one byte in the middle of f1's object
o1=$(obj "$h1"); chmod u+w "$o1"
"$PYTHON" -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[50000]^=0x01; open(p,'wb').write(b)" "$o1"
expect_exit "fsck finds a flipped byte (exit 1)" 1 "$SCEVAL" fsck
expect_match "... reported as corrupt with its real hash" "$(cat "$T/out")" "^corrupt $h1: content hashes to $(sha256sum "$o1" | cut -c1-64)$"
expect_match "... and a one-line error" "$(cat "$T/err")" "^sceval fsck: the store has problems: 1 corrupt"
expect_exit "fsck --fast does not see a same-size flip" 0 "$SCEVAL" fsck --fast

# Truncate f2's object
o2=$(obj "$h2"); chmod u+w "$o2"; head -c 100 f2 > "$o2"
expect_exit "fsck finds a truncated object" 1 "$SCEVAL" fsck
expect_match "... as corrupt (size)" "$(cat "$T/out")" "^corrupt $h2: size 100, recorded 5000$"
expect_exit "fsck --fast finds the truncation" 1 "$SCEVAL" fsck --fast

# Delete f3's object
rm -f "$(obj "$h3")"
expect_exit "fsck finds a missing object" 1 "$SCEVAL" fsck --json
"$PYTHON" - "$T/out" "$h3" <<'PY' && pass "json report lists missing and corrupt" || fail "json report lists missing and corrupt"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == 1 and r["ok"] is False
assert r["missing"] == 1 and r["corrupt"] == 2, r
assert any(p["problem"] == "missing" and p["object"] == sys.argv[2] for p in r["problems"])
PY
# A leftover temporary file is reported and removed by gc
echo junk > .sceval/tmp/obj-99999-XXXXXX
"$SCEVAL" fsck > fsck.out 2>&1
expect_match "a leftover temporary file is reported" "$(cat fsck.out)" "^temp .*obj-99999-XXXXXX"
"$SCEVAL" gc >/dev/null
check "gc removes leftover temporary files" test ! -e .sceval/tmp/obj-99999-XXXXXX
# On a store shared by several machines (a cluster's file system), a
# temporary entry names its machine (8 hex digits of the SHA-256 of the host
# name): this machine's pid numbers say nothing about another's, so another
# machine's entry stays while it changed within 7 days, then gc removes it.
other=$(printf 'not-%s' "$(hostname)" | sha256sum | cut -c1-8)
me=$(printf '%s' "$(hostname)" | sha256sum | cut -c1-8)
mkdir -p .sceval/tmp/step-0123456789ab-1.$other-0 .sceval/tmp/step-0123456789ab-2.$other-0
echo part > .sceval/tmp/obj-1.$other-AAAAAA
touch -d '8 days ago' .sceval/tmp/step-0123456789ab-2.$other-0
echo junk > .sceval/tmp/obj-99999.$me-BBBBBB
"$SCEVAL" fsck > fsck.out 2>&1
expect_match "another machine's recent entry is in use" "$(cat fsck.out)" \
  "^temp .*obj-1\.$other-AAAAAA.*another machine.*in use"
"$SCEVAL" gc >/dev/null
expect_eq "gc keeps another machine's recent entries, removes its old one and this machine's dead one" \
  "$(ls .sceval/tmp | sort | tr '\n' ' ')" "obj-1.$other-AAAAAA step-0123456789ab-1.$other-0 "
rm -rf .sceval/tmp/*
done_testing
