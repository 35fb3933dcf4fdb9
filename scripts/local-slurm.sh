#!/usr/bin/env bash
# A private single-node Slurm cluster in one directory, for tests and for trying
# `mergetool warp --executor slurm` on one machine. It never touches a system Slurm: its own
# slurm.conf (exported through SLURM_CONF), munge key and socket, state, spool, pid and log
# files, and ports picked free at start. Stop it with the same script: only the daemons whose
# PIDs it recorded are stopped.
#
#   usage: scripts/local-slurm.sh start DIR     prints `export SLURM_CONF=DIR/slurm.conf`
#          scripts/local-slurm.sh stop DIR
#          scripts/local-slurm.sh env DIR       prints the export line again
# Needs Debian's slurm-wlm and munge (`make deps-slurm` installs them); run as root or as the
# user the daemons should run as.
set -euo pipefail
cmd=${1:?usage: local-slurm.sh start|stop|env DIR}
DIR=${2:?usage: local-slurm.sh start|stop|env DIR}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
CONF="$DIR/slurm.conf"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

stop_pidfile() {
    local f=$1 pid
    [ -f "$f" ] || return 0
    pid=$(cat "$f" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

case "$cmd" in
start)
    # The daemons must hold nothing of the caller's: close every inherited descriptor above 2
    # (e.g. the socket Foundation's Process watches to see its child exit).
    for fd in $(ls /proc/$$/fd 2>/dev/null); do
        [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true
    done
    for tool in munged slurmctld slurmd sbatch; do
        command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || {
            echo "error: $tool not found (install slurm-wlm and munge: make deps-slurm)" >&2
            exit 1
        }
    done
    PATH="/usr/sbin:$PATH"
    mkdir -p "$DIR/munge" "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run"
    chmod 700 "$DIR/munge"
    if [ ! -f "$DIR/munge/munge.key" ]; then
        head -c 1024 /dev/urandom >"$DIR/munge/munge.key"
        chmod 400 "$DIR/munge/munge.key"
    fi
    SOCKET="$DIR/munge/munge.socket"
    stop_pidfile "$DIR/run/munged.pid"
    munged --force --key-file="$DIR/munge/munge.key" --socket="$SOCKET" \
        --pid-file="$DIR/run/munged.pid" --log-file="$DIR/log/munged.log" \
        --seed-file="$DIR/munge/munge.seed" </dev/null >>"$DIR/log/daemons.out" 2>&1
    HOST=$(hostname -s)
    CPUS=$(nproc)
    MEM=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.8}' /proc/meminfo)
    USER_NAME=$(id -un)
    cat >"$CONF" <<CONF
ClusterName=mergetool-local
SlurmctldHost=$HOST
SlurmUser=$USER_NAME
SlurmdUser=$USER_NAME
AuthType=auth/munge
AuthInfo=socket=$SOCKET
CredType=cred/munge
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=600
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=local Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
    export SLURM_CONF="$CONF"
    # daemons get no descriptor of the caller's (a caller reading our output to its end
    # would otherwise wait for the daemons to exit)
    slurmctld -f "$CONF" </dev/null >>"$DIR/log/daemons.out" 2>&1
    slurmd -f "$CONF" </dev/null >>"$DIR/log/daemons.out" 2>&1
    for _ in $(seq 100); do
        state=$(sinfo -h -o '%T' 2>/dev/null | head -n1 || true)
        case "$state" in idle | mixed | allocated) break ;; esac
        sleep 0.2
    done
    case "$state" in
    idle | mixed | allocated) ;;
    *)
        echo "error: the local Slurm node did not come up (state '${state:-none}'); logs in $DIR/log" >&2
        exit 1
        ;;
    esac
    echo "export SLURM_CONF=$CONF"
    ;;
stop)
    stop_pidfile "$DIR/run/slurmd.pid"
    stop_pidfile "$DIR/run/slurmctld.pid"
    stop_pidfile "$DIR/run/munged.pid"
    ;;
env)
    echo "export SLURM_CONF=$CONF"
    ;;
*)
    echo "usage: local-slurm.sh start|stop|env DIR" >&2
    exit 2
    ;;
esac
