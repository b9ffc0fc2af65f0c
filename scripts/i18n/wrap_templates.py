"""One-off helper: wrap the Chinese text of Kesu's templates in {% translate %} (and filter
arguments in _()), so English can be offered. Idempotent: wrapped text is left alone."""

from __future__ import annotations

import re
import sys
from pathlib import Path

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
TEMPLATE_TAG = re.compile(r"({%.*?%}|{{.*?}}|{#.*?#})", re.S)
HTML_TAG = re.compile(r"(<[^>]*>)", re.S)
ATTR = re.compile(r'((?:placeholder|aria-label|title)=")([^"]*)(")')
FILTER_ARG = re.compile(r':"([^"]*)"')


def wrap_text(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        run = m.group(0)
        core = run.strip()
        if not CJK.search(core):
            return run
        lead, trail = run[: len(run) - len(run.lstrip())], run[len(run.rstrip()):]
        return f'{lead}{{% translate "{core}" %}}{trail}'
    return re.sub(r"[^<>]+", one, text)


def convert(source: str) -> str:
    out = []
    for part in TEMPLATE_TAG.split(source):
        if part.startswith("{{"):
            out.append(FILTER_ARG.sub(lambda m: f':_("{m.group(1)}")' if CJK.search(m.group(1)) else m.group(0), part))
        elif part.startswith("{%") or part.startswith("{#"):
            out.append(part)
        else:
            pieces = []
            for piece in HTML_TAG.split(part):
                if piece.startswith("<"):
                    pieces.append(ATTR.sub(lambda m: m.group(1) + (f'{{% translate "{m.group(2)}" %}}'
                                                                  if CJK.search(m.group(2)) else m.group(2))
                                           + m.group(3), piece))
                else:
                    pieces.append(wrap_text(piece))
            out.append("".join(pieces))
    text = "".join(out)
    if "{% translate" in text or '_("' in text:
        if text.startswith("{% extends"):
            first, rest = text.split("\n", 1)
            if "{% load i18n %}" not in rest:
                text = f"{first}\n{{% load i18n %}}\n{rest}"
        elif "{% load i18n" not in text and "i18n" not in text.split("\n", 1)[0]:
            text = "{% load i18n %}" + text
    return text


if __name__ == "__main__":
    for name in sys.argv[1:]:
        p = Path(name)
        p.write_text(convert(p.read_text(encoding="utf-8")), encoding="utf-8")
