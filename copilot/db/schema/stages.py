"""Stage-gate tables: versioned pipeline definitions, evidence files, held changes, confirmed payments.

Stage history itself is the foundation's `stage_history` (its `evidence` JSON lists the ids of
the `stage_evidence` rows an accepted move rested on).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from copilot.clock import now
from copilot.db.schema.base import Base
from copilot.db.schema.core import PK
from copilot.db.types import JSONType, UTCDateTime


class StagePipelineRow(Base):
    """One version of the pipeline definition; the highest version is the one in force."""

    __tablename__ = "stage_pipelines"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class StageEvidenceRow(Base):
    """One piece of evidence offered for a stage requirement.

    Written (and committed) before the gate decides, so a rejected advance loses nothing:
    `attached` turns true when an accepted move (or a confirmed hold) rests on it.
    Files live under `<data_dir>/evidence/<sha[:2]>/<sha>`, stored once per content.
    """

    __tablename__ = "stage_evidence"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        PK, ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(60))
    requirement: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    file_name: Mapped[str | None] = mapped_column(String(300))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    uploaded_by: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    attached: Mapped[bool] = mapped_column(Boolean, default=False)


class StageHoldRow(Base):
    """A stage change that waits for someone: finance confirming a payment, or a manager
    confirming a change the sentinel held. Nothing moves until it is confirmed."""

    __tablename__ = "stage_holds"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        PK, ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30), index=True)
    from_stage: Mapped[str] = mapped_column(String(60))
    to_stage: Mapped[str] = mapped_column(String(60))
    requested_by: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    confirm_role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    decided_by: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class StagePaymentRow(Base):
    """Confirmed revenue: the first payment of a won opportunity, dated by the bank's date."""

    __tablename__ = "stage_payments"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        PK, ForeignKey("opportunities.id", ondelete="CASCADE"), unique=True
    )
    paid_on: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[float] = mapped_column(Float)
    evidence_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    confirmed_by: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
