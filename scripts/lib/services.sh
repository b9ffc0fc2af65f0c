# Throwaway servers for the test command, on 127.0.0.1 only (no systemd on this machine kind).
# Source it; every start_* records a PID that stop_all stops.

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SERVICE_DIR=""

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

service_dir() {
  if [[ -z "$SERVICE_DIR" ]]; then
    SERVICE_DIR=$(mktemp -d /tmp/kesu-ci.XXXXXX)
    chmod 755 "$SERVICE_DIR"   # PostgreSQL runs as postgres and must traverse it
  fi
  echo "$SERVICE_DIR"
}

# PostgreSQL 15: a private cluster (initdb as postgres, trust auth on loopback), role and database
# "kesu" with CREATEDB so the test runner can create its test database. Exports PG_URL.
start_postgres() {
  local dir port
  dir="$(service_dir)/pg"
  port=$(free_port)
  install -d -o postgres -g postgres "$dir"
  runuser -u postgres -- "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  PG_PID=$(head -1 "$dir/data/postmaster.pid")
  "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE kesu LOGIN PASSWORD 'kesu' CREATEDB" -c "CREATE DATABASE kesu OWNER kesu" >/dev/null
  export PG_URL="postgres://kesu:kesu@127.0.0.1:$port/kesu"
}

stop_postgres() {
  if [[ -n "${PG_PID:-}" ]] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -INT "$PG_PID"
    while kill -0 "$PG_PID" 2>/dev/null; do sleep 0.1; done
  fi
  PG_PID=""
}

# Redis: no persistence, loopback only. Exports REDIS_URL.
start_redis() {
  local dir port
  dir=$(service_dir)
  port=$(free_port)
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  for _ in $(seq 100); do
    [[ -s "$dir/redis.pid" ]] && redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.05
  done
  REDIS_PID=$(cat "$dir/redis.pid")
  export REDIS_URL="redis://127.0.0.1:$port/0"
}

stop_redis() {
  if [[ -n "${REDIS_PID:-}" ]] && kill -0 "$REDIS_PID" 2>/dev/null; then
    kill -TERM "$REDIS_PID"
    while kill -0 "$REDIS_PID" 2>/dev/null; do sleep 0.1; done
  fi
  REDIS_PID=""
}

stop_all() {
  stop_redis || true
  stop_postgres || true
  [[ -n "$SERVICE_DIR" ]] && rm -rf "$SERVICE_DIR"
  SERVICE_DIR=""
}
