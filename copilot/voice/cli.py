"""`copilot voice-note add|show|list`: notes from the command line (CUSTOMER: id, external id or name)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import or_, select

from copilot.auth import system_caller
from copilot.cli.common import JSON_HELP, context, emit, err, out
from copilot.errors import InvalidInput, NotFound

NAME = "voice-note"
app = typer.Typer(help="Voice and text notes: transcribe, propose profile tags.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def resolve_customer(reference: str) -> int:
    """A customer by id, external id or exact name (an ambiguous name is an error listing the ids)."""
    from copilot.db.schema import CustomerRow

    with context().db.read() as session:
        if reference.isdigit() and session.get(CustomerRow, int(reference)) is not None:
            return int(reference)
        ids = list(
            session.scalars(
                select(CustomerRow.id).where(
                    or_(CustomerRow.external_id == reference, CustomerRow.name == reference),
                    CustomerRow.merged_into_id.is_(None),
                )
            )
        )
    if not ids:
        raise NotFound(
            f"no customer with id, external id or name {reference!r}", details={"field": "customer"}
        )
    if len(ids) > 1:
        raise InvalidInput(
            f"{len(ids)} customers are named {reference!r}; use the id",
            details={"field": "customer", "ids": ids},
        )
    return ids[0]


def _print_note(note) -> None:  # type: ignore[no-untyped-def]
    out.print(
        f"[bold]note {note.id}[/] customer {note.customer_id} · {note.kind} · [bold]{note.status}[/]"
        + (f" · {note.duration:.1f} s" if note.duration else "")
    )
    if note.error:
        out.print(f"[red]{note.error}[/]")
    if note.transcript:
        out.print(f"[dim]{note.transcript.language}[/] {note.transcript.text}")
    for tag in note.tags:
        ev = tag.evidence
        unit = "s" if ev.source == "voice note" else "chars"
        value = f" = {tag.value}" if tag.value else ""
        out.print(
            f"  #{tag.tag_row_id} [bold]{tag.label}[/] ({tag.id}){value} [{tag.status}] "
            f"conf {tag.confidence:.2f} · {ev.start:g}-{ev.end:g} {unit}: “{ev.quote}”"
        )


def _to_json(note) -> dict:  # type: ignore[no-untyped-def]
    data = note.model_dump(mode="json")
    data["tags"] = [
        {
            "id": t["id"],
            "tag_row_id": t["tag_row_id"],
            "label": t["label"],
            "value": t["value"],
            "evidence": t["evidence"],
            "confidence": t["confidence"],
            "method": t["method"],
            "status": t["status"],
            "explanation": t["explanation"],
        }
        for t in data["tags"]
    ]
    return data


@app.command("add")
def add(
    customer: Annotated[str, typer.Argument(help="Customer id, external id or name")],
    file: Annotated[
        Path | None, typer.Argument(help="The recording (wav, mp3, m4a, ogg, webm, amr, silk)")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="A text note instead of a file")] = None,
    recorded_at: Annotated[
        str | None, typer.Option("--recorded-at", help="ISO 8601 date-time; default now")
    ] = None,
    language: Annotated[str | None, typer.Option(help="zh, en or auto")] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Transcribe now, in this process, and show the result")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a note to a customer: a recording is queued for the worker (or transcribed now with --wait)."""
    from services import voice_notes

    if (file is None) == (text is None):
        raise InvalidInput("give either FILE or --text", details={"field": "file"})
    when = None
    if recorded_at:
        try:
            when = datetime.fromisoformat(recorded_at)
        except ValueError as exc:
            raise InvalidInput("--recorded-at must be ISO 8601", details={"field": "recorded_at"}) from exc
    ctx = context()
    caller = system_caller()
    customer_id = resolve_customer(customer)
    if file is not None:
        if not file.is_file():
            raise InvalidInput(f"no such file: {file}", details={"field": "file"})
        note_id = voice_notes.add_audio_note(
            ctx, caller, customer_id, file.read_bytes(), file.name, recorded_at=when, language=language
        )
        if wait:
            from copilot.worker import run_once

            err.print("transcribing…")
            started = time.monotonic()
            while voice_notes.get_note(ctx, caller, note_id).status in ("queued", "transcribing"):
                if not run_once(ctx, max_jobs=1) and time.monotonic() - started > 5:
                    time.sleep(0.5)
    else:
        note_id = voice_notes.add_text_note(
            ctx, caller, customer_id, text or "", recorded_at=when, language=language
        )
    note = voice_notes.get_note(ctx, caller, note_id)
    emit(_to_json(note), as_json, lambda _: _print_note(note))


@app.command("show")
def show(note_id: int, as_json: JsonOpt = False) -> None:
    """A note: status, transcript and its proposed tags with evidence."""
    from services import voice_notes

    note = voice_notes.get_note(context(), system_caller(), note_id)
    emit(_to_json(note), as_json, lambda _: _print_note(note))


@app.command("list")
def list_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id, external id or name")],
    as_json: JsonOpt = False,
) -> None:
    """A customer's notes, newest first."""
    from services import voice_notes

    notes = voice_notes.list_notes(context(), system_caller(), resolve_customer(customer))
    emit([_to_json(n) for n in notes], as_json, lambda _: [_print_note(n) for n in notes])
