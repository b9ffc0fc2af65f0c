# Shared by scripts/run.sh and scripts/test.sh. Source it; do not run it.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

log() { printf '\033[1m[kesu]\033[0m %s\n' "$*"; }

# Create the virtual environment and install Kesu (with extras "$1", e.g. "test") when
# pyproject.toml changed since the last install.
ensure_venv() {
  local extras=${1:-}
  local spec="."
  [[ -n "$extras" ]] && spec=".[${extras}]"
  if [[ ! -x "$PY" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
  fi
  local stamp="$VENV/.kesu-installed-${extras:-base}"
  local want
  want=$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    log "installing Kesu${extras:+ [$extras]} into $VENV"
    "$PY" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    (cd "$ROOT" && "$PY" -m pip install -q -e "$spec" 2>&1 | grep -v '^WARNING: Location' || true)
    "$PY" -c "import kesu, django" || { log "installation failed"; return 1; }
    echo "$want" > "$stamp"
  fi
}
