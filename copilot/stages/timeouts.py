"""The periodic pass behind `copilot worker`: reminders past a stage's timeout (rep + manager),
frozen flags past the second threshold, downgrade notices after days without activity.

The states themselves are computed by `clocks.assess` (so the forecast needs no worker to be
honest); this pass tells people, once per state per stage entry (to-do `dedupe_key`), and
leaves an audit entry the first time an opportunity is frozen or downgraded.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.db import audit
from copilot.db.schema import OpportunityRow
from copilot.stages.clocks import assess, last_activity
from copilot.stages.definitions import active_pipeline
from copilot.stages.todos import department_managers, raise_todo


def run_timeouts(context: AppContext) -> dict[str, Any]:
    at = now()
    counts = {"checked": 0, "overdue": 0, "frozen": 0, "downgraded": 0, "todos": 0}
    with context.db.transaction() as session:
        pipeline = active_pipeline(session)
        rows = list(session.scalars(select(OpportunityRow).where(OpportunityRow.status == "open")))
        activity = last_activity(session, [r.id for r in rows])
        managers: dict[int | None, list[int]] = {}
        for row in rows:
            counts["checked"] += 1
            state = assess(pipeline, row.stage, row.stage_entered_at, activity.get(row.id), at)
            if not (state.overdue or state.downgraded):
                continue
            if row.department_id not in managers:
                managers[row.department_id] = department_managers(session, row.department_id)
            people = [row.owner_id, *managers[row.department_id]]
            entry = row.stage_entered_at.isoformat()
            cite = [{"kind": "opportunity", "id": str(row.id), "quote": "; ".join(state.reasons)}]
            if state.overdue:
                counts["overdue"] += 1
                counts["todos"] += raise_todo(
                    session,
                    people,
                    kind="stage_timeout",
                    title=f"商机超期: {row.name} 在 {row.stage} 已 {state.days_in_stage:.0f} 天 (时限 {state.timeout_days:g} 天)",
                    body="请补充推进证据或说明原因;" + "; ".join(state.reasons),
                    opportunity=row,
                    dedupe_key=f"stage_timeout:{row.id}:{row.stage}:{entry}",
                    evidence=cite,
                )
            if state.frozen:
                counts["frozen"] += 1
                new = raise_todo(
                    session,
                    people,
                    kind="stage_frozen",
                    title=f"商机已冻结 (不计入预测): {row.name}",
                    body=f"在 {row.stage} 停留 {state.days_in_stage:.0f} 天,超过 {state.freeze_after_days:g} 天",
                    opportunity=row,
                    dedupe_key=f"stage_frozen:{row.id}:{row.stage}:{entry}",
                    evidence=cite,
                )
                counts["todos"] += new
                if new:
                    audit.record(
                        session,
                        actor_id=None,
                        action="stage.frozen",
                        entity="opportunity",
                        entity_id=row.id,
                        after={"stage": row.stage, "days_in_stage": state.days_in_stage},
                    )
            if state.downgraded:
                counts["downgraded"] += 1
                since = (activity.get(row.id) or row.stage_entered_at).isoformat()
                new = raise_todo(
                    session,
                    people,
                    kind="stage_downgraded",
                    title=f"商机降级: {row.name} {state.days_since_activity:.0f} 天无跟进",
                    body="; ".join(state.reasons),
                    opportunity=row,
                    dedupe_key=f"stage_downgraded:{row.id}:{row.stage}:{since}",
                    evidence=cite,
                )
                counts["todos"] += new
                if new:
                    audit.record(
                        session,
                        actor_id=None,
                        action="stage.downgraded",
                        entity="opportunity",
                        entity_id=row.id,
                        after={
                            "stage": row.stage,
                            "days_since_activity": state.days_since_activity,
                            "probability": state.probability,
                        },
                    )
    return counts
