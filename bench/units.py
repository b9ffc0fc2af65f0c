"""Business units at scale (issue 18, must hold): pages, API creation and the clock sweep keep their
figures with 50 units and 50 policy versions.

``add_units`` turns a seeded benchmark database (bench/seeding.py) into a group of ``units`` units
(the group, regions, stores) under ``versions`` published policy versions, one unit after another
(a unit's newer version supersedes its older one), and spreads the stored complaints and their
versions over the units. A store person (``bench_store``: CS agent of a store, manager of its
after-sales department) is added: their API token registers through the unit's chain of versions,
their queues are filtered by unit.

The benchmarks take it with ``--units 50 --versions 50``:

    .venv/bin/python bench/api_create.py --db sqlite --units 50 --versions 50 --with-peer
    .venv/bin/python bench/pages.py --db sqlite --units 50 --versions 50
    .venv/bin/python bench/sweep.py --db sqlite --units 50 --versions 50

Run alone, a small smoke run (a few thousand complaints; no server, no load — not a measurement):

    .venv/bin/python bench/units.py --small
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

from seeding import seed, setup

STORE_PERSON = "bench_store"
QUIET_PERSON = "bench_quiet"  # the CS agent of a store opened today: no case of theirs yet


def add_units(units: int, versions: int, now: datetime) -> dict[str, object]:
    """The group's units and their versions, the stored complaints spread over them (two UPDATEs),
    and the store person. Returns what the benchmarks report beside their figures."""
    from django.db import connection, transaction

    from kesu.complaints.models import Complaint
    from kesu.core.policy.io import PRESETS_DIR
    from kesu.core.roles import Role
    from kesu.org.models import Department, Staff, StaffRole, Unit
    from kesu.policies.models import PolicyVersion
    from kesu.policies.services import import_and_publish

    assert units >= 3, "a group, a region and a store at least"
    t0 = time.perf_counter()
    regions = max(1, units // 7)
    with transaction.atomic():
        group = Unit.objects.create(code="u000", name="集团", kind="group")
        made = [group]
        for r in range(regions):
            made.append(Unit.objects.create(code=f"u{len(made):03d}", name=f"区域{r + 1}", kind="region",
                                            parent=group))
        while len(made) < units:
            parent = made[1 + (len(made) % regions)]
            made.append(Unit.objects.create(code=f"u{len(made):03d}", name=f"门店{len(made)}", kind="store",
                                            parent=parent))
        Department.objects.filter(unit__isnull=True).update(unit=group)
        text = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8")
        published = [import_and_publish(text=text, actor=None, now=now, unit=made[i % units],
                                        note=f"bench version {i + 1}") for i in range(versions)]
        store = made[-1]
        dept = Department.objects.create(code="bench_store_service", name="基准门店售后", unit=store,
                                         is_location=True)
        person = Staff.objects.create_user(username=STORE_PERSON, password="bench", display_name="门店客服",
                                           is_staff=True, unit=store)
        person.departments.set([dept])
        StaffRole.objects.bulk_create([StaffRole(staff=person, role=Role.CS_AGENT),
                                       StaffRole(staff=person, role=Role.DEPT_MANAGER)])
        Department.objects.filter(pk=dept.pk).update(manager=person)
    # the complaints over the units, each under a version of its unit's (ids made in one run are consecutive);
    # by five consecutive ids, so each unit holds its share of the open ones (the seeding opens every
    # fifth: spread by the id's remainder, the open cases fell in ten units and the last store had none)
    unit_ids = [u.pk for u in made]
    assert unit_ids == list(range(unit_ids[0], unit_ids[0] + units))
    in_force = {v.unit_id: v.pk for v in PolicyVersion.objects.filter(pk__in=[p.pk for p in published])
                .order_by("number")}
    table = Complaint._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f'UPDATE "{table}" SET "unit_id" = %s + (("id" / 5) %% %s)', [unit_ids[0], units])
        if versions:
            cases = " ".join(f"WHEN {u} THEN {v}" for u, v in in_force.items())
            cur.execute(f'UPDATE "{table}" SET "policy_version_id" = CASE "unit_id" {cases} '
                        f'ELSE "policy_version_id" END')
        cur.execute(f'UPDATE "{table}" SET "department_id" = %s WHERE "unit_id" = %s AND "id" %% 3 = 0',
                    [dept.pk, store.pk])
        cur.execute("ANALYZE")
    with transaction.atomic():  # a store opened today, beside the N: its queue is empty (and must not read the table)
        quiet = Unit.objects.create(code=f"u{units:03d}", name="新开门店", kind="store", parent=made[1])
        newcomer = Staff.objects.create_user(username=QUIET_PERSON, password="bench", display_name="新店客服",
                                             is_staff=True, unit=quiet)
        newcomer.departments.set([Department.objects.create(code="bench_quiet_service", name="新店售后",
                                                            unit=quiet, is_location=True)])
        StaffRole.objects.create(staff=newcomer, role=Role.CS_AGENT)
    return {"units": units, "versions": versions, "versions_in_use": len(in_force), "store_person": STORE_PERSON,
            "store_cases": Complaint.objects.filter(unit=store).count(),
            "store_open": Complaint.objects.filter(unit=store).exclude(status="archived").count(),
            "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="a smoke run: 3,000 complaints, in-process, seconds")
    ap.add_argument("--units", type=int, default=50)
    ap.add_argument("--versions", type=int, default=50)
    args = ap.parse_args()
    if not args.small:
        ap.error("run the benchmarks with --units/--versions (see above); alone, only --small")
    setup("sqlite", None)
    now = datetime.now(UTC).replace(microsecond=0)
    seed(3000, 600, now)
    print(add_units(args.units, args.versions, now), flush=True)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kesu.clocks.sweep import sweep
    from kesu.complaints import intake
    from kesu.org.models import Staff

    fields = {"customer_words": "压测投诉：空调不制冷，要求上门维修", "customer_phone": "13700000000",
              "extra.plate_number": "京A12345"}
    for who in ("wangkf", STORE_PERSON):
        actor = Staff.objects.get(username=who)
        intake.register(intake.Received("phone", fields), actor=actor, now=now)  # warm
        with CaptureQueriesContext(connection) as q:
            c = intake.register(intake.Received("phone", fields), actor=actor, now=now).complaint
        print(f"registration by {who}: unit {c.unit_id}, version {c.policy_version_id}, "
              f"{len(q.captured_queries)} queries", flush=True)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(Staff.objects.get(username=STORE_PERSON))
    for url in ("/queue/?q=all", "/queue/?q=department"):
        client.get(url)
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            status = client.get(url).status_code
        print(f"{url} (store person): {status}, {len(q.captured_queries)} queries, "
              f"{(time.perf_counter() - t) * 1000:.0f} ms (smoke, not a figure)", flush=True)
    t = time.perf_counter()
    print(f"sweep: {sweep(now=now + timedelta(days=31))} in {time.perf_counter() - t:.2f} s (smoke)")


if __name__ == "__main__":
    main()
