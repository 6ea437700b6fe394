"""Voice and text notes, and the confirmation of the profile tags proposed from them.

(No `from __future__ import annotations`: FastAPI reads the form and body types from the annotations.)
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from copilot.api.deps import CallerDep, ContextDep
from copilot.errors import InvalidInput
from services import profile_tags, voice_notes
from services.voice_models import ProfileTag, TagDecision, TagStats, VoiceNote

router = APIRouter(tags=["voice notes"])


def _recorded_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(
            "recorded_at must be an ISO 8601 date-time, e.g. 2026-11-24T09:30:00+08:00",
            details={"field": "recorded_at", "value": value},
        ) from exc


@router.post(
    "/customers/{customer_id}/voice-notes",
    status_code=202,
    summary="Add a voice note (multipart `file`) or a text note (`text`) to a customer",
    description=(
        "Audio is stored and transcribed in the background: the answer is 202 with the note id; poll "
        "`GET /voice-notes/{id}` for status (queued, transcribing, tagged, failed with the reason) and progress. "
        "A text note is tagged at once (201 with the note). Formats: wav, mp3, m4a/aac, ogg/opus, webm, AMR "
        "(also with DTX), SILK."
    ),
    responses={201: {"model": VoiceNote, "description": "Text note, tagged"}},
)
async def add_note(
    customer_id: int,
    context: ContextDep,
    caller: CallerDep,
    file: Annotated[UploadFile | None, File(description="The recording")] = None,
    text: Annotated[str | None, Form(description="A text note instead of a recording")] = None,
    recorded_at: Annotated[str | None, Form(description="ISO 8601; default now")] = None,
    language: Annotated[str | None, Form(description="zh, en or auto (default)")] = None,
) -> JSONResponse:
    when = _recorded_at(recorded_at)
    if (file is None) == (text is None):
        raise InvalidInput(
            "send either a file or a text, not both and not neither",
            details={"field": "file", "problem": "exactly one of file, text is required"},
        )
    if file is not None:
        data = await file.read()
        note_id = voice_notes.add_audio_note(
            context, caller, customer_id, data, file.filename or "upload", recorded_at=when, language=language
        )
        return JSONResponse(
            {"id": note_id, "status": "queued", "url": f"/voice-notes/{note_id}"},
            status_code=202,
            headers={"Location": f"/voice-notes/{note_id}"},
        )
    note_id = voice_notes.add_text_note(
        context, caller, customer_id, text or "", recorded_at=when, language=language
    )
    note = voice_notes.get_note(context, caller, note_id)
    return JSONResponse(
        note.model_dump(mode="json"), status_code=201, headers={"Location": f"/voice-notes/{note_id}"}
    )


@router.get(
    "/customers/{customer_id}/voice-notes", response_model=list[VoiceNote], summary="A customer's notes"
)
def list_notes(customer_id: int, context: ContextDep, caller: CallerDep) -> list[VoiceNote]:
    return voice_notes.list_notes(context, caller, customer_id)


@router.get(
    "/voice-notes/{note_id}", response_model=VoiceNote, summary="A note: status, transcript, proposed tags"
)
def get_note(note_id: int, context: ContextDep, caller: CallerDep) -> VoiceNote:
    return voice_notes.get_note(context, caller, note_id)


@router.get(
    "/voice-notes/{note_id}/audio",
    summary="The stored recording of a note",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def note_audio(note_id: int, context: ContextDep, caller: CallerDep) -> FileResponse:
    path = voice_notes.audio_path(context, caller, note_id)
    return FileResponse(path, media_type=voice_notes.media_type(path), filename=path.name)


@router.get(
    "/customers/{customer_id}/profile-tags",
    response_model=list[ProfileTag],
    summary="The customer's profile tags with their evidence (confirmed by default)",
)
def customer_tags(
    customer_id: int,
    context: ContextDep,
    caller: CallerDep,
    status: str | None = Query("confirmed", description="confirmed, proposed, rejected or all"),
) -> list[ProfileTag]:
    if status not in ("confirmed", "proposed", "rejected", "all", None):
        raise InvalidInput("status must be confirmed, proposed, rejected or all", details={"field": "status"})
    return profile_tags.customer_profile_tags(
        context, caller, customer_id, None if status == "all" else status
    )


@router.post("/tags/{tag_id}/confirm", response_model=ProfileTag, summary="Confirm a proposed tag")
def confirm(
    tag_id: int, context: ContextDep, caller: CallerDep, body: TagDecision | None = None
) -> ProfileTag:
    return profile_tags.decide(context, caller, tag_id, "confirmed", body.reason if body else None)


@router.post(
    "/tags/{tag_id}/reject",
    response_model=ProfileTag,
    summary="Reject a proposed tag (not proposed again for that span)",
)
def reject(
    tag_id: int, context: ContextDep, caller: CallerDep, body: TagDecision | None = None
) -> ProfileTag:
    return profile_tags.decide(context, caller, tag_id, "rejected", body.reason if body else None)


@router.get(
    "/tags/stats", response_model=TagStats, summary="Precision per tag id from confirmations and rejections"
)
def stats(context: ContextDep, caller: CallerDep) -> TagStats:
    return profile_tags.tag_stats(context, caller)
