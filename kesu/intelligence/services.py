"""The intelligence's services (SPEC F13): suggestions, learning, repeated complaints, the case library.

Nothing here changes a complaint: suggestions are only shown (a person confirms or corrects them
through the 分类定级 step, and the complaints so confirmed are what the next model learns from);
a merge is the kernel's step (kesu.complaints.lifecycle.merge). What runs at registration runs
after commit through the task interface (kesu.intelligence.tasks), never in the registering
request; the meaning vectors are made in batches by a periodic task, once per complaint.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q

from kesu.complaints import search
from kesu.complaints.models import Complaint
from kesu.core.lifecycle import CLOSED_STATES, State
from kesu.core.personal import mask_text
from kesu.core.policy import Policy
from kesu.core.routing import RoutingFacts, route
from kesu.intelligence import learn, similarity
from kesu.intelligence.models import FIELDS, Case, Mark, ModelVersion, Repeat, Settings, Suggestion, Vector
from kesu.org.models import Department, Staff
from kesu.policies.services import active_version, policy_of
from kesu.tasks import enqueue


def settings_row() -> Settings:
    row, _ = Settings.objects.get_or_create(pk=1)
    return row


# --- suggestions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggested:
    field: str
    value: str
    shown: str  # the value's name in the policy (类别 "漏水" rather than its code)
    confidence: float
    words: tuple[str, ...]
    source: str  # "model": learned from confirmed complaints; "policy": the policy's own words


_loaded: dict[str, Any] = {"number": None, "bundle": None, "checked": 0.0}
_load_lock = threading.Lock()
RECHECK_SECONDS = 30.0  # how often a process looks for a newer model version


def current_bundle(*, fresh: bool = False) -> tuple[int | None, learn.Bundle | None]:
    """The newest learned model (loaded once per process and version)."""
    with _load_lock:
        if fresh or time.monotonic() - _loaded["checked"] > RECHECK_SECONDS:
            _loaded["checked"] = time.monotonic()
            number = (ModelVersion.objects.filter(blob__isnull=False).order_by("-number")
                      .values_list("number", flat=True).first())
            if number != _loaded["number"]:
                blob = ModelVersion.objects.filter(number=number).values_list("blob", flat=True).first()
                _loaded["bundle"] = learn.Bundle.loads(bytes(blob)) if blob else None
                _loaded["number"] = number
        return _loaded["number"], _loaded["bundle"]


def forget_loaded_model() -> None:
    """A new version is used at once here (other processes find it within RECHECK_SECONDS)."""
    with _load_lock:
        _loaded.update(number=None, bundle=None, checked=0.0)
    _matrix.update(key=None, ids=None, m=None)


# Cold start for validity: what enquiries and requests for help sound like (the policy's validity
# kinds have no words of their own).
VALIDITY_WORDS = {
    "valid": ("投诉", "退款", "赔偿", "退货", "换货", "质量问题", "坏了", "故障", "漏水", "态度", "维修", "欺骗",
              "要求"),
    "enquiry": ("请问", "咨询", "怎么办理", "如何", "是否可以", "能不能", "想了解", "多少钱", "什么时候"),
    "help": ("求助", "帮忙", "帮帮", "急需", "救命"),
}
_SPLIT = re.compile(r"[／/、,，及与和或（）()\s]+")


def _category_words(policy: Policy) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}

    def walk(nodes: Iterable[Any]) -> None:
        for n in nodes:
            pieces = [p for p in _SPLIT.split(n.name) if len(p) >= 2]
            out[n.code] = tuple(dict.fromkeys([n.name, *pieces]))
            walk(n.children)
    walk(policy.categories)
    return out


def lexicons(policy: Policy) -> dict[str, learn.Lexicon]:
    """What the policy itself says each value sounds like: the category names, the keyword lists
    that raise the level, and a few words for the validity kinds."""
    levels: dict[str, list[str]] = {}
    for rule in policy.keywords:
        if rule.level and policy.level(rule.level):
            levels.setdefault(rule.level, []).extend(rule.words)
    kinds = {v.code for v in policy.validity}
    return {
        "category": learn.Lexicon(_category_words(policy)),
        "level": learn.Lexicon({k: tuple(v) for k, v in levels.items()}),
        "validity": learn.Lexicon({k: v for k, v in VALIDITY_WORDS.items() if k in kinds}),
    }


def _names(policy: Policy, field: str) -> dict[str, str]:
    if field == "category":
        return {c: " / ".join(n.name for n in policy.category_path(c)) for c in policy.category_codes()}
    if field == "level":
        return {lv.code: lv.name for lv in policy.levels}
    if field == "validity":
        return {v.code: v.name for v in policy.validity}
    return _departments()


_policies: dict[int, tuple[Policy, dict[str, dict[str, str]], dict[str, learn.Lexicon]]] = {}


def _of_policy(policy: Policy) -> tuple[dict[str, dict[str, str]], dict[str, learn.Lexicon]]:
    """The policy's value names and words, worked out once per policy version (it is frozen)."""
    held = _policies.get(id(policy))
    if held is None or held[0] is not policy:
        if len(_policies) > 16:
            _policies.clear()
        held = (policy, {f: _names(policy, f) for f in ("category", "level", "validity")}, lexicons(policy))
        _policies[id(policy)] = held
    return held[1], held[2]


def _departments() -> dict[str, str]:
    return dict(Department.objects.filter(is_active=True).values_list("code", "name"))


def suggest(policy: Policy, text: str, *, departments: dict[str, str] | None = None,
            vector: np.ndarray | None = None) -> dict[str, Suggested]:
    """Suggestions for a complaint's words under ``policy``: the learned model where it knows the
    field (and its answer is a value of this policy), else the policy's own words. With the
    complaint's meaning ``vector`` (made after commit) the model reads it beside the words. Every
    suggestion carries its confidence and the words that drove it; the caller hides those below
    the administrator's threshold (:func:`shown`)."""
    _number, bundle = current_bundle()
    out: dict[str, Suggested] = {}
    guesses = bundle.guess(text, vector=vector) if bundle is not None else {}
    own_names, cold = _of_policy(policy)
    names = {**own_names, "department": departments if departments is not None else _departments()}
    for field, g in guesses.items():
        if g.value in names[field]:
            out[field] = Suggested(field, g.value, names[field][g.value], g.confidence, g.words, "model")
    for field, lexicon in cold.items():
        if field not in out:
            g2 = lexicon.guess(text)
            if g2 is not None and g2.value in names[field]:
                out[field] = Suggested(field, g2.value, names[field][g2.value], g2.confidence, g2.words, "policy")
    if "department" not in out and "category" in out:  # the policy's routing rules, from the suggested category
        found = route(policy, RoutingFacts(category=out["category"].value,
                                           level=out["level"].value if "level" in out else ""))
        if found is not None and found.department in names["department"]:
            c = out["category"]
            out["department"] = Suggested("department", found.department, names["department"][found.department],
                                          round(c.confidence * 0.9, 4), c.words, "policy")
    return out


def shown(suggestions: Iterable[Suggestion | Suggested], *, threshold: float | None = None) -> list[Any]:
    """Only what is at least as sure as the administrator asks (none below the threshold)."""
    limit = settings_row().min_confidence if threshold is None else threshold
    return [s for s in suggestions if s.confidence >= limit]


def store_suggestions(complaints: Sequence[Complaint], now: datetime,
                      vectors: dict[int, np.ndarray] | None = None) -> int:
    """At registration (after commit): what is suggested for each new complaint, kept so the
    administrators can see how often people took it. Again once its meaning vector is made
    (``vectors``): the model's suggestions of a complaint nobody has classified yet are replaced."""
    number, _ = current_bundle()
    departments = _departments() if complaints else {}
    rows = []
    for c in complaints:
        policy = policy_of(c.policy_version)
        v = (vectors or {}).get(c.pk)
        for s in suggest(policy, c.customer_words, departments=departments, vector=v).values():
            rows.append(Suggestion(complaint=c, field=s.field, value=s.value, confidence=s.confidence,
                                   words=list(s.words), source=s.source,
                                   model_version=number if s.source == "model" else None, made_at=now))
    if vectors:
        Suggestion.objects.filter(complaint__in=[c for c in complaints if c.status == State.REGISTERED],
                                  source="model").delete()
    Suggestion.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- learning ----------------------------------------------------------------------------------------

LEARN_LIMIT = 50_000  # the newest confirmed complaints a training run reads
STREAM_LIMIT = 20_000  # the newest registered complaints whose category mix a training run estimates
KEEP_MODELS = 3  # model versions whose learned model is kept (older ones keep their figures only)


def training_rows(policy: Policy) -> tuple[dict[str, tuple[list[str], list[str]]], int, int]:
    """The confirmed history: complaints a person has classified (their type, level and validity
    as confirmed or corrected at 分类定级) and assigned (their department), newest first; values
    the policy in force no longer has are left out. Returns the rows per field, how many
    complaints, and the newest complaint's id."""
    rows, count, newest, _ = _training_rows(policy)
    return rows, count, newest


def _training_rows(policy: Policy) -> tuple[dict[str, tuple[list[str], list[str]]], int, int,
                                            dict[str, list[int]]]:
    qs = (Complaint.objects.exclude(category="").exclude(status=State.REGISTERED).filter(anonymised_at__isnull=True)
          .order_by("-pk").values_list("pk", "customer_words", "category", "level", "validity", "department__code"))
    categories, levels = policy.category_codes(), {lv.code for lv in policy.levels}
    kinds = {v.code for v in policy.validity}
    rows: dict[str, tuple[list[str], list[str]]] = {f: ([], []) for f in FIELDS}
    keys: dict[str, list[int]] = {f: [] for f in FIELDS}
    count, newest = 0, 0
    for pk, words, category, level, validity, department in qs[:LEARN_LIMIT]:
        count += 1
        newest = max(newest, pk)
        for field, value, allowed in (("category", category, categories), ("level", level, levels),
                                      ("validity", validity, kinds), ("department", department, None)):
            if value and (allowed is None or value in allowed):
                rows[field][0].append(words)
                rows[field][1].append(value)
                keys[field].append(pk)
    return rows, count, newest, keys


def stream_rows(limit: int = STREAM_LIMIT) -> tuple[list[str], list[int]]:
    """The organisation's stream: the newest registered complaints, classified or not (their words
    only — no label is read), the anonymised left out. What the category mix is estimated from."""
    rows = list(Complaint.objects.filter(anonymised_at__isnull=True).exclude(customer_words="")
                .order_by("-pk").values_list("pk", "customer_words")[:limit])
    return [w for _, w in rows], [pk for pk, _ in rows]


def stored_vectors(ids: Iterable[int]) -> dict[int, np.ndarray]:
    """The meaning vectors made for these complaints (those made), read a thousand at a time."""
    ids = list(ids)
    out: dict[int, np.ndarray] = {}
    for at in range(0, len(ids), 1000):
        for pk, blob in Vector.objects.filter(complaint_id__in=ids[at:at + 1000]).values_list("complaint_id", "vector"):
            if blob:
                out[pk] = similarity.from_bytes(bytes(blob))
    return out


def retrain(now: datetime, *, actor: Staff | None = None, force: bool = False) -> ModelVersion | None:
    """Learn a new model version from the confirmed history and the staff's decisions on repeats
    (the schedule, or an administrator's request): the suggestion classifiers and the pair model,
    stored together. Without ``force`` nothing is done when nothing was confirmed or decided since
    the last."""
    policy = policy_of(active_version())
    rows, count, newest, keys = _training_rows(policy)
    taught = lessons()
    signature = lessons_signature(taught)
    # the newest complaint whose words the version reads (an erasure drops every version that did)
    read_up_to = max([newest, *(max(t.earlier, t.later) for t in taught)])
    last = ModelVersion.objects.order_by("-number").first()
    if (not force and last is not None and last.last_complaint_id == read_up_to and last.examples == count
            and (last.quality.get(PAIRS) or {}).get("signature") == signature):
        return None
    started = time.perf_counter()
    stream_texts, stream_ids = stream_rows()
    made = stored_vectors({pk for pks in keys.values() for pk in pks} | set(stream_ids))
    bundle, qualities = learn.train(rows, vectors={f: [made.get(pk) for pk in pks] for f, pks in keys.items()}
                                    if made else None,
                                    stream=(stream_texts, [made.get(pk) for pk in stream_ids]))
    pair_model, pair_quality = learn_pair_model(taught)
    if pair_model is not None:
        bundle = bundle or learn.Bundle(None, {})
        bundle.pairs = pair_model
    quality: dict[str, Any] = {f: q.as_dict() for f, q in qualities.items()}
    quality[PAIRS] = {**pair_quality, "signature": signature}
    seconds = round(time.perf_counter() - started, 2)
    with transaction.atomic():
        number = (ModelVersion.objects.aggregate(m=Max("number"))["m"] or 0) + 1
        version = ModelVersion.objects.create(
            number=number, trained_at=now, trained_by=actor, policy_code=policy.code, examples=count,
            last_complaint_id=read_up_to, quality=quality, seconds=seconds,
            blob=bundle.dumps() if bundle is not None else None)
        kept = list(ModelVersion.objects.filter(blob__isnull=False).order_by("-number")
                    .values_list("pk", flat=True)[:KEEP_MODELS])
        ModelVersion.objects.filter(blob__isnull=False).exclude(pk__in=kept).update(blob=None)
    forget_loaded_model()
    return version


# --- the staff's decisions on repeats: what the pair model learns from ---------------------------------

PAIRS = "repeats"  # the pair model's quality in ModelVersion.quality


@dataclass(frozen=True)
class Lesson:
    """One decision by a person: the two complaints tell the same problem (``same``) or not."""

    earlier: int
    later: int
    same: bool
    by: str  # "merge", "confirmed" or "dismissed"


def decide(repeat: Repeat, *, same: bool, actor: Staff, now: datetime) -> Repeat:
    """A person's decision on a repeat flag: "是同一问题" confirms it, "不是同一问题" dismisses it (it
    is then no longer counted as a repeat). The next scheduled retrain learns from it; deciding
    again replaces the decision."""
    repeat.verdict = Repeat.Verdict.SAME if same else Repeat.Verdict.DIFFERENT
    repeat.decided_by, repeat.decided_at = actor, now
    repeat.save(update_fields=["verdict", "decided_by", "decided_at"])
    return repeat


def may_decide(staff: Staff) -> bool:
    """Who may judge a repeat flag: those who may merge duplicates (customer service, department
    managers) — the same judgement, without closing a case."""
    from kesu.core.lifecycle import BY_ACTION
    from kesu.org.services import roles_of

    return bool(set(BY_ACTION["merge"].roles) & roles_of(staff)) or bool(getattr(staff, "is_superuser", False))


def lessons(limit: int = LEARN_LIMIT) -> list[Lesson]:
    """Every standing decision, newest first: the merges in force (a duplicate and the case it went
    into — an undone merge is no lesson any more) and the confirmed or dismissed repeat flags; one
    per pair of complaints, a merge before a flag's verdict, a newer verdict before an older one.
    Complaints anonymised (erased, expired) teach nothing."""
    from kesu.complaints.models import ComplaintEvent

    out: dict[tuple[int, int], Lesson] = {}
    merged = (ComplaintEvent.objects.filter(kind="merge", complaint__status=State.MERGED,
                                            complaint__anonymised_at__isnull=True)
              .order_by("-pk").values_list("complaint_id", "changes")[:limit])
    into: dict[int, str] = {}
    for pk, changes in merged:  # the newest merge event of each merged complaint
        into.setdefault(pk, (changes.get("merged_into") or [None, ""])[1] or "")
    numbers = dict(Complaint.objects.filter(number__in=set(into.values()), anonymised_at__isnull=True)
                   .values_list("number", "pk"))
    for pk, number in into.items():
        if number in numbers:
            key = (min(pk, numbers[number]), max(pk, numbers[number]))
            out.setdefault(key, Lesson(key[0], key[1], True, "merge"))
    decided = (Repeat.objects.filter(decided_at__isnull=False).exclude(verdict="")
               .filter(complaint__anonymised_at__isnull=True, earlier__anonymised_at__isnull=True)
               .order_by("-decided_at", "-pk").values_list("earlier_id", "complaint_id", "verdict")[:limit])
    for earlier, later, verdict in decided:
        key = (min(earlier, later), max(earlier, later))
        same = verdict == Repeat.Verdict.SAME
        out.setdefault(key, Lesson(key[0], key[1], same, "confirmed" if same else "dismissed"))
    return list(out.values())[:limit]


def lessons_signature(taught: Sequence[Lesson]) -> str:
    import hashlib

    return hashlib.sha1(",".join(f"{t.earlier}:{t.later}:{int(t.same)}" for t in sorted(
        taught, key=lambda t: (t.earlier, t.later))).encode()).hexdigest()


def learn_pair_model(taught: Sequence[Lesson]) -> tuple[similarity.PairModel | None, dict[str, Any]]:
    """The pair model learned from the decisions (their complaints' words, and the meaning cosine
    where both vectors are made), with its held-out quality beside the shipped detector's."""
    ids = sorted({pk for t in taught for pk in (t.earlier, t.later)})
    words: dict[int, str] = {}
    for at in range(0, len(ids), 1000):
        words.update(Complaint.objects.filter(pk__in=ids[at:at + 1000]).values_list("pk", "customer_words"))
    made = stored_vectors(ids)
    pairs, meanings = [], []
    for t in taught:
        if t.earlier in words and t.later in words:
            pairs.append((words[t.earlier], words[t.later], int(t.same)))
            va, vb = made.get(t.earlier), made.get(t.later)
            meanings.append(float(np.dot(va, vb)) if va is not None and vb is not None else None)
    model, quality = similarity.learn_pairs(pairs, meanings)
    quality["merges"] = sum(t.by == "merge" for t in taught)
    return model, quality


def pair_model() -> similarity.PairModel | None:
    """The pair model in use: the newest version's, learned from the staff's decisions; None below
    the minimum number of decisions (the shipped detector judges)."""
    _number, bundle = current_bundle()
    return bundle.pairs if bundle is not None else None


def retrain_due(now: datetime) -> bool:
    last = ModelVersion.objects.order_by("-number").values_list("trained_at", flat=True).first()
    return last is None or (now - last).total_seconds() >= settings_row().retrain_hours * 3600


def acceptance(version: int | None = None) -> dict[str, tuple[int, int]]:
    """Per field: (suggestions whose complaint has since been confirmed, of them the ones the
    person took as suggested) — the model's quality in use, beside its held-out figures."""
    out: dict[str, tuple[int, int]] = {}
    qs = Suggestion.objects.select_related("complaint").exclude(complaint__status=State.REGISTERED)
    if version is not None:
        qs = qs.filter(model_version=version)
    for field in FIELDS:
        total = took = 0
        for s in qs.filter(field=field)[:5000]:
            current = s.complaint.department.code if field == "department" and s.complaint.department else (
                getattr(s.complaint, field, "") if field != "department" else "")
            if not current:
                continue
            total += 1
            took += current == s.value
        out[field] = (total, took)
    return out


# --- meaning vectors ----------------------------------------------------------------------------------


def make_vectors(complaints: Sequence[Complaint], now: datetime) -> dict[int, np.ndarray]:
    """Each complaint's vector, once (the periodic task, in batches: ~45 texts/s on 2 cores)."""
    if not complaints or not similarity.available():
        return {}
    vectors = similarity.embed_complaints([c.customer_words for c in complaints])
    Vector.objects.bulk_create([Vector(complaint=c, vector=similarity.to_bytes(v), made_at=now)
                                for c, v in zip(complaints, vectors, strict=True)], ignore_conflicts=True)
    # as stored (float16), so a suggestion made now equals one made later from the stored vector
    return {c.pk: similarity.from_bytes(similarity.to_bytes(v)) for c, v in zip(complaints, vectors, strict=True)}


def vector_of(complaint_id: int) -> np.ndarray | None:
    blob = Vector.objects.filter(complaint_id=complaint_id).values_list("vector", flat=True).first()
    return similarity.from_bytes(bytes(blob)) if blob else None


# --- repeated complaints ------------------------------------------------------------------------------

CANDIDATES = 3000  # the newest complaints of the window compared by meaning
CANDIDATES_BY_WORDING = 300  # before the vector is made: the newest compared by shared characters
SHORTLIST = 40  # of them, compared closely (wording)
PER_COMPLAINT = 5

_CUSTOMER_KEYS = (("phone_index", "phone"), ("email_index", "email"), ("ref_index", "ref"))


def _earlier(c: Complaint, policy: Policy) -> Any:
    since = c.registered_at - policy.repeats.window.as_calendar_timedelta()
    return Complaint.objects.filter(registered_at__gte=since, registered_at__lte=c.registered_at, pk__lt=c.pk,
                                    anonymised_at__isnull=True)  # an erased or expired case repeats nothing


def same_customer(c: Complaint, policy: Policy) -> list[tuple[int, list[str]]]:
    """Earlier complaints of the same customer within the policy's window: their phone, e-mail or
    card number matched by the blind index (the values themselves are stored encrypted)."""
    found: dict[int, list[str]] = {}
    earlier = _earlier(c, policy)
    for index, name in _CUSTOMER_KEYS:
        value = getattr(c, index)
        if value:
            for pk in earlier.filter(**{index: value}).values_list("pk", flat=True)[:50]:
                found.setdefault(pk, []).append(name)
    return sorted(found.items())


@dataclass(frozen=True)
class Similar:
    complaint_id: int
    score: float
    same: tuple[str, ...]
    duplicate: bool = False  # the same complaint again (nearly the same words)


def _boost(c: Complaint, row: dict[str, Any]) -> tuple[float, tuple[str, ...]]:
    same = []
    if c.order_number and c.order_number == row["order_number"]:
        same.append("order")
    if c.product_name and c.product_name == row["product_name"]:
        same.append("product")
    if c.location_id and c.location_id == row["location_id"]:
        same.append("location")
    return 0.1 * ("order" in same) + 0.05 * ("product" in same) + 0.05 * ("location" in same), tuple(same)


def similar_earlier(c: Complaint, *, threshold: float | None = None, vector: np.ndarray | None = None,
                    limit: int = PER_COMPLAINT) -> list[Similar]:
    """Earlier complaints about the same problem within the policy's window: similar words (meaning
    and wording, :func:`kesu.intelligence.similarity.pair_score`), a little more when the same
    product, order or place; best first. For the crisis signals too (kesu.notifications)."""
    policy = policy_of(c.policy_version)
    limit_score = settings_row().repeat_threshold if threshold is None else threshold
    v = vector if vector is not None else vector_of(c.pk)
    rows = list(_earlier(c, policy).order_by("-pk").values(
        "pk", "customer_words", "order_number", "product_name", "location_id")[
        :CANDIDATES if v is not None else CANDIDATES_BY_WORDING])
    if not rows:
        return []
    theirs = {pk: similarity.from_bytes(bytes(b)) for pk, b in Vector.objects.filter(
        complaint_id__in=[r["pk"] for r in rows]).values_list("complaint_id", "vector") if b} if v is not None else {}
    meaning = {pk: float(np.dot(v, w)) for pk, w in theirs.items()} if v is not None else {}
    # Shortlist: by meaning where both have a vector, by shared characters otherwise.
    quick = sorted(rows, key=lambda r: -(meaning[r["pk"]] if r["pk"] in meaning
                                         else similarity.wording_quick(c.customer_words, r["customer_words"])))
    row = settings_row()
    model = pair_model()
    out = []
    for r in quick[:SHORTLIST]:
        boost, same = _boost(c, r)
        score, repeat, dup = similarity.judge(meaning.get(r["pk"]), c.customer_words, r["customer_words"],
                                              repeat=limit_score - boost, duplicate=row.duplicate_threshold,
                                              model=model)
        if repeat:
            out.append(Similar(r["pk"], round(min(1.0, score + boost), 4), same, dup))
    out.sort(key=lambda s: (-s.duplicate, -s.score))
    return out[:limit]


def find_repeats(c: Complaint, now: datetime, *, vector: np.ndarray | None = None,
                 problem: bool = True) -> list[Repeat]:
    """Detect and record the earlier complaints ``c`` repeats: the same customer always, the same
    problem with ``problem`` (found again, with the meaning, once the vector is made)."""
    policy = policy_of(c.policy_version)
    rows = [Repeat(complaint=c, earlier_id=pk, kind=Repeat.Kind.CUSTOMER, score=1.0, same=same, found_at=now)
            for pk, same in same_customer(c, policy)]
    if problem:  # found again (now with the meaning); a flag a person has decided on stays as decided
        Repeat.objects.filter(complaint=c, kind=Repeat.Kind.PROBLEM, verdict="").delete()
        for s in similar_earlier(c, vector=vector):
            rows.append(Repeat(complaint=c, earlier_id=s.complaint_id, kind=Repeat.Kind.PROBLEM, score=s.score,
                               duplicate=s.duplicate, same=list(s.same), found_at=now))
    if rows:
        Repeat.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


def repeats_of(c: Complaint) -> dict[str, list[Repeat]]:
    """The earlier complaints ``c`` repeats, and the later ones that repeat it."""
    return {
        "earlier": list(Repeat.objects.filter(complaint=c).select_related("earlier").order_by("-score")),
        "later": list(Repeat.objects.filter(earlier=c).select_related("complaint").order_by("-found_at")),
    }


def repeat_counts(since: datetime, until: datetime) -> dict[str, int]:
    """For the reports: complaints registered in [since, until) that repeat an earlier one — by the
    same customer, about the same problem, suspected duplicates — and the duplicates merged. A flag
    a person dismissed ("不是同一问题") is no repeat."""
    qs = Repeat.objects.filter(complaint__registered_at__gte=since, complaint__registered_at__lt=until).exclude(
        verdict=Repeat.Verdict.DIFFERENT)
    return {
        "repeated": qs.values("complaint_id").distinct().count(),
        "same_customer": qs.filter(kind=Repeat.Kind.CUSTOMER).values("complaint_id").distinct().count(),
        "same_problem": qs.filter(kind=Repeat.Kind.PROBLEM).values("complaint_id").distinct().count(),
        "duplicates": qs.filter(duplicate=True).values("complaint_id").distinct().count(),
        "merged": Complaint.objects.filter(status=State.MERGED, registered_at__gte=since,
                                           registered_at__lt=until).count(),
    }


def merge_link(c: Complaint) -> dict[str, Any]:
    """What the timelines say of merges: the case ``c`` went into, and the duplicates in it now."""
    into = None
    if c.status == State.MERGED:
        last = c.events.filter(kind="merge").order_by("-seq").first()
        into = (last.changes.get("merged_into") or [None, None])[1] if last else None
    taken: dict[str, bool] = {}
    for e in c.events.filter(kind__in=("merge_received", "merge_undone")).order_by("seq"):
        change = e.changes.get("merged_from") or [None, None]
        if e.kind == "merge_received" and change[1]:
            taken[change[1]] = True
        elif change[0]:
            taken.pop(change[0], None)
    return {"into": into, "from": list(taken)}


# --- the case library (投诉案例库) -----------------------------------------------------------------------

LIBRARY_STATES = tuple(s.value for s in CLOSED_STATES)


def _clean(text: str, name: str) -> str:
    """Personal data removed: phone, e-mail and ID numbers, and the customer's name."""
    text = mask_text(text or "", phone="none", email="none", id_number="none")
    if name and len(name) >= 2:
        text = text.replace(name, "客户")
        if len(name) >= 2:
            text = re.sub(re.escape(name[0]) + r"(先生|女士|小姐|师傅|老师)", "客户", text)
    return text.strip()


def case_entry(c: Complaint, now: datetime) -> Case:
    """A closed case as the library keeps it: the problem, the cause found, the solution, the outcome."""
    name = c.customer_name or ""
    causes, solutions, outcomes = [], [], []
    for r in c.investigations.order_by("written_at"):
        causes.append("；".join(t for t in (r.cause, r.conclusion) if t))
        solutions += [t for t in (r.corrective, r.preventive) if t]
    for a in c.approvals.filter(state="approved").order_by("requested_at"):
        solutions.append(a.plan)
    for e in c.events.filter(kind__in=("agree_solution", "return_result", "record_satisfied",
                                       "record_unsatisfied")).order_by("seq"):
        (solutions if e.kind == "agree_solution" else outcomes).append(e.reason)
    closed = c.events.filter(kind__in=("sign_off", "review", "archive")).order_by("seq").values_list(
        "at", flat=True).first() or c.updated_at
    return Case(complaint=c, category=c.category, level=c.level, problem=_clean(c.customer_words, name),
                cause=_clean("\n".join(dict.fromkeys(t for t in causes if t)), name),
                solution=_clean("\n".join(dict.fromkeys(t for t in solutions if t)), name),
                outcome=_clean("\n".join(dict.fromkeys(t for t in outcomes if t)), name),
                closed_at=closed, built_at=now)


LIBRARY_MARK = "library"  # the newest timeline event the library's pass has read
LIBRARY_LAG = 1000  # events re-read behind the mark: one that committed after a later one (PostgreSQL
# hands out ids at insert, the commit may come after another's) is still seen on the next run


def build_library(now: datetime, *, batch: int = 200) -> int:
    """Add the cases closed since the last run (signed off, reviewed, archived) to the library.

    A case joins when its timeline records the step that closed it, whatever its number: the pass
    reads the events written since its high-water mark (by id, the primary key's range — a million
    complaints' timelines are never read again from the oldest) and takes each complaint that is
    closed now and not yet in the library, ``batch`` at a time."""
    from kesu.complaints.models import ComplaintEvent

    mark = Mark.objects.filter(name=LIBRARY_MARK).values_list("value", flat=True).first() or 0
    top = ComplaintEvent.objects.aggregate(top=Max("pk"))["top"] or 0
    room = 4 * batch  # a case's timeline may hold several closing steps (signed off, reviewed, archived)
    found = list(ComplaintEvent.objects
                 .filter(pk__gt=max(0, mark - LIBRARY_LAG), pk__lte=top, to_status__in=LIBRARY_STATES,
                         complaint__status__in=LIBRARY_STATES, complaint__anonymised_at__isnull=True)
                 .filter(~Exists(Case.objects.filter(complaint_id=OuterRef("complaint_id"))))
                 .order_by("pk").values_list("pk", "complaint_id")[:room])
    # everything read up to ``top`` when fewer than asked came back, else up to the last one taken
    reached = top if len(found) < room else found[-1][0]
    ids: list[int] = []
    for event, pk in found:
        if pk not in ids:
            if len(ids) == batch:  # the rest from this event on: the next run
                reached = event - 1
                break
            ids.append(pk)
    todo = Complaint.objects.in_bulk(ids)
    entries = [case_entry(todo[pk], now) for pk in ids if pk in todo]
    if entries and similarity.available():
        vectors = similarity.embed([f"{e.problem}\n{e.cause}" for e in entries])
        for e, v in zip(entries, vectors, strict=True):
            e.vector = similarity.to_bytes(v)
    with transaction.atomic():
        Case.objects.bulk_create(entries, ignore_conflicts=True)
        Mark.objects.update_or_create(name=LIBRARY_MARK, defaults={"value": max(mark, reached)})
    return len(entries)


@dataclass(frozen=True)
class Found:
    case: Case
    score: float
    by_keyword: bool


_matrix: dict[str, Any] = {"key": None, "ids": None, "m": None}


def _case_matrix() -> tuple[list[int], np.ndarray]:
    key = tuple(Case.objects.aggregate(n=Count("pk"), m=Max("built_at"), p=Max("pk")).values())
    if _matrix["key"] != key:
        pairs = list(Case.objects.filter(vector__isnull=False).values_list("complaint_id", "vector"))
        ids = [pk for pk, _ in pairs]
        m = np.vstack([similarity.from_bytes(bytes(b)) for _, b in pairs]) if pairs else np.zeros((0, similarity.DIM))
        _matrix.update(key=key, ids=ids, m=m)
    return _matrix["ids"], _matrix["m"]


def search_cases(query: str, *, limit: int = 20, exclude: int | None = None) -> list[Found]:
    """The library searched by meaning (the query's vector against each case's) and by keyword (the
    complaints' full-text index, kesu.complaints.search), best first."""
    query = (query or "").strip()
    if not query:
        return []
    scores: dict[int, float] = {}
    if similarity.available():
        ids, m = _case_matrix()
        if ids:
            sims = m @ similarity.embed([query], query=True)[0]
            for i in np.argsort(-sims)[: limit * 3]:
                scores[ids[i]] = float(sims[i])
    keyword = set(search.candidates(query, limit=500)) if len(query) >= 2 else set()
    keyword &= set(Case.objects.filter(complaint_id__in=keyword).values_list("complaint_id", flat=True))
    for pk in keyword:
        scores[pk] = scores.get(pk, 0.75) + 0.1
    if not scores:  # no vectors at all: the wording alone
        for e in Case.objects.all()[:2000]:
            w = similarity.wording_quick(query, e.text)
            if w > 0.2:
                scores[e.pk] = w
    scores.pop(exclude or -1, None)
    best = sorted(scores.items(), key=lambda kv: -kv[1])[:limit]
    cases = Case.objects.in_bulk([pk for pk, _ in best])
    return [Found(cases[pk], round(s, 4), pk in keyword) for pk, s in best if pk in cases]


def similar_cases(c: Complaint, *, limit: int = 3, floor: float = 0.8) -> list[Found]:
    """Past cases like this complaint (its stored vector when made, else its words)."""
    v = vector_of(c.pk)
    if v is None:
        return [f for f in search_cases(c.customer_words, limit=limit, exclude=c.pk) if f.score >= floor]
    ids, m = _case_matrix()
    if not ids:
        return []
    sims = m @ v
    order = [i for i in np.argsort(-sims) if ids[i] != c.pk and sims[i] >= floor][:limit]
    cases = Case.objects.in_bulk([ids[i] for i in order])
    return [Found(cases[ids[i]], round(float(sims[i]), 4), False) for i in order if ids[i] in cases]


# --- after registration, and the periodic passes ---------------------------------------------------------


def after_registration(complaint_ids: Sequence[int], now: datetime) -> None:
    """At registration, after commit (a few milliseconds, off the request): the suggestions, and the
    earlier complaints of the same customer. The same problem is found by the periodic pass that
    makes the meaning vectors (:func:`catch_up`, within ``KESU_INTEL_VECTOR_SECONDS``)."""
    complaints = list(Complaint.objects.filter(pk__in=complaint_ids).select_related("policy_version"))
    store_suggestions(complaints, now)
    for c in complaints:
        find_repeats(c, now, problem=False)


def after_registrations_since_last(now: datetime, *, batch: int = 200, budget: float | None = None) -> int:
    """:func:`after_registration` for the complaints registered after the newest one that has its
    suggestions, oldest first, ``batch`` at a time (the rest on the next run, which the kernel's
    next registration or the periodic :func:`catch_up` brings). A complaint missed here (one that
    committed after a later one was taken) still gets its repeats from :func:`catch_up`."""
    done = Suggestion.objects.aggregate(top=Max("complaint_id"))["top"]
    if done is None:  # nothing suggested yet: start from the newest, not from a million old ones
        newest = Complaint.objects.aggregate(top=Max("pk"))["top"] or 0
        done = max(0, newest - batch)
    ids = list(Complaint.objects.filter(pk__gt=done).order_by("pk").values_list("pk", flat=True)[:batch])
    taken, started = 0, time.monotonic()
    for at in range(0, len(ids), 20):  # 20 at a time, so a time budget can stop between them
        if budget is not None and taken and time.monotonic() - started > budget:
            break
        after_registration(ids[at:at + 20], now)
        taken += len(ids[at:at + 20])
    return taken


def catch_up(now: datetime, *, batch: int = 64, window: int = 20_000) -> int:
    """The periodic pass: vectors for the complaints registered without one (newest first), and the
    repeats their meaning shows (a page shows suggestions the after-commit task missed live)."""
    # Newest first, each complaint probed by its vector's key, among the newest ``window``: a NOT IN
    # over every vector read a million keys each pass. Older complaints without a vector (from
    # before the intelligence was installed) need one call with a wider window.
    newest = Complaint.objects.aggregate(top=Max("pk"))["top"] or 0
    todo = list(Complaint.objects.filter(pk__gt=newest - window)
                .filter(~Exists(Vector.objects.filter(complaint_id=OuterRef("pk"))))
                .select_related("policy_version").order_by("-pk")[:batch])
    if not todo:
        return 0
    made = make_vectors(todo, now)
    if not made:  # no embedder installed: the wording alone, once per complaint
        Vector.objects.bulk_create([Vector(complaint=c, vector=b"", made_at=now) for c in todo],
                                   ignore_conflicts=True)
    else:  # the suggestions again, the model now reading the meaning too (nobody has classified them yet)
        _number, bundle = current_bundle()
        waiting = [c for c in todo if c.status == State.REGISTERED]
        if bundle is not None and bundle.meaning and waiting:
            store_suggestions(waiting, now, vectors=made)
    for c in todo:
        find_repeats(c, now, vector=made.get(c.pk))
    return len(todo)


def forget(complaint_id: int, now: datetime, *, erased: bool = True) -> None:
    """A case anonymised by a customer's erasure or by retention (kesu.privacy, in its transaction):
    nothing this app keeps gives the customer's words back.

    * the meaning vector goes (an empty one stays, so the periodic pass does not embed 〔已删除〕);
    * the case-library entry goes (and :func:`build_library` takes no anonymised case);
    * the suggestions keep their value and confidence (the acceptance figures) but not the words
      they quoted from the text;
    * an erasure (``erased``) also removes the repeat links to and from the case — they tie it to
      the customer's other cases — and drops every learned model that read its words, a new one
      being trained without them after commit (anonymised cases are no training rows). Retention
      keeps the links: the reports count repeats, and the case is long closed.
    """
    Vector.objects.filter(complaint_id=complaint_id).delete()
    Vector.objects.create(complaint_id=complaint_id, vector=b"", made_at=now)
    Case.objects.filter(complaint_id=complaint_id).delete()
    Suggestion.objects.filter(complaint_id=complaint_id).exclude(words=[]).update(words=[])
    if not erased:
        return
    Repeat.objects.filter(Q(complaint_id=complaint_id) | Q(earlier_id=complaint_id)).delete()
    if ModelVersion.objects.filter(blob__isnull=False, last_complaint_id__gte=complaint_id).update(blob=None):
        transaction.on_commit(forget_loaded_model)
        enqueue("intelligence.retrain", force=True)


def on_anonymised(sender: Any, *, complaint: Complaint, kind: str, now: datetime, **kwargs: Any) -> None:
    forget(complaint.pk, now, erased=kind == "customer_erased")
