"""Voice and text notes: accept, store, transcribe in the background, tag, show.

An upload is written under the data dir by content hash *before* its row commits, and the row
and its transcription job commit together, so an accepted upload is never lost: a crashed worker's
job is picked up again after its lease. Status: queued -> transcribing -> tagged | failed (with the
reason). A text note (what WeChat's own speech-to-text produced) skips the transcriber and goes
through the same tagger at once.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.bootstrap import AppContext
from copilot.clock import ensure_utc, now
from copilot.db import audit
from copilot.db.schema import CustomerRow, JobRow, ProfileTagRow, VoiceNoteRow
from copilot.errors import InvalidInput, NotFound, PayloadTooLarge
from copilot.models import EvidenceRef
from extractors.audio import AudioRejected, sniff_format
from services.voice_index import queue_index
from services.voice_models import NoteTranscript, ProfileTag, TranscriptSegment, VoiceNote
from services.voice_tagging import get_tagger, tag_note

log = logging.getLogger(__name__)

JOB_KIND = "voice_note.transcribe"
AUDIO_EXTENSIONS = {
    ".wav",
    ".mp3",
    ".m4a",
    ".aac",
    ".ogg",
    ".opus",
    ".oga",
    ".webm",
    ".amr",
    ".silk",
    ".slk",
    ".flac",
    ".mp4",
}
LANGUAGES = {"zh", "en"}


# --- visibility ------------------------------------------------------------------------------


def visible_customer(session: Session, caller: auth.Caller, customer_id: int) -> CustomerRow:
    row = session.scalar(
        select(CustomerRow).where(CustomerRow.id == customer_id, auth.customer_scope(caller))
    )
    if row is None:
        exists = session.get(CustomerRow, customer_id) is not None
        raise NotFound(
            f"customer {customer_id} not found"
            + (" (it exists but is not visible to you)" if exists else ""),
            details={"field": "customer_id", "id": customer_id, "exists": exists},
        )
    return row


def visible_note(session: Session, caller: auth.Caller, note_id: int) -> VoiceNoteRow:
    note = session.get(VoiceNoteRow, note_id)
    if note is None:
        raise NotFound(f"voice note {note_id} not found", details={"id": note_id})
    try:
        visible_customer(session, caller, note.customer_id)
    except NotFound as exc:
        raise NotFound(
            f"voice note {note_id} not found (its customer is not visible to you)",
            details={"id": note_id, "exists": True},
        ) from exc
    return note


# --- intake ----------------------------------------------------------------------------------


def _check_language(language: str | None) -> str | None:
    if language in (None, "", "auto"):
        return None
    if language not in LANGUAGES:
        raise InvalidInput(
            f"language must be one of {sorted(LANGUAGES)} or auto",
            details={"field": "language", "value": language},
        )
    return language


def _probe(path: Path) -> None:
    """Reject at once what is plainly not audio (cheap: the container header only)."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if sniff_format(head) != "other":
        return
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise InvalidInput(
                    "the file has no audio stream", code="not_audio", details={"field": "file"}
                )
    except av.error.FFmpegError as exc:
        raise InvalidInput(
            "the file is not audio that can be decoded (unknown format or corrupt header)",
            code="not_audio",
            details={"field": "file", "problem": str(exc)},
        ) from exc


def store_upload(context: AppContext, data: bytes, file_name: str) -> tuple[str, Path]:
    """Write the bytes under uploads/voice/<hash> (idempotent) and return (sha256, path)."""
    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(file_name).suffix.lower()
    if suffix not in AUDIO_EXTENSIONS:
        suffix = ".bin"
    directory = context.settings.uploads_dir / "voice" / digest[:2]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{digest}{suffix}"
    if not path.exists():
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(path)
    return digest, path


def add_audio_note(
    context: AppContext,
    caller: auth.Caller,
    customer_id: int,
    data: bytes,
    file_name: str,
    *,
    recorded_at: datetime | None = None,
    language: str | None = None,
) -> int:
    """Store an upload and queue its transcription; returns the note id (the API answers 202)."""
    language = _check_language(language)
    if not data:
        raise InvalidInput("the file is empty (0 bytes)", code="empty_file", details={"field": "file"})
    if len(data) > context.settings.upload_max_bytes:
        raise PayloadTooLarge(
            f"the file is {len(data)} bytes; the limit is {context.settings.upload_max_bytes}",
            details={"field": "file", "max_bytes": context.settings.upload_max_bytes},
        )
    with context.db.read() as session:
        visible_customer(session, caller, customer_id)
    digest, path = store_upload(context, data, file_name or "upload")
    _probe(path)
    from copilot.worker import enqueue

    with context.db.transaction() as session:
        note = VoiceNoteRow(
            customer_id=customer_id,
            author_id=caller.id or None,
            kind="audio",
            file_sha256=digest,
            file_name=Path(file_name or "upload").name[:300],
            file_path=str(path.relative_to(context.settings.data_dir)),
            file_bytes=len(data),
            recorded_at=ensure_utc(recorded_at) if recorded_at else now(),
            language_hint=language,
            status="queued",
            progress=0.0,
            segments=[],
        )
        session.add(note)
        session.flush()
        note.job_id = enqueue(session, JOB_KIND, {"note_id": note.id})
        audit.record(
            session,
            actor_id=caller.id or None,
            action="voice_note.create",
            entity="voice_note",
            entity_id=note.id,
            after={"customer_id": customer_id, "file_sha256": digest},
        )
        return note.id


def add_text_note(
    context: AppContext,
    caller: auth.Caller,
    customer_id: int,
    text: str,
    *,
    recorded_at: datetime | None = None,
    language: str | None = None,
) -> int:
    """A text note is tagged at once (no transcription); returns the note id."""
    language = _check_language(language)
    if not text or not text.strip():
        raise InvalidInput("the text is empty", details={"field": "text"})
    if len(text) > 50000:
        raise InvalidInput("the text is longer than 50000 characters", details={"field": "text"})
    tagger = get_tagger(context)
    with context.db.transaction() as session:
        visible_customer(session, caller, customer_id)
        from extractors.tags import detect_language

        note = VoiceNoteRow(
            customer_id=customer_id,
            author_id=caller.id or None,
            kind="text",
            recorded_at=ensure_utc(recorded_at) if recorded_at else now(),
            language_hint=language,
            language=language or detect_language(text),
            text=text,
            segments=[],
            status="queued",
            progress=0.0,
        )
        session.add(note)
        session.flush()
        tag_note(context, session, note, tagger)
        queue_index(session, note.id)
        audit.record(
            session,
            actor_id=caller.id or None,
            action="voice_note.create",
            entity="voice_note",
            entity_id=note.id,
            after={"customer_id": customer_id, "kind": "text"},
        )
        return note.id


# --- the background job ----------------------------------------------------------------------


def _set(context: AppContext, note_id: int, **values: Any) -> None:
    with context.db.transaction() as session:
        note = session.get(VoiceNoteRow, note_id)
        if note is not None:
            for key, value in values.items():
                setattr(note, key, value)


def transcribe_job(context: AppContext, payload: dict[str, Any], progress: Any) -> dict[str, Any]:
    """Worker handler: transcribe, tag, record the outcome on the note (failed with the reason)."""
    from extractors.audio import get_transcriber

    note_id = int(payload["note_id"])
    with context.db.read() as session:
        note = session.get(VoiceNoteRow, note_id)
        if note is None:
            raise LookupError(f"voice note {note_id} no longer exists")
        path = context.settings.data_dir / (note.file_path or "")
        hint = note.language_hint
    _set(context, note_id, status="transcribing", progress=0.0, error=None)

    def report(fraction: float) -> None:
        _set(context, note_id, progress=round(0.95 * fraction, 3))
        progress(fraction)

    try:
        transcript = get_transcriber(context).transcribe(path, language=hint, progress=report)
    except AudioRejected as exc:
        _set(context, note_id, status="failed", error=exc.message, progress=1.0)
        return {"note_id": note_id, "status": "failed", "reason": exc.code}
    except Exception as exc:
        _set(context, note_id, status="failed", error=f"transcription failed: {exc}")
        raise
    tagger = get_tagger(context)
    with context.db.transaction() as session:
        note = session.get(VoiceNoteRow, note_id)
        assert note is not None
        note.language = transcript.language
        note.duration = transcript.duration
        note.model = transcript.model
        note.segments = [s.model_dump() for s in transcript.segments]
        note.text = transcript.text
        count = tag_note(context, session, note, tagger)
        queue_index(session, note_id)
    return {"note_id": note_id, "status": "tagged", "tags": count, "duration": transcript.duration}


# --- reading ---------------------------------------------------------------------------------


def tag_out(row: ProfileTagRow, note: VoiceNoteRow | None = None) -> ProfileTag:
    evidence = row.evidence or {}
    return ProfileTag(
        tag_row_id=row.id,
        id=row.tag_id,
        label=row.label,
        value=row.value,
        evidence=EvidenceRef(
            kind="transcript_span",
            id=f"voice_note:{row.note_id}",
            source="voice note" if evidence.get("unit") == "seconds" else "text note",
            file=note.file_name if note is not None else None,
            occurred_at=note.recorded_at if note is not None else None,
            ingested_at=note.created_at if note is not None else None,
            quote=evidence.get("quote", ""),
            start=evidence.get("start"),
            end=evidence.get("end"),
        ),
        char_start=int(evidence.get("char_start", 0)),
        char_end=int(evidence.get("char_end", 0)),
        confidence=row.confidence,
        method=row.method,
        explanation=list(evidence.get("explanation", [])),
        status=row.status,  # type: ignore[arg-type]
        customer_id=row.customer_id,
        note_id=row.note_id,
        decided_at=row.decided_at,
        reason=row.reason,
    )


def note_out(session: Session, note: VoiceNoteRow) -> VoiceNote:
    progress = note.progress
    if note.status == "queued" and note.job_id:
        job = session.get(JobRow, note.job_id)
        if job is not None and job.status == "failed":
            progress = 1.0
    tags = session.scalars(
        select(ProfileTagRow).where(ProfileTagRow.note_id == note.id).order_by(ProfileTagRow.id)
    ).all()
    transcript = None
    if note.text is not None:
        transcript = NoteTranscript(
            language=note.language,
            text=note.text,
            segments=[TranscriptSegment(**s) for s in (note.segments or [])],
        )
    return VoiceNote(
        id=note.id,
        customer_id=note.customer_id,
        author_id=note.author_id,
        kind=note.kind,  # type: ignore[arg-type]
        file_name=note.file_name,
        file_sha256=note.file_sha256,
        recorded_at=note.recorded_at,
        duration=note.duration,
        status=note.status,  # type: ignore[arg-type]
        progress=progress,
        error=note.error,
        model=note.model,
        transcript=transcript,
        tags=[tag_out(t, note) for t in tags],
        created_at=note.created_at,
    )


def get_note(context: AppContext, caller: auth.Caller, note_id: int) -> VoiceNote:
    with context.db.read() as session:
        return note_out(session, visible_note(session, caller, note_id))


def list_notes(context: AppContext, caller: auth.Caller, customer_id: int) -> list[VoiceNote]:
    with context.db.read() as session:
        visible_customer(session, caller, customer_id)
        notes = session.scalars(
            select(VoiceNoteRow)
            .where(VoiceNoteRow.customer_id == customer_id)
            .order_by(VoiceNoteRow.id.desc())
        ).all()
        return [note_out(session, n) for n in notes]


MEDIA_TYPES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".oga": "audio/ogg",
    ".webm": "audio/webm",
    ".amr": "audio/amr",
    ".flac": "audio/flac",
}


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


def audio_path(context: AppContext, caller: auth.Caller, note_id: int) -> Path:
    """The stored upload of a note the caller can see."""
    with context.db.read() as session:
        note = visible_note(session, caller, note_id)
        if note.kind != "audio" or not note.file_path:
            raise NotFound(
                f"voice note {note_id} has no recording (it is a text note)", details={"id": note_id}
            )
        path = context.settings.data_dir / note.file_path
    if not path.exists():
        raise NotFound(
            f"the recording of voice note {note_id} is missing from the data dir", details={"id": note_id}
        )
    return path
