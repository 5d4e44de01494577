# What commands write where the user says: checkout gives an independent
# copy (editing it never touches the store), export -o never replaces an
# existing path without --force, and never writes through a symlink, a FIFO
# or a device.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
seq 1 1000 > data.txt
h=$("$SCEVAL" add data.txt | cut -c1-64)
"$SCEVAL" checkout "$h" co.txt
expect_eq "checkout is not a hard link to the object" "$(stat -c %h co.txt)" "1"
chmod u+w co.txt && echo edited >> co.txt
expect_exit "editing the checked-out copy leaves the store intact" 0 "$SCEVAL" fsck
check "... and the object as it was" cmp -s data.txt .sceval/objects/$(echo "$h" | cut -c1-2)/$(echo "$h" | cut -c3-)

"$SCEVAL" simulate -o d.h5ad --cells 200 --genes 100 --types 2 --seed 1 >/dev/null 2>&1
cat > spec.yaml <<'SPEC'
datasets: {d: d.h5ad}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [knn], n_top_genes: 50, n_comps: 5}
SPEC
R=$("$SCEVAL" run --json spec.yaml | pyjson 'd["result"]')
echo precious > exists.tar
expect_exit "export onto an existing file fails" 1 "$SCEVAL" export "$R" -o exists.tar
expect_match "... naming the path" "$(cat "$T/err")" "^sceval export: 'exists.tar' already exists \(--force replaces it\)$"
expect_eq "... and leaves it as it was" "$(cat exists.tar)" "precious"
expect_exit "--force replaces a regular file" 0 "$SCEVAL" export "$R" -o exists.tar --force
check "... with a bundle" tar tf exists.tar
echo target > target.txt && ln -s target.txt link.tar
expect_exit "export onto a symlink fails, even with --force" 1 "$SCEVAL" export "$R" -o link.tar --force
expect_match "... saying why" "$(cat "$T/err")" "^sceval export: 'link.tar' exists and is not a regular file: not replacing it$"
expect_eq "... the link's target is untouched" "$(cat target.txt)" "target"
check "... and the link is still a link" test -L link.tar
mkfifo fifo.tar
expect_exit "export onto a FIFO fails without blocking" 1 timeout 20 "$SCEVAL" export "$R" -o fifo.tar --force
check "... the FIFO stays" test -p fifo.tar
# A device node of our own (as /dev/null), never a system one: a regression
# would replace it.
if mknod dev.tar c 1 3 2>/dev/null; then
  expect_exit "export onto a device fails" 1 "$SCEVAL" export "$R" -o dev.tar --force
  check "... the device stays" test -c dev.tar
else
  skip "export onto a device (mknod needs privileges)"
fi
expect_eq "no temporary file is left behind" "$(ls -a | grep -c '\.tmp-')" "0"
done_testing
