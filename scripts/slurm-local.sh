#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, started by hand (no systemd), for
# `fuseflow sweep --backend slurm` and its test (docs/sweep.md "Slurm").
# Needs root and Debian's munge, slurmctld, slurmd and slurm-client
# (scripts/setup.sh installs them).
#
#   scripts/slurm-local.sh start   munged, slurmctld, slurmd; waits for the node
#   scripts/slurm-local.sh stop    stops the daemons start started (not one it found running)
#   scripts/slurm-local.sh status  which run, and sinfo
#
# start writes /etc/slurm/slurm.conf (the path Debian's Slurm 22.05 reads)
# for this host -- CPUs from nproc, memory from /proc/meminfo -- replacing
# one this script wrote before, but never a slurm.conf of someone else's.
# State, spool, logs and pid files are under /var/spool/fuseflow-slurm.
set -euo pipefail

conf=/etc/slurm/slurm.conf
state=/var/spool/fuseflow-slurm
mark="# written by fuseflow scripts/slurm-local.sh"
host=$(hostname -s)

die() { echo "slurm-local.sh: $*" >&2; exit 1; }

# pid of a daemon from its pid file, if it is alive
alive() { local f=$1; [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }

write_conf() {
  if [ -e "$conf" ] && ! grep -qF "$mark" "$conf"; then
    die "$conf exists and was not written by this script; move it away first"
  fi
  local mem
  mem=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
  mkdir -p /etc/slurm "$state/ctld" "$state/d" "$state/log"
  cat >"$conf.tmp" <<EOF
$mark
# A one-node cluster for fuseflow's sweeps and tests; see docs/sweep.md.
ClusterName=fuseflow
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# start the next array task as soon as one ends (the default waits up to 3 s:
# 2 sweep points per 3 s on a 2-core machine, instead of 2 per second)
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$conf.tmp" "$conf"
}

start_munge() {
  if pgrep -x munged >/dev/null; then return 0; fi # any munged serves
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged || die "munged did not start (see /var/log/munge/munged.log)"
  echo munged >>"$state/started"
}

node_state() { sinfo -h -n "$host" -o %t 2>/dev/null | head -n1; }

start() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sinfo >/dev/null ||
    die "Slurm is not installed (scripts/setup.sh installs slurmctld, slurmd, slurm-client and munge)"
  write_conf
  start_munge
  if alive "$state/slurmctld.pid" >/dev/null; then
    scontrol reconfigure || die "scontrol reconfigure failed (see $state/log/slurmctld.log)"
  else
    slurmctld || die "slurmctld did not start (see $state/log/slurmctld.log)"
    echo slurmctld >>"$state/started"
  fi
  if ! alive "$state/slurmd.pid" >/dev/null; then
    slurmd || die "slurmd did not start (see $state/log/slurmd.log)"
    echo slurmd >>"$state/started"
  fi
  local s=""
  for _ in $(seq 60); do
    s=$(node_state)
    case "$s" in
      idle|mix|alloc|comp) echo "slurm-local.sh: node $host is $s"; return 0 ;;
      drain*|inval*) die "node $host is $s: $(sinfo -h -R -o %E)" ;;
    esac
    sleep 0.5
  done
  die "node $host is not up after 30 s (state '${s:-no answer}'); see $state/log/"
}

stop() {
  local f pid
  for f in "$state/slurmd.pid" "$state/slurmctld.pid" /run/munge/munged.pid; do
    grep -qx "$(basename "$f" .pid)" "$state/started" 2>/dev/null || continue
    if pid=$(alive "$f"); then
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
  done
  rm -f "$state/started"
  echo "slurm-local.sh: stopped"
}

status() {
  local f pid rc=0
  for f in /run/munge/munged.pid "$state/slurmctld.pid" "$state/slurmd.pid"; do
    if pid=$(alive "$f"); then echo "$(basename "$f" .pid): running (pid $pid)"
    else echo "$(basename "$f" .pid): not running"; rc=1; fi
  done
  [ $rc -eq 0 ] && sinfo
  return $rc
}

[ $# -eq 1 ] || { sed -n '2,14p' "$0"; exit 2; }
case "$1" in
  start|stop) [ "$(id -u)" -eq 0 ] || die "$1: needs root"; "$1" ;;
  status) status ;;
  -h|--help) sed -n '2,14p' "$0" ;;
  *) echo "slurm-local.sh: unknown command '$1' (expected start, stop or status)" >&2; exit 2 ;;
esac
