"""Tagging a stored note: the tagger built once per process, proposals written as `profile_tags`
rows with evidence in seconds (audio, interpolated inside Whisper segments) or characters (text),
rejected spans of the customer suppressed."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from copilot.bootstrap import AppContext
from copilot.clock import to_local
from copilot.db.schema import ContactRow, ProfileTagRow, VoiceNoteRow
from extractors.tags import ContactRef, ProposedTag, Tagger

log = logging.getLogger(__name__)


def get_tagger(context: AppContext) -> Tagger:
    """One tagger per process; exemplar embeddings use the shared embedder when it loads."""

    def build() -> Tagger:
        try:
            from retrieval.embedder import get_embedder

            embedder = get_embedder()
        except Exception as exc:  # the tagger still works on patterns; say so in the log
            log.warning("embedder unavailable, exemplar similarity off: %s", exc)
            embedder = None
        return Tagger(embedder=embedder)

    return context.adapter("tagger", build)


def segment_offsets(segments: list[dict[str, Any]]) -> list[tuple[int, int, float, float]]:
    """Character range of each segment in the joined transcript text, with its seconds."""
    offsets: list[tuple[int, int, float, float]] = []
    position = 0
    for segment in segments:
        text = segment["text"].strip()
        if not text:
            continue
        offsets.append((position, position + len(text), float(segment["start"]), float(segment["end"])))
        position += len(text) + 1
    return offsets


def chars_to_seconds(
    offsets: list[tuple[int, int, float, float]], start: int, end: int
) -> tuple[float, float]:
    """Seconds of a character span, interpolated inside the segments it falls in."""

    def at(char: int) -> float:
        for c_start, c_end, s_start, s_end in offsets:
            if char <= c_end:
                if char <= c_start:
                    return s_start
                return s_start + (s_end - s_start) * (char - c_start) / max(1, c_end - c_start)
        return offsets[-1][3] if offsets else 0.0

    return round(at(start), 2), round(at(end), 2)


def tag_note(context: AppContext, session: Session, note: VoiceNoteRow, tagger: Tagger) -> int:
    """(Re)tag a note: proposed tags replaced, decided ones kept; rejected spans not proposed again."""
    contacts = [
        ContactRef(id=c.id, name=c.name, title=c.title)
        for c in session.scalars(
            select(ContactRow).where(
                ContactRow.customer_id == note.customer_id, ContactRow.merged_into_id.is_(None)
            )
        )
    ]
    rejected = set(
        session.scalars(
            select(ProfileTagRow.span_key).where(
                ProfileTagRow.customer_id == note.customer_id, ProfileTagRow.status == "rejected"
            )
        )
    )
    decided = set(
        session.scalars(
            select(ProfileTagRow.span_key).where(
                ProfileTagRow.note_id == note.id, ProfileTagRow.status != "proposed"
            )
        )
    )
    session.execute(
        delete(ProfileTagRow).where(ProfileTagRow.note_id == note.id, ProfileTagRow.status == "proposed")
    )
    local_day = to_local(note.recorded_at, context.settings.zone).date()  # type: ignore[union-attr]
    proposals = tagger.tag(
        note.text or "",
        recorded_on=local_day,
        language=note.language_hint or note.language,
        contacts=contacts,
        suppressed=rejected | decided,
    )
    offsets = segment_offsets(note.segments or []) if note.kind == "audio" else []
    for proposal in proposals:
        session.add(_tag_row(note, proposal, offsets))
    note.status = "tagged"
    note.progress = 1.0
    note.error = None
    session.flush()
    return len(proposals)


def _tag_row(
    note: VoiceNoteRow, proposal: ProposedTag, offsets: list[tuple[int, int, float, float]]
) -> ProfileTagRow:
    if offsets:
        start, end = chars_to_seconds(offsets, proposal.start, proposal.end)
        unit = "seconds"
    else:
        start, end = float(proposal.start), float(proposal.end)
        unit = "characters"
    evidence = {
        "start": start,
        "end": end,
        "unit": unit,
        "quote": proposal.quote,
        "char_start": proposal.start,
        "char_end": proposal.end,
        "explanation": proposal.explanation,
    }
    return ProfileTagRow(
        note_id=note.id,
        customer_id=note.customer_id,
        tag_id=proposal.tag_id,
        label=proposal.label,
        value=proposal.value,
        evidence=evidence,
        span_key=proposal.span_key,
        confidence=proposal.confidence,
        method=proposal.method,
        status="proposed",
    )
