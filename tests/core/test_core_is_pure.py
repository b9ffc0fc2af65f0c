"""The domain core is plain Python: no Django, no database driver (architecture principle)."""

from __future__ import annotations

import ast
from pathlib import Path

import kesu.core

CORE = Path(kesu.core.__file__).resolve().parent
# The rest of kesu is out of bounds too: core is the bottom layer (tests/schema/test_layers.py).
FORBIDDEN = ("django", "rest_framework", "psycopg", "sqlite3", "celery")


def imported_modules(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_the_domain_core_imports_neither_django_nor_a_database():
    offenders = {
        f"{path.relative_to(CORE)}: {mod}"
        for path in CORE.rglob("*.py")
        for mod in imported_modules(path)
        if mod.split(".")[0] in FORBIDDEN or mod.startswith(FORBIDDEN)
    }
    assert offenders == set()


def test_the_domain_core_never_reads_the_wall_clock():
    """Time is injected: ``now`` is a parameter, never datetime.now() or time.time()."""
    offenders = []
    for path in CORE.rglob("*.py"):
        text = path.read_text()
        for needle in ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time(", "timezone.now("):
            if needle in text:
                offenders.append(f"{path.relative_to(CORE)}: {needle}")
    assert offenders == []
