"""Policy versions (SPEC F1): edit and publish; a complaint keeps the version it was registered
under; import and export round-trip; administrators do it in the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from kesu.core.errors import KesuError, ValidationFailed
from kesu.core.policy import dump_policy, load_policy
from kesu.core.policy.io import PRESETS_DIR
from kesu.policies import services
from kesu.policies.models import PolicyVersion
from tests.factories import register

pytestmark = pytest.mark.django_db
P1_TEXT = (PRESETS_DIR / "p1_four_level.yaml").read_text(encoding="utf-8")


def with_penalty(text: str, yuan: int) -> str:
    data = yaml.safe_load(text)
    data["levels"][0]["penalty"] = yuan
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_publishing_a_new_version_never_changes_existing_complaints(p1, people, now):
    before = register(people, now)
    draft = services.create_draft(text=with_penalty(P1_TEXT, 25), actor=people["admin"], now=now)
    v2 = services.publish(version=draft, actor=people["admin"], now=now + timedelta(days=1))

    after = register(people, now + timedelta(days=2))
    before.refresh_from_db()
    p1.refresh_from_db()

    assert before.policy_version == p1 and after.policy_version == v2
    assert services.policy_of(before.policy_version).level("dissatisfied").penalty == 20
    assert services.policy_of(after.policy_version).level("dissatisfied").penalty == 25
    assert p1.state == PolicyVersion.State.SUPERSEDED and v2.state == PolicyVersion.State.PUBLISHED


def test_a_published_version_cannot_be_edited(p1, people, now):
    with pytest.raises(KesuError) as refused:
        services.update_draft(version=p1, text=with_penalty(P1_TEXT, 99))
    assert refused.value.code == "policy_version_published"
    assert services.policy_of(p1).level("dissatisfied").penalty == 20


def test_a_broken_policy_file_is_refused_whole_and_nothing_is_saved(db, now):
    broken = with_penalty(P1_TEXT, -1)
    with pytest.raises(ValidationFailed) as refused:
        services.create_draft(text=broken, actor=None, now=now)
    assert [e.field for e in refused.value.errors] == ["levels[1].penalty"]
    assert not PolicyVersion.objects.exists()


def test_export_then_import_gives_the_same_policy(p1, now):
    exported = services.export_text(p1)
    reimported = services.create_draft(text=exported, actor=None, now=now)
    assert services.policy_of(reimported) == services.policy_of(p1) == load_policy(P1_TEXT)
    assert dump_policy(services.policy_of(reimported)) == exported


@pytest.fixture
def admin_client_zh(client, people):
    client.force_login(people["admin"])
    return client


def test_an_administrator_imports_edits_publishes_and_exports_in_the_admin(p1, admin_client_zh):
    client = admin_client_zh
    response = client.post("/admin/policies/policyversion/add/", {"source_text": with_penalty(P1_TEXT, 22),
                                                                  "note": "不满意扣罚调整"})
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = PolicyVersion.objects.get(state="draft")

    response = client.post("/admin/policies/policyversion/", {"action": "publish_selected",
                                                              "_selected_action": [draft.pk]})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == "published"

    exported = client.get(f"/admin/policies/policyversion/{draft.pk}/export/")
    assert exported["Content-Type"].startswith("application/yaml")
    assert load_policy(exported.content).level("dissatisfied").penalty == 22


def test_the_admin_shows_which_field_of_a_broken_file_is_wrong(p1, admin_client_zh):
    response = admin_client_zh.post("/admin/policies/policyversion/add/",
                                    {"source_text": P1_TEXT.replace("targets:", "targetz:", 1), "note": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert "clocks[1].targetz" in body and "不是可识别的字段" in body
    assert PolicyVersion.objects.count() == 1


def test_the_admin_editor_takes_approval_chains_committees_capa_and_report_schedules(p1, admin_client_zh):
    """Issue 18: the new parts are written in the editor like every other section."""
    from kesu.core.policy.io import PRESETS_DIR

    text = (PRESETS_DIR / "p7_pharma_distributor.yaml").read_text(encoding="utf-8")
    page = admin_client_zh.get("/admin/policies/policyversion/add/").content.decode()
    assert "docs/policy.md" in page and "纠正预防措施" in page
    response = admin_client_zh.post("/admin/policies/policyversion/add/", {"source_text": text, "note": "医药"})
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = PolicyVersion.objects.get(state="draft")
    assert services.policy_of(draft).approvals.chains[0].code == "adverse_reaction_solution"
    broken = text.replace("fallback: [cs_manager]", "fallback: [deputy_director]")
    response = admin_client_zh.post("/admin/policies/policyversion/add/", {"source_text": broken, "note": ""})
    assert response.status_code == 200 and "approvals.chains[1].stages[1].fallback[1]" in response.content.decode()


def test_the_admin_takes_a_policy_in_its_own_words_and_offers_its_roles_to_give_people(p1, admin_client_zh, people):
    """Issue 18: the logistics network's file — 总裁办, 400 热线, 保价赔付 — is accepted as it is; once it
    is in force, a person can be given its 总裁办 role in the staff admin; a role the file does not
    declare is refused by its field."""
    text = (PRESETS_DIR / "p6_logistics_network.yaml").read_text(encoding="utf-8")
    response = admin_client_zh.post("/admin/policies/policyversion/add/", {"source_text": text, "note": "物流网络"})
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = PolicyVersion.objects.get(state="draft")
    admin_client_zh.post("/admin/policies/policyversion/",
                         {"action": "publish_selected", "_selected_action": [draft.pk]})

    form = admin_client_zh.get(f"/admin/org/staff/{people['wangkf'].pk}/change/").content.decode()
    assert 'value="president_office"' in form and "总裁办" in form

    broken = text.replace("solution_approver: president_office", "solution_approver: chairman")
    response = admin_client_zh.post("/admin/policies/policyversion/add/", {"source_text": broken, "note": ""})
    assert response.status_code == 200 and "approvals.solution_approver" in response.content.decode()
