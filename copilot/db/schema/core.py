"""The foundation's tables: organisation, customers, contacts, leads, opportunities, activities,
signals, contracts, to-dos, background jobs and the append-only audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from copilot.clock import now
from copilot.db.schema.base import Base
from copilot.db.types import JSONType, UTCDateTime

# BigInteger primary keys that are still SQLite rowids (SQLite only autoincrements INTEGER).
PK = BigInteger().with_variant(Integer(), "sqlite")


def _fk(target: str, ondelete: str = "SET NULL") -> ForeignKey:
    return ForeignKey(target, ondelete=ondelete)


class DepartmentRow(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    region: Mapped[str | None] = mapped_column(String(120))
    # not a foreign key: users reference departments, and a cycle would need ALTER TABLE that SQLite lacks
    manager_id: Mapped[int | None] = mapped_column(PK, nullable=True)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(PK, _fk("departments.id"), index=True)
    region: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    can_receive_leads: Mapped[bool] = mapped_column(Boolean, default=True)
    api_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    api_key_prefix: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomerRow(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    name_key: Mapped[str] = mapped_column(String(300), index=True, default="")
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    province: Mapped[str | None] = mapped_column(String(60))
    city: Mapped[str | None] = mapped_column(String(60))
    industry: Mapped[str | None] = mapped_column(String(60), index=True)
    address: Mapped[str | None] = mapped_column(String(400))
    legal_representative: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(60))
    phone_key: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    size_band: Mapped[str | None] = mapped_column(String(30))
    owner_id: Mapped[int | None] = mapped_column(PK, _fk("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(PK, _fk("departments.id"), index=True)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    merged_into_id: Mapped[int | None] = mapped_column(PK, _fk("customers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now, index=True)


class ContactRow(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    customer_id: Mapped[int | None] = mapped_column(PK, _fk("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(120))
    department: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    wechat: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(PK, _fk("contacts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class LeadRow(Base):
    __tablename__ = "leads"
    # least-loaded routing counts open leads per owner: a covering index keeps that off the table
    __table_args__ = (Index("ix_leads_owner_status", "owner_id", "status"),)
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    source: Mapped[str] = mapped_column(String(120), index=True)
    utm_source: Mapped[str | None] = mapped_column(String(120), index=True)
    utm_medium: Mapped[str | None] = mapped_column(String(120))
    utm_campaign: Mapped[str | None] = mapped_column(String(200))
    utm_term: Mapped[str | None] = mapped_column(String(200))
    utm_content: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(300))
    uscc: Mapped[str | None] = mapped_column(String(18))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_title: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(120), index=True)
    province: Mapped[str | None] = mapped_column(String(60))
    city: Mapped[str | None] = mapped_column(String(60))
    industry: Mapped[str | None] = mapped_column(String(60))
    size_band: Mapped[str | None] = mapped_column(String(30))
    budget: Mapped[float | None] = mapped_column(Float)
    decision_role: Mapped[str | None] = mapped_column(String(120))
    purchase_timeline: Mapped[str | None] = mapped_column(String(120))
    grade: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    invalid_reason: Mapped[str | None] = mapped_column(String(120))
    owner_id: Mapped[int | None] = mapped_column(PK, _fk("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(PK, _fk("departments.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(PK, _fk("customers.id"), index=True)
    custom: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OpportunityRow(Base):
    __tablename__ = "opportunities"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    customer_id: Mapped[int] = mapped_column(PK, _fk("customers.id", "RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    amount: Mapped[float] = mapped_column(Float, default=0)
    currency: Mapped[str] = mapped_column(String(8), default="CNY")
    product: Mapped[str | None] = mapped_column(String(120))
    stage: Mapped[str] = mapped_column(String(60), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    lost_reason: Mapped[str | None] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(PK, _fk("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(PK, _fk("departments.id"), index=True)
    expected_close: Mapped[date | None] = mapped_column(Date)
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class StageHistoryRow(Base):
    __tablename__ = "stage_history"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(PK, _fk("opportunities.id", "CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(60))
    to_stage: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[int | None] = mapped_column(PK, _fk("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


class ActivityRow(Base):
    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_customer_occurred", "customer_id", "occurred_at"),)
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    customer_id: Mapped[int | None] = mapped_column(PK, _fk("customers.id"))
    contact_id: Mapped[int | None] = mapped_column(PK, _fk("contacts.id"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(PK, _fk("opportunities.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(PK, _fk("leads.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    author_id: Mapped[int | None] = mapped_column(PK, _fk("users.id"), index=True)
    participants: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class SignalRow(Base):
    __tablename__ = "signals"
    __table_args__ = (Index("ix_signals_customer_occurred", "customer_id", "occurred_at"),)
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    customer_id: Mapped[int | None] = mapped_column(PK, _fk("customers.id"))
    source: Mapped[str] = mapped_column(String(120), index=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(1000))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class ContractRow(Base):
    __tablename__ = "contracts"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(PK, _fk("customers.id"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(PK, _fk("opportunities.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    file_name: Mapped[str | None] = mapped_column(String(300))
    file_path: Mapped[str | None] = mapped_column(String(1000))
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="uploaded", index=True)
    uploaded_by: Mapped[int | None] = mapped_column(PK, _fk("users.id"))
    review: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class TodoRow(Base):
    """A to-do or notification for one user; `dedupe_key` keeps a worker from raising the same one twice."""

    __tablename__ = "todos"
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),)
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    user_id: Mapped[int] = mapped_column(PK, _fk("users.id", "CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class JobRow(Base):
    """Background work for `copilot worker`: claimed with a lease, so two workers never run one job twice."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    # a periodic run's slot ("stages.timeouts@2026-11-24T10:00"): two workers cannot enqueue it twice
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_by: Mapped[str | None] = mapped_column(String(80))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """Append-only: nothing updates or deletes these rows (a trigger enforces it on both dialects)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(PK, nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
