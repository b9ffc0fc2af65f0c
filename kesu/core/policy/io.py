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


# A policy file is a few kilobytes, nested a handful of levels (categories within categories).
# Anything far beyond is refused before it is built: PyYAML composes nodes recursively, so a
# 3,000-deep ``[[[…]]]`` would end in a RecursionError, and a few aliases of aliases (the
# "billion laughs") expand into more nodes than any check could walk.
MAX_POLICY_BYTES = 1024 * 1024
MAX_POLICY_DEPTH = 64
MAX_POLICY_NODES = 200_000  # aliases counted as what they expand to


class _Refused(Exception):
    def __init__(self, mark: Any, detail: str) -> None:
        self.mark, self.detail = mark, detail


def _measure(text: str | bytes) -> None:
    """Walk the file's parse events (PyYAML's parser is iterative, unlike its composer) and refuse
    one nested deeper than MAX_POLICY_DEPTH or expanding to more than MAX_POLICY_NODES nodes."""
    nodes = 0
    open_: list[list[Any]] = []  # per open collection: [anchor, nodes before it, its depth, deepest inside]
    anchored: dict[str, tuple[int, int]] = {}  # anchor → (its nodes, the levels it spans)
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        reaches = len(open_)
        if isinstance(event, yaml.CollectionStartEvent):
            nodes += 1
            reaches = len(open_) + 1
            open_.append([event.anchor, nodes - 1, reaches, reaches])
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, before, at, deepest = open_.pop()
            if anchor:
                anchored[anchor] = (nodes - before, deepest - at + 1)
            if open_:
                open_[-1][3] = max(open_[-1][3], deepest)
        elif isinstance(event, yaml.ScalarEvent):
            nodes += 1
            if event.anchor:
                anchored[event.anchor] = (1, 0)
        elif isinstance(event, yaml.AliasEvent):
            size, levels = anchored.get(event.anchor or "", (1, 0))
            nodes += size
            reaches = len(open_) + levels
            if open_:
                open_[-1][3] = max(open_[-1][3], reaches)
        if reaches > MAX_POLICY_DEPTH:
            raise _Refused(event.start_mark, f"嵌套超过 {MAX_POLICY_DEPTH} 层")
        if nodes > MAX_POLICY_NODES:
            raise _Refused(event.start_mark, f"内容超过 {MAX_POLICY_NODES} 项（含别名展开）")


def _unreadable(mark: Any, problem: str) -> ValidationFailed:
    where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列：" if mark else ""
    return ValidationFailed([KesuError("policy_unreadable", detail=f"{where}{problem}")])


def load_policy(text: str | bytes) -> Policy:
    """Parse a YAML policy file: within MAX_POLICY_BYTES, MAX_POLICY_DEPTH levels and
    MAX_POLICY_NODES nodes, or refused as unreadable with the line it went wrong at."""
    if len(text) > MAX_POLICY_BYTES:
        raise _unreadable(None, f"文件超过 {MAX_POLICY_BYTES // 1024} KB")
    try:
        _measure(text)
        data = yaml.safe_load(text)
    except _Refused as exc:
        raise _unreadable(exc.mark, exc.detail) from None
    except yaml.YAMLError as exc:
        raise _unreadable(getattr(exc, "problem_mark", None), getattr(exc, "problem", None) or str(exc)) from None
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
