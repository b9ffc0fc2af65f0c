# shellcheck shell=bash
# Helpers for scripts/run.sh and scripts/test.sh. Source it; do not run it.
#   ensure_venv [EXTRAS]        .venv with Kesu installed (re-installs only when pyproject.toml changed)
#   free_port                   a free TCP port on 127.0.0.1
#   start_postgres/stop_postgres  a throwaway PostgreSQL 15 cluster on 127.0.0.1 (exports PG_URL)
#   start_redis/stop_redis      a throwaway redis-server on 127.0.0.1 (exports REDIS_URL)
#   stop_all                    stop whatever was started and remove its temporary directory
# This machine kind has no systemd and runs as root: servers are started by hand, loopback only,
# and stopped by PID. PostgreSQL refuses to run as root, so it runs as the postgres user.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PIP_DISABLE_PIP_VERSION_CHECK=1

SERVICE_DIR=""
PG_PID=""
REDIS_PID=""

log() { printf '[kesu] %s\n' "$*"; }
die() { printf '[kesu] ERROR: %s\n' "$*" >&2; exit 1; }

# --- Python environment ------------------------------------------------------------------------

# ensure_venv [EXTRAS]: create .venv if missing and `pip install -e .[EXTRAS]` unless the last
# install was of this same pyproject.toml with these extras (or with any extras, when none are
# asked for). The stamp .venv/.kesu-installed holds "<sha256 of pyproject.toml> <extras>".
ensure_venv() {
  local extras=${1:-} stamp="$VENV/.kesu-installed" want have_hash have_extras
  if [[ ! -x "$PY" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
  fi
  want=$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)
  if [[ -f "$stamp" ]]; then
    read -r have_hash have_extras < "$stamp" || true
    if [[ "$have_hash" == "$want" && ( -z "$extras" || "${have_extras:-}" == "$extras" ) ]]; then
      return 0
    fi
  fi
  log "installing Kesu${extras:+[$extras]} into $VENV"
  rm -f "$stamp"
  # pip's local extra indexes print harmless "WARNING: Location ... is ignored" lines; drop them.
  # pipefail keeps pip's own exit status.
  (cd "$ROOT" && "$PY" -m pip install -q -e ".${extras:+[$extras]}" 2>&1 \
    | { grep -v '^WARNING: Location' || true; }) || die "pip install failed"
  "$PY" -c "import kesu, django" || die "Kesu does not import after installation"
  echo "$want ${extras}" > "$stamp"
}

# --- Servers -----------------------------------------------------------------------------------

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# One temporary directory under /tmp for all servers: PostgreSQL runs as postgres and needs to
# read its data directory and every parent, which the repository tree may not allow.
service_dir() {
  if [[ -z "$SERVICE_DIR" ]]; then
    SERVICE_DIR=$(mktemp -d /tmp/kesu-services.XXXXXX)
    chmod 755 "$SERVICE_DIR"
  fi
}

as_postgres() {
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}

# running PID: true while PID runs. A daemon that has exited stays a zombie until PID 1 reaps it
# (on this machine kind that takes up to ~2 s), and kill -0 still succeeds on a zombie.
running() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  [[ "${stat%% *}" != Z ]]
}

# wait_gone PID NAME: wait up to 30 s for PID to exit, then kill it.
wait_gone() {
  local pid=$1 name=$2 i
  for ((i = 0; i < 300; i++)); do
    running "$pid" || return 0
    sleep 0.1
  done
  log "$name (pid $pid) did not stop within 30 s: killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# start_postgres: initdb a private cluster (trust auth, fsync off: it is thrown away), start it
# on a free port on 127.0.0.1 with its socket in its own directory, and create role and database
# "kesu" (password kesu, CREATEDB so the test runner can create its test database).
start_postgres() {
  local dir port
  [[ -x "$PGBIN/initdb" ]] || die "PostgreSQL 15 is not installed ($PGBIN/initdb missing)"
  service_dir
  dir="$SERVICE_DIR/pg"
  if ((EUID == 0)); then install -d -o postgres -g postgres "$dir"; else mkdir -p "$dir"; fi
  as_postgres "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  port=$(free_port)
  if ! as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 -o \
      "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start > /dev/null; then
    [[ -f "$dir/data/postmaster.pid" ]] && PG_PID=$(head -1 "$dir/data/postmaster.pid")
    tail -n 20 "$dir/log" >&2 || true
    die "PostgreSQL did not start"
  fi
  PG_PID=$(head -1 "$dir/data/postmaster.pid")
  "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE kesu LOGIN PASSWORD 'kesu' CREATEDB" -c "CREATE DATABASE kesu OWNER kesu" > /dev/null
  export PG_PORT=$port
  export PG_URL="postgres://kesu:kesu@127.0.0.1:$port/kesu"
  log "PostgreSQL $("$PGBIN/postgres" -V | awk '{print $3}') on 127.0.0.1:$port (pid $PG_PID)"
}

stop_postgres() {
  if [[ -n "$PG_PID" ]] && running "$PG_PID"; then
    kill -INT "$PG_PID"   # fast shutdown
    wait_gone "$PG_PID" PostgreSQL
  fi
  PG_PID=""
}

# start_redis: no persistence, loopback only, on a free port.
start_redis() {
  local port i
  command -v redis-server > /dev/null || die "redis-server is not installed"
  service_dir
  port=$(free_port)
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --dir "$SERVICE_DIR" --pidfile "$SERVICE_DIR/redis.pid" --logfile "$SERVICE_DIR/redis.log" \
    < /dev/null > /dev/null
  for ((i = 0; i < 100; i++)); do
    [[ -s "$SERVICE_DIR/redis.pid" ]] && redis-cli -h 127.0.0.1 -p "$port" ping > /dev/null 2>&1 && break
    sleep 0.05
  done
  [[ -s "$SERVICE_DIR/redis.pid" ]] && REDIS_PID=$(cat "$SERVICE_DIR/redis.pid")
  if ((i == 100)); then
    tail -n 20 "$SERVICE_DIR/redis.log" >&2 || true
    die "redis-server did not answer on 127.0.0.1:$port"
  fi
  export REDIS_PORT=$port
  export REDIS_URL="redis://127.0.0.1:$port/0"
  log "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port (pid $REDIS_PID)"
}

stop_redis() {
  if [[ -n "$REDIS_PID" ]] && running "$REDIS_PID"; then
    kill -TERM "$REDIS_PID"
    wait_gone "$REDIS_PID" Redis
  fi
  REDIS_PID=""
}

stop_all() {
  stop_redis || true
  stop_postgres || true
  if [[ -n "$SERVICE_DIR" ]]; then rm -rf "$SERVICE_DIR"; fi
  SERVICE_DIR=""
}
