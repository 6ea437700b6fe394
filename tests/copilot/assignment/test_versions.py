from __future__ import annotations

import pytest

from copilot.assignment import store, versions
from copilot.assignment.rules import load_yaml
from copilot.errors import Conflict
from tests.copilot.assignment.conftest import RULES


def test_draft_simulated_published_and_retired(context, small_org) -> None:  # type: ignore[no-untyped-def]
    with context.db.transaction() as session:
        v1 = versions.save_draft(session, load_yaml(RULES))
        with pytest.raises(Conflict) as caught:
            versions.publish(session, v1)
        assert caught.value.code == "not_simulated"
        report = versions.simulate_version(session, v1, sample=20)
        assert v1.status == "simulated" and report["leads"] == 20 and v1.simulation["unassigned"] == 0
        versions.publish(session, v1)
        v2 = versions.save_draft(session, load_yaml(RULES))
        versions.simulate_version(session, v2, sample=20)
        versions.publish(session, v2)
        assert (v1.status, v2.status, v2.version) == ("retired", "published", 2)
        assert store.published_version(session).id == v2.id
        assert versions.get_version(session, "test@1").id == v1.id
        assert versions.get_version(session, "published").id == v2.id


def test_invalid_version_cannot_be_published(context, small_org) -> None:  # type: ignore[no-untyped-def]
    bad = RULES.replace("region: North America", "region: US")
    with context.db.transaction() as session:
        row = versions.save_draft(session, load_yaml(bad))
        assert row.validation["ok"] is False
        versions.simulate_version(session, row, sample=10)
        with pytest.raises(Conflict) as caught:
            versions.publish(session, row)
    assert caught.value.code == "rules_invalid"
    assert "did you mean 'North America'" in caught.value.details["errors"][0]["message"]


def test_api_rule_lifecycle_and_yaml_export(client, small_org) -> None:  # type: ignore[no-untyped-def]
    admin = small_org.headers("admin")
    created = client.post("/assignment/rules", json={"rules_yaml": RULES, "note": "first"}, headers=admin)
    assert created.status_code == 201, created.text
    vid = created.json()["id"]
    assert (
        client.post(f"/assignment/rules/{vid}/publish", headers=admin).json()["error"]["code"]
        == "not_simulated"
    )
    assert client.post(f"/assignment/rules/{vid}/simulate?sample=10", headers=admin).status_code == 200
    published = client.post(f"/assignment/rules/{vid}/publish", headers=admin)
    assert published.json()["status"] == "published"
    text = client.get("/assignment/rules/published/yaml", headers=admin).text
    assert load_yaml(text) == load_yaml(RULES)
    rep = small_org.headers("east.rep")
    assert client.post("/assignment/rules", json={"rules_yaml": RULES}, headers=rep).status_code == 403
    bad = client.post(
        "/assignment/rules", json={"rules": {"name": "x", "rules": [{"id": "a"}]}}, headers=admin
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "rules.0"


def test_api_simulate_reports_unassigned_and_paths(client, small_org) -> None:  # type: ignore[no-untyped-def]
    rules = {
        "name": "dry",
        "rules": [{"id": "us", "when": {"region": "US"}, "assign": {"team": "北美事业部"}}],
    }
    leads = [{"region": "North America", "source": "amazon_us"}, {"region": "US", "source": "amazon_us"}]
    body = client.post(
        "/assignment/simulate",
        json={"rules": rules, "leads": leads},
        headers=small_org.headers("east.manager"),
    ).json()
    assert body["outcomes"] == {"unassigned": 1, "assigned": 1}
    assert body["unassigned"][0]["lead"]["region"] == "North America"
    assert body["rule_hits"] == {"us": 1}
    assert body["paths"][1]["owner"] == "na.rep"
    assert body["per_person"] == {"na.rep": {"new": 1, "open_before": 0}}
