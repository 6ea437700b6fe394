"""Ingestion and index state: what the vector index holds per document, and call transcripts.

`index_documents` is the ledger that makes indexing idempotent and resumable: one row per
indexed document (a signal, a transcript, a contract, a voice note) with the content hash it
was indexed at and the ids of its chunks. A row in state `pending` is a document whose
re-index was interrupted; `retrieval.index.resume` finishes or rolls it back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from copilot.clock import now
from copilot.db.schema.base import Base
from copilot.db.schema.core import PK
from copilot.db.types import JSONType, UTCDateTime


class IndexDocumentRow(Base):
    __tablename__ = "index_documents"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    doc_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(120), index=True)
    customer_id: Mapped[int | None] = mapped_column(PK, index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    chunk_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    previous_chunk_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    indexed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class TranscriptRow(Base):
    """A call or meeting transcript as speaker turns ({speaker, text, start, end} with seconds or None)."""

    __tablename__ = "transcripts"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    customer_id: Mapped[int | None] = mapped_column(
        PK, ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(60), default="call")
    file_name: Mapped[str | None] = mapped_column(String(300))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    participants: Mapped[list[str]] = mapped_column(JSONType, default=list)
    turns: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    turn_count: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
