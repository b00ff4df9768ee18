#!/usr/bin/env bash
# A single-node Slurm on this machine, for tests/workflow/test_slurm.py: Debian's packages
# (slurmctld, slurmd, slurmdbd with MariaDB for accounting, munge), a default `cpu` partition and a
# `gpu` partition with two fake GPUs (gres on /dev/null and /dev/zero), the accounting storing job
# comments and GPU allocations, and an account `prag-ci` for the current user.
# Made for a machine like the CI's: Debian 12, root, no systemd, no cgroups (the reasons are noted inline).
#
#   bash .ci/slurm-up.sh          # under a minute the first time (measured: 34 s, 18 s of it apt); 3-7 s after
#
# Idempotent: each daemon is started only when it does not answer. It refuses to touch an
# /etc/slurm/slurm.conf it did not write. Needs root and apt. State, logs and the database live
# under $PRAG_SLURM_DIR (default /var/tmp/prag-slurm); .ci/slurm-down.sh stops the daemons.
set -euo pipefail

DIR=${PRAG_SLURM_DIR:-/var/tmp/prag-slurm}
ACCOUNT=${PRAG_SLURM_ACCOUNT:-prag-ci}
CLUSTER=pragci
MARKER="# written by .ci/slurm-up.sh"
NODE=$(hostname -s)
CPUS=$(nproc)
DB_PORT=3316   # not MariaDB's default port: leaves a system MariaDB alone
DB_SOCKET=/run/mysqld/prag-ci.sock   # in a folder the mysql user may write
SLURM_USER=$(id -un)
T0=$(date +%s)

say() { echo "[slurm-up +$(($(date +%s) - T0))s] $*"; }
die() { echo "[slurm-up] ERROR: $*" >&2; for f in "$DIR"/log/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done; exit 1; }
# wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds
wait_for() {
    local limit=$1 what=$2; shift 2
    for _ in $(seq "$((limit * 2))"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
    die "$what did not come up within ${limit}s"
}
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

[ "$(id -u)" = 0 ] || die "needs root (it installs packages and starts daemons)"

if [ -f /etc/slurm/slurm.conf ] && ! grep -qF "$MARKER" /etc/slurm/slurm.conf; then
    die "/etc/slurm/slurm.conf exists and was not written by this script; not touching a real cluster"
fi

# --- packages (about 10-30 s); policy-rc.d or the lack of an init keeps them from starting services
need=()
for p in slurmctld slurmd slurm-client slurmdbd munge mariadb-server; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout -k 10 300 apt-get update -qq
    timeout -k 10 600 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

mkdir -p "$DIR"/{state,spool,log,mysql}

# --- munge (authentication between the daemons and the clients)
[ -s /etc/munge/munge.key ] || { /usr/sbin/mungekey --create 2>/dev/null || /usr/sbin/create-munge-key -f; chown munge:munge /etc/munge/munge.key; }
if ! (munge -n | unmunge) >/dev/null 2>&1; then
    say "starting munged"
    mkdir -p /run/munge && chown munge:munge /run/munge
    runuser -u munge -- /usr/sbin/munged
    touch "$DIR/munged.ours"  # for .ci/slurm-down.sh
    wait_for 20 munged sh -c 'munge -n | unmunge'
fi

# --- MariaDB for slurmdbd (a private instance on 127.0.0.1:$DB_PORT, durability off)
if ! mariadb-admin --socket="$DB_SOCKET" -u root ping >/dev/null 2>&1; then
    if [ ! -d "$DIR/mysql/mysql" ]; then
        say "initialising the accounting database"
        chown mysql:mysql "$DIR/mysql"
        timeout -k 10 120 mariadb-install-db --user=mysql --datadir="$DIR/mysql" --skip-test-db \
            --auth-root-authentication-method=socket >"$DIR/log/mariadb-install.log" 2>&1
    fi
    say "starting mariadbd"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    # stdio redirected: a background mariadbd holding the caller's pipe open hangs the caller
    nohup mariadbd --user=mysql --datadir="$DIR/mysql" --socket="$DB_SOCKET" --port="$DB_PORT" \
        --bind-address=127.0.0.1 --skip-name-resolve --pid-file=/run/mysqld/prag-ci.pid \
        --log-error="$DIR/log/mariadb.log" --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
        --innodb-doublewrite=0 --innodb-buffer-pool-size=64M --performance-schema=0 \
        </dev/null >>"$DIR/log/mariadb.log" 2>&1 &
    wait_for 60 mariadbd mariadb-admin --socket="$DB_SOCKET" -u root ping
fi
mariadb --socket="$DB_SOCKET" -u root <<'SQL'
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurm-ci';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
SQL

# --- configuration (rewritten every time: the same content for the same machine)
mkdir -p /etc/slurm
# The jobstep plugin drops SLURM_CONF before its inner srun, so the config must be at the default path.
cat >/etc/slurm/slurm.conf <<EOF
$MARKER: a single-node CI cluster (loopback only, no cgroups)
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=$SLURM_USER
SlurmdUser=root
AuthType=auth/munge
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MinJobAge=300
# memory is not a consumable resource here (CR_Core) and nothing enforces it: the node declares
# 64 GB, as a GPU node would have, so that the workflow's memory requests are accepted; the
# declared CPUs and memory are taken as they are written (config_overrides)
SlurmdParameters=config_overrides
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStorageTRES=gres/gpu
AccountingStoreFlags=job_comment
GresTypes=gpu
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=65536 Gres=gpu:2 State=UNKNOWN
PartitionName=cpu Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$NODE MaxTime=INFINITE State=UP
EOF
# one line per device: a Count=2 line without File= leaves the node INVAL on 22.05
cat >/etc/slurm/gres.conf <<EOF
$MARKER
NodeName=$NODE Name=gpu File=/dev/null
NodeName=$NODE Name=gpu File=/dev/zero
EOF
cat >/etc/slurm/slurmdbd.conf <<EOF
$MARKER
AuthType=auth/munge
DbdAddr=127.0.0.1
DbdHost=$NODE
SlurmUser=$SLURM_USER
PidFile=$DIR/slurmdbd.pid
LogFile=$DIR/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=slurm-ci
StorageLoc=slurm_acct_db
EOF
chmod 600 /etc/slurm/slurmdbd.conf

# --- slurmdbd, then the cluster, account and user in it
if ! alive "$DIR/slurmdbd.pid"; then
    say "starting slurmdbd"
    slurmdbd </dev/null >>"$DIR/log/slurmdbd.log" 2>&1
fi
wait_for 60 slurmdbd sacctmgr -n list cluster
sacctmgr -n -P list cluster format=cluster | grep -qx "$CLUSTER" || sacctmgr -i add cluster "$CLUSTER" >/dev/null
sacctmgr -n -P list account format=account | grep -qx "$ACCOUNT" ||
    sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" Description="prag CI" Organization=prag >/dev/null
sacctmgr -n -P list assoc user="$SLURM_USER" account="$ACCOUNT" format=account | grep -qx "$ACCOUNT" ||
    sacctmgr -i add user "$SLURM_USER" Account="$ACCOUNT" DefaultAccount="$ACCOUNT" Cluster="$CLUSTER" >/dev/null
sacctmgr -i modify user "$SLURM_USER" set DefaultAccount="$ACCOUNT" >/dev/null 2>&1 || true

# --- slurmctld and slurmd (a running one rereads the configuration)
if alive "$DIR/slurmctld.pid"; then
    scontrol reconfigure >/dev/null
else
    say "starting slurmctld"
    slurmctld </dev/null >>"$DIR/log/slurmctld.log" 2>&1
fi
wait_for 60 slurmctld scontrol ping
if ! alive "$DIR/slurmd.pid"; then
    say "starting slurmd"
    slurmd </dev/null >>"$DIR/log/slurmd.log" 2>&1
fi
node_ready() { sinfo -h -n "$NODE" -o %t | grep -Eqx '(idle|mix|alloc)'; }
for _ in $(seq 60); do node_ready && break; scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true; sleep 1; done
node_ready || die "node $NODE is not ready: $(sinfo -h -n "$NODE" -o '%t %E')"

# --- a smoke test: one job per partition, the gpu one with a GPU, both in the accounting
jid=$(sbatch --parsable -A "$ACCOUNT" -p gpu --gpus=1 -t 1 --comment=slurm-up-smoke -o /dev/null --wrap true)
jid2=$(sbatch --parsable -A "$ACCOUNT" -p cpu -t 1 --comment=slurm-up-smoke -o /dev/null --wrap true)
done_ok() { [ "$(sacct -n -X -P -j "$jid,$jid2" -o State | sort -u)" = COMPLETED ]; }
wait_for 60 "the smoke-test jobs $jid $jid2" done_ok
sacct -n -X -P -j "$jid" -o AllocTRES | grep -q "gres/gpu=1" || die "the gpu smoke-test job got no GPU: $(sacct -n -X -P -j "$jid" -o AllocTRES)"
say "up: $(sinfo -h -o '%P %D %t %G' | tr '\n' ';') account $ACCOUNT"
