# Objects never widen the permissions of what was added, and a spec cannot
# pick up files outside its folder (secrets) as a method's files.
. "$(dirname "$0")/lib.sh"
umask 022
"$SCEVAL" init >/dev/null
obj() { h=$1; echo ".sceval/objects/$(echo "$h" | cut -c1-2)/$(echo "$h" | cut -c3-)"; }
echo "root:secret-hash:19000:0:99999:7:::" > shadow && chmod 0640 shadow
echo "public" > public && chmod 0644 public
echo "mine" > private && chmod 0600 private
hs=$("$SCEVAL" add shadow | cut -c1-64)
hp=$("$SCEVAL" add public | cut -c1-64)
hm=$("$SCEVAL" add private | cut -c1-64)
expect_eq "a 0640 file becomes a 0440 object" "$(stat -c %a "$(obj "$hs")")" "440"
expect_eq "a 0644 file becomes a 0444 object" "$(stat -c %a "$(obj "$hp")")" "444"
expect_eq "a 0600 file becomes a 0400 object" "$(stat -c %a "$(obj "$hm")")" "400"
"$SCEVAL" checkout "$hs" co-shadow
expect_eq "its checked-out copy is no wider" "$(stat -c %a co-shadow)" "440"
expect_exit "fsck accepts the narrower modes" 0 "$SCEVAL" fsck
( umask 077; echo "under 077" > u && chmod 0644 u && "$SCEVAL" add u >/dev/null )
expect_eq "the umask narrows further" "$(stat -c %a "$(obj "$(sha256sum u | cut -c1-64)")")" "400"

mkdir spec other
"$SCEVAL" simulate -o spec/d.h5ad --cells 100 --genes 50 --types 2 --seed 1 >/dev/null 2>&1
echo "print('x')" > other/secret.py
ln -s ../other/secret.py spec/link.py
before=$(store_state "$T")
for f in ../other/secret.py "$T/other/secret.py" link.py; do
  cat > spec/s.yaml <<SPEC
datasets: {d: d.h5ad}
methods:
  m: {command: [/bin/true, "{file:s}"], files: {s: $f}, output: e.npy, provides: {obsm: X_m}}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [m]}
SPEC
  expect_exit "a method file outside the spec's folder ($f) is refused" 1 "$SCEVAL" run spec/s.yaml
  expect_match "... naming it" "$(cat "$T/err")" "^sceval run: spec/s.yaml:3:[0-9]+: method 'm': file 's': '$f' is outside the spec's folder \(allow_outside: true or --allow-outside allows it\)$"
  expect_eq "... store unchanged" "$(store_state "$T")" "$before"
done
{ echo "allow_outside: true"; cat spec/s.yaml; } > spec/s2.yaml
"$SCEVAL" run spec/s2.yaml >/dev/null 2>"$T/err"
check "allow_outside: true lets it through (the command then fails on its own)" sh -c "! grep -q 'outside the spec' '$T/err'"
"$SCEVAL" run --allow-outside spec/s.yaml >/dev/null 2>"$T/err"
check "so does --allow-outside" sh -c "! grep -q 'outside the spec' '$T/err'"
# Datasets may live outside: shared data beside the specs.
mv spec/d.h5ad other/d.h5ad
printf 'datasets: {d: ../other/d.h5ad}\ntasks:\n  - {task: annotation, dataset: d, label_key: cell_type, methods: [knn], n_top_genes: 20, n_comps: 5}\n' > spec/s3.yaml
expect_exit "a dataset outside the spec's folder is fine" 0 "$SCEVAL" run spec/s3.yaml
done_testing
