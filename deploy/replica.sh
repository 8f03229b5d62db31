#!/usr/bin/env bash
# A PostgreSQL streaming replica of the machine's server, on this machine: a second cluster made
# with pg_basebackup from PRIMARY (default postgres://postgres@127.0.0.1:5432), started on PORT,
# following the primary as a hot standby that answers reads. For trying DATABASE_REPLICA_URLS
# and for the test that shows a published story reaching readers through a replica
# (tests/newsroom/test_replica.py). A production replica is made the same way on its own machine.
#
#   deploy/replica.sh up DIR [PORT]     # default port 5433; prints the replica's URL base
#   deploy/replica.sh down DIR          # stops it and removes DIR
#
# Run as root (the cluster runs as the postgres OS user) or as postgres. The primary needs
# wal_level replica (or logical) and max_wal_senders > 0, PostgreSQL's defaults since version 10;
# this script says so and stops if they are not, rather than restarting a server. It needs a
# pg_hba.conf line that lets the replica connect for replication; when there is none, it adds
# one for 127.0.0.1 with the trust method of the existing lines, and reloads (no restart).
set -euo pipefail

PRIMARY=${REPLICA_PRIMARY:-postgres://postgres@127.0.0.1:5432}
export PGOPTIONS="-c client_min_messages=warning"

log() { printf '[replica %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_postgres() {
  if [[ $(id -un) == postgres ]]; then "$@"; else runuser -u postgres -- "$@"; fi
}
primary_sql() { timeout 20 psql "$PRIMARY/postgres" -XAtqc "$1"; }

replica_up() {
  local dir=$1 port=${2:-5433} bin wal senders rules hba
  bin=$(pg_bin)
  [[ -x $bin/pg_basebackup && -x $bin/pg_ctl ]] || { log "no pg_basebackup or pg_ctl under /usr/lib/postgresql"; return 1; }
  [[ ! -e $dir/data ]] || { log "$dir/data exists; run: $0 down $dir"; return 1; }
  wal=$(primary_sql "SHOW wal_level")
  senders=$(primary_sql "SHOW max_wal_senders")
  if [[ $wal == minimal || $senders == 0 ]]; then
    log "the primary has wal_level=$wal, max_wal_senders=$senders: set wal_level=replica and" \
        "max_wal_senders=10 (ALTER SYSTEM) and restart it, then run this again"
    return 1
  fi
  # A replication connection from 127.0.0.1 as postgres must be allowed.
  rules=$(primary_sql "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NULL
    AND 'replication' = ANY(database) AND type IN ('host', 'hostnossl') AND (address = '127.0.0.1' OR address IS NULL)")
  if [[ $rules == 0 ]]; then
    hba=$(primary_sql "SHOW hba_file")
    log "allowing replication connections from 127.0.0.1 in $hba (and reloading)"
    printf '\n# Added by newsroom deploy/replica.sh: a replica on this machine.\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
    primary_sql "SELECT pg_reload_conf()" >/dev/null
    sleep 0.5
  fi
  install -d -o postgres -g postgres -m 700 "$dir" "$dir/data"
  log "copying the primary's cluster into $dir/data (pg_basebackup -R)"
  # -R writes standby.signal and primary_conninfo: the copy starts as a standby that follows.
  as_postgres timeout 600 "$bin/pg_basebackup" -d "$PRIMARY/postgres" -D "$dir/data" -R \
    -X stream -c fast --no-sync
  # Debian keeps a cluster's configuration under /etc, outside the data directory: the copy gets
  # its own, small one.
  as_postgres bash -c "cat >'$dir/data/postgresql.conf' <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
hot_standby = on
max_connections = 100
shared_buffers = 32MB
CONF
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >'$dir/data/pg_hba.conf'
: >'$dir/data/pg_ident.conf'"
  as_postgres timeout 60 "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 50 start >/dev/null
  [[ $(timeout 20 psql "postgres://postgres@127.0.0.1:$port/postgres" -XAtqc "SELECT pg_is_in_recovery()") == t ]] || {
    log "the copy on port $port is not a standby"; return 1; }
  log "up: a streaming replica on 127.0.0.1:$port (data in $dir/data)"
  echo "postgres://postgres@127.0.0.1:$port"
}

replica_down() {
  local dir=$1 bin
  bin=$(pg_bin)
  [[ -n $dir && -d $dir ]] || return 0
  if [[ -f $dir/data/postmaster.pid ]]; then
    as_postgres timeout 60 "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 50 stop >/dev/null \
      || log "could not stop the replica in $dir"
  fi
  rm -rf "$dir"
  log "down"
}

case ${1:-} in
  up) replica_up "${2:?usage: $0 up DIR [PORT]}" "${3:-5433}" ;;
  down) replica_down "${2:?usage: $0 down DIR}" ;;
  *) echo "usage: $0 up DIR [PORT] | down DIR" >&2; exit 2 ;;
esac
