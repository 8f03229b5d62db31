#!/usr/bin/env bash
# The production stack on one machine, on loopback only: PostgreSQL, Redis, two gunicorn app
# servers sharing the media folder, and nginx (from deploy/nginx/newsroom.conf) in front.
#
# As a command:   deploy/stack.sh up STATE_DIR [--private-postgres]
#                 deploy/stack.sh down STATE_DIR
# As a library:   . deploy/stack.sh; stack_up DIR; ...; stack_down DIR   (deploy/smoke.sh)
#
# `up` writes STATE_DIR/stack.env (addresses, pids, the demo password) and STATE_DIR/app.env (the
# app servers' settings, for manage.py). Without --private-postgres it uses the machine's
# PostgreSQL at 127.0.0.1:5432 with a database of its own (STACK_DB, default newsroom_smoke),
# created fresh and dropped by `down`; with it, a throwaway server in STATE_DIR that tests may stop
# and restart (deploy/soak.py). Redis: database STACK_REDIS_DB (default 5), our keys only. The app
# servers' page cache is that Redis database unless STACK_CACHE_URL names another: db:// (the
# default of an app server without CACHE_URL) puts it in the stack's PostgreSQL database.
# Everything waits a bounded time and `down` stops exactly what `up` started.

STACK_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_PYTHON=${STACK_PYTHON:-$STACK_REPO/.venv/bin/python}
STACK_GUNICORN=${STACK_GUNICORN:-$STACK_REPO/.venv/bin/gunicorn}
STACK_MAIN_PG=${STACK_MAIN_PG:-postgres://postgres@127.0.0.1:5432}
export PGOPTIONS="-c client_min_messages=warning"

stack_log() { printf '[stack %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

stack_free_port() {
  "$STACK_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# stack_wait_http URL SECONDS [STATUS [PID]]: until URL answers STATUS (default 200), or fail;
# fail at once if process PID has died.
stack_wait_http() {
  local url=$1 seconds=$2 want=${3:-200} pid=${4:-} deadline code
  deadline=$(( $(date +%s) + seconds ))
  while (( $(date +%s) < deadline )); do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      stack_log "process $pid serving $url has exited"; return 1
    fi
    code=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$url" || true)
    [[ $code == "$want" ]] && return 0
    sleep 0.3
  done
  stack_log "gave up waiting for $url to answer $want (last: ${code:-none})"
  return 1
}

# stack_kill PID SECONDS: TERM the process group led by PID, KILL it if still there after SECONDS.
stack_kill() {
  local pid=$1 seconds=${2:-20} i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for (( i = 0; i < seconds * 5; i++ )); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  stack_log "pid $pid did not stop in ${seconds}s; killing it"
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

stack_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# The private PostgreSQL server: initdb as the postgres OS user into DIR/pg, start on a free port.
stack_private_pg_start() {
  local dir=$1 bin
  bin=$(stack_pg_bin)
  [[ -x $bin/pg_ctl ]] || { stack_log "no PostgreSQL binaries under /usr/lib/postgresql"; return 1; }
  if [[ ! -d $dir/pg ]]; then
    install -d -o postgres -g postgres -m 700 "$dir/pg"
    timeout 60 runuser -u postgres -- "$bin/initdb" -D "$dir/pg/data" -U postgres -A trust \
      -E UTF8 --no-sync >/dev/null
  fi
  timeout 40 runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" \
    -o "-p $PG_PORT -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=200" \
    -w -t 30 start >/dev/null
}

stack_private_pg_stop() {
  local dir=$1 bin
  bin=$(stack_pg_bin)
  [[ -f $dir/pg/data/postmaster.pid ]] || return 0
  timeout 40 runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pg/data" -m fast -w -t 30 stop \
    >/dev/null
}

stack_redis_forget() {
  # Only our own keys in our own Redis database: other engineers share the server.
  timeout 20 redis-cli -h 127.0.0.1 -n "$STACK_REDIS_DB" --scan --pattern 'newsroom:*' \
    | xargs -r -n 500 timeout 20 redis-cli -h 127.0.0.1 -n "$STACK_REDIS_DB" del >/dev/null || true
}

# The nginx site file, turned into a loopback, plain-HTTP copy: upstreams, listen address, paths
# and logs are replaced; everything else (locations, headers, limits) is the file as shipped.
stack_nginx_config() {
  local dir=$1
  sed -e '/^# BEGIN http-redirect/,/^# END http-redirect/d' \
      -e "s|server 10.0.0.11:8000|server 127.0.0.1:$APP_A_PORT|" \
      -e "s|server 10.0.0.12:8000|server 127.0.0.1:$APP_B_PORT|" \
      -e "s|listen 443 ssl http2;|listen 127.0.0.1:$NGINX_PORT;|" \
      -e '/listen \[::\]:443/d' -e '/ssl_certificate/d' \
      -e "s|/srv/newsroom/staticfiles/|$dir/static/|" \
      -e "s|/srv/newsroom/media/|$dir/media/|" \
      -e "s|/var/cache/nginx/newsroom|$dir/nginx-cache|" \
      -e "s|/var/log/nginx/newsroom.access.log|$dir/nginx-access.log|" \
      -e "s|/var/log/nginx/newsroom.error.log|$dir/nginx-error.log|" \
      "$STACK_REPO/deploy/nginx/newsroom.conf" >"$dir/nginx-site.conf"
  grep -q "127.0.0.1:$APP_B_PORT" "$dir/nginx-site.conf" || {
    stack_log "deploy/nginx/newsroom.conf changed shape; cannot make the loopback copy"; return 1; }
  mkdir -p "$dir/nginx-temp"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    gzip on;
    client_body_temp_path $dir/nginx-temp/body;
    proxy_temp_path $dir/nginx-temp/proxy;
    fastcgi_temp_path $dir/nginx-temp/fastcgi;
    uwsgi_temp_path $dir/nginx-temp/uwsgi;
    scgi_temp_path $dir/nginx-temp/scgi;
    include $dir/nginx-site.conf;
}
CONF
}

stack_start_gunicorn() {
  local dir=$1 name=$2 port=$3
  (
    set -a; . "$dir/app.env"; set +a
    cd "$STACK_REPO"
    exec setsid "$STACK_GUNICORN" --config deploy/gunicorn.conf.py \
      --bind "127.0.0.1:$port" --workers "${STACK_WORKERS:-2}" --pid "$dir/gunicorn-$name.pid" \
      newsroom.wsgi:application >"$dir/gunicorn-$name.log" 2>&1
  ) &
  echo $!
}

stack_manage() {
  local dir=$1; shift
  ( set -a; . "$dir/app.env"; set +a; cd "$STACK_REPO" && timeout 300 "$STACK_PYTHON" manage.py "$@" )
}

stack_up() {
  local dir=$1 private=${2:-} password otp_key
  STACK_REDIS_DB=${STACK_REDIS_DB:-5}
  command -v nginx >/dev/null || { stack_log "nginx is not installed"; return 1; }
  [[ -x $STACK_GUNICORN ]] || { stack_log "gunicorn is not installed in .venv"; return 1; }
  chmod 755 "$dir"   # nginx's workers read static files from here
  mkdir -p "$dir/static" "$dir/media"
  password="Smoke-$("$STACK_PYTHON" -c 'import secrets; print(secrets.token_urlsafe(12))')"
  otp_key=$("$STACK_PYTHON" -c 'import secrets; print(secrets.token_hex(20))')
  APP_A_PORT=$(stack_free_port); APP_B_PORT=$(stack_free_port); NGINX_PORT=$(stack_free_port)
  if [[ $private == --private-postgres ]]; then
    PG_MODE=private; PG_PORT=$(stack_free_port); DB_NAME=newsroom_ops
    stack_private_pg_start "$dir" >/dev/null || return 1
    DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/$DB_NAME"
    timeout 30 psql "postgres://postgres@127.0.0.1:$PG_PORT/postgres" -qc "CREATE DATABASE $DB_NAME" >/dev/null
  else
    PG_MODE=main; PG_PORT=5432; DB_NAME=${STACK_DB:-newsroom_smoke}
    [[ $DB_NAME == newsroom_smoke* || $DB_NAME == newsroom_ops* ]] || {
      stack_log "refusing database name $DB_NAME: only newsroom_smoke* or newsroom_ops*"; return 1; }
    DATABASE_URL="$STACK_MAIN_PG/$DB_NAME"
    timeout 30 psql "$STACK_MAIN_PG/postgres" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
    timeout 30 psql "$STACK_MAIN_PG/postgres" -qc "CREATE DATABASE $DB_NAME" >/dev/null
  fi
  cat >"$dir/stack.env" <<ENV
STACK_DIR=$dir
PG_MODE=$PG_MODE
PG_PORT=$PG_PORT
DB_NAME=$DB_NAME
DATABASE_URL=$DATABASE_URL
STACK_REDIS_DB=$STACK_REDIS_DB
APP_A_PORT=$APP_A_PORT
APP_B_PORT=$APP_B_PORT
NGINX_PORT=$NGINX_PORT
DEMO_PASSWORD=$password
OTP_KEY=$otp_key
ENV
  # Production settings, as an app server would have them, except plain HTTP on loopback.
  cat >"$dir/app.env" <<ENV
DEBUG=0
SECRET_KEY=stack-$("$STACK_PYTHON" -c 'import secrets; print(secrets.token_urlsafe(40))')
ALLOWED_HOSTS=127.0.0.1,localhost
DATABASE_URL=$DATABASE_URL
CONN_MAX_AGE=60
CACHE_URL=${STACK_CACHE_URL:-redis://127.0.0.1:6379/$STACK_REDIS_DB}
STATIC_ROOT=$dir/static
MEDIA_ROOT=$dir/media
SECURE_PROXY_SSL_HEADER=1
TRUSTED_PROXY_COUNT=1
SECURE_SSL_REDIRECT=0
SESSION_COOKIE_SECURE=0
CSRF_COOKIE_SECURE=0
SECURE_HSTS_SECONDS=0
LOG_FORMAT=json
SITE_URL=http://127.0.0.1:$NGINX_PORT
ENV
  stack_redis_forget
  stack_log "database $DATABASE_URL: migrate, demo content, collectstatic"
  stack_manage "$dir" migrate --no-input -v 0 || return 1
  stack_manage "$dir" load_demo --force --password "$password" >/dev/null || return 1
  stack_manage "$dir" collectstatic --no-input -v 0 || return 1
  # Editors sign in with a second factor: give every demo account an authenticator device whose
  # key the scripts know (deploy/adminclient.py computes its codes).
  stack_manage "$dir" shell -c "
from django.contrib.auth import get_user_model
try:
    from django_otp.plugins.otp_totp.models import TOTPDevice
except ImportError:
    TOTPDevice = None
if TOTPDevice is not None:
    for user in get_user_model().objects.filter(is_staff=True):
        TOTPDevice.objects.update_or_create(
            user=user, name='Authenticator app', defaults={'key': '$otp_key', 'confirmed': True}
        )
" >/dev/null || return 1
  chmod -R a+rX "$dir/static" "$dir/media"
  APP_A_PID=$(stack_start_gunicorn "$dir" a "$APP_A_PORT")
  APP_B_PID=$(stack_start_gunicorn "$dir" b "$APP_B_PORT")
  printf 'APP_A_PID=%s\nAPP_B_PID=%s\n' "$APP_A_PID" "$APP_B_PID" >>"$dir/stack.env"
  stack_wait_http "http://127.0.0.1:$APP_A_PORT/healthz" 60 200 "$APP_A_PID" >/dev/null || return 1
  stack_wait_http "http://127.0.0.1:$APP_B_PORT/healthz" 60 200 "$APP_B_PID" >/dev/null || return 1
  stack_nginx_config "$dir" >/dev/null || return 1
  timeout 10 nginx -t -q -c "$dir/nginx.conf" -p "$dir" 2>"$dir/nginx-test.log" || {
    cat "$dir/nginx-test.log" >&2; return 1; }
  setsid nginx -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' >/dev/null 2>>"$dir/nginx-error.log" &
  NGINX_PID=$!
  echo "NGINX_PID=$NGINX_PID" >>"$dir/stack.env"
  stack_wait_http "http://127.0.0.1:$NGINX_PORT/healthz" 30 200 "$NGINX_PID" >/dev/null || return 1
  stack_log "up: nginx http://127.0.0.1:$NGINX_PORT/ -> app servers :$APP_A_PORT and :$APP_B_PORT"
}

stack_down() {
  local dir=$1
  [[ -f $dir/stack.env ]] || return 0
  # shellcheck disable=SC1091
  . "$dir/stack.env"
  stack_kill "${NGINX_PID:-}" 15
  stack_kill "${APP_A_PID:-}" 40
  stack_kill "${APP_B_PID:-}" 40
  if [[ ${PG_MODE:-} == private ]]; then
    stack_private_pg_stop "$dir" || stack_log "could not stop the private PostgreSQL in $dir/pg"
  elif [[ -n ${DB_NAME:-} ]]; then
    timeout 30 psql "$STACK_MAIN_PG/postgres" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" \
      >/dev/null || stack_log "could not drop database $DB_NAME"
  fi
  stack_redis_forget
  rm -f "$dir/stack.env"
  stack_log "down"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  case ${1:-} in
    up) stack_up "$2" "${3:-}" ;;
    down) stack_down "$2" ;;
    *) echo "usage: $0 up STATE_DIR [--private-postgres] | down STATE_DIR" >&2; exit 2 ;;
  esac
fi
