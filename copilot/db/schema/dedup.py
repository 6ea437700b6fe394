"""Dedup's table: one row per merge, holding what undo needs (the records before, the rows moved)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from copilot.clock import now
from copilot.db.schema.base import Base
from copilot.db.schema.core import PK, _fk
from copilot.db.types import JSONType, UTCDateTime


class MergeRow(Base):
    """A merge of duplicates into a master, and its undo.

    `master_before` / `duplicates_before` are full snapshots; `moved` lists every related row
    whose reference was changed ({table, column, id, from}); `filled` the master fields taken from
    duplicates. Unmerge reverses exactly these and nothing else.
    """

    __tablename__ = "dedup_merges"
    __table_args__ = (Index("ix_dedup_merges_entity_master", "entity", "master_id"),)
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))  # customer | contact
    master_id: Mapped[int] = mapped_column(PK)
    duplicate_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(12), default="merged", index=True)  # merged | undone
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    master_before: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    master_after: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    duplicates_before: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    filled: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    moved: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    actor_id: Mapped[int | None] = mapped_column(PK, _fk("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[int | None] = mapped_column(PK, _fk("users.id"))
    undo_report: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
