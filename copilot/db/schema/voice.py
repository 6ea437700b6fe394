"""Voice and text notes, the profile tags proposed from them, and the rep's decisions on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from copilot.clock import now
from copilot.db.schema.base import Base
from copilot.db.schema.core import PK
from copilot.db.types import JSONType, UTCDateTime


class VoiceNoteRow(Base):
    """One note: an upload stored by content hash (or a text), its transcript and its status.

    status: queued -> transcribing -> tagged | failed (`error` says why). Text notes skip the
    transcriber and go straight to the tagger.
    """

    __tablename__ = "voice_notes"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    customer_id: Mapped[int] = mapped_column(PK, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="audio")  # audio | text
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    file_name: Mapped[str | None] = mapped_column(String(300))
    file_path: Mapped[str | None] = mapped_column(String(500))
    file_bytes: Mapped[int | None] = mapped_column(PK)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    language: Mapped[str | None] = mapped_column(String(10))
    language_hint: Mapped[str | None] = mapped_column(String(10))
    duration: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(14), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    segments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    model: Mapped[str | None] = mapped_column(String(200))
    job_id: Mapped[int | None] = mapped_column(PK)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class ProfileTagRow(Base):
    """A tag proposed from a note, with the span it rests on; `status` proposed|confirmed|rejected."""

    __tablename__ = "profile_tags"
    __table_args__ = (Index("ix_profile_tags_customer_tag", "customer_id", "tag_id"),)
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    note_id: Mapped[int] = mapped_column(PK, ForeignKey("voice_notes.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(PK, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    tag_id: Mapped[str] = mapped_column(String(60), index=True)
    label: Mapped[str] = mapped_column(String(200))
    value: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    span_key: Mapped[str] = mapped_column(String(200), index=True)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    method: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="proposed", index=True)
    decided_by: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
