"""Health and forecast: the stuck list with owner and last activity, the heat map by rep /
department / product, the CLI's --json, visibility, and the demo's stages consistent with
the definitions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from copilot import clock
from copilot.auth import system_caller
from copilot.db.schema import OpportunityRow, StageEvidenceRow, StageHistoryRow, StageHoldRow, StagePaymentRow
from copilot.errors import InvalidInput
from copilot.stages.definitions import default_pipeline
from copilot.stages.health import heat_map, stuck_opportunities

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def test_stuck_list_and_heat_map(world, context) -> None:  # type: ignore[no-untyped-def]
    with clock.pinned(T0):
        a = world.opportunity()
        b = world.opportunity(login="east.rep2", product="MES系统")
        c = world.opportunity(login="na.rep")
        world.client.post(
            "/activities",
            json={"opportunity_id": a, "customer_id": world.customer_id, "kind": "visit", "text": "拜访"},
            headers=world.org.headers("east.rep"),
        )
    with clock.pinned(T0 + timedelta(days=3)):
        world.advance(
            b,
            "需求分析",
            login="east.rep2",
            data={"evidence.first_contact_record": "x", "checklist": "contact_identified"},
        )
    with clock.pinned(T0 + timedelta(days=9)), context.db.read() as session:
        report = stuck_opportunities(session, system_caller())
        assert [s.id for s in report.stuck] == [a, c]  # b: 6 days in 需求分析 (timeout 10)
        first = report.stuck[0]
        assert (
            first.days_in_stage == 9
            and first.over_by_days == 2
            and first.owner_id == world.org.ids["east.rep"]
        )
        assert first.last_activity_at == T0 and first.department == "华东事业部"
        assert first.evidence[0].kind == "opportunity"
        assert [s.id for s in stuck_opportunities(session, system_caller(), days=5).stuck] == [a, c, b]
        by_product = heat_map(session, system_caller(), "product")
        cells = {r.label: r.cells for r in by_product.rows}
        assert cells["影像云"]["初步接触"].count == 2 and cells["影像云"]["初步接触"].over_timeout == 2
        assert cells["MES系统"]["需求分析"].avg_days == 6 and cells["MES系统"]["需求分析"].over_timeout == 0
        by_dept = heat_map(session, system_caller(), "department")
        assert {r.label for r in by_dept.rows} == {"华东事业部", "北美事业部"}
    with clock.pinned(T0 + timedelta(days=9)):
        mine = world.client.get("/stages/health", headers=world.org.headers("east.rep")).json()
        assert [s["id"] for s in mine["stuck"]] == [a]  # a rep sees their own
        assert (
            world.client.get(
                "/stages/health?dimension=planet", headers=world.org.headers("admin")
            ).status_code
            == 422
        )
        assert (
            world.client.get("/stages/health?days=-1", headers=world.org.headers("admin")).status_code == 422
        )


def test_cli_health_and_forecast_json(world, context, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from copilot.cli.app import app
    from copilot.stages import cli as stages_cli

    monkeypatch.setattr(stages_cli, "context", lambda: context)
    with clock.pinned(T0):
        world.opportunity()
    with clock.pinned(T0 + timedelta(days=8)):
        result = CliRunner().invoke(app, ["stages", "health", "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert len(data["stuck"]) == 1 and data["stuck"][0]["owner"] == "east.rep"
        assert data["heat_map"]["dimension"] == "rep"
        result = CliRunner().invoke(app, ["stages", "forecast", "--json"])
        assert json.loads(result.stdout)["weighted_pipeline"] == 50000
        result = CliRunner().invoke(app, ["stages", "health"])
        assert result.exit_code == 0 and "stuck: 1 of 1 open" in result.stdout
        result = CliRunner().invoke(app, ["stages", "forecast", "--since", "yesterday"])
        assert isinstance(result.exception, InvalidInput)  # `copilot` maps it to exit code 2
        assert result.exception.details == {"field": "since"}


def test_demo_stages_are_consistent_with_the_definitions(demo_context) -> None:  # type: ignore[no-untyped-def]
    pipeline = default_pipeline()
    with demo_context.db.read() as session:
        moves = session.scalars(select(StageHistoryRow).where(StageHistoryRow.from_stage.is_not(None))).all()
        evidence = {e.id: e for e in session.scalars(select(StageEvidenceRow))}
        checked = 0
        for move in moves:
            if move.reason and move.reason.startswith("legacy CRM"):
                assert move.evidence == [] and move.to_stage == pipeline.won_stage.key
                continue
            if move.from_stage == move.to_stage:  # lost
                continue
            i, j = pipeline.index(move.from_stage), pipeline.index(move.to_stage)
            if j < i:
                continue
            needed = [r for s in pipeline.stages[i:j] for r in s.evidence]
            if pipeline.stages[j].outcome == "won":
                needed += pipeline.won_stage.evidence
            cited = [evidence[e["evidence_id"]] for e in move.evidence if e["type"] == "evidence"]
            for req in needed:
                assert any(c.requirement == req.id and c.kind in req.kinds for c in cited), (move.id, req.id)
            checked += 1
        assert checked > 500
        won = session.scalars(select(OpportunityRow).where(OpportunityRow.status == "won")).all()
        paid = set(session.scalars(select(StagePaymentRow.opportunity_id)))
        assert len([w for w in won if w.id not in paid]) == 12  # the planted quarter-end flips
        assert (
            session.scalars(select(StageHoldRow).where(StageHoldRow.kind == "sentinel")).first() is not None
        )
        files = [e for e in evidence.values() if e.sha256]
        assert files and all(
            (demo_context.settings.data_dir / "evidence" / e.sha256[:2] / e.sha256).exists()
            for e in files[:50]
        )


def test_demo_health_over_the_api(demo_client, demo_keys) -> None:  # type: ignore[no-untyped-def]
    h = {"Authorization": f"Bearer {demo_keys['admin']}"}
    health = demo_client.get("/stages/health", headers=h).json()
    assert len(health["stuck"]) > 50 and health["heat_map"]["rows"]
    fc = demo_client.get("/forecast", headers=h).json()
    assert fc["won_unconfirmed_count"] == 12 and fc["confirmed_revenue"] > 0
    assert fc["weighted_pipeline"] < fc["open_amount"]
    manager = {"Authorization": f"Bearer {demo_keys['huang.tao']}"}
    assert demo_client.get("/stages/holds", headers=manager).json()  # zhou.na's burst waits for 黄涛
