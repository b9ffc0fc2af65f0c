"""The database has exactly the indexes the models declare: every Meta index is there (a
migration that drops or rebuilds must not lose one), and the hot tables carry no one-column
foreign-key index the models switched off."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def constraints(table: str) -> dict[str, dict[str, object]]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


KESU_MODELS_WITH_INDEXES = [m for m in apps.get_models() if m._meta.indexes and m.__module__.startswith("kesu.")]


@pytest.mark.parametrize("model", KESU_MODELS_WITH_INDEXES, ids=lambda m: m._meta.label)
def test_every_declared_index_exists(model):
    found = constraints(model._meta.db_table)
    missing = [ix.name for ix in model._meta.indexes if ix.name not in found]
    assert not missing, f"{model._meta.label}: declared but not in the database: {missing}"


@pytest.mark.parametrize("label", ["complaints.Complaint", "complaints.ComplaintEvent", "clocks.ComplaintClock"])
def test_foreign_keys_without_db_index_have_no_index_of_their_own(label):
    model = apps.get_model(label)
    found = constraints(model._meta.db_table)
    for field in model._meta.concrete_fields:
        if field.is_relation and not field.db_index:
            own = [name for name, c in found.items()
                   if c["index"] and not c["unique"] and c["columns"] == [field.column]
                   and name not in {ix.name for ix in model._meta.indexes}]
            assert not own, f"{label}.{field.name} still has {own}"
