# slurm-local.sh - a one-node Slurm on 127.0.0.1 for tests and benchmarks:
# munged, slurmctld and slurmd started from a generated configuration under
# a folder of your choice, without systemd (as root).
#   . scripts/slurm-local.sh
#   slurm_local_start DIR || echo "cannot start: $slurm_local_why"
#   ... (SLURM_CONF is exported; sbatch, squeue, sceval --executor slurm work)
#   slurm_local_stop DIR
slurm_local_stop() {
  # Jobs first (this controller's only), so no slurmstepd outlives slurmd.
  if [ -f "$1/slurmctld.pid" ]; then
    ids=$(SLURM_CONF=$1/slurm.conf squeue -h -o %i 2>/dev/null)
    [ -n "$ids" ] && SLURM_CONF=$1/slurm.conf scancel $ids 2>/dev/null
    for i in $(seq 1 25); do
      [ -z "$(SLURM_CONF=$1/slurm.conf squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  for f in slurmd slurmctld munged; do
    [ -f "$1/$f.pid" ] && kill "$(cat "$1/$f.pid")" 2>/dev/null
  done
  sleep 0.5
}

slurm_local_start() {
  D=$1
  slurm_local_why=
  case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin ;; esac
  for t in munged mungekey slurmctld slurmd sbatch squeue scancel sinfo; do
    command -v "$t" >/dev/null 2>&1 || {
      slurm_local_why="'$t' not installed (scripts/deps.sh installs slurm-wlm and munge)"
      return 1
    }
  done
  [ "$(id -u)" -eq 0 ] || { slurm_local_why="slurmd needs root here"; return 1; }
  mkdir -p "$D/state" "$D/spool"
  H=$(hostname -s)
  P=$((20000 + $$ % 20000))
  mungekey -c -k "$D/munge.key" >/dev/null 2>&1
  chmod 600 "$D/munge.key"
  # CPUs=8 with config_overrides: jobs of small steps run side by side on
  # any machine; sched/builtin starts each job as it is submitted.
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
  export SLURM_CONF=$D/slurm.conf
  if munged --force --socket="$D/munge.sock" --key-file="$D/munge.key" --pid-file="$D/munged.pid" \
       --log-file="$D/munged.log" --seed-file="$D/munge.seed" 2>"$D/start.err" &&
     slurmctld -f "$D/slurm.conf" -i 2>>"$D/start.err" && slurmd -f "$D/slurm.conf" 2>>"$D/start.err"; then
    for i in $(seq 1 50); do
      sinfo -h -o %t 2>/dev/null | grep -q idle && return 0
      sleep 0.2
    done
  fi
  slurm_local_why=$(tail -n 2 "$D/start.err" "$D/slurmctld.log" "$D/slurmd.log" 2>/dev/null | grep -v '^==>' | tr '\n' ' ' | cut -c1-300)
  return 1
}
