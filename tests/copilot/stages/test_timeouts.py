"""Timeouts with a pinned clock: reminder to rep + manager past the timeout (once), frozen out
of the forecast past the second threshold, downgraded after 15 days without activity; all run
by `copilot worker`'s periodic pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from copilot import clock, worker
from copilot.auth import system_caller
from copilot.db.schema import AuditRow, TodoRow
from copilot.stages.forecast import forecast
from copilot.stages.timeouts import run_timeouts

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def _todos(context, kind: str) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with context.db.read() as session:
        return [
            (t.user_id, t.dedupe_key) for t in session.scalars(select(TodoRow).where(TodoRow.kind == kind))
        ]


def test_reminder_freeze_and_downgrade_follow_the_clock(world, context) -> None:  # type: ignore[no-untyped-def]
    with clock.pinned(T0):
        opp = world.opportunity()  # 初步接触: timeout 7 days, frozen past 14, downgraded after 15 idle
    rep, manager = world.org.ids["east.rep"], world.org.ids["east.manager"]

    with clock.pinned(T0 + timedelta(days=6, hours=23)):
        assert run_timeouts(context)["overdue"] == 0
    assert _todos(context, "stage_timeout") == []

    with clock.pinned(T0 + timedelta(days=7, hours=1)):
        result = run_timeouts(context)
        assert (result["overdue"], result["frozen"], result["todos"]) == (1, 0, 2)
        again = run_timeouts(context)
        assert again["overdue"] == 1 and again["todos"] == 0  # deduplicated
        fc = _forecast(context)
        assert fc.weighted_pipeline == 50000 and fc.frozen_count == 0
    assert sorted(u for u, _ in _todos(context, "stage_timeout")) == sorted([rep, manager])

    with clock.pinned(T0 + timedelta(days=14, hours=1)):
        result = run_timeouts(context)
        assert result["frozen"] == 1 and result["downgraded"] == 0
        fc = _forecast(context)
        assert fc.weighted_pipeline == 0 and fc.frozen_count == 1 and fc.frozen_amount == 500000
        health = world.client.get("/stages/health", headers=world.org.headers("east.manager")).json()
        [stuck] = health["stuck"]
        assert stuck["id"] == opp and stuck["frozen"] is True and stuck["owner_id"] == rep
    assert len(_todos(context, "stage_frozen")) == 2

    with clock.pinned(T0 + timedelta(days=15, hours=1)):
        assert run_timeouts(context)["downgraded"] == 1
    with context.db.read() as session:
        actions = session.scalars(select(AuditRow.action).where(AuditRow.entity_id == str(opp))).all()
    assert actions.count("stage.frozen") == 1 and actions.count("stage.downgraded") == 1


def test_activity_resets_the_downgrade_clock_but_not_time_in_stage(world, context) -> None:  # type: ignore[no-untyped-def]
    pipeline_change = world.client.get("/stages/definitions", headers=world.org.headers("admin")).json()
    pipeline_change["stages"][1]["timeout_days"] = (
        60  # 需求分析: a long timeout, so only the idle clock matters
    )
    assert (
        world.client.put(
            "/stages/definitions", json=pipeline_change, headers=world.org.headers("admin")
        ).status_code
        == 200
    )
    with clock.pinned(T0):
        opp = world.opportunity()
        r = world.advance(
            opp, "需求分析", data={"evidence.first_contact_record": "电话", "checklist": "contact_identified"}
        )
        assert r.status_code == 200
    with clock.pinned(T0 + timedelta(days=16)):
        fc = _forecast(context)
        line = next(s for s in fc.by_stage if s.stage == "需求分析")
        assert line.downgraded_count == 1 and line.weighted == 500000 * 0.10  # previous stage's probability
        world.client.post(
            "/activities",
            json={"opportunity_id": opp, "customer_id": world.customer_id, "kind": "call", "text": "回访"},
            headers=world.org.headers("east.rep"),
        )
        fc = _forecast(context)
        line = next(s for s in fc.by_stage if s.stage == "需求分析")
        assert line.downgraded_count == 0 and line.weighted == 500000 * 0.25


def test_worker_runs_the_timeout_pass(world, context) -> None:  # type: ignore[no-untyped-def]
    assert "stages.timeouts" in worker.PERIODIC
    with clock.pinned(T0):
        world.opportunity()
    with clock.pinned(T0 + timedelta(days=8)):
        worker.run_once(context, me="w1")
    assert len(_todos(context, "stage_timeout")) == 2


def _forecast(context):  # type: ignore[no-untyped-def]
    with context.db.read() as session:
        return forecast(session, system_caller())
