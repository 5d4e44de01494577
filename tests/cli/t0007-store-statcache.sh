# The stat cache: an unchanged file is not read again; any change to its
# content (even with the size and mtime restored) is noticed.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
head -c 5000000 /dev/urandom > f
touch -d '2 hours ago' f
sleep 0.3  # let the ctime set by touch age past the racily-clean window
hashed() { "$SCEVAL" add --json f | "$PYTHON" -c 'import json,sys; o=json.load(sys.stdin)["objects"][0]; print(o["hash"], o["hashed_bytes"])'; }
first=$(hashed)
expect_eq "first add reads the whole file" "$first" "$(sha256sum f | cut -c1-64) 5000000"
second=$(hashed)
expect_eq "re-adding the unchanged file reads nothing" "$second" "$(sha256sum f | cut -c1-64) 0"
# Same size, same mtime, different content: ctime betrays it.
printf 'Z' | dd of=f bs=1 seek=100 conv=notrunc 2>/dev/null
touch -d '2 hours ago' f
third=$(hashed)
expect_eq "changed content with restored mtime is re-hashed" "$third" "$(sha256sum f | cut -c1-64) 5000000"
# A file whose timestamp is not well before the read is hashed but not
# cached (racily clean), so the next add reads it again rather than trust a
# timestamp from the same tick. (Its mtime is set a minute ahead: a file
# written just before a slow start under load may already be 100 ms old.)
head -c 1000 /dev/urandom > g
touch -d '1 minute' g
"$SCEVAL" add g >/dev/null
r=$("$SCEVAL" add --json g | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["objects"][0]["hashed_bytes"])')
expect_eq "a just-written file is not trusted to the stat cache" "$r" "1000"
# fsck never trusts the cache: corrupt the object behind an unchanged file.
h=$(sha256sum f | cut -c1-64)
o=.sceval/objects/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-)
# flip every bit of byte 7 (writing a fixed byte leaves it unchanged 1 time in 256)
chmod u+w "$o"; "$PYTHON" -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(7); b=f.read(1)[0]; f.seek(7); f.write(bytes([b ^ 255]))" "$o"
expect_exit "fsck finds the corruption the stat cache would not" 1 "$SCEVAL" fsck
done_testing
