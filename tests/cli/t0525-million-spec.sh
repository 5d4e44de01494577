# examples/million.yaml (the scale spec) on a small simulated file: every
# step runs, the runner records each step's wall time and peak memory (what
# bench/million.sh reports), and the batch task scores both methods.
. "$(dirname "$0")/lib.sh"
cp "$TESTS_DIR/../examples/million.yaml" .
"$SCEVAL" init -q >/dev/null
"$SCEVAL" simulate -q -o million.h5ad --cells 1200 --genes 150 --types 4 --batches 3 --seed 2 >/dev/null
"$SCEVAL" run -q -j 2 million.yaml >run.out 2>run.err
expect_eq "the million spec runs on 1200 cells" "$?" 0
"$SCEVAL" show 1 --json >show.json
expect_eq "it has the nine steps (prepare, 2 embeds, 2 scIB evals, 2 annotation fits and evals)" \
  "$(pyjson 'len(d["step_list"])' <show.json)" 9
expect_eq "every step has a recorded peak memory above 1 MB" \
  "$(pyjson 'sum(1 for s in d["step_list"] if (s["maxrss_kb"] or 0) > 1024)' <show.json)" 9
expect_eq "both batch methods have a kBET and a silhouette" \
  "$(pyjson 'len([m for m in d["metrics"] if m.get("metric") in ("kBET", "ASW_label") and m.get("value") is not None])' <show.json)" 4
done_testing
