"""Lead assignment tables: rule sets and their versions, round-robin counters, routing traces."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from copilot.clock import now
from copilot.db.schema.base import Base
from copilot.db.schema.core import PK
from copilot.db.types import JSONType, UTCDateTime


class RuleSetRow(Base):
    """A named rule set; its content lives in versions (draft -> simulated -> published -> retired)."""

    __tablename__ = "assignment_rule_sets"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class RuleVersionRow(Base):
    """One immutable version of a rule set. At most one version in the store is `published`."""

    __tablename__ = "assignment_rule_versions"
    __table_args__ = (UniqueConstraint("rule_set_id", "version"),)
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(PK, ForeignKey("assignment_rule_sets.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)
    validation: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    simulation: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(PK, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    simulated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[int | None] = mapped_column(PK, nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoundRobinRow(Base):
    """A round-robin counter, advanced with one atomic UPDATE ... RETURNING (safe across workers)."""

    __tablename__ = "assignment_rr_state"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class TraceRow(Base):
    """Why a lead went where it went: one row per routing decision, newest last."""

    __tablename__ = "assignment_traces"
    __table_args__ = (Index("ix_assignment_traces_lead_at", "lead_id", "at"),)
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    lead_id: Mapped[int] = mapped_column(PK, ForeignKey("leads.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(PK, nullable=True, index=True)
    mode: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    rule_id: Mapped[str | None] = mapped_column(String(120))
    owner_id: Mapped[int | None] = mapped_column(PK, nullable=True)
    department_id: Mapped[int | None] = mapped_column(PK, nullable=True)
    grade: Mapped[str | None] = mapped_column(String(8))
    steps: Mapped[dict[str, Any]] = mapped_column(JSONType)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
