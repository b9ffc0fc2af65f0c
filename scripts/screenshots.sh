#!/usr/bin/env bash
# Refresh the committed screenshots in docs/screenshots/ (docs/screenshots.md): the role walk
# (day-*.png), the report (report.png, report-pdf.png) and the README's queue and detail. An
# ordinary test run writes its screenshots to test-artifacts/screenshots/ and leaves docs/ alone.
#   bash scripts/screenshots.sh
set -euo pipefail
# shellcheck source=scripts/lib/services.sh source-path=SCRIPTDIR/..
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
cd "$ROOT"
ensure_venv test
KESU_DATA_DIR=$(mktemp -d) KESU_REFRESH_SCREENSHOTS=1 PYTHONPATH="$ROOT" \
  "$PY" -m pytest -q -p no:cacheprovider tests/web/test_role_day.py tests/reports/test_report_browser.py tests/web/test_browser.py
cp test-artifacts/screenshots/queue.png test-artifacts/screenshots/detail.png docs/screenshots/
git status --short docs/screenshots/
