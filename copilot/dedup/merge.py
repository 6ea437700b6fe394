"""Merge duplicates into a master and undo it, in one transaction each.

A merge locks the records (SELECT ... FOR UPDATE, then a compare-and-set on `merged_into_id`, so
two overlapping merges cannot both win on PostgreSQL or SQLite), fills the master's empty fields
from the duplicates, moves every row of every table whose foreign key points at a duplicate (found
from the schema, so domain tables added later move too), keeps before/after for undo, writes the
audit entry and leaves a to-do for each owner involved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from copilot import auth
from copilot.clock import now
from copilot.db import audit
from copilot.db.schema import Base, CustomerRow, MergeRow, TodoRow
from copilot.errors import Conflict, InvalidInput, NotFound
from copilot.models import Role
from copilot.records.specs import CONTACTS, CUSTOMERS, EntitySpec

# Columns a merge never copies from a duplicate: identity, bookkeeping, derived keys, ownership.
NOT_FILLED = {
    "id",
    "external_id",
    "merged_into_id",
    "created_at",
    "updated_at",
    "name_key",
    "phone_key",
    "owner_id",
    "department_id",
}


def _spec(entity: str) -> EntitySpec:
    if entity in ("customer", "customers"):
        return CUSTOMERS
    if entity in ("contact", "contacts"):
        return CONTACTS
    raise InvalidInput(f"merge works on customers or contacts, not {entity!r}", details={"field": "entity"})


def referencing_columns(table_name: str) -> list[tuple[Table, str]]:
    """Every (table, column) with a foreign key to `table_name`, self-references excluded."""
    out: list[tuple[Table, str]] = []
    for table in Base.metadata.sorted_tables:
        if table.name == table_name:
            continue
        for column in table.columns:
            if any(fk.column.table.name == table_name for fk in column.foreign_keys):
                out.append((table, column.name))
    return out


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _locked(session: Session, row_cls: type[Any], ids: list[int]) -> dict[int, Any]:
    rows = session.scalars(
        select(row_cls).where(row_cls.id.in_(ids)).order_by(row_cls.id).with_for_update()
    ).all()
    for row in rows:
        session.refresh(row)  # the locked, current version (another merge may just have committed)
    return {r.id: r for r in rows}


def _check_visible(session: Session, caller: auth.Caller, spec: EntitySpec, ids: list[int]) -> None:
    visible = set(session.scalars(select(spec.row.id).where(spec.row.id.in_(ids), spec.scope(caller))))
    hidden = [i for i in ids if i not in visible]
    if hidden:
        raise NotFound(
            f"{spec.name} {hidden[0]} not found or not visible to you",
            details={"field": "ids", "ids": hidden},
        )


def merge(
    session: Session,
    caller: auth.Caller,
    entity: str,
    ids: list[int],
    *,
    master_id: int | None = None,
    reason: str = "",
    score: float | None = None,
) -> dict[str, Any]:
    """Merge the records `ids` into one master (the most recently updated unless `master_id`)."""
    caller.require(Role.manager)
    spec = _spec(entity)
    unique = sorted(set(ids) | ({master_id} if master_id else set()))
    if len(unique) < 2:
        raise InvalidInput(
            "a merge needs at least two different records", details={"field": "ids", "value": ids}
        )
    _check_visible(session, caller, spec, unique)
    rows = _locked(session, spec.row, unique)
    missing = [i for i in unique if i not in rows]
    if missing:
        raise NotFound(f"{spec.name} {missing[0]} does not exist", details={"field": "ids", "ids": missing})
    already = {i: r.merged_into_id for i, r in rows.items() if r.merged_into_id is not None}
    if already:
        first = next(iter(already))
        raise Conflict(
            f"{spec.name} {first} is already merged into {already[first]}",
            code="already_merged",
            details={"merged": {str(k): v for k, v in already.items()}},
        )
    if spec is CONTACTS:
        customers = {r.customer_id for r in rows.values() if r.customer_id is not None}
        if len(customers) > 1:
            raise InvalidInput(
                "contacts of different customers cannot be merged; merge the customers first",
                details={"field": "ids", "customers": sorted(customers)},
            )
    master = rows[master_id] if master_id else max(rows.values(), key=lambda r: (r.updated_at, r.id))
    duplicates = sorted(
        (r for r in rows.values() if r.id != master.id), key=lambda r: (r.updated_at, r.id), reverse=True
    )
    dup_ids = [d.id for d in duplicates]
    master_before = audit.snapshot(master)
    duplicates_before = [audit.snapshot(d) for d in duplicates]

    filled: dict[str, Any] = {}
    for column in [c.key for c in spec.row.__table__.columns]:
        if column in NOT_FILLED:
            continue
        if column == "tags":
            union = list(
                dict.fromkeys([*(master.tags or []), *(t for d in duplicates for t in (d.tags or []))])
            )
            if union != list(master.tags or []):
                filled["tags"] = union
            continue
        if _empty(getattr(master, column)):
            donor = next((getattr(d, column) for d in duplicates if not _empty(getattr(d, column))), None)
            if donor is not None:
                filled[column] = donor
    values = spec.derive(dict(filled)) if filled else {}
    values["updated_at"] = now()
    done = session.execute(
        update(spec.row).where(spec.row.id == master.id, spec.row.merged_into_id.is_(None)).values(**values)
    )
    if done.rowcount != 1:
        raise Conflict(f"{spec.name} {master.id} was merged by someone else meanwhile", code="already_merged")

    moved = _move_references(session, spec, dup_ids, master.id)
    stamp = now()
    for dup in dup_ids:
        done = session.execute(
            update(spec.row)
            .where(spec.row.id == dup, spec.row.merged_into_id.is_(None))
            .values(merged_into_id=master.id, updated_at=stamp)
        )
        if done.rowcount != 1:  # a concurrent merge won; this transaction rolls back whole
            raise Conflict(f"{spec.name} {dup} was merged by someone else meanwhile", code="already_merged")
    session.flush()
    session.expire_all()
    master_row = session.get(spec.row, master.id)
    master_after = audit.snapshot(master_row)
    record = MergeRow(
        entity=spec.name,
        master_id=master.id,
        duplicate_ids=dup_ids,
        status="merged",
        score=score,
        reason=reason,
        master_before=master_before,
        master_after=master_after,
        duplicates_before=duplicates_before,
        filled={k: audit.jsonable(v) for k, v in filled.items()},
        moved=moved,
        actor_id=caller.id or None,
        created_at=stamp,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor_id=caller.id or None,
        action=f"{spec.name}.merge",
        entity=spec.name,
        entity_id=master.id,
        before={"master": master_before, "duplicates": duplicates_before},
        after={"master": master_after, "merge_id": record.id, "moved": len(moved), "reason": reason},
    )
    summary = _summary(record)
    _notify(session, spec, [master_before, *duplicates_before], record, summary, undo=False)
    return summary


def _move_references(
    session: Session, spec: EntitySpec, dup_ids: list[int], master_id: int
) -> list[dict[str, Any]]:
    moved: list[dict[str, Any]] = []
    for table, column in referencing_columns(spec.row.__tablename__):
        if "id" not in table.c:
            continue
        col = table.c[column]
        has_updated = "updated_at" in table.c
        cols = [table.c.id, col] + ([table.c.updated_at] if has_updated else [])
        found = session.execute(
            select(*cols).where(col.in_(dup_ids)).order_by(table.c.id).with_for_update()
        ).all()
        if not found:
            continue
        for row in found:
            entry = {"table": table.name, "column": column, "id": row[0], "from": row[1]}
            if has_updated:
                entry["updated_at"] = audit.jsonable(row[2])
            moved.append(entry)
        ids = [row[0] for row in found]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            stmt = update(table).where(table.c.id.in_(chunk), col.in_(dup_ids)).values({column: master_id})
            if has_updated:
                stmt = stmt.values(updated_at=now())
            session.execute(stmt)
    return moved


def unmerge(session: Session, caller: auth.Caller, merge_id: int) -> dict[str, Any]:
    """Undo a merge exactly: duplicates live again, moved rows go back, filled fields are emptied.

    A field or row changed since the merge by someone else is left as it is and listed in the
    report; an undo under a later merge that still holds is refused (undo that one first).
    """
    caller.require(Role.manager)
    record = session.scalar(select(MergeRow).where(MergeRow.id == merge_id).with_for_update())
    if record is None:
        raise NotFound(f"merge {merge_id} not found", details={"field": "merge_id", "value": merge_id})
    session.refresh(record)
    if record.status != "merged":
        raise Conflict(
            f"merge {merge_id} is already undone", code="already_undone", details={"merge_id": merge_id}
        )
    spec = _spec(record.entity)
    involved = {record.master_id, *record.duplicate_ids}
    _check_visible(session, caller, spec, [record.master_id])
    later = session.scalars(
        select(MergeRow).where(
            MergeRow.entity == record.entity, MergeRow.status == "merged", MergeRow.id > record.id
        )
    ).all()
    blocking = [m.id for m in later if involved & {m.master_id, *m.duplicate_ids}]
    if blocking:
        raise Conflict(
            f"merge {blocking[0]} came later and involves the same records; undo it first",
            code="later_merge",
            details={"later_merges": blocking},
        )
    done = session.execute(
        update(MergeRow).where(MergeRow.id == merge_id, MergeRow.status == "merged").values(status="undone")
    )
    if done.rowcount != 1:
        raise Conflict(f"merge {merge_id} is already undone", code="already_undone")
    _locked(session, spec.row, sorted(involved))

    kept: list[dict[str, Any]] = []
    for before in record.duplicates_before:
        session.execute(
            update(spec.row)
            .where(spec.row.id == before["id"], spec.row.merged_into_id == record.master_id)
            .values(merged_into_id=None, updated_at=_parse(before.get("updated_at")))
        )
    master = session.get(spec.row, record.master_id)
    restore: dict[str, Any] = {}
    after = record.master_after
    for column in record.filled:
        current = audit.jsonable(getattr(master, column))
        if current == after.get(column):
            restore[column] = record.master_before.get(column)
        else:
            kept.append(
                {
                    "table": spec.row.__tablename__,
                    "id": master.id,
                    "column": column,
                    "why": "changed since the merge",
                }
            )
    if restore:
        restore = spec.derive(restore)
    restore["updated_at"] = _parse(record.master_before.get("updated_at"))
    session.execute(update(spec.row).where(spec.row.id == master.id).values(**restore))

    tables = {t.name: t for t in Base.metadata.sorted_tables}
    restored = 0
    for entry in record.moved:
        table = tables.get(entry["table"])
        if table is None:
            continue
        col = table.c[entry["column"]]
        values: dict[str, Any] = {entry["column"]: entry["from"]}
        if "updated_at" in entry and "updated_at" in table.c:
            values["updated_at"] = _parse(entry["updated_at"])
        done = session.execute(
            update(table).where(table.c.id == entry["id"], col == record.master_id).values(values)
        )
        if done.rowcount == 1:
            restored += 1
        else:
            kept.append({**entry, "why": "moved or deleted since the merge"})
    report = {"restored_rows": restored, "left_as_is": kept}
    session.execute(
        update(MergeRow)
        .where(MergeRow.id == merge_id)
        .values(undone_at=now(), undone_by=caller.id or None, undo_report=report)
    )
    session.flush()
    session.expire_all()
    audit.record(
        session,
        actor_id=caller.id or None,
        action=f"{spec.name}.unmerge",
        entity=spec.name,
        entity_id=record.master_id,
        before={"merge_id": merge_id, "master": record.master_after},
        after={"master": audit.snapshot(session.get(spec.row, record.master_id)), **report},
    )
    record = session.get(MergeRow, merge_id)
    summary = {**_summary(record), **report}
    _notify(session, spec, [record.master_before, *record.duplicates_before], record, summary, undo=True)
    return summary


def _parse(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _summary(record: MergeRow) -> dict[str, Any]:
    moved_by_table: dict[str, int] = {}
    for entry in record.moved:
        moved_by_table[entry["table"]] = moved_by_table.get(entry["table"], 0) + 1
    return {
        "merge_id": record.id,
        "entity": record.entity,
        "status": record.status,
        "master_id": record.master_id,
        "duplicate_ids": record.duplicate_ids,
        "filled": record.filled,
        "moved": moved_by_table,
        "reason": record.reason,
        "score": record.score,
    }


def _owner_ids(session: Session, spec: EntitySpec, snapshots: list[dict[str, Any]]) -> set[int]:
    if spec is CUSTOMERS:
        return {s["owner_id"] for s in snapshots if s.get("owner_id")}
    customer_ids = {s["customer_id"] for s in snapshots if s.get("customer_id")}
    if not customer_ids:
        return set()
    return {
        o for o in session.scalars(select(CustomerRow.owner_id).where(CustomerRow.id.in_(customer_ids))) if o
    }


def _notify(
    session: Session,
    spec: EntitySpec,
    snapshots: list[dict[str, Any]],
    record: MergeRow,
    summary: dict[str, Any],
    *,
    undo: bool,
) -> None:
    """A to-do for every owner involved: their record now lives under another id (or again under its own)."""
    master_name = snapshots[0].get("name", "")
    names = "、".join(str(s.get("name", "")) for s in snapshots[1:])
    verb = "合并已撤销" if undo else "已合并"
    moved = ", ".join(f"{t} {n}" for t, n in summary["moved"].items()) or "no related rows"
    body = (
        f"{spec.name} {names} → {master_name} (id {record.master_id}); merge {record.id}; moved: {moved}. "
        + ("The duplicates are live again." if undo else f"Undo with `copilot dedup unmerge {record.id}`.")
    )
    for user_id in sorted(_owner_ids(session, spec, snapshots)):
        session.add(
            TodoRow(
                user_id=user_id,
                kind="dedup.unmerged" if undo else "dedup.merged",
                title=f"{'客户' if spec is CUSTOMERS else '联系人'}{verb}: {master_name}",
                body=body,
                entity=spec.name,
                entity_id=str(record.master_id),
                evidence=[{"kind": "merge", "id": str(record.id)}],
                dedupe_key=f"dedup-{'unmerge' if undo else 'merge'}-{record.id}",
            )
        )


def list_merges(session: Session, caller: auth.Caller, *, limit: int = 50) -> list[dict[str, Any]]:
    caller.require(Role.manager)
    rows = session.scalars(select(MergeRow).order_by(MergeRow.id.desc()).limit(limit)).all()
    return [_summary(r) for r in rows]
