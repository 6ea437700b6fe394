"""Stage health: the stuck list (JSON key `stuck`) and the time-in-stage heat map by rep,
department or product. Service functions returning pydantic models, read by the CLI, the API,
the page and the weekly inspection; visibility is the caller's.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.auth import Caller
from copilot.clock import now
from copilot.db.schema import DepartmentRow, OpportunityRow, UserRow
from copilot.errors import InvalidInput
from copilot.models import EvidenceRef
from copilot.stages.clocks import assess, last_activity
from copilot.stages.definitions import active_pipeline
from copilot.stages.models import HeatCell, HeatMap, HeatRow, StageHealth, StuckOpportunity, StuckReport

Dimension = Literal["rep", "department", "product"]


def _open_rows(session: Session, caller: Caller) -> list[OpportunityRow]:
    return list(
        session.scalars(
            select(OpportunityRow)
            .where(OpportunityRow.status == "open", auth.opportunity_scope(caller))
            .order_by(OpportunityRow.id)
        )
    )


def _names(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    users = {i: n for i, n in session.execute(select(UserRow.id, UserRow.name))}
    depts = {i: n for i, n in session.execute(select(DepartmentRow.id, DepartmentRow.name))}
    return users, depts


def stuck_opportunities(session: Session, caller: Caller, days: float | None = None) -> StuckReport:
    """Open opportunities past their stage's timeout (or past `days` in stage, when given)."""
    if days is not None and days <= 0:
        raise InvalidInput("days must be positive", details={"field": "days", "value": days})
    at = now()
    pipeline = active_pipeline(session)
    days = days if days is not None else pipeline.stuck.default_days
    rows = _open_rows(session, caller)
    activity = last_activity(session, [r.id for r in rows])
    users, depts = _names(session)
    stuck = []
    for row in rows:
        state = assess(pipeline, row.stage, row.stage_entered_at, activity.get(row.id), at)
        threshold = days if days is not None else state.timeout_days
        if threshold is None or state.days_in_stage <= threshold:
            continue
        stuck.append(
            StuckOpportunity(
                id=row.id,
                external_id=row.external_id,
                name=row.name,
                stage=row.stage,
                amount=row.amount,
                product=row.product,
                owner_id=row.owner_id,
                owner=users.get(row.owner_id) if row.owner_id else None,
                department_id=row.department_id,
                department=depts.get(row.department_id) if row.department_id else None,
                stage_entered_at=row.stage_entered_at,
                days_in_stage=state.days_in_stage,
                threshold_days=threshold,
                over_by_days=round(state.days_in_stage - threshold, 2),
                last_activity_at=state.last_activity_at,
                days_since_activity=state.days_since_activity,
                frozen=state.frozen,
                downgraded=state.downgraded,
                evidence=[
                    EvidenceRef(
                        kind="opportunity",
                        id=str(row.id),
                        source="stage_history",
                        occurred_at=row.stage_entered_at,
                        quote=f"{row.stage} since {row.stage_entered_at.date().isoformat()}",
                    )
                ],
            )
        )
    stuck.sort(key=lambda s: (-s.over_by_days, s.id))
    return StuckReport(
        as_of=at,
        threshold=f"{days:g} days" if days is not None else "stage timeout",
        stuck=stuck,
        open_total=len(rows),
    )


def heat_map(session: Session, caller: Caller, dimension: Dimension = "rep") -> HeatMap:
    """Open opportunities' days in stage, per (rep | department | product) × stage."""
    if dimension not in ("rep", "department", "product"):
        raise InvalidInput(
            f"unknown dimension {dimension!r}",
            details={"field": "dimension", "allowed": ["rep", "department", "product"]},
        )
    at = now()
    pipeline = active_pipeline(session)
    rows = _open_rows(session, caller)
    users, depts = _names(session)
    cells: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    labels: dict[str, str] = {}
    timeouts = {s.key: s.timeout_days for s in pipeline.stages}
    for row in rows:
        if dimension == "rep":
            key, label = str(row.owner_id or ""), users.get(row.owner_id or 0, "(unassigned)")
        elif dimension == "department":
            key, label = str(row.department_id or ""), depts.get(row.department_id or 0, "(no department)")
        else:
            key, label = row.product or "", row.product or "(no product)"
        labels[key] = label
        cells[key][row.stage].append(
            assess(pipeline, row.stage, row.stage_entered_at, None, at).days_in_stage
        )
    out = []
    for key, by_stage in cells.items():
        heat = {}
        for stage, values in by_stage.items():
            limit = timeouts.get(stage)
            heat[stage] = HeatCell(
                count=len(values),
                avg_days=round(sum(values) / len(values), 1),
                max_days=round(max(values), 1),
                over_timeout=sum(1 for v in values if limit is not None and v > limit),
            )
        out.append(HeatRow(key=key, label=labels[key], cells=heat, total=sum(c.count for c in heat.values())))
    out.sort(key=lambda r: (-sum(c.over_timeout for c in r.cells.values()), r.label))
    return HeatMap(as_of=at, dimension=dimension, stages=pipeline.keys, timeouts=timeouts, rows=out)


def stage_health(
    session: Session, caller: Caller, *, days: float | None = None, dimension: Dimension = "rep"
) -> StageHealth:
    report = stuck_opportunities(session, caller, days)
    return StageHealth(
        as_of=report.as_of,
        pipeline_version=active_pipeline(session).version,
        stuck=report.stuck,
        threshold=report.threshold,
        open_total=report.open_total,
        heat_map=heat_map(session, caller, dimension),
    )
