#!/usr/bin/env bash
# The README's run command: set up Kesu on the embedded default (SQLite in data/, background work
# inside the web process, no other server), load the preset policy and the demo organisation on
# first run, print the demo logins, and serve on http://127.0.0.1:8000/ (Ctrl+C stops it).
#   KESU_PORT=8080 bash scripts/run.sh        # KESU_HOST, KESU_PORT, KESU_WORKERS: see docs/settings.md
set -euo pipefail
# shellcheck source=scripts/lib/services.sh source-path=SCRIPTDIR/..
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
cd "$ROOT"

ensure_venv ""   # no extras: the app alone
"$PY" -m kesu migrate --noinput -v 0
"$PY" -m kesu collectstatic --noinput -v 0
"$PY" -m kesu bootstrap
exec "$PY" -m kesu serve
