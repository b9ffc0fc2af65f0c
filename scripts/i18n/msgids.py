"""The msgids Kesu's interface uses: {% translate "…" %} and _("…") in templates, and
_("…") / _lazy("…") in Python. Used by the translation test and by make_po.py."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = re.compile(r'{%\s*translate\s+"([^"]+)"\s*%}|_\("([^"]+)"\)')
BLOCK = re.compile(r"{%\s*blocktranslate\b[^%]*%}(.*?){%\s*endblocktranslate\s*%}", re.S)
VARIABLE = re.compile(r"{{\s*(\w+)\s*}}")
PYTHON = re.compile(r'\b(?:_|_lazy|gettext|gettext_lazy)\("([^"\\]+)"\)')
# Every module but migrations: a message added anywhere needs its English. ASCII-only msgids are
# the libraries' own (DRF's "Invalid token."), translated by them.


def used_msgids() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "kesu").rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for m in TEMPLATE.finditer(text):
            found.add(m.group(1) or m.group(2))
        for m in BLOCK.finditer(text):  # {{ name }} is %(name)s in the catalogue, as Django writes it
            found.add(VARIABLE.sub(lambda v: f"%({v.group(1)})s", m.group(1)))
    for path in (ROOT / "kesu").rglob("*.py"):
        if "migrations" not in path.parts:
            found.update(m for m in PYTHON.findall(path.read_text(encoding="utf-8")) if not m.isascii())
    from kesu.core.catalogues import COMPENSATION_KINDS

    found.update(zh for zh, _en in COMPENSATION_KINDS.values())  # model choices translate these
    return found
