#!/usr/bin/env bash
# The README's test command: install what the tests need, lint, and run the whole suite on SQLite
# and again on PostgreSQL 15, with a Redis server for the task tests. The servers are private
# throwaways on free ports on 127.0.0.1, stopped on exit (also on failure or Ctrl+C).
#   bash scripts/test.sh
#   PYTEST_ARGS="-x -k numbering" bash scripts/test.sh     # extra pytest arguments (both runs)
#   KESU_TEST_DBS=sqlite bash scripts/test.sh              # only the SQLite run ("sqlite postgres")
set -euo pipefail
# shellcheck source=scripts/lib/services.sh source-path=SCRIPTDIR/..
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
cd "$ROOT"

# Debian packages the suite needs (one per line). Servers are started by hand below, never by apt.
APT_PACKAGES=(
  postgresql
  postgresql-contrib
  redis-server
  chromium          # the browser tests drive /usr/bin/chromium (playwright install cannot download here)
  chromium-driver
  fonts-noto-cjk    # Chinese text in the browser's screenshots
  dovecot-imapd     # a real IMAP server for the mail intake tests (started by the tests on 127.0.0.1)
  fonts-wqy-microhei  # the Chinese font embedded in the printable forms (ReportLab cannot embed Noto CJK)
  poppler-utils     # pdftotext and pdftoppm: the form tests read and render the PDFs
  nginx-light       # nginx -t on deploy/nginx/kesu.conf (tests/ops/test_deploy_files.py); never started as a service
)

# --- phases and the summary --------------------------------------------------------------------
PHASE="" PHASE_T0=0 SCRIPT_T0=$EPOCHREALTIME
SUMMARY=()
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%6.1f s", b - a }'; }
end_phase() {  # end_phase STATUS
  if [[ -n "$PHASE" ]]; then
    SUMMARY+=("$(printf '  %-28s %s  %s' "$PHASE" "$(elapsed "$PHASE_T0")" "$1")")
  fi
  PHASE=""
}
phase() {
  end_phase ok
  PHASE=$1 PHASE_T0=$EPOCHREALTIME
  log "== $1"
}
on_exit() {
  local rc=$?
  trap - EXIT
  if ((rc == 0)); then end_phase ok; else end_phase "FAILED (exit $rc)"; fi
  stop_all
  echo
  log "summary (total $(elapsed "$SCRIPT_T0"))"
  if ((${#SUMMARY[@]})); then printf '%s\n' "${SUMMARY[@]}"; fi
  if ((rc == 0)); then log "all green"; else log "FAILED"; fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- steps -------------------------------------------------------------------------------------
install_system_packages() {
  local pkg missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" > /dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    log "already installed: ${APT_PACKAGES[*]}"
    return 0
  fi
  ((EUID == 0)) || die "missing Debian packages (${missing[*]}): run as root to install them"
  log "apt-get install ${APT_PACKAGES[*]} (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  local out
  out=$(mktemp /tmp/kesu-apt.XXXXXX)
  if ! { apt-get update -q && apt-get install -y -q -o DPkg::Lock::Timeout=300 "${APT_PACKAGES[@]}"; } > "$out" 2>&1; then
    tail -n 40 "$out" >&2
    rm -f "$out"
    die "apt-get failed"
  fi
  rm -f "$out"
}

run_pytest() {  # the whole suite, with PYTEST_ARGS
  # shellcheck disable=SC2086  # PYTEST_ARGS is a list of words on purpose
  "$VENV/bin/pytest" -q ${PYTEST_ARGS:-}
}

DBS=${KESU_TEST_DBS:-sqlite postgres}
unset DATABASE_URL   # SQLite (the embedded default) unless a run sets it

phase "system packages";       install_system_packages
phase "python environment";    ensure_venv test
phase "ruff check";            "$VENV/bin/ruff" check .
phase "mypy";                  "$VENV/bin/mypy"
phase "makemigrations --check"; "$PY" -m kesu makemigrations --check --dry-run
phase "start Redis";           start_redis
if [[ " $DBS " == *" sqlite "* ]]; then
  phase "pytest on SQLite";    run_pytest
fi
if [[ " $DBS " == *" postgres "* ]]; then
  phase "start PostgreSQL 15"; start_postgres
  phase "pytest on PostgreSQL"
  DATABASE_URL="$PG_URL" run_pytest
fi
phase "stop servers";          stop_all
