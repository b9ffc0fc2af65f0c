"""Retention (issue 14, deliverable 5; SPEC F12): the policy's ``retention`` — keep for ``years``,
then ``archive`` (anonymise, keep the case as a statistical record) or ``purge`` (remove every
text the customer or staff wrote about them) — run as a scheduled task (``privacy.retention``,
daily) and by ``python -m kesu retention [--dry-run]``.

* Which policy: the case's own version (a complaint keeps its policy version), so the period is
  the one the public notice promised when the customer complained.
* From when: the case's archiving (the last event that moved it to 已归档). Only archived cases
  expire: an open case, and a case reopened after archiving, are still being handled.
* Exempt: a case on legal hold, and a case already anonymised.
* Why ``purge`` keeps the rows: the timeline is append-only and audited, the handling records
  and clocks point at the case with PROTECT, and every figure of the reports counts these rows.
  Deleting them would change last year's reports and break the audit; so ``purge`` removes the
  data from the rows (and the files), not the rows (kesu.privacy.anonymise says what goes).
* Recorded: each case gets a timeline event (保存期满，个人信息已匿名化) through the kernel, and the
  run one record (kesu.privacy.record) with the cases' numbers and what was removed.
* A dry run lists what would go and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery

from kesu.complaints.models import Complaint, ComplaintEvent
from kesu.core.errors import KesuError
from kesu.core.lifecycle import State
from kesu.policies.models import PolicyVersion
from kesu.policies.services import policy_of
from kesu.privacy.anonymise import Aliases, Mode, anonymise
from kesu.privacy.record import record


@dataclass(frozen=True)
class Due:
    number: str
    pk: int
    archived_at: datetime
    years: int
    then: Mode


@dataclass
class Outcome:
    due: list[Due]
    dry_run: bool
    removed: dict[str, int] = field(default_factory=lambda: {"events": 0, "attachments": 0, "emails": 0})
    held: int = 0  # expired but on legal hold: kept


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def _archived_at() -> Subquery:
    return Subquery(ComplaintEvent.objects.filter(complaint=OuterRef("pk"), to_status=State.ARCHIVED)
                    .order_by("-seq").values("at")[:1])


def expired(now: datetime, *, held: bool = False) -> list[Due]:
    """The archived cases whose retention period has passed by ``now``, oldest first (``held``:
    those on legal hold instead, which are kept)."""
    out: list[Due] = []
    versions = PolicyVersion.objects.filter(pk__in=Complaint.objects.filter(status=State.ARCHIVED)
                                            .values("policy_version_id"))
    for version in versions:
        rule = policy_of(version).retention
        qs: QuerySet[Complaint] = (Complaint.objects.filter(policy_version=version, status=State.ARCHIVED,
                                                            anonymised_at__isnull=True, legal_hold=held)
                                   .annotate(archived_at=_archived_at())
                                   .filter(archived_at__lt=years_before(now, rule.years)))
        out += [Due(number, pk, at, rule.years, rule.then)
                for number, pk, at in qs.values_list("number", "pk", "archived_at")]
    return sorted(out, key=lambda d: (d.archived_at, d.pk))


def run(now: datetime, *, dry_run: bool = False) -> Outcome:
    """Anonymise every expired case (one transaction each: a failure leaves the others done and
    this one untouched), or, with ``dry_run``, only say which."""
    outcome = Outcome(expired(now), dry_run, held=len(expired(now, held=True)))
    if dry_run or not outcome.due:
        return outcome
    aliases = Aliases()
    done: list[str] = []
    for due in outcome.due:
        try:
            removed = anonymise(Complaint.objects.get(pk=due.pk), kind="retention_anonymised", mode=due.then,
                                actor=None, now=now, reason=f"保存期限 {due.years} 年已满（{due.then}）",
                                reason_en=f"Retention period of {due.years} years ended ({due.then})",
                                aliases=aliases)
        except KesuError:  # held or erased since the list was read (checked under the row lock)
            continue
        for k, v in removed.items():
            outcome.removed[k] += v
        done.append(due.number)
    record("retention_run", actor=None, now=now, cases=done, held=outcome.held, removed=outcome.removed)
    return outcome
