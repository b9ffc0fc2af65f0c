#!/usr/bin/env bash
# The README's test command: install what the tests need, lint, and run the whole suite on
# SQLite and again on PostgreSQL 15 (started here on 127.0.0.1 and stopped afterwards).
#   bash scripts/test.sh                 # everything
#   PYTEST_ARGS="-k numbering" bash scripts/test.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
# shellcheck source=lib/services.sh
source "$HERE/lib/services.sh"
cd "$ROOT"

# System packages the suite uses. PostgreSQL 15 and Redis are started by hand below.
APT_PACKAGES=(postgresql postgresql-contrib redis-server)

phase_start=$SECONDS
timings=()
phase() { timings+=("$(printf '%-34s %4ss' "$1" $((SECONDS - phase_start)))"); phase_start=$SECONDS; }

install_system_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q "${missing[@]}" >/dev/null
  fi
}

trap stop_all EXIT

install_system_packages;                          phase "system packages"
ensure_venv test;                                 phase "python environment"
log "ruff";  "$VENV/bin/ruff" check .;           phase "ruff check"
log "mypy";  "$VENV/bin/mypy";                   phase "mypy (domain core)"
log "migrations"
unset DATABASE_URL
"$PY" -m kesu makemigrations --check --dry-run;  phase "makemigrations --check"

start_redis
# shellcheck disable=SC2086
log "pytest on SQLite";     "$VENV/bin/pytest" -q ${PYTEST_ARGS:-};                           phase "pytest (SQLite)"
start_postgres;                                                                               phase "start PostgreSQL 15"
# shellcheck disable=SC2086
log "pytest on PostgreSQL"; DATABASE_URL="$PG_URL" "$VENV/bin/pytest" -q ${PYTEST_ARGS:-};    phase "pytest (PostgreSQL)"
stop_all

log "all green"
printf '  %s\n' "${timings[@]}"
