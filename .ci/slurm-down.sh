#!/usr/bin/env bash
# Stops the daemons .ci/slurm-up.sh started, by their pid files (munged only if it started it).
# Its state stays in $PRAG_SLURM_DIR (delete that folder for a fresh cluster next time).
set -uo pipefail
DIR=${PRAG_SLURM_DIR:-/var/tmp/prag-slurm}
pidfiles=("$DIR/slurmd.pid" "$DIR/slurmctld.pid" "$DIR/slurmdbd.pid" /run/mysqld/prag-ci.pid)
[ -f "$DIR/munged.ours" ] && pidfiles+=(/run/munge/munged.pid) && rm -f "$DIR/munged.ours"
for pidfile in "${pidfiles[@]}"; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null && for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$pidfile"
done
echo "slurm-down: stopped (state kept in $DIR)"
