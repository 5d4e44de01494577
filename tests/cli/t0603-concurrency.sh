# Concurrency on one store: two and then four `sceval run` of the same spec
# started together, and gc run again and again beside a run. Each step is
# computed once among them, every run is recorded with the same result, no
# "database is locked" reaches the user, and gc removes nothing a running
# step needs. t0005 has concurrent adds, t0503 two runs on real data.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/faults/lib.sh"
S=$SCEVAL
"$S" simulate -q -o d.h5ad --cells 300 --genes 200 --types 3 --batches 2 --seed 1 >/dev/null 2>&1
cat > slow.py <<'PY'
import sys, time, numpy as np
# Count every execution in a file outside the store, then take a while.
with open(sys.argv[3], "a") as f:
    f.write(sys.argv[2] + "\n")
time.sleep(float(open(sys.argv[4]).read()))
rng = np.random.default_rng(int(sys.argv[2]))
np.save(sys.argv[1], rng.standard_normal((300, 6)).astype(np.float32))
PY
# How long the slow method sleeps is read from a file, outside the spec, so
# that the steps stay the same whatever it is.
cat > spec.yaml <<SPEC
datasets: {d: $T/d.h5ad}
methods:
  slow:
    command: [$PYTHON, "{file:s}", "{output}", "{seed}", "$T/executions.txt", "$T/sleep.txt"]
    files: {s: $T/slow.py}
    output: emb.npy
    provides: {obsm: X_slow}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [slow, logreg, knn], seeds: [0, 1, 2]}
  - {task: batch, dataset: d, batch_key: batch, label_key: cell_type, methods: [unintegrated, slow]}
SPEC
echo 0.5 > sleep.txt
mkdir ref && "$S" init ref >/dev/null
R=$("$S" --store ref run -q --json spec.yaml | pyjson 'd["result"]')
NSTEPS=$("$S" --store ref runs --json | pyjson 'd["runs"][0]["steps"]')
expect_match "the spec runs alone" "$R" "^[0-9a-f]{64}$"

# together K: K runs of the spec, -j 2 each, started at once on a new store
together() {
  k=$1
  rm -rf st executions.txt && mkdir st && "$S" init st >/dev/null
  i=0 pids=""
  while [ $i -lt "$k" ]; do
    i=$((i + 1))
    "$S" --store st run -q -j 2 --json spec.yaml > r$i.json 2> r$i.err & pids="$pids $!"
  done
  rcs=""
  for p in $pids; do wait "$p"; rcs="$rcs$?"; done
  expect_eq "$k runs at once: all succeed" "$rcs" "$(printf '%0*d' "$k" 0)"
  expect_eq "... the slow method ran once per seed among them" "$(sort executions.txt | tr '\n' ' ')" "0 1 2 "
  computed=0 i=0 results=""
  while [ $i -lt "$k" ]; do
    i=$((i + 1))
    computed=$((computed + $(pyjson 'd["computed"]' < r$i.json)))
    results="$results $(pyjson 'd["result"]' < r$i.json)"
  done
  expect_eq "... each of the $NSTEPS steps was computed once among them" "$computed" "$NSTEPS"
  expect_eq "... all have the result of a run alone" "$(echo $results | tr ' ' '\n' | sort -u)" "$R"
  expect_eq "... no 'database is locked' or busy error reached the user" \
    "$(cat r*.err | grep -c -i -E 'locked|busy')" "0"
  expect_eq "... $k runs recorded, all done" \
    "$("$S" --store st runs --json | pyjson '[r["status"] for r in d["runs"]]')" \
    "$(i=0; printf '['; while [ $i -lt "$k" ]; do [ $i -gt 0 ] && printf ', '; printf '"done"'; i=$((i + 1)); done; printf ']')"
  p=$(store_sound st); expect_eq "... and the store is sound" "$p" ""
}
together 2
together 4

# gc beside a run: gc either finds the store in use and says so, or runs
# when no run holds it; the run is never harmed.
echo 2 > sleep.txt
rm -rf st executions.txt && mkdir st && "$S" init st >/dev/null
echo junk > junk && "$S" --store st add junk >/dev/null
"$S" --store st run -q -j 2 --json spec.yaml > run.json 2> run.err & pr=$!
n=0 busy=0 other=0
while kill -0 $pr 2>/dev/null; do
  n=$((n + 1))
  if ! "$S" --store st gc > gc.out 2> gc.err; then
    if grep -q '^sceval gc: .*in use by another sceval process' gc.err; then busy=$((busy + 1));
    else other=$((other + 1)); sed 's/^/#   gc: /' gc.err | head -n 3; fi
  fi
  sleep 0.2
done
wait $pr; rc=$?
echo "# gc beside a run: $n attempts, $busy refused (store in use)"
expect_eq "the run beside gc succeeds" "$rc" "0"
expect_eq "... with the result of a run alone" "$(pyjson 'd["result"]' < run.json)" "$R"
expect_eq "... gc failed only by saying the store is in use" "$other" "0"
check "... and was refused at least once" [ "$busy" -gt 0 ]
expect_eq "... no 'database is locked' reached the user" "$(cat run.err gc.err | grep -c -i -E 'database is locked|busy')" "0"
p=$(store_sound st); expect_eq "... the store is sound" "$p" ""
expect_exit "gc after the run" 0 "$S" --store st gc
expect_exit "... keeps all the run needs: it reproduces" 0 "$S" --store st reproduce "$R"
done_testing
