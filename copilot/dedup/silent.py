"""Silent customers: no update and no activity for `Settings.silent_customer_days` days.

A customer nobody has touched is where duplicates are born (the next rep creates it again) and
where accounts are lost; the list names the last touch so the owner can act on it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.clock import now
from copilot.db.schema import ActivityRow, CustomerRow, TodoRow
from copilot.errors import InvalidInput


def silent_customers(
    session: Session, caller: auth.Caller, *, days: int, notify: bool = False, limit: int = 1000
) -> dict[str, Any]:
    """Live customers the caller sees with neither an update nor an activity within `days` days."""
    if days < 1:
        raise InvalidInput("days must be at least 1", details={"field": "days", "value": days})
    cutoff = now() - timedelta(days=days)
    last_activity = (
        select(ActivityRow.customer_id, func.max(ActivityRow.occurred_at).label("last_activity"))
        .where(ActivityRow.customer_id.is_not(None))
        .group_by(ActivityRow.customer_id)
        .subquery()
    )
    stmt = (
        select(CustomerRow, last_activity.c.last_activity)
        .outerjoin(last_activity, last_activity.c.customer_id == CustomerRow.id)
        .where(
            CustomerRow.merged_into_id.is_(None),
            auth.customer_scope(caller),
            CustomerRow.updated_at < cutoff,
            (last_activity.c.last_activity.is_(None)) | (last_activity.c.last_activity < cutoff),
        )
        .order_by(CustomerRow.updated_at, CustomerRow.id)
    )
    items = []
    notified = 0
    for row, last in session.execute(stmt.limit(limit)):
        last_touch = max(t for t in (row.updated_at, last) if t is not None)
        idle = (now() - last_touch).days
        items.append(
            {
                "id": row.id,
                "external_id": row.external_id,
                "name": row.name,
                "owner_id": row.owner_id,
                "last_update": row.updated_at.isoformat(),
                "last_activity": last.isoformat() if last else None,
                "idle_days": idle,
                "reason": f"no update since {row.updated_at.date()} and "
                + (f"no activity since {last.date()}" if last else "no activity ever")
                + f" ({idle} days ≥ {days})",
            }
        )
        if notify and row.owner_id:
            exists = session.scalar(
                select(TodoRow.id).where(
                    TodoRow.user_id == row.owner_id,
                    TodoRow.dedupe_key == f"silent-{row.id}-{days}-{last_touch.date()}",
                )
            )
            if exists is None:
                session.add(
                    TodoRow(
                        user_id=row.owner_id,
                        kind="customer.silent",
                        title=f"沉默客户: {row.name} ({idle} 天无更新/跟进)",
                        body=items[-1]["reason"],
                        entity="customer",
                        entity_id=str(row.id),
                        evidence=[
                            {"kind": "customer", "id": str(row.id), "last_touch": last_touch.isoformat()}
                        ],
                        dedupe_key=f"silent-{row.id}-{days}-{last_touch.date()}",
                    )
                )
                notified += 1
    return {
        "days": days,
        "cutoff": cutoff.isoformat(),
        "count": len(items),
        "customers": items,
        "notified": notified,
    }
