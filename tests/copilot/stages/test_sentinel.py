"""The sentinel: a rep's burst of forward moves past 300% of the trailing average is held for
the manager, with an alert to-do; the manager confirms (applied) or rejects (nothing moves)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from copilot import clock
from copilot.db.schema import OpportunityRow, StageHistoryRow, TodoRow

TODAY = datetime(2026, 12, 31, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai, the last day of the year
FIRST = {"evidence.first_contact_record": "电话沟通", "checklist": "contact_identified"}


def _baseline(world, context, per_day: int, days: int) -> None:  # type: ignore[no-untyped-def]
    """`per_day` forward moves a day by east.rep over the `days` days before today."""
    with clock.pinned(TODAY - timedelta(days=days + 1)):
        opps = [world.opportunity() for _ in range(per_day * days)]
    with context.db.transaction() as session:
        for n, opp in enumerate(opps):
            at = TODAY - timedelta(days=1 + n // per_day)
            session.add(
                StageHistoryRow(
                    opportunity_id=opp, from_stage="初步接触", to_stage="需求分析", actor_id=None, at=at
                )
            )


def test_burst_is_held_past_three_times_the_trailing_average(world, context) -> None:  # type: ignore[no-untyped-def]
    _baseline(
        world, context, per_day=1, days=28
    )  # trailing average 1/day → limit 3, held from the 5th (min_count 5)
    with clock.pinned(TODAY - timedelta(days=2)):
        burst = [world.opportunity() for _ in range(7)]
    outcomes = []
    with clock.pinned(TODAY):
        for opp in burst:
            r = world.advance(opp, "需求分析", data=FIRST)
            assert r.status_code == 200, r.text
            outcomes.append(r.json()["outcome"])
        assert outcomes == ["applied"] * 4 + ["held"] * 3
        held = world.client.get("/stages/holds", headers=world.org.headers("east.manager")).json()
        assert len(held) == 3 and all(h["kind"] == "sentinel" for h in held)
        reason = held[0]["reasons"][0]
        assert reason["scope"] == "rep" and reason["today"] == 5 and reason["trailing_average"] == 1.0
        assert reason["threshold"] == 3.0
    with context.db.read() as session:
        alerts = session.scalars(select(TodoRow).where(TodoRow.kind == "stage_sentinel")).all()
        assert {a.user_id for a in alerts} == {world.org.ids["east.manager"]}
        # one alert per scope per day, not one per move (the department trips too: one rep moved it)
        assert sorted(a.dedupe_key for a in alerts) == [
            f"stage_sentinel:department:{_dept(session)}:2026-12-31",
            f"stage_sentinel:rep:{world.org.ids['east.rep']}:2026-12-31",
        ]
        assert session.get(OpportunityRow, burst[4]).stage == "初步接触"

    # the rep cannot wave it through; the manager confirms one and rejects one
    assert world.client.post(
        f"/stages/holds/{held[0]['id']}/confirm", headers=world.org.headers("east.rep")
    ).status_code in (403, 404)
    with clock.pinned(TODAY + timedelta(hours=1)):
        r = world.client.post(
            f"/stages/holds/{held[0]['id']}/confirm",
            json={"note": "核实:客户已签需求确认"},
            headers=world.org.headers("east.manager"),
        )
        assert r.status_code == 200 and r.json()["status"] == "confirmed"
        r = world.client.post(
            f"/stages/holds/{held[1]['id']}/reject",
            json={"note": "年底冲量"},
            headers=world.org.headers("east.manager"),
        )
        assert r.status_code == 200 and r.json()["status"] == "rejected"
    with context.db.read() as session:
        assert session.get(OpportunityRow, held[0]["opportunity_id"]).stage == "需求分析"
        assert session.get(OpportunityRow, held[1]["opportunity_id"]).stage == "初步接触"


def test_a_steady_day_is_not_held(world, context) -> None:  # type: ignore[no-untyped-def]
    _baseline(world, context, per_day=2, days=28)  # average 2/day → limit 6
    with clock.pinned(TODAY - timedelta(days=2)):
        burst = [world.opportunity() for _ in range(6)]
    with clock.pinned(TODAY):
        outcomes = [world.advance(opp, "需求分析", data=FIRST).json()["outcome"] for opp in burst]
    assert outcomes == ["applied"] * 6


def test_backward_moves_are_not_counted(world, context) -> None:  # type: ignore[no-untyped-def]
    with clock.pinned(TODAY - timedelta(days=2)):
        opps = [world.opportunity() for _ in range(2)]
    with clock.pinned(TODAY):
        for opp in opps:
            r = world.advance(opp, "需求分析", data=FIRST)
            assert r.json()["outcome"] == "applied", r.text
            assert world.advance(opp, "初步接触", data={"reason": "重新确认"}).json()["outcome"] == "applied"
            assert (
                world.advance(opp, "需求分析", data={"checklist": "contact_identified"}).json()["outcome"]
                == "applied"
            )
        # 4 forward and 2 backward moves today; floor average 1 → limit 3, min_count 5: the 5th forward is held
        extra = opps[0]
        r = world.advance(
            extra,
            "方案演示",
            data={"checklist": "budget_confirmed,decision_maker_known"},
            files=[("evidence.requirements_confirmation", ("r.pdf", b"%PDF-1.4", "application/pdf"))],
        )
        assert r.json()["outcome"] == "held"
        assert r.json()["hold"]["reasons"][0]["today"] == 5  # backward moves did not count


def _dept(session) -> int:  # type: ignore[no-untyped-def]
    from copilot.db.schema import DepartmentRow

    return session.scalar(select(DepartmentRow.id).where(DepartmentRow.name == "华东事业部"))
