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
for t in munged mungekey slurmctld slurmd sbatch squeue scancel; do
  command -v "$t" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
  command -v "$t" >/dev/null 2>&1 || { skip "Slurm cannot start: '$t' not installed (scripts/deps.sh installs slurm-wlm and munge)"; done_testing; }
done
[ "$(id -u)" -eq 0 ] || { skip "Slurm cannot start: slurmd needs root here"; done_testing; }

D=$T/slurm
mkdir -p "$D/state" "$D/spool"
H=$(hostname -s)
P=$((20000 + $$ % 20000))
stop_slurm() {
  for f in slurmd slurmctld munged; do
    [ -f "$D/$f.pid" ] && kill "$(cat "$D/$f.pid")" 2>/dev/null
  done
  sleep 0.5
}
trap 'stop_slurm; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
mungekey -c -k "$D/munge.key" >/dev/null 2>&1
chmod 600 "$D/munge.key"
cat > "$D/slurm.conf" <<CONF
ClusterName=scevaltest
SlurmctldHost=$H(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$P
SlurmdPort=$((P + 1))
AuthType=auth/munge
AuthInfo=socket=$D/munge.sock
CredType=cred/munge
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SwitchType=switch/none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
InactiveLimit=0
KillWait=2
MinJobAge=300
Waittime=0
SlurmdParameters=config_overrides
NodeName=$H NodeAddr=127.0.0.1 CPUs=8 RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$D/slurm.conf SCEVAL_SLURM_POLL=0.2
started=0
if munged --force --socket="$D/munge.sock" --key-file="$D/munge.key" --pid-file="$D/munged.pid" \
     --log-file="$D/munged.log" --seed-file="$D/munge.seed" 2>"$D/start.err" &&
   slurmctld -f "$D/slurm.conf" -i 2>>"$D/start.err" && slurmd -f "$D/slurm.conf" 2>>"$D/start.err"; then
  for i in $(seq 1 50); do
    sinfo -h -o %t 2>/dev/null | grep -q idle && { started=1; break; }
    sleep 0.2
  done
fi
if [ $started = 0 ]; then
  skip "Slurm cannot start: $(tail -n 2 "$D/start.err" "$D/slurmctld.log" 2>/dev/null | tr '\n' ' ' | cut -c1-300)"
  done_testing
fi
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
