"""Limits every parser of outside input keeps (plain Python): a JSON body is measured for nesting
before it is parsed, so a hostile ``[[[[…]]]]`` is a clear refusal, never a RecursionError deep in
the decoder or in the code that walks the result afterwards.

The API (kesu.api.parsers) and the signed webhook (kesu.intake.webhook) read JSON through
:func:`load_json`; the policy files' YAML has its own measure in kesu.core.policy.io.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kesu.core.errors import KesuError

MAX_JSON_DEPTH = 32  # Kesu's deepest body is three levels ({"fields": {"extra": {…}}})
BODY = ("请求体", "Request body")  # how errors name a whole body

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)  # a JSON string, escapes included: brackets inside do not count
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects in ``text`` nest deeper than ``limit``, measured without parsing
    (an unterminated string counts its brackets too: such a text is unreadable anyway)."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} 不是 JSON 的取值")


def load_json(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse a body as strict JSON (no NaN or Infinity) within ``max_depth`` levels; refuse with a
    KesuError naming the body (请求体) otherwise: ``too_deep`` or ``bad_json``."""
    if json_depth_exceeds(text, max_depth):
        raise KesuError("too_deep", field="body", label=BODY, limit=max_depth)
    try:
        return json.loads(text, parse_constant=_no_constants)
    except ValueError as exc:  # JSONDecodeError is a ValueError
        raise KesuError("bad_json", field="body", label=BODY, detail=str(exc)) from None
    except RecursionError:  # cannot happen within the limit; kept so no decoder depth ever escapes
        raise KesuError("too_deep", field="body", label=BODY, limit=max_depth) from None
