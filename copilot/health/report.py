"""The weekly inspection report: every check for one ISO week, the trends, the lead funnel;
kept in `health_reports` when asked (the worker always keeps what it sends)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.clock import now
from copilot.config import Settings
from copilot.db.schema import HealthReportRow
from copilot.errors import NotFound
from copilot.health import checks, thresholds
from copilot.health.flow import lead_flow
from copilot.health.models import Check, Report, worst
from copilot.health.window import Window, previous_weeks, week

TREND_WEEKS = 7  # weeks before the reported one shown in the trend charts


def build(
    session: Session,
    caller: auth.Caller,
    settings: Settings,
    week_label: str | None = None,
    *,
    thresholds_path: Path | None = None,
) -> Report:
    """Run every check for the week (default: the running week) and assemble the report."""
    window = week(week_label, settings.zone)
    limits = thresholds.load(thresholds_path)
    results: list[Check] = [
        func(session, caller, window, limits[name]) for name, func in checks.CHECKS.items()
    ]
    flow = lead_flow(session, caller, settings, window.start)
    return Report(
        week=window.label,
        window=window.as_dict(),
        as_of=now().isoformat(),
        timezone=settings.timezone,
        status=worst([c.status for c in results]),
        checks=results,
        trends=_trends(session, caller, settings, window, results),
        funnel=[
            {"step": s["step"], "label": s["label"], "count": s["count"], "drops": s["drops"]}
            for s in flow["steps"]
        ],
    )


def check_rows(
    session: Session,
    caller: auth.Caller,
    settings: Settings,
    check_id: str,
    week_label: str | None = None,
    *,
    thresholds_path: Path | None = None,
) -> Check:
    """One check with ALL its rows: the drill-down behind a figure."""
    if check_id not in checks.CHECKS:
        raise NotFound(
            f"check {check_id!r} is unknown (known: {', '.join(checks.CHECKS)})", details={"field": "check"}
        )
    window = week(week_label, settings.zone)
    limits = thresholds.load(thresholds_path)
    return checks.CHECKS[check_id](session, caller, window, limits[check_id], limit=None)


def _trends(
    session: Session, caller: auth.Caller, settings: Settings, window: Window, results: list[Check]
) -> dict[str, list[dict[str, Any]]]:
    """Assignment success per week from the traces; duplicate rate from the kept reports + now."""
    weeks = previous_weeks(window, settings.zone, TREND_WEEKS)
    success = []
    for w in weeks:
        decisions, _ = checks.routing_decisions(session, caller, w)
        if decisions is None:
            break
        ok = sum(1 for d in decisions if d.outcome in ("assigned", "kept"))
        success.append(
            {
                "week": w.label,
                "value": round(ok / len(decisions), 4) if decisions else None,
                "n": len(decisions),
            }
        )
    kept: dict[str, float] = {}
    for week_label, body in session.execute(
        select(HealthReportRow.week, HealthReportRow.body).order_by(HealthReportRow.created_at)
    ):
        for c in (body or {}).get("checks", []):
            if c.get("id") == "duplicates" and c.get("figure") is not None:
                kept[week_label] = c["figure"]
    current = next((c for c in results if c.id == "duplicates"), None)
    if current is not None and current.figure is not None:
        kept[window.label] = current.figure
    duplicate = [{"week": w.label, "value": kept.get(w.label)} for w in weeks if w.label in kept]
    return {"assignment_success": success, "duplicate_rate": duplicate}


def keep(
    session: Session, report: Report, *, trigger: str = "manual", recipients: list[str] | None = None
) -> HealthReportRow:
    row = HealthReportRow(
        week=report.week,
        status=report.status,
        trigger=trigger,
        body=report.model_dump(mode="json"),
        recipients=recipients or [],
        created_at=now(),
    )
    session.add(row)
    session.flush()
    report.report_id = row.id
    row.body = {**row.body, "report_id": row.id}
    return row


def listing(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(HealthReportRow)
        .order_by(HealthReportRow.created_at.desc(), HealthReportRow.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": r.id,
            "week": r.week,
            "status": r.status,
            "trigger": r.trigger,
            "created_at": r.created_at.isoformat(),
            "recipients": r.recipients,
            "mailed_at": r.mailed_at.isoformat() if r.mailed_at else None,
            "mail_error": r.mail_error,
        }
        for r in rows
    ]


def stored(session: Session, report_id: int) -> Report:
    row = session.get(HealthReportRow, report_id)
    if row is None:
        raise NotFound(f"report {report_id} does not exist", details={"field": "report_id"})
    return Report.model_validate(row.body)
