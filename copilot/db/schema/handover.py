"""Handover tables: prepared handover packages and practice sessions (attempts are kept)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from copilot.clock import now
from copilot.db.schema.base import Base
from copilot.db.schema.core import PK
from copilot.db.types import JSONType, UTCDateTime


class HandoverPackageRow(Base):
    """A package as it was prepared for a handover (the map itself is always recomputable)."""

    __tablename__ = "handover_packages"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    customer_id: Mapped[int] = mapped_column(PK, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    from_user_id: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"))
    to_user_id: Mapped[int | None] = mapped_column(
        PK, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    prepared_by: Mapped[int | None] = mapped_column(PK, nullable=True)
    package: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)


class PracticeSessionRow(Base):
    """One attempt at one scenario: the simulation state between turns, the transcript, the score."""

    __tablename__ = "practice_sessions"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    customer_id: Mapped[int] = mapped_column(PK, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    scenario: Mapped[str] = mapped_column(String(40), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="active", index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    turns: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
