"""One application error type for the whole product.

Errors carry a machine-readable ``code``, the ``field`` they concern (a dotted path such as
``levels.2.penalty``) and named ``params``. The human message is rendered at the edge in the
viewer's language from the catalogue in :mod:`kesu.core.messages`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kesu.core.messages import render


class KesuError(Exception):
    """A refused request: what was wrong, where, in words a user can act on."""

    def __init__(self, code: str, *, field: str | None = None, label: tuple[str, str] | None = None,
                 **params: Any) -> None:
        self.code = code
        self.field = field
        self.label = label  # (zh, en): how the form names the field; the message uses it, not the code
        self.params: dict[str, Any] = dict(params)
        super().__init__(self.message("zh-hans"))

    def field_name(self, lang: str = "zh-hans") -> str | None:
        if self.label:
            return self.label[1] if lang.startswith("en") and self.label[1] else self.label[0]
        return self.field

    def message(self, lang: str = "zh-hans") -> str:
        text = render(self.code, lang, self.params)
        if self.field:
            prefix = render("field_prefix", lang, {"field": self.field_name(lang)})
            return f"{prefix}{text}"
        return text

    def as_dict(self, lang: str = "zh-hans") -> dict[str, Any]:
        out = {"code": self.code, "field": self.field, "message": self.message(lang)}
        if self.label:
            out["label"] = self.field_name(lang)
        return out


class ValidationFailed(KesuError):
    """Several problems found at once (a policy file, an import row): all are reported together."""

    def __init__(self, errors: Iterable[KesuError]) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else None
        super().__init__("validation_failed", count=len(self.errors))
        self.field = first.field if first else None

    def message(self, lang: str = "zh-hans") -> str:
        lines = [render("validation_failed", lang, {"count": len(self.errors)})]
        lines += [f"- {e.message(lang)}" for e in self.errors]
        return "\n".join(lines)

    def as_dict(self, lang: str = "zh-hans") -> dict[str, Any]:
        return {
            "code": self.code,
            "message": render("validation_failed", lang, {"count": len(self.errors)}),
            "errors": [e.as_dict(lang) for e in self.errors],
        }


class TransitionRefused(KesuError):
    """An action the lifecycle does not allow from the complaint's current state or for this actor."""


class StaleUpdate(KesuError):
    """Someone else changed the complaint since the user loaded it; their change is kept."""

