"""The sentinel: a rep's or a department's forward moves today against its trailing daily
average. Past `ratio` × average (and `min_count`), the move is held for a manager instead of
applied (the seeds' 31 December: 37 opportunities flipped to 已签约 in one day).

Counts are of forward stage moves (won included), by the opportunity's owner and department,
per local calendar day (Settings.timezone); held moves count too, so a burst stays held.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.db.schema import OpportunityRow, StageHistoryRow, StageHoldRow
from copilot.stages.definitions import Pipeline


class SentinelCheck(BaseModel):
    scope: str  # "rep" | "department"
    scope_id: int
    today: int
    trailing_average: float
    threshold: float
    tripped: bool
    message: str


def _day_start(at: datetime, zone: ZoneInfo) -> datetime:
    local = at.astimezone(zone)
    return datetime.combine(local.date(), time.min, tzinfo=zone)


def _forward(pipeline: Pipeline, from_stage: str | None, to_stage: str) -> bool:
    keys = pipeline.keys
    return from_stage in keys and to_stage in keys and keys.index(to_stage) > keys.index(from_stage)


def _moves(session: Session, pipeline: Pipeline, column, scope_id: int, since: datetime) -> list[datetime]:  # type: ignore[no-untyped-def]
    history = session.execute(
        select(StageHistoryRow.from_stage, StageHistoryRow.to_stage, StageHistoryRow.at)
        .join(OpportunityRow, OpportunityRow.id == StageHistoryRow.opportunity_id)
        .where(column == scope_id, StageHistoryRow.at >= since)
    ).all()
    held = session.execute(
        select(StageHoldRow.from_stage, StageHoldRow.to_stage, StageHoldRow.requested_at)
        .join(OpportunityRow, OpportunityRow.id == StageHoldRow.opportunity_id)
        .where(column == scope_id, StageHoldRow.requested_at >= since, StageHoldRow.kind == "sentinel")
        .where(StageHoldRow.status == "pending")
    ).all()
    return [at for f, t, at in [*history, *held] if _forward(pipeline, f, t)]


def check(
    session: Session, pipeline: Pipeline, opportunity: OpportunityRow, at: datetime, zone: ZoneInfo
) -> list[SentinelCheck]:
    """One check per scope (rep, department) for a forward move about to happen at `at`."""
    policy = pipeline.sentinel
    today = _day_start(at, zone)
    window_start = today - timedelta(days=policy.trailing_days)
    results = []
    for scope, column, scope_id in (
        ("rep", OpportunityRow.owner_id, opportunity.owner_id),
        ("department", OpportunityRow.department_id, opportunity.department_id),
    ):
        if scope_id is None:
            continue
        moves = _moves(session, pipeline, column, scope_id, window_start)
        today_count = sum(1 for m in moves if m >= today) + 1  # + the move being decided
        trailing = sum(1 for m in moves if m < today) / policy.trailing_days
        threshold = policy.ratio * max(trailing, policy.baseline_floor)
        tripped = today_count > threshold and today_count >= policy.min_count
        results.append(
            SentinelCheck(
                scope=scope,
                scope_id=scope_id,
                today=today_count,
                trailing_average=round(trailing, 3),
                threshold=round(threshold, 3),
                tripped=tripped,
                message=(
                    f"{scope} {scope_id}: {today_count} forward moves today vs trailing average "
                    f"{trailing:.2f}/day over {policy.trailing_days} days (limit {threshold:.2f})"
                ),
            )
        )
    return results
