"""List, get, create and update for the CRM entities, with visibility inside every query.

Every writer (API, import, demo, worker) comes through `create_record` / `update_record`, so the
rules attached to an entity (derived keys, references checked, audit entry, arrival hooks such as
lead routing) hold whoever writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, asc, desc, func, insert, or_, select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.clock import now
from copilot.db import audit
from copilot.db.schema import (
    AuditRow,
    Base,
    ContactRow,
    CustomerRow,
    DepartmentRow,
    LeadRow,
    OpportunityRow,
    StageHistoryRow,
    UserRow,
)
from copilot.errors import InvalidInput, NotFound
from copilot.models import Page
from copilot.records.specs import EntitySpec

MAX_LIMIT = 500

# Hooks run inside the writer's transaction after a row is created: (session, caller, row).
# Engines register here at start-up (see copilot.bootstrap) so that records never import them.
AfterCreate = Callable[[Session, auth.Caller, Base], None]
AFTER_CREATE: dict[str, list[AfterCreate]] = {}


def register_after_create(entity: str, hook: AfterCreate) -> None:
    hooks = AFTER_CREATE.setdefault(entity, [])
    if hook not in hooks:
        hooks.append(hook)


@dataclass(frozen=True)
class CreateOptions:
    """What a writer says about a creation: `force` + `reason` override a check that only
    suspects a problem (kept in the audit log); `skip_checks` is a bulk loader's explicit,
    audited statement that it writes what the checks would refuse (the demo plants duplicates)."""

    force: bool = False
    reason: str | None = None
    skip_checks: str | None = None


# Checks run before a row is built, for every writer. A check is made for a batch of new rows
# (`(session, caller, items) -> check`; one row is a batch of one), then called for each row in
# the order they are written: `check(item, options) -> note or None`. It refuses by raising (e.g.
# Conflict) and remembers the rows it let through, so a later row of the same batch is judged
# against them as if they were stored. That is what lets an import check 1,000 rows with a few
# queries instead of a few per row. A returned dict is kept in the audit log with the row.
CreateCheck = Callable[[BaseModel, CreateOptions], dict[str, Any] | None]
BeforeCreate = Callable[[Session, auth.Caller, Sequence[BaseModel]], CreateCheck]
BEFORE_CREATE: dict[str, list[BeforeCreate]] = {}


def register_before_create(entity: str, hook: BeforeCreate) -> None:
    hooks = BEFORE_CREATE.setdefault(entity, [])
    if hook not in hooks:
        hooks.append(hook)


def before_create_checks(
    session: Session, caller: auth.Caller, spec: EntitySpec, items: Sequence[BaseModel]
) -> Callable[[BaseModel, CreateOptions], dict[str, Any]]:
    """The entity's creation checks, made for `items`; call the result for each item, in write order."""
    checks = [hook(session, caller, items) for hook in BEFORE_CREATE.get(spec.name, [])]

    def run(data: BaseModel, options: CreateOptions) -> dict[str, Any]:
        if not checks:
            return {}
        if options.skip_checks:
            return {"checks_skipped": options.skip_checks}
        notes: dict[str, Any] = {}
        for check in checks:
            note = check(data, options)
            if note:
                notes.update(note)
        return notes

    return run


def run_before_create(
    session: Session, caller: auth.Caller, spec: EntitySpec, data: BaseModel, options: CreateOptions
) -> dict[str, Any]:
    return before_create_checks(session, caller, spec, [data])(data, options)


_REFERENCES: dict[str, type[Base]] = {
    "owner_id": UserRow,
    "author_id": UserRow,
    "department_id": DepartmentRow,
    "customer_id": CustomerRow,
    "contact_id": ContactRow,
    "opportunity_id": OpportunityRow,
    "lead_id": LeadRow,
}


def _check_references(session: Session, caller: auth.Caller, values: dict[str, Any]) -> None:
    for field_name, table in _REFERENCES.items():
        ref = values.get(field_name)
        if ref is None:
            continue
        if session.get(table, ref) is None:
            raise InvalidInput(
                f"{field_name} {ref} does not exist", details={"field": field_name, "value": ref}
            )
        visible = (
            table is not CustomerRow
            or caller.is_admin
            or session.scalar(
                select(CustomerRow.id).where(CustomerRow.id == ref, auth.customer_scope(caller))
            )
            is not None
        )
        if not visible:
            raise InvalidInput(
                f"customer {ref} is not visible to you", details={"field": field_name, "value": ref}
            )


def _fill_department_from_owner(session: Session, row_cls: type[Base], values: dict[str, Any]) -> None:
    if values.get("owner_id") and not values.get("department_id") and hasattr(row_cls, "department_id"):
        owner = session.get(UserRow, values["owner_id"])
        if owner is not None:
            values["department_id"] = owner.department_id


def _apply_filters(
    stmt: Select[Any], spec: EntitySpec, filters: dict[str, Any], q: str | None
) -> Select[Any]:
    for key, value in filters.items():
        if value is None:
            continue
        if key not in spec.filters:
            raise InvalidInput(
                f"cannot filter {spec.plural} by {key!r}",
                details={"field": key, "allowed": list(spec.filters)},
            )
        stmt = stmt.where(getattr(spec.row, key) == value)
    if q:
        pattern = f"%{q.strip()}%"
        stmt = stmt.where(or_(*(getattr(spec.row, col).ilike(pattern) for col in spec.search)))
    if hasattr(spec.row, "merged_into_id"):
        stmt = stmt.where(spec.row.merged_into_id.is_(None))
    return stmt


def _order(spec: EntitySpec, sort: str | None) -> Any:
    sort = sort or spec.default_sort
    field_name = sort.lstrip("-")
    if field_name not in spec.sorts:
        raise InvalidInput(
            f"cannot sort {spec.plural} by {field_name!r}",
            details={"field": "sort", "allowed": list(spec.sorts)},
        )
    column = getattr(spec.row, field_name)
    return desc(column) if sort.startswith("-") else asc(column)


def list_records(
    session: Session,
    caller: auth.Caller,
    spec: EntitySpec,
    *,
    filters: dict[str, Any] | None = None,
    q: str | None = None,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Any]:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}", details={"field": "limit", "value": limit}
        )
    if offset < 0:
        raise InvalidInput("offset must not be negative", details={"field": "offset", "value": offset})
    base = _apply_filters(select(spec.row).where(spec.scope(caller)), spec, filters or {}, q)
    total = session.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0
    rows = session.scalars(
        base.order_by(_order(spec, sort), desc(spec.row.id)).limit(limit).offset(offset)
    ).all()
    return Page[spec.out](
        items=[spec.out.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )  # type: ignore[name-defined]


def get_row(session: Session, caller: auth.Caller, spec: EntitySpec, record_id: int) -> Base:
    row = session.scalar(select(spec.row).where(spec.row.id == record_id, spec.scope(caller)))
    if row is None:
        exists = session.get(spec.row, record_id) is not None
        hint = " (it exists but is not visible to you)" if exists else ""
        raise NotFound(
            f"{spec.name} {record_id} not found{hint}",
            details={"id": record_id, "entity": spec.name, "exists": exists},
        )
    return row


def get_record(session: Session, caller: auth.Caller, spec: EntitySpec, record_id: int) -> BaseModel:
    return spec.out.model_validate(get_row(session, caller, spec, record_id))


def _column_values(spec: EntitySpec, data: BaseModel, *, exclude_unset: bool) -> dict[str, Any]:
    values = data.model_dump(exclude_unset=exclude_unset)
    columns = set(spec.row.__table__.columns.keys())
    return spec.derive({k: v for k, v in values.items() if k in columns})


def build_values(session: Session, caller: auth.Caller, spec: EntitySpec, data: BaseModel) -> dict[str, Any]:
    """Column values of a new row from validated input: references checked, derived columns and times filled."""
    values = _column_values(spec, data, exclude_unset=False)
    stamp = now()
    if values.get("created_at") is None:
        values["created_at"] = stamp
    if "updated_at" in spec.row.__table__.columns:
        values.setdefault("updated_at", stamp)
    if spec.row is OpportunityRow:
        values.setdefault("stage_entered_at", values["created_at"])
    if spec.row.__name__ == "ActivityRow" and not values.get("occurred_at"):
        values["occurred_at"] = stamp
    _check_references(session, caller, values)
    _fill_department_from_owner(session, spec.row, values)
    return values


def build_row(
    session: Session,
    caller: auth.Caller,
    spec: EntitySpec,
    data: BaseModel,
    options: CreateOptions | None = None,
    checks: Callable[[BaseModel, CreateOptions], dict[str, Any]] | None = None,
) -> Base:
    """A new row from validated input, with references checked, derived columns filled and the
    entity's before-create checks run (their notes ride on the row to `after_insert`'s audit).
    A batch writer passes `checks` made once for the batch (see `before_create_checks`)."""
    if checks is None:
        checks = before_create_checks(session, caller, spec, [data])
    notes = checks(data, options or CreateOptions())
    row = spec.row(**build_values(session, caller, spec, data))
    if notes:
        row.create_notes = notes  # type: ignore[attr-defined]  # plain attribute, not a column
    return row


def needs_rows(spec: EntitySpec) -> bool:
    """Whether creating this entity runs code on the row objects (checks, hooks, stage history)."""
    # before-create checks need only the input, so the bulk path runs them too (see importing.service)
    return bool(AFTER_CREATE.get(spec.name)) or spec.row is OpportunityRow


def bulk_insert(
    session: Session, caller: auth.Caller, spec: EntitySpec, values: list[dict[str, Any]]
) -> list[int]:
    """Insert prepared values and their audit entries with two multi-row statements.

    For entities without row hooks (see `needs_rows`): the same rows and audit entries as
    `create_record`, without building an ORM object per row, which is what bulk imports need.
    """
    if not values:
        return []
    if needs_rows(spec):
        raise ValueError(f"{spec.plural} run hooks on creation; use insert_many")
    table = spec.row.__table__
    defaults = _column_defaults(spec.row)
    rows = [
        {c: (v[c] if c in v else (d() if callable(d) else d)) for c, d in defaults.items()} for v in values
    ]
    # a Core insert of the Table (not the mapped class): no ORM bookkeeping per row
    ids = list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
    actor = caller.id or None
    at = now()
    session.execute(
        insert(AuditRow.__table__),
        [
            {
                "actor_id": actor,
                "action": f"{spec.name}.create",
                "entity": spec.name,
                "entity_id": str(i),
                "before": None,
                "after": audit.jsonable({"id": i, **row}),
                "at": at,
            }
            for i, row in zip(ids, rows, strict=True)
        ],
    )
    return ids


@lru_cache(maxsize=32)
def _column_defaults(row_cls: type[Base]) -> dict[str, Any]:
    """Each column's Python-side default: a value, or a zero-argument callable (e.g. `now`)."""
    defaults: dict[str, Any] = {}
    for column in row_cls.__table__.columns:
        if column.key == "id":
            continue
        default = column.default
        if default is None:
            defaults[column.key] = None
        elif default.is_callable:
            defaults[column.key] = lambda d=default: d.arg(None)
        else:
            defaults[column.key] = default.arg
    return defaults


def after_insert(session: Session, caller: auth.Caller, spec: EntitySpec, row: Base) -> None:
    """What follows a new row in the same transaction: the audit entry and the entity's hooks."""
    actor = caller.id or None
    audit.record(
        session,
        actor_id=actor,
        action=f"{spec.name}.create",
        entity=spec.name,
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    notes = getattr(row, "create_notes", None)
    if notes:
        audit.record(
            session,
            actor_id=actor,
            action=f"{spec.name}.create_checks",
            entity=spec.name,
            entity_id=row.id,
            after=notes,
        )
    if isinstance(row, OpportunityRow):
        session.add(
            StageHistoryRow(
                opportunity_id=row.id,
                from_stage=None,
                to_stage=row.stage,
                actor_id=actor,
                at=row.stage_entered_at,
                reason="created",
            )
        )
    for hook in AFTER_CREATE.get(spec.name, []):
        hook(session, caller, row)


def create_record(
    session: Session,
    caller: auth.Caller,
    spec: EntitySpec,
    data: BaseModel,
    options: CreateOptions | None = None,
) -> BaseModel:
    if spec.create is None:
        raise InvalidInput(
            f"{spec.plural} cannot be created through this route", details={"entity": spec.plural}
        )
    row = build_row(session, caller, spec, data, options)
    session.add(row)
    session.flush()
    after_insert(session, caller, spec, row)
    session.flush()
    return spec.out.model_validate(row)


def apply_update(
    session: Session, caller: auth.Caller, spec: EntitySpec, row: Base, values: dict[str, Any]
) -> Base:
    """Change columns of a row the caller may see, with the audit entry; shared by PATCH and re-import."""
    values = spec.derive(dict(values))
    _check_references(session, caller, values)
    before = audit.snapshot(row)
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    after = audit.snapshot(row)
    changed = {k for k in after if before.get(k) != after.get(k) and k != "updated_at"}
    if changed:
        audit.record(
            session,
            actor_id=caller.id or None,
            action=f"{spec.name}.update",
            entity=spec.name,
            entity_id=row.id,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return row


def update_record(
    session: Session, caller: auth.Caller, spec: EntitySpec, record_id: int, patch: BaseModel
) -> BaseModel:
    if spec.patch is None:
        raise InvalidInput(
            f"{spec.plural} cannot be changed through this route", details={"entity": spec.plural}
        )
    row = get_row(session, caller, spec, record_id)
    values = _column_values(spec, patch, exclude_unset=True)
    if not values:
        raise InvalidInput(
            "the update names no field to change", details={"allowed": list(spec.patch.model_fields)}
        )
    return spec.out.model_validate(apply_update(session, caller, spec, row, values))


def insert_many(
    session: Session,
    caller: auth.Caller,
    spec: EntitySpec,
    items: list[BaseModel],
    *,
    batch: int = 500,
    options: CreateOptions | None = None,
) -> list[Base]:
    """Create many records in the caller's transaction, flushing in batches (bulk loads, demo data).

    Same rules as `create_record` (references, derived keys, checks, audit, hooks), fewer round
    trips. A loader that writes what the checks would refuse says so with
    `CreateOptions(skip_checks="why")`, and every row it writes carries that in the audit log.
    """
    created: list[Base] = []
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        checks = before_create_checks(session, caller, spec, chunk)
        rows = [build_row(session, caller, spec, item, options, checks) for item in chunk]
        session.add_all(rows)
        session.flush()
        for row in rows:
            after_insert(session, caller, spec, row)
        session.flush()
        created.extend(rows)
    return created
