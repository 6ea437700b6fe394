"""The `voice` demo step: text notes tagged (some tags confirmed or rejected by the customer's
rep) and a few English recordings queued for the worker, so the voice page has something to show."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from copilot.auth import caller_from_row, system_caller
from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.db.schema import CustomerRow, UserRow

NOTES = Path(__file__).parent / "demo_notes.yaml"
AUDIO_DIR = Path(__file__).resolve().parents[2] / "eval" / "voice" / "audio"


def load_voice_demo(context: AppContext, state: Any) -> dict[str, Any]:
    from services import profile_tags, voice_notes

    plan = yaml.safe_load(NOTES.read_text(encoding="utf-8"))
    customers = _customers_with_owner(context, state.customers)
    counts = {"text_notes": 0, "tags_proposed": 0, "confirmed": 0, "rejected": 0, "audio_queued": 0}
    for item in plan["text_notes"]:
        customer_id, caller = customers[item["customer"] % len(customers)]
        note_id = voice_notes.add_text_note(
            context, caller, customer_id, item["text"], recorded_at=now() - timedelta(days=item["days_ago"])
        )
        note = voice_notes.get_note(context, caller, note_id)
        counts["text_notes"] += 1
        counts["tags_proposed"] += len(note.tags)
        for tag in note.tags:
            if tag.id in item.get("confirm", []):
                profile_tags.decide(context, caller, tag.tag_row_id, "confirmed")
                counts["confirmed"] += 1
            elif tag.id in item.get("reject", []):
                profile_tags.decide(
                    context, caller, tag.tag_row_id, "rejected", "demo: not a rival on this deal"
                )
                counts["rejected"] += 1
    for item in plan["audio_notes"]:
        path = AUDIO_DIR / item["file"]
        if not path.exists():
            continue
        customer_id, caller = customers[item["customer"] % len(customers)]
        voice_notes.add_audio_note(
            context,
            caller,
            customer_id,
            path.read_bytes(),
            path.name,
            recorded_at=now() - timedelta(days=item["days_ago"]),
            language="en",
        )
        counts["audio_queued"] += 1
    return counts


def _customers_with_owner(context: AppContext, ids: list[int]) -> list[tuple[int, Any]]:
    """Demo customers that have an owner, each with its owner as the caller (the rep who visited)."""
    chosen: list[tuple[int, Any]] = []
    with context.db.read() as session:
        for customer_id in ids:
            row = session.get(CustomerRow, customer_id)
            if row is None or row.merged_into_id is not None:
                continue
            owner = session.get(UserRow, row.owner_id) if row.owner_id else None
            if owner is not None and owner.active:
                chosen.append((customer_id, caller_from_row(owner)))
            if len(chosen) >= 10:
                break
    return chosen or [(ids[0], system_caller())]
