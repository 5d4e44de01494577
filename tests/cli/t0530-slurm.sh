# The Slurm executor against a real Slurm: munged, slurmctld and slurmd
# started here on 127.0.0.1 with a generated one-node configuration (no
# systemd). A spec run with --executor slurm gives the same result hash as
# the local executor, records job id, node and state per step; an
# interrupted run cancels its jobs and the next run resumes; a failing job
# and a job killed by its time limit are failed steps with their Slurm
# state and log; two submitters on one store compute each step once.
# Without Slurm (packages missing, daemons that do not start) the test
# says so and is skipped.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/../scripts/slurm-local.sh"
D=$T/slurm
H=$(hostname -s)
trap 'slurm_local_stop "$D"; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
if ! slurm_local_start "$D"; then
  skip "Slurm cannot start: $slurm_local_why"
  done_testing
fi
export SCEVAL_SLURM_POLL=0.2
pass "munged, slurmctld and slurmd started on 127.0.0.1"

"$SCEVAL" simulate -q -o rna.h5ad --cells 300 --genes 200 --types 3 --batches 2 --seed 3 >/dev/null
cat > steps.py <<'PY'
import sys, time, numpy as np
# out MODE SECONDS COUNTFILE: count the execution, then sleep, fail or write.
out, mode, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
with open(sys.argv[4], "a") as f:
    f.write(mode + "\n")
time.sleep(secs)
if mode == "fail":
    print("boom: this model always fails", file=sys.stderr)
    sys.exit(3)
np.save(out, np.random.default_rng(0).standard_normal((300, 4)).astype(np.float32))
PY
# spec NAME MODE SECONDS [extra method keys]
spec() {
  cat > "$1.yaml" <<YAML
datasets: {rna: rna.h5ad}
methods:
  m:
    command: [$PYTHON, "{file:s}", "{output}", "$2", "$3", "$T/count-$1.txt"]
    files: {s: steps.py}
    output: emb.npy
    provides: {obsm: X_m}
    ${4:-}
tasks:
  - {task: annotation, dataset: rna, label_key: cell_type, n_top_genes: 100, n_comps: 10,
     methods: [logreg, m], seeds: [${5:-0}]}
YAML
}

# The time limit first, in the background: Slurm checks limits every 30 s
# and a limit is at least a minute, so this job takes the longest.
spec limit sleep 600 'slurm: {time: "1"}'
mkdir limitstore && "$SCEVAL" init limitstore >/dev/null
"$SCEVAL" --store limitstore run --executor slurm --json limit.yaml >limit.json 2>limit.err & plimit=$!

# Same result hash as the local executor (a fresh store each).
spec same sleep 0
mkdir local slurmst && "$SCEVAL" init local >/dev/null && "$SCEVAL" init slurmst >/dev/null
"$SCEVAL" --store local run --json same.yaml > local.json 2>/dev/null
expect_exit "a spec runs through --executor slurm" 0 "$SCEVAL" --store slurmst run --executor slurm --json same.yaml
cp "$T/out" slurm.json
expect_eq "same result hash as the local executor" "$(pyjson 'd["result"]' < slurm.json)" "$(pyjson 'd["result"]' < local.json)"
expect_eq "every step was computed by a job" "$(pyjson 'd["computed"]' < slurm.json)" "$(pyjson 'd["computed"]' < local.json)"
"$SCEVAL" --store slurmst show 1 > show.txt
n_jobs=$(grep -c -E '^ +slurm job [0-9]+ on '"$H"': COMPLETED$' show.txt)
expect_eq "sceval show prints job id, node and state of each step" "$n_jobs" "$(pyjson 'd["computed"]' < slurm.json)"
"$SCEVAL" --store slurmst show --json 1 > show.json
expect_eq "the record holds executor, job, node, state" \
  "$(pyjson '[sorted(s["executor"]) for s in d["step_list"]][0]' < show.json)" '["executor", "job", "node", "state"]'
expect_exit "a second slurm run is all cached" 0 "$SCEVAL" --store slurmst run --executor slurm --json same.yaml
expect_eq "...and submits nothing" "$(pyjson 'd["cached"]' < "$T/out")" "$(pyjson 'd["steps"]' < "$T/out")"
expect_eq "no job pointer or log left behind" "$(ls slurmst/.sceval/jobs | wc -l)" "0"
expect_eq "no step lock left behind" "$(ls slurmst/.sceval/locks | wc -l)" "0"

# Interrupted: Ctrl-C cancels the queued and running jobs; the next run resumes.
spec slow sleep 4
mkdir slowst && "$SCEVAL" init slowst >/dev/null
"$SCEVAL" --store slowst run --executor slurm --json slow.yaml >int.json 2>int.err & prun=$!
for i in $(seq 1 100); do
  [ -s count-slow.txt ] && break
  sleep 0.1
done
sleep 0.5
kill -INT $prun; wait $prun; rint=$?
expect_eq "an interrupted slurm run exits 130" "$rint" "130"
left=$(squeue -h -t PENDING,RUNNING -n "$(printf 'sceval-%s' '' )" -o %j 2>/dev/null | grep -c '^sceval-' || true)
expect_eq "its jobs are cancelled (none queued or running)" "$left" "0"
expect_eq "the run is recorded as interrupted" "$("$SCEVAL" --store slowst runs --json | pyjson 'd["runs"][0]["status"]')" "interrupted"
expect_exit "the next run resumes" 0 "$SCEVAL" --store slowst run --executor slurm --json slow.yaml
cp "$T/out" resumed.json
expect_match "...from what finished (some steps cached)" "$(pyjson 'd["cached"]' < resumed.json)" '^[1-9]'
mkdir slowlocal && "$SCEVAL" init slowlocal >/dev/null
"$SCEVAL" --store slowlocal run --json slow.yaml > slowlocal.json 2>/dev/null
expect_eq "...to the local executor's result" "$(pyjson 'd["result"]' < resumed.json)" "$(pyjson 'd["result"]' < slowlocal.json)"

# A job that fails: a failed step with the Slurm state and the model's message.
spec fail fail 0
mkdir failst && "$SCEVAL" init failst >/dev/null
expect_exit "a failing job fails the run" 1 "$SCEVAL" --store failst run --executor slurm --keep-going fail.yaml
expect_match "...naming the model's error" "$(cat "$T/err")" "step external rna/m seed=0 failed: .*boom: this model always fails"
"$SCEVAL" --store failst show --json 1 > failshow.json
expect_eq "...recorded with Slurm state FAILED" \
  "$(pyjson '[s["executor"]["state"] for s in d["step_list"] if s["status"] == "failed"][0]' < failshow.json)" "FAILED"
expect_eq "...the other methods' steps done (keep-going)" \
  "$(pyjson 'len([s for s in d["step_list"] if s["status"] == "done"])' < failshow.json)" "3"

# Two submitters on one store: each step computed once between them.
spec two sleep 1 "" "0, 1"
mkdir twost && "$SCEVAL" init twost >/dev/null
"$SCEVAL" --store twost run --executor slurm --json two.yaml > a.json 2>a.err & pa=$!
"$SCEVAL" --store twost run --executor slurm --json two.yaml > b.json 2>b.err & pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
expect_eq "two concurrent slurm submitters succeed" "$ra$rb" "00"
expect_eq "...each external step ran exactly once" "$(wc -l < count-two.txt)" "2"
expect_eq "...and computed each step once between them" \
  "$(( $(pyjson 'd["computed"]' < a.json) + $(pyjson 'd["computed"]' < b.json) ))" "$(pyjson 'd["steps"]' < a.json)"
expect_eq "...with one result" "$(pyjson 'd["result"]' < a.json)" "$(pyjson 'd["result"]' < b.json)"

# The time limit.
wait $plimit; rl=$?
expect_eq "a job past its time limit fails the run" "$rl" "1"
expect_match "...recorded as TIMEOUT with the job's log" "$(cat limit.err)" "failed: Slurm job [0-9]+ TIMEOUT on $H: .*DUE TO TIME LIMIT"
"$SCEVAL" --store limitstore show --json 1 > limitshow.json
expect_eq "...its log stored as the step's stderr" \
  "$(pyjson '[s["stderr_log"] is not None for s in d["step_list"] if s["status"] == "failed"][0]' < limitshow.json)" "True"
expect_exit "fsck is clean" 0 "$SCEVAL" --store limitstore fsck
done_testing
