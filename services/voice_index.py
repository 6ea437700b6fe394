"""Voice-note transcripts into the search index, so search and the brief cite the moment of a recording.

Indexing runs as a worker job because the embedded index belongs to the process that serves
(`copilot serve` runs the worker in-process); the note's own unit of work only queues it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from copilot.bootstrap import AppContext
from copilot.db.schema import CustomerRow, VoiceNoteRow

INDEX_JOB_KIND = "voice.index"


def queue_index(session: Session, note_id: int) -> None:
    """Index the note's transcript in the worker (the process that owns the search index)."""
    from copilot.worker import enqueue

    enqueue(session, INDEX_JOB_KIND, {"note_id": note_id})


def index_job(context: AppContext, payload: dict[str, Any], progress: Any) -> dict[str, Any]:
    """Worker handler: the transcript goes into the index as a `voice_note` document, one chunk per
    run of segments with their seconds (or character offsets for a text note), so search and the
    brief cite the moment of the recording."""
    from retrieval.chunking import Segment
    from retrieval.index import IndexRecord, index_records

    note_id = int(payload["note_id"])
    with context.db.read() as session:
        note = session.get(VoiceNoteRow, note_id)
        if note is None or not (note.text or "").strip():
            return {"note_id": note_id, "indexed": False}
        customer = session.get(CustomerRow, note.customer_id)
        segments = [
            Segment(text=s["text"], start=s.get("start"), end=s.get("end"))
            for s in note.segments or []
            if s.get("text")
        ]
        record = IndexRecord(
            doc_key=f"voice_note:{note.id}",
            kind="voice_note",
            source="voice note" if note.kind != "text" else "text note",
            title=note.file_name or "拜访笔记",
            text="" if segments else note.text,
            segments=segments or None,
            record_id=str(note.id),
            customer_id=note.customer_id,
            department_id=customer.department_id if customer else None,
            owner_id=customer.owner_id if customer else None,
            occurred_at=note.recorded_at,
        )
    report = index_records(context, [record])
    return {"note_id": note_id, "indexed": True, "chunks": getattr(report, "chunks", None)}
