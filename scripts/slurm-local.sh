#!/usr/bin/env bash
# A real single-node Slurm cluster on 127.0.0.1, for the tests of `baiqa experiment --executor slurm` and
# for trying the executor without a cluster. Debian 12's packages (Slurm 22.05, munge); no systemd is
# needed: the daemons are started directly and stopped by their pid files.
#
#   scripts/slurm-local.sh start    install what is missing, write slurm.conf, start munged, slurmctld and
#                                   slurmd, and wait until `sinfo` shows the node idle
#   scripts/slurm-local.sh stop     stop the three daemons
#   scripts/slurm-local.sh status   print `sinfo` (exit 1 when the controller does not answer)
#
# The cluster: one node (this machine, its CPUs and memory as `slurmd -C` reports them), partition
# `debug`; no accounting (so no `sacct`: job states come from squeue/scontrol), no cgroups (nothing
# enforces memory or CPU limits), and DependencyParameters=kill_invalid_depend so that jobs after a failed
# one are cancelled instead of pending forever. Needs root (apt-get, /etc/slurm, /run).
set -euo pipefail

conf_dir=/etc/slurm
run_dir=/run/slurm
log_dir=/var/log/slurm
pids=("$run_dir/slurmd.pid" "$run_dir/slurmctld.pid" /run/munge/munged.pid)

die() { echo "slurm-local: $*" >&2; exit 1; }

install_packages() {
  local missing=() p
  for p in slurmctld slurmd slurm-client munge; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "slurm-local: installing ${missing[*]}" >&2
  apt-get update -q >/dev/null
  # apt's start scripts cannot start services here (no systemd): that is expected.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
  local host node
  host=$(hostname -s)
  # slurmd -C prints the node line (CPUs, boards, sockets, cores, threads, memory) and an uptime line.
  node=$(slurmd -C | grep '^NodeName=' | sed -E "s/^NodeName=[^ ]+/NodeName=$host NodeAddr=127.0.0.1/")
  mkdir -p "$conf_dir" "$run_dir" "$log_dir" /var/spool/slurmctld /var/spool/slurmd
  cat > "$conf_dir/slurm.conf.tmp" <<EOF
# Written by baiqa's scripts/slurm-local.sh: a single-node cluster on 127.0.0.1.
ClusterName=baiqa-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$run_dir/slurmctld.pid
SlurmdPidFile=$run_dir/slurmd.pid
SlurmctldLogFile=$log_dir/slurmctld.log
SlurmdLogFile=$log_dir/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
DependencyParameters=kill_invalid_depend
ReturnToService=2
MinJobAge=3600
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$conf_dir/slurm.conf.tmp" "$conf_dir/slurm.conf"
}

start() {
  [ "$(id -u)" -eq 0 ] || die "start needs root (apt-get, /etc/slurm, /run)"
  install_packages
  command -v slurmctld >/dev/null || die "slurmctld is not installed (apt-get install slurmctld slurmd slurm-client munge)"
  if ! alive /run/munge/munged.pid; then
    [ -f /etc/munge/munge.key ] || mungekey --create
    chown munge:munge /etc/munge/munge.key
    mkdir -p /run/munge && chown munge:munge /run/munge
    su -s /bin/sh munge -c "munged" || die "munged did not start"
  fi
  if ! alive "$run_dir/slurmctld.pid" || ! alive "$run_dir/slurmd.pid"; then
    write_conf
    alive "$run_dir/slurmctld.pid" || slurmctld || die "slurmctld did not start (see $log_dir/slurmctld.log)"
    alive "$run_dir/slurmd.pid" || slurmd || die "slurmd did not start (see $log_dir/slurmd.log)"
  fi
  local i state
  for i in $(seq 1 60); do
    state=$(sinfo -h -o '%T' 2>/dev/null | head -1 || true)
    case "$state" in
      idle|mixed|allocated) echo "slurm-local: node $(hostname -s) $state (partition debug)"; return 0 ;;
      down*|drain*) scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 0.5
  done
  die "the node did not become idle in 30 s (sinfo: ${state:-no answer}; see $log_dir/)"
}

stop() {
  local f pid i
  for f in "${pids[@]}"; do
    alive "$f" || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  done
  echo "slurm-local: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) sinfo || exit 1 ;;
  *) echo "usage: scripts/slurm-local.sh start|stop|status" >&2; exit 64 ;;
esac
