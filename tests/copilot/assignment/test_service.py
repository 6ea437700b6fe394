from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from copilot import clock, org
from copilot.assignment import service, sla, stats
from copilot.auth import system_caller
from copilot.db.schema import LeadRow, TodoRow
from copilot.models import LeadIn
from copilot.records.service import create_record
from copilot.records.specs import LEADS


def _lead(ctx, **values) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as session:
        return create_record(
            session, system_caller(), LEADS, LeadIn(source=values.pop("source", "官网表单"), **values)
        ).id


def test_reassign_from_departed_rep_previews_then_moves(context, small_org, published) -> None:  # type: ignore[no-untyped-def]
    ids = [_lead(context, region="华东") for _ in range(4)]
    with context.db.transaction() as session:
        org.deactivate_user(session, "east.rep")
    with context.db.read() as session:
        health = service.group_health(session)
    assert [m["login"] for m in health["members"]] == ["east.rep"] and health["members"][0]["open_leads"] == 2
    with context.db.transaction() as session:
        preview = service.reassign(session, from_login="east.rep")
    assert preview["applied"] is False and preview["to"] == {"east.rep2": 2}
    with context.db.read() as session:
        assert sum(session.get(LeadRow, i).owner_id == small_org.ids["east.rep"] for i in ids) == 2
    with context.db.transaction() as session:
        service.reassign(session, from_login="east.rep", apply=True)
    with context.db.read() as session:
        assert {session.get(LeadRow, i).owner_id for i in ids} == {small_org.ids["east.rep2"]}
    with context.db.read() as session:
        trace = service.lead_trace(session, system_caller(), ids[0])
    assert trace["latest"]["mode"] == "reassign" and len(trace["history"]) == 2


def test_invalid_needs_a_library_reason(client, small_org, published) -> None:  # type: ignore[no-untyped-def]
    admin = small_org.headers("admin")
    lead = client.post("/leads", json={"source": "抖音直播", "region": "华东"}, headers=admin).json()
    bad = client.post(f"/leads/{lead['id']}/invalid", json={"reason": "不想要"}, headers=admin)
    assert bad.status_code == 422 and "号码错误" in bad.json()["error"]["details"]["allowed"].values()
    ok = client.post(f"/leads/{lead['id']}/invalid", json={"reason": "已购竞品"}, headers=admin).json()
    assert ok == {
        "lead_id": lead["id"],
        "status": "invalid",
        "reason": "bought_competitor",
        "label": "已购竞品",
    }
    body = client.get("/assignment/stats", headers=admin).json()
    assert body["invalid_by_source"]["抖音直播"] == {
        "leads": 1,
        "invalid": 1,
        "reasons": {"已购竞品": 1},
        "invalid_rate": 1.0,
    }
    assert body["routing"]["success_rate"] == 1.0


def test_sla_escalates_to_the_team_manager_once(context, small_org) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    with clock.pinned(start):
        pool_lead = _lead(context, region="华东", department_id=None)
        with context.db.transaction() as session:
            session.get(LeadRow, pool_lead).department_id = session.scalar(
                select(org.DepartmentRow.id).where(org.DepartmentRow.name == "华东事业部")
            )
        owned = _lead(context, region="华东", owner_id=small_org.ids["east.rep"])
    with context.db.transaction() as session:
        session.get(LeadRow, owned).assigned_at = start
    with clock.pinned(start + timedelta(hours=1)), context.db.transaction() as session:
        assert sla.escalate(session, context.settings)["todos_created"] == 0
    with clock.pinned(start + timedelta(hours=3)), context.db.transaction() as session:
        assert sla.escalate(session, context.settings) == {
            "unclaimed": 1,
            "no_first_contact": 0,
            "todos_created": 1,
        }
    with clock.pinned(start + timedelta(hours=25)), context.db.transaction() as session:
        assert sla.escalate(session, context.settings) == {
            "unclaimed": 1,
            "no_first_contact": 1,
            "todos_created": 1,
        }
    with context.db.read() as session:
        todos = session.scalars(select(TodoRow).order_by(TodoRow.id)).all()
        assert [(t.user_id, t.kind, t.entity_id) for t in todos] == [
            (small_org.ids["east.manager"], "lead_unclaimed", str(pool_lead)),
            (small_org.ids["east.manager"], "lead_no_first_contact", str(owned)),
        ]
        assert todos[1].evidence[0]["kind"] == "lead"


def test_sla_runs_as_a_worker_periodic_task(context, small_org) -> None:  # type: ignore[no-untyped-def]
    from copilot.worker import PERIODIC, run_once

    assert "assignment.sla" in PERIODIC
    run_once(context)
    with context.db.read() as session:
        from copilot.db.schema import JobRow

        job = session.scalar(select(JobRow).where(JobRow.kind == "periodic:assignment.sla"))
        assert job.status == "done" and set(job.result) == {"unclaimed", "no_first_contact", "todos_created"}


def test_stats_time_to_first_contact(context, small_org, published) -> None:  # type: ignore[no-untyped-def]
    from copilot.models import ActivityIn
    from copilot.records.specs import ACTIVITIES

    start = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    with clock.pinned(start):
        lead = _lead(context, region="华东", created_at=start)
    with context.db.transaction() as session:
        create_record(
            session,
            system_caller(),
            ACTIVITIES,
            ActivityIn(kind="call", lead_id=lead, occurred_at=start + timedelta(hours=5)),
        )
    with context.db.read() as session:
        report = stats.assignment_stats(
            session, since=start - timedelta(days=1), until=start + timedelta(days=1)
        )
    assert report["time_to_first_contact_hours"]["median"] == 5.0
    assert report["leads"] == {"arrived": 1, "with_owner": 1, "contacted": 1}
