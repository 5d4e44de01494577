# What a killed process leaves behind: a run killed with -9 shows as
# interrupted at once (no later run needed), its scratch folder and a
# killed import's staging folder are warnings for fsck, not corruption, and
# gc removes them, leaving those of processes that still run.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -o d.h5ad --cells 200 --genes 100 --types 2 --seed 1 >/dev/null 2>&1
cat > step.py <<'PY'
import sys, time
time.sleep(60)
PY
cat > spec.yaml <<SPEC
datasets: {d: d.h5ad}
methods:
  slow: {command: [$PYTHON, "{file:s}"], files: {s: step.py}, output: e.npy, provides: {obsm: X}}
tasks:
  - {task: annotation, dataset: d, label_key: cell_type, methods: [slow]}
SPEC
"$SCEVAL" run spec.yaml >/dev/null 2>&1 & pid=$!
i=0
while [ $i -lt 100 ] && ! ls .sceval/tmp 2>/dev/null | grep -q '^step-'; do sleep 0.1; i=$((i + 1)); done
check "the run has a scratch folder" sh -c "ls .sceval/tmp | grep -q '^step-'"
expect_eq "while it runs, it is running" "$("$SCEVAL" runs --json | pyjson 'd["runs"][0]["status"]')" "running"
kill -9 $pid; wait $pid 2>/dev/null
expect_eq "killed with -9, runs shows it interrupted at once" "$("$SCEVAL" runs --json | pyjson 'd["runs"][0]["status"]')" "interrupted"
expect_eq "... and so does show" "$("$SCEVAL" show --json 1 | pyjson 'd["status"]')" "interrupted"
# A killed import's staging folder, named by a pid that is gone.
sh -c 'exit 0' & dead=$!; wait $dead
mkdir .sceval/tmp/import-$dead && echo partial > .sceval/tmp/import-$dead/abc
# One of a process that still runs (this shell) stays.
mkdir .sceval/tmp/import-$$ && echo partial > .sceval/tmp/import-$$/abc
expect_exit "fsck does not fail on leftovers" 0 "$SCEVAL" fsck
expect_match "... but lists the run's scratch folder" "$(cat "$T/out")" "^temp .*/tmp/step-[^ ]*: left by a process that is gone"
expect_match "... the import's" "$(cat "$T/out")" "^temp .*/tmp/import-$dead: left by a process that is gone"
expect_match "... and one still in use" "$(cat "$T/out")" "^temp .*/tmp/import-$$: in use by process $$"
expect_exit "gc runs" 0 "$SCEVAL" gc
expect_eq "gc removed the dead processes' leftovers and kept the live one" "$(ls .sceval/tmp)" "import-$$"
rm -rf .sceval/tmp/import-$$
expect_exit "fsck is clean" 0 "$SCEVAL" fsck
expect_eq "... without warnings" "$(grep -c '^temp' "$T/out")" "0"
check "the killed step's command is gone" sh -c "! pgrep -f '$T/.*[s]tep.py' >/dev/null"
done_testing
