#!/usr/bin/env bash
# The README's run command: set up Kesu on the embedded default (SQLite, no other server), load
# the P1 preset policy and the demo organisation on first run, and serve on 127.0.0.1:8000.
#   KESU_PORT=8080 bash scripts/run.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
cd "$ROOT"

ensure_venv
"$PY" -m kesu migrate --noinput -v 0
"$PY" -m kesu collectstatic --noinput -v 0
"$PY" -m kesu bootstrap
exec "$PY" -m kesu serve
