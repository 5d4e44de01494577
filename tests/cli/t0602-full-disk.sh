# A full disk: the store on a small tmpfs (needs root, as CI has; skipped
# elsewhere). add until the disk is full, then run with the disk full at a
# series of points: each command that fails says "No space left on device"
# (or SQLite's "database or disk is full"), the store stays sound (fsck and
# tests/faults/check_store.py), and once space is freed (gc) the same run
# succeeds with the result it has on a roomy disk.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/faults/lib.sh"
S=$SCEVAL
mkdir disk
if ! mount -t tmpfs -o size=16m tmpfs disk 2>/dev/null; then
  skip "cannot mount a tmpfs here (needs root): no full-disk test"
  done_testing
fi
trap 'umount "$T/disk" 2>/dev/null; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
free_bytes() { df --output=avail -B1 disk | tail -n 1 | tr -d ' '; }
NOSPACE='No space left on device|database or disk is full'

"$S" init disk >/dev/null
"$S" simulate -q -o d.h5ad --cells 300 --genes 200 --types 3 --batches 2 --seed 1 >/dev/null 2>&1
cat > spec.yaml <<SPEC
datasets: {d: $T/d.h5ad}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [logreg, knn], seeds: [0, 1]}
  - {task: batch, dataset: d, batch_key: batch, label_key: cell_type, methods: [unintegrated, combat]}
SPEC
# The result on a roomy disk.
mkdir roomy && "$S" init roomy >/dev/null
R=$("$S" --store roomy run -q --json spec.yaml | pyjson 'd["result"]')
expect_match "the spec runs on a roomy disk" "$R" "^[0-9a-f]{64}$"

# add until full
i=0 rc=0
while [ $i -lt 40 ]; do
  i=$((i + 1))
  head -c 1000000 /dev/urandom > f$i
  "$S" --store disk add f$i >/dev/null 2>err || { rc=$?; break; }
done
check "add fails once the disk is full" [ $rc -ne 0 ]
expect_match "... saying so" "$(grep '^sceval' err | head -n 1)" "^sceval add: .*($NOSPACE)"
p=$(store_sound disk); expect_eq "... and the store is sound" "$p" ""
expect_exit "gc works on the full disk" 0 "$S" --store disk gc
p=$(store_sound disk); expect_eq "... and leaves a sound store" "$p" ""

# run with the disk full at a series of points: a filler file leaves K
# bytes free before each run
bad=0 failed=0 k=0
for free in 20000 60000 120000 200000 300000 450000 600000 800000 1100000 1500000; do
  k=$((k + 1))
  rm -f disk/filler
  avail=$(free_bytes)
  [ "$avail" -gt "$free" ] && head -c $((avail - free)) /dev/zero > disk/filler 2>/dev/null
  "$S" --store disk run -q --json spec.yaml > out 2>err; rc=$?
  if [ $rc -ne 0 ]; then
    failed=$((failed + 1))
    grep -q -E "^sceval run: .*($NOSPACE)" err ||
      { echo "# $free bytes free: exit $rc: $(grep '^sceval' err | head -n 1)"; bad=$((bad + 1)); }
  else
    [ "$(pyjson 'd["result"]' < out)" = "$R" ] || { echo "# $free bytes free: exit 0, wrong result"; bad=$((bad + 1)); }
  fi
  p=$(store_sound disk); [ -z "$p" ] || { echo "# $free bytes free: $p"; bad=$((bad + 1)); }
  # The steps that finished stay cached: each point starts further on, as
  # a user's retries would.
done
echo "# run on a full disk: $k points, $failed failed for want of space"
expect_eq "run on a full disk: a clear error and a sound store every time" "$bad" "0"
check "... and at least one point ran out of space" [ $failed -gt 0 ]
rm -f disk/filler
"$S" --store disk gc >/dev/null 2>&1
expect_eq "with space again, the run succeeds with the roomy disk's result" \
  "$("$S" --store disk run -q --json spec.yaml | pyjson 'd["result"]')" "$R"
p=$(store_sound disk); expect_eq "... and the store is sound" "$p" ""
done_testing
