"""PostgreSQL: the application's role, set up as docs/privacy.md "PostgreSQL role split" says,
can read and write rows but cannot TRUNCATE, disable or drop the triggers, or rewrite the chain
— what row triggers alone cannot stop. (SQLite has no roles: there, whoever can write the file can
do anything, and verify is what tells.)"""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db(transaction=True)]

APP_ROLE = "kesu_app_split_test"


def _dsn(user: str) -> str:
    s = connection.settings_dict
    return f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} dbname={s['NAME']} user={user} password=x"


@pytest.fixture
def app_role(db):  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    owner = connection.settings_dict["USER"]
    try:  # the throwaway test cluster trusts loopback; its superuser creates the role
        admin = psycopg.connect(_dsn("postgres"), autocommit=True)
    except psycopg.OperationalError:
        pytest.skip("no superuser connection to create a role with")
    with admin:
        admin.execute(f"DROP ROLE IF EXISTS {APP_ROLE}")
        admin.execute(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD 'x'")
        # as docs/privacy.md: after migrate, the owner grants rows (never TRUNCATE) to the app
        with psycopg.connect(_dsn(owner), autocommit=True) as own:
            own.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
            own.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
            own.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
        try:
            with psycopg.connect(_dsn(APP_ROLE), autocommit=True) as app:
                yield app
        finally:
            with psycopg.connect(_dsn(owner), autocommit=True) as own:
                own.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
                own.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
                own.execute(f"REVOKE ALL ON SCHEMA public FROM {APP_ROLE}")
            admin.execute(f"DROP ROLE {APP_ROLE}")


@pytest.mark.parametrize("statement", [
    "TRUNCATE audit_auditentry",
    "TRUNCATE complaints_complaintevent CASCADE",
    "ALTER TABLE audit_auditentry DISABLE TRIGGER USER",
    "ALTER TABLE complaints_complaintevent DISABLE TRIGGER USER",
    "DROP TRIGGER auditentry_append_only ON audit_auditentry",
    "DROP TABLE audit_auditentry",
    "CREATE TABLE audit_copy (x int)",
])
def test_the_application_role_cannot_truncate_disable_triggers_or_change_the_schema(app_role, statement):
    assert app_role.execute("SELECT count(*) FROM audit_auditentry").fetchone() is not None  # it may read
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_role.execute(statement)


def test_the_application_role_meets_the_triggers_on_audit_rows_and_events(app_role, p1, people, now):
    from tests.factories import register

    register(people, now)
    for statement in ("UPDATE audit_auditentry SET data = '{}'", "DELETE FROM audit_auditentry",
                      "DELETE FROM complaints_complaintevent", "UPDATE complaints_complaintevent SET reason = 'x'"):
        with pytest.raises(psycopg.errors.RaiseException):
            app_role.execute(statement)
