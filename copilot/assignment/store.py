"""Reading what routing needs from the database, and the two things it writes: counters and traces.

The round-robin counter is advanced with `UPDATE ... SET counter = counter + n RETURNING counter`:
one statement, row-locked until commit on PostgreSQL and serialised by SQLite's writer lock, so two
workers (threads or processes) never draw the same turn. A batch reserves a block of n turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from copilot.assignment.people import OrgSnapshot, Person
from copilot.assignment.rules import RuleSet, parse_rule_set
from copilot.clock import now
from copilot.db.schema import (
    CustomerRow,
    DepartmentRow,
    LeadRow,
    RoundRobinRow,
    RuleSetRow,
    RuleVersionRow,
    UserRow,
)
from copilot.dedup.normalise import normalise_company_name

OPEN_STATUSES = ("new", "assigned", "contacted", "qualified")
LEAD_COLUMNS = (
    "id",
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "company",
    "uscc",
    "contact_name",
    "contact_title",
    "region",
    "province",
    "city",
    "industry",
    "size_band",
    "budget",
    "decision_role",
    "purchase_timeline",
    "grade",
    "status",
    "owner_id",
    "department_id",
    "customer_id",
    "custom",
    "created_at",
)


def lead_dict(row: Any) -> dict[str, Any]:
    mapping = getattr(row, "_mapping", None)
    if mapping is not None and all(c in mapping for c in LEAD_COLUMNS):
        return dict(mapping)
    return {c: getattr(row, c, None) for c in LEAD_COLUMNS}


def load_org(session: Session) -> OrgSnapshot:
    """Read per unit of work: a rep deactivated in a committed transaction is skipped on the next lead."""
    departments = session.execute(
        select(DepartmentRow.id, DepartmentRow.name, DepartmentRow.manager_id)
    ).all()
    users = session.execute(
        select(
            UserRow.id,
            UserRow.login,
            UserRow.name,
            UserRow.role,
            UserRow.department_id,
            UserRow.active,
            UserRow.can_receive_leads,
            UserRow.region,
        )
    ).all()
    people = {
        u.login: Person(
            u.id,
            u.login,
            u.name,
            u.role,
            u.department_id,
            bool(u.active),
            bool(u.can_receive_leads),
            u.region,
        )
        for u in users
    }
    return OrgSnapshot(
        people=people,
        departments={d.name: d.id for d in departments},
        department_names={d.id: d.name for d in departments},
        department_managers={d.id: d.manager_id for d in departments},
    )


class DbCustomerOwners:
    """Existing-customer lookup: the lead's customer_id, else its USCC, else its normalised company name."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._memo: dict[tuple[str, str], tuple[int, int, str] | None] = {}

    def _by(self, column: Any, value: str, how: str) -> tuple[int, int, str] | None:
        key = (how, value)
        if key not in self._memo:
            row = self.session.execute(
                select(CustomerRow.owner_id, CustomerRow.id)
                .where(
                    column == value, CustomerRow.owner_id.is_not(None), CustomerRow.merged_into_id.is_(None)
                )
                .order_by(CustomerRow.id)
                .limit(1)
            ).first()
            self._memo[key] = (row.owner_id, row.id, how) if row else None
        return self._memo[key]

    def owner_of(self, lead: dict[str, Any]) -> tuple[int, int, str] | None:
        if lead.get("customer_id"):
            found = self._by(CustomerRow.id, lead["customer_id"], "the lead's customer")
            if found:
                return found
        if lead.get("uscc"):
            found = self._by(CustomerRow.uscc, lead["uscc"], "same USCC")
            if found:
                return found
        if lead.get("company"):
            key = normalise_company_name(lead["company"])
            if key:
                return self._by(CustomerRow.name_key, key, "same normalised company name")
        return None


def advance_counter(session: Session, key: str, n: int = 1) -> int:
    """Reserve n turns of a counter atomically; returns the first reserved turn.

    One statement, `INSERT ... ON CONFLICT (key) DO UPDATE SET counter = counter + n RETURNING
    counter`: the row lock (PostgreSQL) or the writer lock (SQLite) is held to commit, so a second
    worker waits and then draws the turns after ours.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(RoundRobinRow).values(key=key, counter=n, updated_at=now())
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"], set_={"counter": RoundRobinRow.counter + n, "updated_at": now()}
    ).returning(RoundRobinRow.counter)
    end = session.execute(stmt.execution_options(synchronize_session=False)).scalar_one()
    return int(end) - n


def read_counters(session: Session) -> dict[str, int]:
    return {r.key: int(r.counter) for r in session.execute(select(RoundRobinRow.key, RoundRobinRow.counter))}


def open_loads(session: Session, user_ids: list[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(LeadRow.owner_id, func.count())
        .where(LeadRow.owner_id.in_(user_ids), LeadRow.status.in_(OPEN_STATUSES))
        .group_by(LeadRow.owner_id)
    ).all()
    return {int(owner): int(count) for owner, count in rows}


_COMPILED: dict[tuple[int, int, str], RuleSet] = {}


@dataclass(frozen=True)
class VersionRef:
    """Enough of a version to find its compiled rules without loading its body."""

    id: int
    version: int
    created_at: datetime


def published_ref(session: Session) -> VersionRef | None:
    row = session.execute(
        select(RuleVersionRow.id, RuleVersionRow.version, RuleVersionRow.created_at)
        .where(RuleVersionRow.status == "published")
        .order_by(RuleVersionRow.id.desc())
        .limit(1)
    ).first()
    return VersionRef(row.id, row.version, row.created_at) if row else None


def compiled(version: RuleVersionRow | VersionRef, session: Session | None = None) -> RuleSet:
    """Versions are immutable once saved, so a parsed rule set is cached per version.

    The key holds the creation time too: one process may talk to several stores (tests, eval),
    whose version ids overlap.
    """
    key = (version.id, version.version, str(version.created_at))
    if key not in _COMPILED:
        if len(_COMPILED) > 256:
            _COMPILED.clear()
        body = version.body if isinstance(version, RuleVersionRow) else None
        if body is None:
            if session is None:
                raise ValueError("a version reference needs a session to load its body")
            body = session.scalar(select(RuleVersionRow.body).where(RuleVersionRow.id == version.id))
        _COMPILED[key] = parse_rule_set(body)
    return _COMPILED[key]


def published_version(session: Session) -> RuleVersionRow | None:
    return session.scalar(
        select(RuleVersionRow)
        .where(RuleVersionRow.status == "published")
        .order_by(RuleVersionRow.id.desc())
        .limit(1)
    )


def version_label(session: Session, version: RuleVersionRow) -> dict[str, Any]:
    name = session.scalar(select(RuleSetRow.name).where(RuleSetRow.id == version.rule_set_id))
    return {"id": version.id, "rule_set": name, "version": version.version, "status": version.status}


def at_or_now(at: datetime | None) -> datetime:
    return at or now()
