"""The msgids Kesu's interface uses: {% translate "…" %} and _("…") in templates, and
_("…") / _lazy("…") in Python. Used by the translation test and by make_po.py."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = re.compile(r'{%\s*translate\s+"([^"]+)"\s*%}|_\("([^"]+)"\)')
PYTHON = re.compile(r'\b(?:_|_lazy|gettext|gettext_lazy)\("([^"\\]+)"\)')
PY_FILES = ["kesu/web/*.py", "kesu/workflow/models.py", "kesu/clocks/models.py", "kesu/complaints/selectors.py", "kesu/portal/*.py", "kesu/intake/views.py", "kesu/reports/views.py"]


def used_msgids() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "kesu").rglob("templates/**/*.html"):
        for m in TEMPLATE.finditer(path.read_text(encoding="utf-8")):
            found.add(m.group(1) or m.group(2))
    for pattern in PY_FILES:
        for path in ROOT.glob(pattern):
            found.update(PYTHON.findall(path.read_text(encoding="utf-8")))
    from kesu.core.catalogues import COMPENSATION_KINDS

    found.update(zh for zh, _en in COMPENSATION_KINDS.values())  # model choices translate these
    return found
