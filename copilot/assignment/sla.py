"""SLA escalation, run by `copilot worker` every minute: leads that wait too long become to-dos for
the team manager.

- unclaimed: no active owner (still in a pool, or owned by someone since deactivated)
  `lead_claim_sla_hours` (default 2 h) after arrival;
- no first contact: owned, but no call/visit/wechat/email/meeting `lead_first_contact_sla_hours`
  (default 24 h) after assignment.
Each to-do carries a dedupe key, so a lead escalates once per kind however often the task runs.
Only leads that arrived in the last LOOKBACK are looked at: month-old backlog is a report, not an alarm.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from copilot.clock import now
from copilot.config import Settings
from copilot.db.schema import DepartmentRow, LeadRow, TodoRow, UserRow

LOOKBACK = timedelta(days=7)


def _managers(session: Session) -> tuple[dict[int, int], list[int]]:
    """department id -> active manager id; and the active admins (when a department has no manager)."""
    active = {u.id for u in session.scalars(select(UserRow).where(UserRow.active.is_(True)))}
    managers = {d.id: d.manager_id for d in session.scalars(select(DepartmentRow)) if d.manager_id in active}
    admins = list(
        session.scalars(
            select(UserRow.id).where(UserRow.role == "admin", UserRow.active.is_(True)).order_by(UserRow.id)
        )
    )
    return managers, admins


def _insert_todos(session: Session, todos: list[dict[str, Any]]) -> int:
    if not todos:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = session.execute(
        insert(TodoRow).values(todos).on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
    )
    return max(result.rowcount or 0, 0)


def escalate(session: Session, settings: Settings) -> dict[str, Any]:
    at = now()
    claim_due = at - timedelta(hours=settings.lead_claim_sla_hours)
    contact_due = at - timedelta(hours=settings.lead_first_contact_sla_hours)
    managers, admins = _managers(session)
    inactive = select(UserRow.id).where(UserRow.active.is_(False))
    owners = dict(session.execute(select(UserRow.id, UserRow.login)).all())
    unclaimed = session.scalars(
        select(LeadRow).where(
            LeadRow.created_at >= at - LOOKBACK,
            LeadRow.created_at <= claim_due,
            LeadRow.status.in_(("new", "assigned")),
            or_(LeadRow.owner_id.is_(None), LeadRow.owner_id.in_(inactive)),
        )
    ).all()
    uncontacted = session.scalars(
        select(LeadRow).where(
            LeadRow.created_at >= at - LOOKBACK,
            LeadRow.first_contact_at.is_(None),
            LeadRow.status.in_(("new", "assigned")),
            LeadRow.owner_id.is_not(None),
            LeadRow.owner_id.not_in(inactive),
            or_(
                LeadRow.assigned_at <= contact_due,
                and_(LeadRow.assigned_at.is_(None), LeadRow.created_at <= contact_due),
            ),
        )
    ).all()
    todos: list[dict[str, Any]] = []
    for kind, leads, hours in (
        ("lead_unclaimed", unclaimed, settings.lead_claim_sla_hours),
        ("lead_no_first_contact", uncontacted, settings.lead_first_contact_sla_hours),
    ):
        for lead in leads:
            recipients = [managers[lead.department_id]] if lead.department_id in managers else admins
            since = lead.created_at if kind == "lead_unclaimed" else (lead.assigned_at or lead.created_at)
            waited = (at - since).total_seconds() / 3600
            who = owners.get(lead.owner_id)
            title = (
                f"线索 {lead.company or lead.id} {waited:.0f} 小时无人领取 (SLA {hours:g} h)"
                if kind == "lead_unclaimed"
                else f"线索 {lead.company or lead.id} 分配给 {who} 后 {waited:.0f} 小时未首次联系 (SLA {hours:g} h)"
            )
            body = (
                ("owner " + who + " is inactive; " if who and kind == "lead_unclaimed" else "")
                + f"arrived {lead.created_at:%Y-%m-%d %H:%M} UTC from {lead.source}; see GET /leads/{lead.id}/trace"
            )
            for user_id in recipients:
                todos.append(
                    {
                        "user_id": user_id,
                        "kind": kind,
                        "title": title[:300],
                        "body": body,
                        "entity": "lead",
                        "entity_id": str(lead.id),
                        "due_at": at,
                        "status": "open",
                        "evidence": [
                            {
                                "kind": "lead",
                                "id": str(lead.id),
                                "source": lead.source,
                                "occurred_at": lead.created_at.isoformat(),
                                "quote": f"assigned_at={lead.assigned_at}, first_contact_at=None, owner={who}",
                            }
                        ],
                        "dedupe_key": f"{kind}:{lead.id}",
                        "created_at": at,
                    }
                )
    created = _insert_todos(session, todos)
    return {"unclaimed": len(unclaimed), "no_first_contact": len(uncontacted), "todos_created": created}
