"""The demo carries the seeds' mis-routing as history and its leads arrive assigned."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from copilot.assignment import service, stats
from copilot.auth import system_caller
from copilot.clock import now
from copilot.db.schema import LeadRow, RuleVersionRow, TraceRow


def test_demo_leads_arrive_assigned_through_published_rules(demo_context) -> None:  # type: ignore[no-untyped-def]
    with demo_context.db.read() as session:
        assert (
            session.scalar(select(func.count()).select_from(LeadRow).where(LeadRow.owner_id.is_(None))) == 0
        )
        published = session.scalar(select(RuleVersionRow).where(RuleVersionRow.status == "published"))
        assert published.validation["ok"] and published.simulation["leads"] > 0
        warnings = [w["message"] for w in published.validation["warnings"]]
        assert any("zhao.lei inactive" in w for w in warnings)
        hits = dict(
            session.execute(
                select(TraceRow.rule_id, func.count())
                .where(TraceRow.version_id == published.id)
                .group_by(TraceRow.rule_id)
            ).all()
        )
        assert {"east-medical-auto-large", "south-large", "na-large", "southeast-asia", "east-other"} <= set(
            hits
        )


def test_demo_history_holds_the_region_us_stranding(demo_context) -> None:  # type: ignore[no-untyped-def]
    with demo_context.db.read() as session:
        legacy = session.scalar(select(RuleVersionRow).where(RuleVersionRow.status == "retired"))
        errors = {e["code"]: e for e in legacy.validation["errors"]}
        assert errors["unknown_value"]["suggestions"][0] == "North America"
        assert {"empty_team", "no_fallback"} <= set(errors)
        stranded = session.scalars(
            select(TraceRow).where(TraceRow.version_id == legacy.id, TraceRow.outcome == "unassigned")
        ).all()
        assert len(stranded) == 417
        steps = stranded[0].steps
        assert steps["matched_rule"] == "amazon-catchall"
        assert "region is 'North America', rule wants equals 'US'" in steps["rules"][0]["why"]
        assert "no fallback" in steps["summary"]
        trace = service.lead_trace(session, system_caller(), stranded[0].lead_id)
        assert [h["mode"] for h in trace["history"]] == ["reassign", "arrival"]
        assert trace["latest"]["outcome"] == "assigned"
        report = stats.assignment_stats(session, since=now() - timedelta(days=120))
        assert report["routing"]["outcomes"]["unassigned"] == 417
        assert report["routing"]["success_rate"] < 1.0


def test_demo_health_check_finds_the_inactive_rep(demo_context) -> None:  # type: ignore[no-untyped-def]
    with demo_context.db.read() as session:
        health = service.group_health(session)
    assert {m["login"] for m in health["members"]} == {"zhao.lei"}
    assert {m["team"] for m in health["members"]} == {"department 华东事业部", "team 华东-医疗汽车组"}
