# Golden hashes: a fixed spec (every task, every built-in method, simulated
# data) run in portable mode gives the pinned output hashes and metric values
# of tests/golden/expected.tsv, step by step. A step whose bytes change
# without a bump of its version fails here by name (tasks/step.h's policy);
# a deliberate change re-pins the file with tests/golden/update.sh.
. "$(dirname "$0")/lib.sh"
g=$(cd "$(dirname "$0")/../golden" && pwd)
if ! sh "$g/run.sh" >run.log 2>&1; then
  fail "the golden spec runs in portable mode"; sed 's/^/# /' run.log
  done_testing
fi
pass "the golden spec runs in portable mode"
"$PYTHON" "$g/golden.py" compare "$g/expected.tsv" golden.tsv > cmp.log; rc=$?
cat cmp.log
expect_eq "every step's outputs and metrics equal the pinned ones" "$rc" 0
# The check itself: a changed output of an unchanged step is named.
awk -F'\t' 'BEGIN{OFS="\t"} /^batch\|batch.embed rna\/combat/ && $4 ~ /^output/ {$5="0" substr($5,2)} {print}' \
  golden.tsv > tampered.tsv
"$PYTHON" "$g/golden.py" compare "$g/expected.tsv" tampered.tsv > t.log
expect_match "a changed output without a version bump is named" "$(cat t.log)" \
  "not ok - batch\|batch.embed rna/combat \(batch.embed@[0-9]+\): output embedding.h5ad changed without a version bump"
done_testing
