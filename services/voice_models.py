"""The vocabulary of voice notes and profile tags, as the API and CLI serve it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from copilot.models import EvidenceRef

NoteStatus = Literal["queued", "transcribing", "tagged", "failed"]
TagStatus = Literal["proposed", "confirmed", "rejected"]


class TranscriptSegment(BaseModel):
    start: float
    end: float
    text: str


class NoteTranscript(BaseModel):
    language: str | None
    text: str
    segments: list[TranscriptSegment] = Field(default_factory=list)


class ProfileTag(BaseModel):
    """A tag proposed from a note; `evidence` points at the span (seconds for audio, characters for text)."""

    tag_row_id: int = Field(description="Id to confirm or reject (POST /tags/{id}/confirm).")
    id: str = Field(description="Taxonomy tag id, e.g. cares_energy_cost.")
    label: str
    value: dict[str, Any] | None = None
    evidence: EvidenceRef
    char_start: int
    char_end: int
    confidence: float
    method: str
    explanation: list[str] = Field(default_factory=list)
    status: TagStatus
    customer_id: int
    note_id: int
    decided_at: datetime | None = None
    reason: str | None = None


class VoiceNote(BaseModel):
    id: int
    customer_id: int
    author_id: int | None
    kind: Literal["audio", "text"]
    file_name: str | None = None
    file_sha256: str | None = None
    recorded_at: datetime
    duration: float | None = None
    status: NoteStatus
    progress: float
    error: str | None = None
    model: str | None = None
    transcript: NoteTranscript | None = None
    tags: list[ProfileTag] = Field(default_factory=list)
    created_at: datetime


class TagDecision(BaseModel):
    reason: str | None = Field(None, max_length=2000, description="Why (optional).")


class TagStat(BaseModel):
    id: str
    label: str
    proposed: int
    confirmed: int
    rejected: int
    precision: float | None = Field(
        description="confirmed / (confirmed + rejected); null before any decision."
    )


class TagStats(BaseModel):
    tags: list[TagStat]
    overall_precision: float | None
