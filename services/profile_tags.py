"""The rep's decisions on proposed tags, and what a confirmed tag changes.

Confirm: the tag joins the customer's `tags` (its label, with the value for value tags), keeping
its evidence on the tag row; a `next_step` becomes a to-do with its due date; a decision maker
or stakeholder who is not yet a contact becomes one. Reject: the span key is remembered, so the
same wording is not proposed again for that customer. `tag_stats` turns decisions into
precision per tag id (how much to trust each tag of the taxonomy).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.db import audit
from copilot.db.schema import ContactRow, CustomerRow, ProfileTagRow, TodoRow, VoiceNoteRow
from copilot.errors import Conflict, NotFound
from extractors.tags import load_taxonomy
from services.voice_models import ProfileTag, TagStat, TagStats
from services.voice_notes import tag_out, visible_customer


def profile_label(row: ProfileTagRow) -> str:
    """What the customer's `tags` list shows: the label, plus the value of a value tag."""
    value = row.value or {}
    if row.tag_id == "budget" and value.get("amount"):
        amount = value["amount"]
        shown = (
            f"{amount / 10000:g}万"
            if value.get("currency") == "CNY" and amount >= 10000
            else f"{amount:,.0f}"
        )
        return f"{row.label}: {shown} {value.get('currency', '')}".strip()
    if row.tag_id in ("timeline",) and value.get("date"):
        return f"{row.label}: {value['date']}"
    if row.tag_id == "competitor" and value.get("name"):
        return f"{row.label}: {value['name']}"
    if row.tag_id in ("decision_maker", "stakeholder_change") and value.get("name"):
        return f"{row.label}: {value['name']}"
    return row.label


def _visible_tag(session: Session, caller: auth.Caller, tag_row_id: int) -> ProfileTagRow:
    row = session.get(ProfileTagRow, tag_row_id)
    if row is None:
        raise NotFound(f"tag {tag_row_id} not found", details={"id": tag_row_id})
    try:
        visible_customer(session, caller, row.customer_id)
    except NotFound as exc:
        raise NotFound(
            f"tag {tag_row_id} not found (its customer is not visible to you)",
            details={"id": tag_row_id, "exists": True},
        ) from exc
    return row


def decide(
    context: AppContext,
    caller: auth.Caller,
    tag_row_id: int,
    decision: Literal["confirmed", "rejected"],
    reason: str | None = None,
) -> ProfileTag:
    with context.db.transaction() as session:
        row = _visible_tag(session, caller, tag_row_id)
        if row.status == decision:
            note = session.get(VoiceNoteRow, row.note_id)
            return tag_out(row, note)
        if row.status != "proposed":
            raise Conflict(
                f"tag {tag_row_id} is already {row.status}",
                code="already_decided",
                details={"id": tag_row_id, "status": row.status},
            )
        before = {"status": row.status}
        row.status = decision
        row.decided_by = caller.id or None
        row.decided_at = now()
        row.reason = reason
        note = session.get(VoiceNoteRow, row.note_id)
        effects: dict[str, Any] = {}
        if decision == "confirmed":
            effects = _apply_confirmation(context, session, caller, row, note)
        audit.record(
            session,
            actor_id=caller.id or None,
            action=f"profile_tag.{'confirm' if decision == 'confirmed' else 'reject'}",
            entity="profile_tag",
            entity_id=row.id,
            before=before,
            after={"status": decision, "reason": reason, "tag_id": row.tag_id, **effects},
        )
        session.flush()
        return tag_out(row, note)


def _apply_confirmation(
    context: AppContext, session: Session, caller: auth.Caller, row: ProfileTagRow, note: VoiceNoteRow | None
) -> dict[str, Any]:
    effects: dict[str, Any] = {}
    customer = session.get(CustomerRow, row.customer_id)
    assert customer is not None
    label = profile_label(row)
    if label not in (customer.tags or []):
        customer.tags = [*(customer.tags or []), label]
        effects["customer_tag"] = label
    value = row.value or {}
    if row.tag_id == "next_step":
        owner = (note.author_id if note else None) or caller.id or customer.owner_id
        if owner:
            due = None
            if value.get("due"):
                due_day = datetime.fromisoformat(value["due"]).date()
                due = datetime.combine(due_day, time(18, 0), tzinfo=context.settings.zone)
            evidence = row.evidence or {}
            session.add(
                TodoRow(
                    user_id=owner,
                    kind="voice_next_step",
                    title=(value.get("action") or row.label)[:300],
                    body=f"From a voice note on {customer.name}",
                    entity="customer",
                    entity_id=str(customer.id),
                    due_at=due,
                    evidence=[
                        {
                            "kind": "transcript_span",
                            "id": f"voice_note:{row.note_id}",
                            "quote": evidence.get("quote", ""),
                            "start": evidence.get("start"),
                            "end": evidence.get("end"),
                        }
                    ],
                    dedupe_key=f"profile_tag:{row.id}",
                )
            )
            effects["todo_for"] = owner
    if (
        row.tag_id in ("decision_maker", "stakeholder_change")
        and value.get("new_contact")
        and value.get("name")
    ):
        existing = session.scalar(
            select(ContactRow).where(ContactRow.customer_id == customer.id, ContactRow.name == value["name"])
        )
        if existing is None:
            contact = ContactRow(
                customer_id=customer.id,
                name=value["name"],
                title=value.get("title"),
                notes=f"Proposed from voice note {row.note_id}: {(row.evidence or {}).get('quote', '')}"[
                    :2000
                ],
            )
            session.add(contact)
            session.flush()
            value = {**value, "contact_id": contact.id, "new_contact": False}
            row.value = value
            effects["contact_created"] = contact.id
    return effects


def customer_profile_tags(
    context: AppContext, caller: auth.Caller, customer_id: int, status: str | None = "confirmed"
) -> list[ProfileTag]:
    """The customer's tags with their evidence (what the brief's profile section shows)."""
    with context.db.read() as session:
        visible_customer(session, caller, customer_id)
        query = select(ProfileTagRow).where(ProfileTagRow.customer_id == customer_id)
        if status:
            query = query.where(ProfileTagRow.status == status)
        rows = session.scalars(query.order_by(ProfileTagRow.id)).all()
        notes = {
            n.id: n
            for n in session.scalars(
                select(VoiceNoteRow).where(VoiceNoteRow.id.in_({r.note_id for r in rows}))
            )
        }
        return [tag_out(r, notes.get(r.note_id)) for r in rows]


def tag_stats(context: AppContext, caller: auth.Caller) -> TagStats:
    """Precision per tag id from the decisions on tags of customers the caller can see."""
    taxonomy = load_taxonomy()
    with context.db.read() as session:
        visible = select(CustomerRow.id).where(auth.customer_scope(caller))
        counts = session.execute(
            select(ProfileTagRow.tag_id, ProfileTagRow.status, func.count())
            .where(ProfileTagRow.customer_id.in_(visible))
            .group_by(ProfileTagRow.tag_id, ProfileTagRow.status)
        ).all()
    table: dict[str, dict[str, int]] = {}
    for tag_id, status, count in counts:
        table.setdefault(tag_id, {"proposed": 0, "confirmed": 0, "rejected": 0})[status] = count
    stats: list[TagStat] = []
    for definition in taxonomy.tags:
        row = table.get(definition.id, {"proposed": 0, "confirmed": 0, "rejected": 0})
        decided = row["confirmed"] + row["rejected"]
        stats.append(
            TagStat(
                id=definition.id,
                label=definition.label["zh"],
                proposed=row["proposed"],
                confirmed=row["confirmed"],
                rejected=row["rejected"],
                precision=round(row["confirmed"] / decided, 3) if decided else None,
            )
        )
    confirmed = sum(s.confirmed for s in stats)
    rejected = sum(s.rejected for s in stats)
    return TagStats(
        tags=stats,
        overall_precision=round(confirmed / (confirmed + rejected), 3) if confirmed + rejected else None,
    )
