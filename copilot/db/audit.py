"""The append-only audit log: who did what to which record, with the record before and after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from copilot.clock import now
from copilot.db.schema import AuditRow, Base


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def snapshot(row: Base) -> dict[str, Any]:
    """Every column of a row as JSON-safe values (what `before`/`after` hold)."""
    mapper = inspect(row).mapper
    return {column.key: jsonable(getattr(row, column.key)) for column in mapper.column_attrs}


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditRow:
    """Append one entry in the caller's transaction: it commits or rolls back with the change."""
    row = AuditRow(
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        at=now(),
    )
    session.add(row)
    return row
