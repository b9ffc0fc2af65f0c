#!/usr/bin/env bash
# The README's run command: set up Kesu on the embedded default (SQLite in data/, background work
# inside the web process, no other server), load the preset policy and the demo organisation on
# first run, print the demo logins, and serve on http://127.0.0.1:8000/ (Ctrl+C stops it).
#   KESU_PORT=8080 bash scripts/run.sh        # KESU_HOST, KESU_PORT, KESU_WORKERS: see docs/settings.md
set -euo pipefail
# shellcheck source=scripts/lib/services.sh source-path=SCRIPTDIR/..
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
cd "$ROOT"

# The printable forms embed a Chinese font from Debian (the only system package the app itself uses).
if ! dpkg -s fonts-wqy-microhei > /dev/null 2>&1; then
  if ((EUID == 0)); then
    log "apt-get install fonts-wqy-microhei (printable forms)"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-wqy-microhei; } > /dev/null 2>&1 \
      || log "could not install fonts-wqy-microhei: printing forms will say so; everything else works"
  else
    log "fonts-wqy-microhei is missing (run as root to install it): printing forms will say so"
  fi
fi

ensure_venv ""   # no extras: the app alone
"$PY" -m kesu migrate --noinput -v 0
"$PY" -m kesu collectstatic --noinput -v 0
"$PY" -m kesu bootstrap
exec "$PY" -m kesu serve
