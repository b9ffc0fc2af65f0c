"""The complaint as the outbox sees it (issue 16): kesu.notifications sits below the complaints and
does not read their tables; this loader, installed when the app is ready, tells it the number, the
level, the people in position and the customer's contact and language."""

from __future__ import annotations

import re

from kesu.complaints.models import Complaint
from kesu.notifications.outbox import SUBJECTS, Subject
from kesu.policies.services import policy_of

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{3,}")


def customer_language(c: Complaint) -> str:
    """The language the customer wrote in: English when their words hold English and no Chinese
    (a portal or mail complaint in English), else Chinese; an explicit ``extra.language`` wins."""
    said = str((c.extra or {}).get("language", "")) if isinstance(c.extra, dict) else ""
    if said:
        return "en" if said.startswith("en") else "zh-hans"
    words = c.customer_words or ""
    return "en" if _LATIN.search(words) and not _CJK.search(words) else "zh-hans"


def subject_of(complaint_id: int) -> Subject | None:
    c = (Complaint.objects.select_related("policy_version")
         .defer("policy_version__document", "policy_version__source_text").filter(pk=complaint_id).first())
    if c is None:
        return None
    level = policy_of(c.policy_version).level(c.level)
    return Subject(id=c.pk, number=c.number, level=c.level, level_name=level.name if level else c.level,
                   level_en=(level.name_en or level.name) if level else c.level,
                   version=c.policy_version, department_id=c.department_id or c.complained_department_id,
                   owner_id=c.owner_id, receiver_id=c.receiver_id, phone=c.customer_phone or "",
                   email=c.customer_email or "", lang=customer_language(c), unit_id=c.unit_id)


def install() -> None:
    SUBJECTS["complaint"] = subject_of
