"""Reading customers and contacts from the store as the engine's records (visibility applied,
merged records left out), and describing cluster members for reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.db.schema import ContactRow, CustomerRow
from copilot.errors import InvalidInput

ENTITIES = ("customers", "contacts")

CUSTOMER_COLUMNS = (
    "id",
    "external_id",
    "name",
    "uscc",
    "province",
    "city",
    "industry",
    "address",
    "legal_representative",
    "phone",
    "email",
    "owner_id",
    "updated_at",
)
CONTACT_COLUMNS = (
    "id",
    "external_id",
    "customer_id",
    "name",
    "title",
    "phone",
    "email",
    "wechat",
    "updated_at",
)


def table_for(entity: str) -> tuple[type[Any], tuple[str, ...], Any]:
    if entity == "customers":
        return CustomerRow, CUSTOMER_COLUMNS, auth.customer_scope
    if entity == "contacts":
        return ContactRow, CONTACT_COLUMNS, auth.contact_scope
    raise InvalidInput(
        f"dedup works on customers or contacts, not {entity!r}", details={"field": "entity", "value": entity}
    )


def iter_records(session: Session, caller: auth.Caller, entity: str) -> Iterator[dict[str, Any]]:
    """Live (not merged) records the caller may see, as plain dicts, streamed in id order."""
    row_cls, columns, scope = table_for(entity)
    stmt = (
        select(*(getattr(row_cls, c) for c in columns))
        .where(row_cls.merged_into_id.is_(None), scope(caller))
        .order_by(row_cls.id)
        .execution_options(yield_per=5000)
    )
    for values in session.execute(stmt):
        yield dict(zip(columns, values, strict=True))


def describe(session: Session, entity: str, ids: list[Any]) -> dict[Any, dict[str, Any]]:
    """Display fields of records by id (what a cluster member shows)."""
    row_cls, columns, _ = table_for(entity)
    out: dict[Any, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for values in session.execute(
            select(*(getattr(row_cls, c) for c in columns)).where(row_cls.id.in_(chunk))
        ):
            record = dict(zip(columns, values, strict=True))
            record["updated_at"] = record["updated_at"].isoformat() if record.get("updated_at") else None
            out[record["id"]] = record
    return out
