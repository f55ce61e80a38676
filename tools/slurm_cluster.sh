#!/bin/bash
# A real single-node Slurm cluster on this machine, for sharded sweeps and their test:
# munged, slurmctld and slurmd (Debian's munge, slurmctld, slurmd and slurm-client), all
# state, sockets, logs and pid files under one directory, on loopback ports.
#
#   tools/slurm_cluster.sh start DIR   start it; prints `export SLURM_CONF=DIR/slurm.conf`
#   tools/slurm_cluster.sh stop DIR    stop every daemon it started and cancel its jobs
#
# Needs root (slurmd runs jobs as their user; munged runs with --force). Exit 0 when the
# node is idle and takes jobs; 3 when this machine cannot run it (not root, Slurm or munge
# not installed); 2 with the reason (and the daemons' log tails) when it failed to start,
# having stopped whatever it had started. Sockets live in a short directory under /tmp
# (a Unix socket path has at most 108 bytes), named in DIR/rundir and removed by stop.
set -u

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd) || usage
conf=$dir/slurm.conf
export SLURM_CONF=$conf

stop() {
  if [ -f "$conf" ]; then
    scancel --quiet --full --user=root >/dev/null 2>&1 || true
  fi
  local run
  run=$(cat "$dir/rundir" 2>/dev/null)
  for name in slurmd slurmctld munged; do
    pidfile=$dir/$name.pid
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
  case "$run" in /tmp/mqsim-slurm.*) rm -rf "$run" ;; esac
  rm -f "$dir/rundir"
}

unavailable() {
  echo "slurm_cluster: this machine cannot run a Slurm cluster: $*" >&2
  exit 3
}

fail() {
  echo "slurm_cluster: cannot start: $*" >&2
  for log in munged slurmctld slurmd; do
    [ -s "$dir/$log.log" ] && { echo "--- $dir/$log.log (last lines)" >&2; tail -n 5 "$dir/$log.log" >&2; }
  done
  stop
  exit 2
}

# A free loopback TCP port from $1 upwards.
free_port() {
  local p=$1
  while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

start() {
  [ "$(id -u)" -eq 0 ] || unavailable "it needs root"
  for tool in munged mungekey slurmctld slurmd sinfo sbatch scancel; do
    command -v "$tool" >/dev/null ||
      unavailable "$tool is not installed (tools/bootstrap.sh installs it)"
  done
  stop
  local run
  run=$(mktemp -d /tmp/mqsim-slurm.XXXXXX) || fail "mktemp"
  echo "$run" >"$dir/rundir"
  mkdir -p "$run/munge" "$run/spool" "$dir/state"
  chmod 700 "$run/munge"
  mungekey --create --keyfile="$run/munge/munge.key" || fail "mungekey could not create a key"
  chmod 600 "$run/munge/munge.key"
  munged --force --socket="$run/munge/munge.socket" --key-file="$run/munge/munge.key" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" \
    --seed-file="$run/munge/munge.seed" 2>>"$dir/munged.log" || fail "munged did not start"
  local host ctld_port node_port
  host=$(hostname -s)
  ctld_port=$(free_port 16817)
  node_port=$(free_port $((ctld_port + 1)))
  cat >"$conf" <<CONF
ClusterName=mqsim
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$node_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$run/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$run/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SchedulerType=sched/builtin
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=mqsim Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  slurmctld -f "$conf" -i || fail "slurmctld did not start"
  slurmd -f "$conf" || fail "slurmd did not start"
  for _ in $(seq 100); do
    state=$(sinfo -h -N -o %T 2>/dev/null | head -n 1)
    case "$state" in idle*) echo "export SLURM_CONF=$conf"; return 0 ;; esac
    sleep 0.2
  done
  fail "the node did not become idle (state: ${state:-none})"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
