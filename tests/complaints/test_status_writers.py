"""Nothing but kesu/complaints/lifecycle.py writes a complaint's status (STYLE rule 1).

The check reads the source: any assignment to ``.status``, any ``status=`` keyword passed to a
call, any ``"status"`` in an ``update_fields``/``bulk_update`` list, and any raw SQL that sets a
status column is reported, outside the lifecycle module and migrations.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import kesu

ROOT = Path(kesu.__file__).resolve().parent
ALLOWED = {ROOT / "complaints" / "lifecycle.py"}
# Calls where a ``status=`` keyword reads or answers, never writes: query filters and HTTP responses.
READS = {"filter", "exclude", "get", "JsonResponse", "HttpResponse", "render", "Response",
         "Filters"}  # a queue or search narrowed to a status (kesu.complaints.selectors.Filters)
RAW_SQL = re.compile(r"UPDATE\s+\S*complaint\S*\s+SET[^;]*\bstatus\b", re.IGNORECASE | re.DOTALL)


def status_writes(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for t in ast.walk(target):
                    if isinstance(t, ast.Attribute) and t.attr == "status":
                        lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if any(kw.arg == "status" for kw in node.keywords) and name not in READS:
                lines.append(node.lineno)
            is_bulk_update = isinstance(node.func, ast.Attribute) and node.func.attr == "bulk_update"
            field_lists = [kw.value for kw in node.keywords
                           if kw.arg == "update_fields" or (is_bulk_update and kw.arg == "fields")]
            for arg in [*(node.args if is_bulk_update else []), *field_lists]:
                if isinstance(arg, ast.List | ast.Tuple) and any(
                    isinstance(e, ast.Constant) and e.value == "status" for e in arg.elts
                ):
                    lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and RAW_SQL.search(node.value):
            lines.append(node.lineno)
    return lines


def test_only_the_lifecycle_module_writes_a_complaints_status():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path in ALLOWED or "migrations" in path.parts:
            continue
        offenders += [f"{path.relative_to(ROOT.parent)}:{line}" for line in status_writes(path.read_text())]
    assert offenders == []


def test_the_check_catches_every_way_of_writing_a_status():
    """The detector itself is tested, so the rule cannot pass by being blind."""
    cases = [
        "c.status = 'archived'",
        "Complaint.objects.filter(pk=1).update(status='archived')",
        "Complaint.objects.create(number='1', status='archived')",
        "Complaint.objects.bulk_update(rows, ['status'])",
        "c.save(update_fields=['status'])",
        "cursor.execute(\"UPDATE complaints_complaint SET status = 'archived'\")",
    ]
    for code in cases:
        assert status_writes(code), code
    harmless = ("c.level = 'major'\nx = c.status\nmodels.Index(fields=['status', 'owner'], name='i')\n"
                "Complaint.objects.filter(status='registered')\nJsonResponse({}, status=401)")
    assert status_writes(harmless) == []


def test_the_lifecycle_module_is_where_status_is_written():
    assert status_writes((ROOT / "complaints" / "lifecycle.py").read_text())
