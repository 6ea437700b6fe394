"""Routing for every writer, traces, and round robin that holds across restarts and workers."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select

from copilot.assignment import store
from copilot.auth import system_caller
from copilot.bootstrap import AppContext, build_context
from copilot.db.schema import LeadRow, TraceRow
from copilot.models import LeadIn
from copilot.records.service import create_record
from copilot.records.specs import LEADS
from tests.copilot.assignment.conftest import publish


def _lead(ctx: AppContext, **values) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as session:
        return create_record(session, system_caller(), LEADS, LeadIn(source="官网表单", **values)).id


def test_api_lead_is_routed_on_arrival_with_trace(client, small_org, published) -> None:  # type: ignore[no-untyped-def]
    admin = small_org.headers("admin")
    created = client.post(
        "/leads",
        json={"source": "官网表单", "region": "华东", "budget": 800000, "decision_role": "IT总监"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    lead = created.json()
    assert lead["owner_id"] in (small_org.ids["east.rep"], small_org.ids["east.rep2"])
    assert lead["status"] == "assigned" and lead["grade"] == "A" and lead["assigned_at"]
    trace = client.get(f"/leads/{lead['id']}/trace", headers=admin).json()
    steps = trace["latest"]["steps"]
    assert trace["latest"]["outcome"] == "assigned" and steps["matched_rule"] == "east"
    assert steps["rules"][0]["checks"][0] == {
        "field": "region",
        "op": "equals",
        "expected": "华东",
        "actual": "华东",
        "ok": True,
    }
    assert steps["choice"]["pool"]["candidates"] == ["east.rep", "east.rep2"]
    assert steps["grade"]["grade"] == "A"
    # a rep of another department cannot read the trace of a lead they cannot see
    assert client.get(f"/leads/{lead['id']}/trace", headers=small_org.headers("na.rep")).status_code == 404


def test_import_routes_each_lead(context, small_org, published, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from copilot.importing.service import import_file

    path = tmp_path / "leads.csv"
    path.write_text(
        "source,region,company\n官网表单,华东,甲公司\n展会,North America,Acme\n展会,Mars,Nowhere\n",
        encoding="utf-8",
    )
    summary = import_file(context.db, system_caller(), "leads", path)
    assert summary.imported == 3
    with context.db.read() as session:
        owners = dict(session.execute(select(LeadRow.company, LeadRow.owner_id)).all())
        outcomes = dict(session.execute(select(TraceRow.lead_id, TraceRow.outcome)).all())
    assert owners["Acme"] == small_org.ids["na.rep"]
    assert owners["Nowhere"] == small_org.ids["sea.rep"]  # the fallback
    assert sorted(outcomes.values()) == ["assigned", "assigned", "fallback"]


def test_writer_named_owner_is_kept_unless_inactive(context, small_org, published) -> None:  # type: ignore[no-untyped-def]
    from copilot import org

    kept = _lead(context, region="华东", owner_id=small_org.ids["na.rep"])
    with context.db.transaction() as session:
        org.deactivate_user(session, "na.rep")
    rerouted = _lead(context, region="华东", owner_id=small_org.ids["na.rep"])
    with context.db.read() as session:
        assert session.get(LeadRow, kept).owner_id == small_org.ids["na.rep"]
        assert session.get(LeadRow, rerouted).owner_id in (
            small_org.ids["east.rep"],
            small_org.ids["east.rep2"],
        )


def test_without_published_rules_leads_stay_in_their_pool(context, small_org) -> None:  # type: ignore[no-untyped-def]
    lead_id = _lead(context, region="华东")
    with context.db.read() as session:
        assert session.get(LeadRow, lead_id).owner_id is None
        assert session.scalar(select(TraceRow.id)) is None


def test_round_robin_survives_restart(any_context, any_org) -> None:  # type: ignore[no-untyped-def]
    publish(any_context)
    first = [_lead(any_context, region="华东") for _ in range(3)]
    again = build_context(any_context.settings)  # a new process would rebuild its context like this
    try:
        second = [_lead(again, region="华东") for _ in range(3)]
    finally:
        again.db.dispose()
    with any_context.db.read() as session:
        owners = [session.get(LeadRow, i).owner_id for i in first + second]
    a, b = any_org.ids["east.rep"], any_org.ids["east.rep2"]
    assert owners == [a, b, a, b, a, b]


def test_two_workers_never_draw_the_same_turn(any_context, any_org) -> None:  # type: ignore[no-untyped-def]
    publish(any_context)
    other = build_context(any_context.settings)
    errors: list[Exception] = []

    def work(ctx: AppContext) -> None:
        try:
            for _ in range(15):
                _lead(ctx, region="华东")
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in (any_context, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.db.dispose()
    assert not errors, errors
    with any_context.db.read() as session:
        turns = [t.steps["counter"]["value"] for t in session.scalars(select(TraceRow))]
        owners = Counter(session.scalars(select(LeadRow.owner_id)).all())
        assert store.read_counters(session)["test:east"] == 30
    assert sorted(turns) == list(range(30))
    assert owners == {any_org.ids["east.rep"]: 15, any_org.ids["east.rep2"]: 15}


def test_activity_on_lead_sets_first_contact(client, small_org, published) -> None:  # type: ignore[no-untyped-def]
    admin = small_org.headers("admin")
    lead = client.post("/leads", json={"source": "展会", "region": "华东"}, headers=admin).json()
    client.post(
        "/activities", json={"kind": "note", "lead_id": lead["id"], "text": "internal"}, headers=admin
    )
    assert client.get(f"/leads/{lead['id']}", headers=admin).json()["first_contact_at"] is None
    when = "2026-11-20T03:00:00Z"
    client.post(
        "/activities", json={"kind": "call", "lead_id": lead["id"], "occurred_at": when}, headers=admin
    )
    after = client.get(f"/leads/{lead['id']}", headers=admin).json()
    assert after["first_contact_at"].startswith("2026-11-20T03:00") and after["status"] == "contacted"
