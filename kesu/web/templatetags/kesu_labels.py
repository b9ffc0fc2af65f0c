"""Domain labels in the reader's language (the core keeps zh/en pairs, not gettext)."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from kesu.core.lifecycle import state_label

register = template.Library()


@register.filter
def state_name(value: str) -> str:
    return state_label(value, get_language() or "zh-hans")
