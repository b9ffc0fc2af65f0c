"""The REST API (SPEC F3; docs/api.md). Scoped exactly like the staff pages: every read starts from
``visible_complaints``; every change goes through the step registry (kesu.workflow.steps) and the kernel."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kesu.api.errors import body, from_kesu
from kesu.api.models import IdempotencyKey
from kesu.api.parsers import PARSERS
from kesu.api.serializers import (
    ActionListSerializer,
    ActionSerializer,
    ComplaintDetailSerializer,
    ComplaintPageSerializer,
    ComplaintSerializer,
    CreateMultipartSerializer,
    CreateSerializer,
    ErrorSerializer,
    complaint_brief,
    text_fields,
)
from kesu.complaints import intake, lifecycle
from kesu.complaints.models import Complaint
from kesu.complaints.selectors import get_visible, searchable, visible_complaints
from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.lifecycle import ActorFacts
from kesu.core.limits import load_json
from kesu.core.messages import render
from kesu.core.registration import FIELD_LABELS
from kesu.core.visibility import PERSONAL_DATA_ROLES
from kesu.org.models import Staff
from kesu.org.services import active_department, managed_department_ids, roles_of
from kesu.workflow import steps as registry

ERRORS = {code: OpenApiResponse(ErrorSerializer, description=text) for code, text in (
    (400, "unreadable request (not JSON, nested deeper than 32 levels, too many parts)"), (401, "not signed in"),
    (403, "not allowed"), (404, "not found or not visible"),
    (409, "conflict: stale version or a step the state does not allow"),
    (413, "the body is larger than the server takes (DATA_UPLOAD_MAX_MEMORY_SIZE)"),
    (422, "invalid fields, named one by one"),
)}
READ_ERRORS = {code: ERRORS[code] for code in (400, 401, 403, 404, 422)}


def _lang() -> str:
    return get_language() or "zh-hans"


def _staff(request: Request) -> Staff:
    return request.user  # type: ignore[return-value]


def _sees(staff: Staff, now: datetime) -> Any:
    """The reader's facts towards each complaint (roles, handler, managing its department) for
    kesu.core.personal; the managed departments are looked up once, when first needed."""
    roles = roles_of(staff)
    managed: set[int] | None = None

    def facts(c: Complaint) -> ActorFacts:
        nonlocal managed
        manages = False
        if c.department_id is not None and not roles & MANAGER_BLIND:
            if managed is None:
                managed = managed_department_ids(staff, now)
            manages = c.department_id in managed
        return ActorFacts(staff_id=staff.pk, roles=roles, is_owner=c.owner_id == staff.pk, manages_department=manages)
    return facts


# Roles that see every kind in full under Kesu's default policy: whether they also manage the case's
# department changes nothing there, so the lookup is skipped on the API's hot path (one query per
# create). Skipping a fact can only show less, never more.
MANAGER_BLIND: frozenset[str] = PERSONAL_DATA_ROLES


SEARCH_CAP = 2000


def search_ids(text: str) -> list[int]:
    """The ids of the newest SEARCH_CAP complaints matching ``text`` (visibility is the caller's
    queryset): a list, so the cursor pages walk a few rows, whatever the engine's plan."""
    from kesu.complaints import search

    return search.ids_in_order(searchable(text), after=None, descending=True, limit=SEARCH_CAP)


class Newest(CursorPagination):
    """Cursor pages in registration order (newest first): no COUNT, steady at a million rows."""

    ordering = "-id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


FILTERS = [
    OpenApiParameter("status", str), OpenApiParameter("level", str), OpenApiParameter("category", str),
    OpenApiParameter("channel", str), OpenApiParameter("department", str, description="department code"),
    OpenApiParameter("registered_after", str, description="ISO 8601"),
    OpenApiParameter("registered_before", str, description="ISO 8601"),
    OpenApiParameter("q", str, description=(
        "search, as the staff pages' box: words of the complaint (Chinese too), a phone or its last four digits, "
        "a name, part of the number, a plate / order / room number; every word must match; at most 200 characters; "
        "the newest 2,000 matches")),
    OpenApiParameter("cursor", str, description="the page: the `next` or `previous` link's cursor, as given"),
    OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": 200}, description="default 50"),
]


class View(APIView):
    parser_classes = PARSERS  # a size and a depth limit on JSON bodies (kesu.api.parsers)


TEXT_FIELDS = text_fields()


def _strict_types(data: dict[str, Any]) -> None:
    """JSON keeps its types: a text field given a number, an object or a list is refused by label,
    never turned into words (``"customer_words": 12345``); demands are a list of text."""
    problems = []
    for name, value in data.items():
        wrong = (name in TEXT_FIELDS and value is not None and not isinstance(value, str)) or (
            name == "demands" and isinstance(value, list) and not all(isinstance(v, str) for v in value))
        if wrong:
            problems.append(KesuError("bad_type", field=name, label=FIELD_LABELS.get(name),
                                      expected="文字" if name != "demands" else "文字列表",
                                      value=json.dumps(value, ensure_ascii=False)[:40]))
    if problems:
        raise ValidationFailed(problems)


def _received(request: Request) -> tuple[dict[str, Any], list[lifecycle.FileIn]]:
    """The request's fields by record-template name, and its files: JSON, or multipart/form-data
    with ``files`` parts (``demands`` repeated, ``extra`` as ``extra.<code>`` parts or one JSON object)."""
    data = request.data
    if not isinstance(data, QueryDict):
        if not isinstance(data, dict):
            raise KesuError("bad_type", field="body", expected="JSON 对象", value=type(data).__name__)
        _strict_types(data)
        return data, []
    uploads = request.FILES
    fields: dict[str, Any] = {}
    for name in request.POST:
        values = request.POST.getlist(name)
        fields[name] = values if name == "demands" and len(values) > 1 else values[-1]
    if isinstance(fields.get("extra"), str):
        try:  # within the same depth limit as a JSON body
            fields["extra"] = load_json(fields["extra"])
        except KesuError:
            raise KesuError("bad_type", field="extra", expected="JSON 对象", value=fields["extra"][:40]) from None
    for name in uploads:
        if name != "files":
            raise KesuError("unknown_field", field=name)
    return fields, [lifecycle.FileIn(f.name or "", f.read()) for f in uploads.getlist("files")]


def _digest(fields: dict[str, Any], files: list[lifecycle.FileIn]) -> str:
    """What the Idempotency-Key stands for: the body, files included."""
    text = json.dumps([fields, [(f.name, hashlib.sha256(f.content).hexdigest()) for f in files]], sort_keys=True,
                      ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _refused(exc: KesuError) -> Response:
    """A refused creation: each field with its code, its label and the message, in the caller's language."""
    lang = _lang()
    response = from_kesu(exc)
    problems = exc.errors if isinstance(exc, ValidationFailed) else [exc] if exc.field else []
    response.data["error"]["fields"] = [{"field": e.field, "code": e.code, "label": e.field_name(lang),
                                         "message": e.message(lang)} for e in problems]
    return response


class ComplaintList(View):
    @extend_schema(operation_id="complaints_list", parameters=FILTERS,
                   responses={200: ComplaintPageSerializer, **READ_ERRORS})
    def get(self, request: Request) -> Response:
        now = timezone.now()
        qs = visible_complaints(_staff(request), now).select_related("department", "owner")
        params = request.query_params
        nul = [name for name, values in params.lists() if any("\x00" in v for v in values)]
        if nul:  # PostgreSQL cannot even compare with it
            raise ValidationFailed([KesuError("nul_character", field=name) for name in nul])
        for name in ("status", "level", "category", "channel"):
            if params.get(name):
                qs = qs.filter(**{name: params[name]})
        if params.get("department"):
            qs = qs.filter(department__code=params["department"])
        for name, lookup in (("registered_after", "gte"), ("registered_before", "lt")):
            if params.get(name):
                try:  # well formed but no such time (month 13), or none in UTC (year 1 at +23:00)
                    when = parse_datetime(params[name])
                    if when is not None and when.tzinfo is not None:
                        when.astimezone(UTC)
                except (ValueError, OverflowError):
                    when = None
                if when is None or when.tzinfo is None:
                    raise KesuError("bad_value", field=name,
                                    detail="应为带时区的 ISO 8601 时间，如 2026-03-01T00:00:00+08:00")
                qs = qs.filter(**{f"registered_at__{lookup}": when})
        if params.get("q"):  # the search box's search (docs/search.md), its newest matches
            qs = qs.filter(pk__in=search_ids(params["q"]))
        size = params.get("page_size")
        if size is not None:  # DRF would quietly fall back to 50; the contract says 1–200
            if not (size.isascii() and size.isdigit()):
                raise KesuError("bad_type", field="page_size", expected="整数", value=size[:20])
            if not 1 <= int(size) <= Newest.max_page_size:
                raise KesuError("too_small" if int(size) < 1 else "too_large", field="page_size",
                                limit=1 if int(size) < 1 else Newest.max_page_size)
        pager = Newest()
        page = pager.paginate_queryset(qs, request, view=self)
        data = ComplaintSerializer(page, many=True, context={"lang": _lang(), "sees_personal_data": _sees(
            _staff(request), now)}).data
        return pager.get_paginated_response(data)

    @extend_schema(
        operation_id="complaints_create",
        request={"application/json": CreateSerializer, "multipart/form-data": CreateMultipartSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                     description="the same key with the same body makes one complaint")],
        responses={201: ComplaintSerializer, 200: ComplaintSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        """Register a complaint through the one door (kesu.complaints.intake), as every channel does:
        every field of the policy's record template, files as multipart ``files`` parts. The fields
        go to the door as sent — it checks types, unknown fields and the template, and names each
        problem by its label."""
        staff, now = _staff(request), timezone.now()
        try:
            fields, files = _received(request)
            key = request.headers.get("Idempotency-Key", "").strip()[:200]
            if "\x00" in key:
                raise KesuError("nul_character", field="Idempotency-Key")
            if not key:
                c = self._register(fields, files, staff, now)
                return Response(self._detail(c, staff, now), status=status.HTTP_201_CREATED)
            digest = _digest(fields, files)
            earlier = IdempotencyKey.objects.filter(user=staff, key=key).first()
            if earlier is not None:
                return self._replay(earlier, digest, staff, now)

            def record(c: Complaint) -> None:  # the key and the complaint are one write: the registration's
                IdempotencyKey.objects.create(user=staff, key=key, request_hash=digest, complaint=c, created_at=now)

            try:
                c = self._register(fields, files, staff, now, within=record)
            except IntegrityError:  # the same key arrived twice at once; the other request made it
                earlier = IdempotencyKey.objects.filter(user=staff, key=key).first()
                if earlier is None:
                    raise
                return self._replay(earlier, digest, staff, now)
        except KesuError as exc:
            return _refused(exc)
        return Response(self._detail(c, staff, now), status=status.HTTP_201_CREATED)

    def _register(self, fields: dict[str, Any], files: list[lifecycle.FileIn], staff: Staff, now: datetime,
                  within: Any = None) -> Complaint:
        fields = dict(fields)
        department: Any = fields.pop("complained_department", None)
        if isinstance(department, str) and department.strip():
            # one plain statement; an unknown code goes to the door as text and is named there
            department = active_department(department.strip()) or department
        unit = fields.pop("unit", None)  # F16: a unit code; refused by the door, by its label, if unknown
        channel = fields.get("channel")
        received = intake.Received(channel if isinstance(channel, str) else "", fields, files,
                                   complained_department=department, unit=unit)
        return intake.register(received, actor=staff, now=now, within=within).complaint

    def _replay(self, earlier: IdempotencyKey, digest: str, staff: Staff, now: datetime) -> Response:
        if earlier.request_hash != digest:
            return Response(body("idempotency_mismatch", render("idempotency_mismatch", _lang(), {})), status=422)
        if earlier.complaint_id is None:  # a key written by an earlier version before its complaint
            return Response(body("idempotency_in_progress", render("idempotency_in_progress", _lang(), {})),
                            status=409)
        c = Complaint.objects.get(pk=earlier.complaint_id)
        return Response(self._detail(c, staff, now), status=status.HTTP_200_OK)

    def _detail(self, c: Complaint, staff: Staff, now: datetime) -> dict[str, Any]:
        """The new complaint in brief (its clocks and timeline: GET …/{number}/); creation is the
        hot path of integrations, so the answer stays small."""
        return complaint_brief(c, lang=_lang(), sees_personal_data=_sees(staff, now)(c))


class ComplaintDetail(View):
    @extend_schema(operation_id="complaint_retrieve", responses={200: ComplaintDetailSerializer, **READ_ERRORS})
    def get(self, request: Request, number: str) -> Response:
        now = timezone.now()
        c = _visible(request, number, now)
        return Response(ComplaintDetailSerializer(c, context={"lang": _lang(), "sees_personal_data": _sees(
            _staff(request), now)}).data)


def _visible(request: Request, number: str, now: datetime) -> Complaint:
    try:
        if "\x00" in number:  # no complaint has it, and PostgreSQL cannot even compare with it
            raise KesuError("not_found")
        return get_visible(_staff(request), now, number=number)
    except KesuError:
        from rest_framework.exceptions import NotFound

        raise NotFound() from None


class ActionList(View):
    @extend_schema(operation_id="complaint_actions_list",
                   responses={200: ActionListSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, number: str) -> Response:
        """The steps the caller may take on this complaint now, with their inputs (labels, choices)."""
        now = timezone.now()
        c = _visible(request, number, now)
        ctx = registry.context(c, _staff(request), now)
        lang = _lang()
        return Response([{
            "action": step.code, "label": step.label(lang),
            "fields": {i.name: i.kind for i in step.inputs},
            "required": [i.name for i in step.inputs if i.required],
            "inputs": [{"name": i.name, "label": i.shown_label(lang), "kind": i.kind, "required": i.required,
                        "max_length": i.max_length,
                        "choices": [{"value": v, "label": t} for v, t in i.choices(ctx)] if i.choices else None,
                        "initial": i.initial(ctx) if i.initial else None} for i in step.inputs],
        } for step in registry.available(ctx)])


# The complaint as the caller now sees it; or, when the step took it out of their sight (a transfer
# to another department), only where it stands (StepOutcomeSerializer's three fields).
STEP_RESULT = {"anyOf": [
    {"$ref": "#/components/schemas/ComplaintDetail"},
    {"type": "object", "required": ["number", "status", "version"], "additionalProperties": False,
     "properties": {"number": {"type": "string"}, "status": {"type": "string"}, "version": {"type": "integer"}}},
]}


class ActionRun(View):
    @extend_schema(operation_id="complaint_action_run", request=ActionSerializer,
                   parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=sorted(registry.STEPS),
                                                description="a step of the registry; GET …/actions/ lists yours")],
                   responses={200: STEP_RESULT, **ERRORS})
    def post(self, request: Request, number: str, action: str) -> Response:
        """Take one step. Refused exactly as the staff pages refuse it (role, state, guards); a stale
        ``expected_version`` is a 409 and the other person's change is kept. A field the body does not
        define (``status``) is refused, naming it: nothing is silently ignored."""
        now = timezone.now()
        c = _visible(request, number, now)
        if isinstance(request.data, dict):
            unknown = [k for k in request.data if k not in ActionSerializer().fields]
            if unknown:
                raise ValidationFailed([KesuError("unknown_field", field=str(k)) for k in unknown])
        s = ActionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        c = registry.perform(action, c, s.validated_data["fields"], actor=_staff(request), now=now,
                             expected_version=s.validated_data["expected_version"])
        if not visible_complaints(_staff(request), now).filter(pk=c.pk).exists():
            return Response({"number": c.number, "status": c.status, "version": c.version}, status=200)
        return Response(ComplaintDetailSerializer(c, context={"lang": _lang(), "sees_personal_data": _sees(
            _staff(request), now)}).data)
