"""The stage clocks, as pure functions: overdue past the timeout, frozen past timeout × freeze
factor, downgraded after N days without activity. The worker (reminders), health (stuck list)
and the forecast all read these, so they can never disagree.

Downgraded means: weighted at the previous stage's probability (0 for the first stage) until
activity resumes. The stage itself is not moved, so time-in-stage and the stuck list stay true.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot.clock import ensure_utc
from copilot.db.schema import ActivityRow
from copilot.stages.definitions import Pipeline
from copilot.stages.models import StageState

DAY = 86400.0


def days_between(earlier: datetime, later: datetime) -> float:
    return round((ensure_utc(later) - ensure_utc(earlier)).total_seconds() / DAY, 2)


def assess(
    pipeline: Pipeline,
    stage: str,
    stage_entered_at: datetime,
    last_activity_at: datetime | None,
    at: datetime,
) -> StageState:
    index = pipeline.keys.index(stage) if stage in pipeline.keys else None
    definition = pipeline.stages[index] if index is not None else None
    days = days_between(stage_entered_at, at)
    # a stage move is activity too: the inactivity clock starts at the later of the two
    since = (
        max(ensure_utc(stage_entered_at), ensure_utc(last_activity_at))
        if last_activity_at
        else stage_entered_at
    )
    idle = days_between(since, at)
    timeout = definition.timeout_days if definition else None
    freeze_after = timeout * pipeline.timeouts.freeze_factor if timeout else None
    overdue = timeout is not None and days > timeout
    frozen = freeze_after is not None and days > freeze_after
    limit = pipeline.timeouts.inactivity_downgrade_days
    downgraded = limit is not None and idle > limit and definition is not None and definition.outcome is None
    probability = definition.probability if definition else 0.0
    reasons = []
    if overdue:
        reasons.append(f"{days:g} days in {stage}, timeout {timeout:g}")
    if frozen:
        reasons.append(
            f"frozen out of the forecast: past {freeze_after:g} days (timeout × {pipeline.timeouts.freeze_factor:g})"
        )
    if downgraded and index is not None:
        previous = pipeline.stages[index - 1].probability if index > 0 else 0.0
        reasons.append(
            f"no activity for {idle:g} days (> {limit:g}): weighted at {previous:g} instead of {probability:g}"
        )
        probability = previous
    return StageState(
        days_in_stage=days,
        timeout_days=timeout,
        overdue=overdue,
        frozen=frozen,
        freeze_after_days=freeze_after,
        last_activity_at=last_activity_at,
        days_since_activity=idle,
        downgraded=downgraded,
        probability=probability,
        reasons=reasons,
    )


def last_activity(session: Session, opportunity_ids: list[int]) -> dict[int, datetime]:
    """Latest activity per opportunity, one grouped query."""
    if not opportunity_ids:
        return {}
    result: dict[int, datetime] = {}
    for start in range(0, len(opportunity_ids), 5000):
        chunk = opportunity_ids[start : start + 5000]
        rows = session.execute(
            select(ActivityRow.opportunity_id, func.max(ActivityRow.occurred_at))
            .where(ActivityRow.opportunity_id.in_(chunk))
            .group_by(ActivityRow.opportunity_id)
        ).all()
        for opp_id, at in rows:
            if at is not None:
                result[opp_id] = ensure_utc(at)
    return result
