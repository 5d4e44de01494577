# Bad input gets a clear one-line error and exit 1, and the store and the
# catalog stay exactly as they were.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
echo keep > keep; "$SCEVAL" add --name kept keep >/dev/null
before=$(store_state "$T")

expect_exit "missing file: exit 1" 1 "$SCEVAL" add keep nosuchfile
expect_eq "... one line naming the file" "$(cat "$T/err")" "sceval add: cannot add 'nosuchfile': No such file or directory"
expect_eq "... store unchanged (nothing from the good path either)" "$(store_state "$T")" "$before"

# Unreadable file: root reads everything, so drop to nobody for this check.
echo secret > unreadable; chmod 000 unreadable
if [ "$(id -u)" -eq 0 ]; then
  chmod -R a+rwX "$T/.sceval"; chmod a+rx "$T"
  asnobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
else
  asnobody=""
fi
expect_exit "unreadable file: exit 1" 1 $asnobody "$SCEVAL" add unreadable
expect_eq "... one line naming the file" "$(cat "$T/err")" "sceval add: cannot read 'unreadable': Permission denied"
expect_eq "... store unchanged" "$(store_state "$T")" "$before"

NS=$(mktemp -d "${TMPDIR:-/tmp}/sceval-nostore.XXXXXX") && cd "$NS"
expect_exit "no store: exit 1" 1 "$SCEVAL" ls
expect_match "... says how to make one" "$(cat "$T/err")" "^sceval ls: not in a sceval store .*sceval init"
expect_exit "--store pointing nowhere: exit 1" 1 "$SCEVAL" --store /nonexistent/dir ls
expect_match "... naming the directory" "$(cat "$T/err")" "^sceval ls: no sceval store at '/nonexistent/dir'"
cd "$T" && rmdir "$NS"

# Two objects whose hashes share their first 6 hex digits.
"$PYTHON" - <<'PY'
import hashlib
seen = {}
i = 0
while True:
    b = b"x%d\n" % i
    p = hashlib.sha256(b).hexdigest()[:6]
    if p in seen:
        open("c1", "wb").write(seen[p]); open("c2", "wb").write(b); open("prefix", "w").write(p)
        break
    seen[p] = b
    i += 1
PY
"$SCEVAL" add c1 c2 >/dev/null
state2=$(store_state "$T")
p=$(cat prefix)
expect_exit "ambiguous prefix: exit 1" 1 "$SCEVAL" cat "$p"
expect_match "... lists both candidates" "$(cat "$T/err")" "^sceval cat: '$p' is ambiguous: it matches $(sha256sum c1 c2 | cut -c1-64 | sort | head -n1), $(sha256sum c1 c2 | cut -c1-64 | sort | tail -n1)$"
expect_exit "a longer prefix resolves" 0 "$SCEVAL" cat "$(sha256sum c1 | cut -c1-12)"
expect_exit "unknown name: exit 1" 1 "$SCEVAL" show nosuchname
expect_eq "... one line" "$(cat "$T/err")" "sceval show: 'nosuchname': no such object or name"

# File size limit hit mid-write: EFBIG, a clear error, nothing half-stored.
head -c 30000000 /dev/urandom > big
expect_exit "ulimit -f mid-write: exit 1" 1 sh -c "ulimit -f 20000; exec \"$SCEVAL\" add big"
expect_eq "... one line naming the file and the cause" "$(cat "$T/err")" "sceval add: cannot write object for 'big': File too large"
expect_eq "... store and catalog unchanged" "$(store_state "$T")" "$state2"
expect_exit "fsck still clean" 0 "$SCEVAL" fsck

# Usage errors exit 2 with the usage on stderr
expect_exit "unknown kind is a usage error" 2 "$SCEVAL" add --kind banana keep
expect_match "... with usage" "$(cat "$T/err")" "usage: sceval add"
expect_exit "--name with two paths is a usage error" 2 "$SCEVAL" add --name x keep c1
expect_exit "invalid name is refused" 1 "$SCEVAL" add --name 'has space' keep
expect_exit "a name that looks like a hash is refused" 1 "$SCEVAL" add --name abcdef12 keep
done_testing
