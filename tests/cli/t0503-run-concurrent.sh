# Two `sceval run` of one spec at once, each with -j 2: every step is
# computed once (a lock per step key), both runs finish with the same result,
# and the catalog stays sound.
. "$(dirname "$0")/lib.sh"
need_data "$PBMC" || { skip "needs $PBMC in \$SCEVAL_TESTDATA"; done_testing; }
"$SCEVAL" init >/dev/null
cat > slow.py <<'PY'
import sys, time, numpy as np
# Count every execution in a file outside the store, then take a while.
with open(sys.argv[3], "a") as f:
    f.write(sys.argv[2] + "\n")
time.sleep(1.0)
rng = np.random.default_rng(int(sys.argv[2]))
np.save(sys.argv[1], rng.standard_normal((700, 8)).astype(np.float32))
PY
cat > spec.yaml <<SPEC
datasets: {pbmc: $DATA/$PBMC}
methods:
  slow:
    command: [$PYTHON, "{file:s}", "{output}", "{seed}", "$T/executions.txt"]
    files: {s: slow.py}
    output: emb.npy
    provides: {obsm: X_slow}
tasks:
  - task: annotation
    dataset: pbmc
    label_key: bulk_labels
    methods: [slow, logreg]
    representation: obsm:X_pca
    seeds: [0, 1, 2, 3]
SPEC
"$SCEVAL" run -j 2 --json spec.yaml > a.json 2>a.err & pa=$!
"$SCEVAL" run -j 2 --json spec.yaml > b.json 2>b.err & pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
expect_eq "both concurrent runs succeed" "$ra$rb" "00"
expect_eq "each external step ran exactly once" "$(sort executions.txt | tr '\n' ' ')" "0 1 2 3 "
expect_eq "both runs have the same result" "$(pyjson 'd["result"]' < a.json)" "$(pyjson 'd["result"]' < b.json)"
computed=$(( $(pyjson 'd["computed"]' < a.json) + $(pyjson 'd["computed"]' < b.json) ))
expect_eq "the two runs computed each of the 20 steps once between them" "$computed" "20"
expect_exit "fsck is clean" 0 "$SCEVAL" fsck
expect_eq "two runs recorded" "$("$SCEVAL" runs --json | pyjson 'len(d["runs"])')" "2"
done_testing
