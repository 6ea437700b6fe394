"""To-dos the stage engine raises (reminders, frozen flags, sentinel alerts, confirmations).

Deduplicated by `dedupe_key` per user, so a worker pass or a retried request never raises the
same one twice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.db.schema import DepartmentRow, OpportunityRow, TodoRow, UserRow


def department_managers(session: Session, department_id: int | None) -> list[int]:
    if department_id is None:
        return []
    ids = set(
        session.scalars(
            select(UserRow.id).where(
                UserRow.department_id == department_id, UserRow.role == "manager", UserRow.active.is_(True)
            )
        )
    )
    dept = session.get(DepartmentRow, department_id)
    if dept is not None and dept.manager_id:
        ids.add(dept.manager_id)
    return sorted(ids)


def users_with_role(session: Session, role: str) -> list[int]:
    return list(session.scalars(select(UserRow.id).where(UserRow.role == role, UserRow.active.is_(True))))


def raise_todo(
    session: Session,
    user_ids: list[int | None],
    *,
    kind: str,
    title: str,
    body: str,
    opportunity: OpportunityRow,
    dedupe_key: str,
    evidence: list[dict] | None = None,
) -> int:
    """Create the to-do for each user that does not have it yet; returns how many were created."""
    created = 0
    for user_id in dict.fromkeys(u for u in user_ids if u):
        exists = session.scalar(
            select(TodoRow.id).where(TodoRow.user_id == user_id, TodoRow.dedupe_key == dedupe_key)
        )
        if exists:
            continue
        session.add(
            TodoRow(
                user_id=user_id,
                kind=kind,
                title=title,
                body=body,
                entity="opportunity",
                entity_id=str(opportunity.id),
                evidence=evidence or [],
                dedupe_key=dedupe_key,
            )
        )
        created += 1
    session.flush()
    return created
