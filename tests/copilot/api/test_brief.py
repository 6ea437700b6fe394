"""The brief over HTTP: shape and evidence, visibility, streaming, trigger rules for admins, to-dos."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from copilot import clock
from copilot.bootstrap import AppContext
from copilot.errors import NotFound
from eval.brief.scenarios import load_scenarios, seed_scenario

KEYS = {"profile", "signals", "triggers", "questions", "talk_tracks"}


def seeded(ctx: AppContext, sid: str, owner_id: int | None) -> int:
    scenario = dict(next(s for s in load_scenarios() if s["id"] == sid))
    scenario["now"] = clock.now().isoformat()
    return seed_scenario(ctx, scenario, owner_id=owner_id)


def _all_evidence(body: dict) -> list[list[dict]]:
    p = body["profile"]
    lists = [f["evidence"] for f in p["facts"]] + [d["evidence"] for d in p["opportunities"]]
    for key in ("signals", "triggers", "questions", "talk_tracks"):
        lists += [item["evidence"] for item in body[key]]
    return lists


def test_brief_has_every_section_cited(client: TestClient, context: AppContext, small_org) -> None:  # type: ignore[no-untyped-def]
    cid = seeded(context, "s01", small_org.ids["east.rep"])
    response = client.get(f"/customers/{cid}/brief", headers=small_org.headers("east.rep"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.keys() >= KEYS
    assert len(body["questions"]) == 3 and len(body["talk_tracks"]) == 3
    assert "downtime_risk" in {t["rule_id"] for t in body["triggers"]}
    for refs in _all_evidence(body):
        assert refs, "every item cites evidence"
        for ref in refs:
            assert {"kind", "id", "source", "occurred_at", "quote"} <= ref.keys()
    assert body["generation"]["sections"]["questions"] == "offline"
    # the cards reached the owner's to-do list, once
    client.get(f"/customers/{cid}/brief", headers=small_org.headers("east.rep"))
    todos = client.get("/me/todo", headers=small_org.headers("east.rep")).json()
    titles = [t["title"] for t in todos if t["kind"] == "trigger"]
    assert any("产线停机风险预警" in t for t in titles) and len(titles) == len(set(titles))


def test_brief_respects_visibility(client: TestClient, context: AppContext, small_org) -> None:  # type: ignore[no-untyped-def]
    cid = seeded(context, "s07", small_org.ids["east.rep"])
    response = client.get(f"/customers/{cid}/brief", headers=small_org.headers("na.rep"))
    assert response.status_code == 404
    assert response.json()["error"]["details"]["exists"] is True
    assert client.get("/customers/999999/brief", headers=small_org.headers("admin")).status_code == 404


def test_stream_sends_the_offline_brief_first(client: TestClient, context: AppContext, small_org) -> None:  # type: ignore[no-untyped-def]
    cid = seeded(context, "s13", small_org.ids["east.rep"])
    with client.stream(
        "GET", f"/customers/{cid}/brief/stream", headers=small_org.headers("east.rep")
    ) as response:
        assert response.headers["content-type"].startswith("application/x-ndjson")
        events = [json.loads(line) for line in response.iter_lines() if line]
    assert events[0]["event"] == "brief" and events[0]["brief"].keys() >= KEYS
    assert events[-1]["event"] == "done"


def test_trigger_rules_admin_only_and_validated(client: TestClient, small_org) -> None:  # type: ignore[no-untyped-def]
    rules = client.get("/trigger-rules", headers=small_org.headers("east.rep")).json()
    assert len(rules) >= 12
    rule = next(r for r in rules if r["id"] == "tender_published")
    body = {k: v for k, v in rule.items() if k not in ("id", "version", "origin")}
    assert (
        client.put(
            "/trigger-rules/tender_published", json=body, headers=small_org.headers("east.rep")
        ).status_code
        == 403
    )
    body["severity"] = "medium"
    saved = client.put("/trigger-rules/tender_published", json=body, headers=small_org.headers("admin"))
    assert (
        saved.status_code == 200
        and saved.json()["origin"] == "admin"
        and saved.json()["severity"] == "medium"
    )
    bad = client.put(
        "/trigger-rules/tender_published",
        json={**body, "all": [{"kind": "signals", "topic": "unknown"}]},
        headers=small_org.headers("admin"),
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["field"].startswith("all.0")
    assert (
        client.delete("/trigger-rules/tender_published", headers=small_org.headers("admin")).status_code
        == 204
    )
    again = client.get("/trigger-rules", headers=small_org.headers("admin")).json()
    assert next(r for r in again if r["id"] == "tender_published")["origin"] == "default"


def test_explain_lists_every_rule(client: TestClient, context: AppContext, small_org) -> None:  # type: ignore[no-untyped-def]
    cid = seeded(context, "s02", small_org.ids["east.rep"])
    rows = client.get(f"/customers/{cid}/triggers/explain", headers=small_org.headers("east.rep")).json()
    assert {r["rule_id"] for r in rows} >= {"downtime_risk", "tender_published"}
    assert all(r["reasons"] for r in rows)


@pytest.mark.parametrize("flag", ["--json", "--markdown"])
def test_cli_brief(context: AppContext, small_org, flag: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from copilot.cli import common
    from copilot.cli.app import app

    cid = seeded(context, "s13", small_org.ids["east.rep"])
    monkeypatch.setattr(common, "context", lambda: context)
    import copilot.cli.brief as brief_cli

    monkeypatch.setattr(brief_cli, "context", lambda: context)
    result = CliRunner().invoke(app, ["brief", "安康汽车制造有限公司", flag])
    assert result.exit_code == 0, result.output
    if flag == "--json":
        assert json.loads(result.stdout)["customer_id"] == cid
    else:
        assert "## 拜访问题" in result.stdout and "[^1]:" in result.stdout
    miss = CliRunner().invoke(app, ["brief", "安康气车制造有限公司"])
    assert isinstance(miss.exception, NotFound)  # `copilot` maps it to exit code 3 and one line
    assert miss.exception.exit_code == 3 and "did you mean: 安康汽车制造有限公司" in miss.exception.message


def test_brief_json_cites_indexed_calls_and_keeps_its_keys(
    client: TestClient, context: AppContext, small_org
) -> None:  # type: ignore[no-untyped-def]
    from retrieval.index import close_store
    from tests.services.test_brief_index import CALL, index_call_and_contract

    cid = seeded(context, "s01", small_org.ids["east.rep"])
    other = seeded(context, "s07", small_org.ids["na.rep"])
    index_call_and_contract(context, cid, key=101)
    index_call_and_contract(context, other, key=202, call=CALL.replace("张工", "李总"))
    try:
        body = client.get(
            f"/customers/{cid}/brief?mode=offline", headers=small_org.headers("east.rep")
        ).json()
    finally:
        close_store(context)
    assert body.keys() >= KEYS | {"from_calls_and_contracts", "generation"}
    spans = [ref for f in body["from_calls_and_contracts"] for ref in f["evidence"]]
    assert spans and all(r["file"] in ("call-101.srt", "contract-101.pdf") for r in spans)
    call = next(r for r in spans if r["kind"] == "transcript_span")
    assert CALL in call["quote"] and (call["start"], call["end"]) == (30.0, 41.5)
    assert body["generation"]["sections"]["from_calls_and_contracts"] == "index"
    assert body["generation"]["signal_vectors"]["from_index"] == 0  # these signals were never indexed
