"""Reading and writing policy files (YAML), with every problem reported by field path.

``load_policy`` never returns a half-valid policy: either the whole document parses and passes
:func:`check_policy`, or ``ValidationFailed`` lists every error. ``dump_policy`` writes the
canonical form; ``load_policy(dump_policy(p)) == p`` for every valid policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.policy.checks import check_policy
from kesu.core.policy.model import POLICY_FORMAT, Policy

PRESETS_DIR = Path(__file__).resolve().parent.parent.parent / "presets"

_EXPECTED = {
    "int": "整数", "decimal": "数字（金额）", "float": "数字", "bool": "是/否（true/false）",
    "string": "文本", "list": "列表", "dict": "键值结构", "model": "键值结构", "date": "日期（YYYY-MM-DD）",
}


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"  # people count from 1
        elif part.startswith(("function-", "constrained-")) or part in ("int", "str", "decimal"):
            continue  # pydantic's internal validator names, not document fields
        else:
            out += ("." if out else "") + part
    return out or "(root)"


def _translate(err: Any) -> KesuError:
    kind: str = err["type"]
    field = _path(err["loc"])
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "missing":
        return KesuError("required", field=field)
    if kind == "extra_forbidden":
        return KesuError("unknown_field", field=field)
    if kind in ("string_too_short", "too_short") and not value:
        return KesuError("required", field=field)
    if kind in ("greater_than_equal", "greater_than"):
        return KesuError("too_small", field=field, limit=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return KesuError("too_large", field=field, limit=ctx.get("le", ctx.get("lt")))
    if kind in ("literal_error", "enum"):
        return KesuError("not_one_of", field=field, value=value, allowed=ctx.get("expected", ""))
    if kind in ("bad_duration", "duration_not_positive"):
        return KesuError(kind, field=field, **ctx)
    for prefix, expected in _EXPECTED.items():
        if kind.startswith(prefix):
            return KesuError("bad_type", field=field, expected=expected, value=value)
    return KesuError("bad_value", field=field, detail=err.get("msg", kind))


def policy_from_data(data: Any) -> Policy:
    """Validate parsed data as a policy; raise ValidationFailed listing every problem."""
    if not isinstance(data, dict):
        raise ValidationFailed([KesuError("policy_not_mapping")])
    fmt = data.get("kesu_policy", POLICY_FORMAT)
    if fmt != POLICY_FORMAT:
        raise ValidationFailed([KesuError("policy_format", field="kesu_policy", value=fmt,
                                          supported=POLICY_FORMAT)])
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed([_translate(e) for e in exc.errors()]) from None
    problems = check_policy(policy)
    if problems:
        raise ValidationFailed(problems)
    return policy


def load_policy(text: str | bytes) -> Policy:
    """Parse a YAML policy file."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列：" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationFailed([KesuError("policy_unreadable", detail=f"{where}{problem}")]) from None
    return policy_from_data(data)


def policy_to_data(policy: Policy) -> dict[str, Any]:
    return policy.model_dump(mode="json")


def dump_policy(policy: Policy) -> str:
    """The canonical, readable YAML form of a policy."""
    return yaml.safe_dump(policy_to_data(policy), allow_unicode=True, sort_keys=False, width=100)


def preset_paths() -> list[Path]:
    return sorted(PRESETS_DIR.glob("*.yaml"))


def load_preset(code: str) -> Policy:
    """Load a preset shipped with Kesu by its file stem (e.g. ``p1_four_level``)."""
    path = PRESETS_DIR / f"{code}.yaml"
    if not path.is_file():
        raise KesuError("not_one_of", field="preset", value=code,
                        allowed=", ".join(p.stem for p in preset_paths()))
    return load_policy(path.read_text(encoding="utf-8"))
