"""Read one account's history from the store into the plain `History` the engine works on.

What counts as history: contacts, activities (calls, visits, WeChat, email, meetings, notes,
complaints, deliveries, payments), signals, opportunities and the customer's confirmed tags.
Our own users' names and logins are collected so they are never taken for customer people.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.clock import now
from copilot.db.schema import ActivityRow, ContactRow, CustomerRow, OpportunityRow, SignalRow, UserRow
from copilot.dedup.normalise import normalise_person_name
from services.handover_models import HActivity, HContact, History, HOpportunity, HSignal


def our_people(session: Session) -> set[str]:
    names: set[str] = set()
    for login, name in session.execute(select(UserRow.login, UserRow.name)):
        names.add(login.lower())
        names.add(normalise_person_name(login))
        if name:
            names.add(normalise_person_name(name))
            names.add(name.strip().lower())
    names.discard("")
    return names


def _with_gates(session: Session, opportunities: list[HOpportunity]) -> list[HOpportunity]:
    """Each open opportunity's stage clock (timeout, frozen, downgraded) from the stages engine."""
    from copilot.stages.clocks import assess, last_activity
    from copilot.stages.definitions import active_pipeline

    open_ = [o for o in opportunities if o.status == "open" and o.stage_entered_at]
    if not open_:
        return opportunities
    pipeline = active_pipeline(session)
    latest = last_activity(session, [o.id for o in open_])
    at = now()
    for o in open_:
        state = assess(pipeline, o.stage, o.stage_entered_at, latest.get(o.id), at)  # type: ignore[arg-type]
        if state.reasons:
            o.gate = "; ".join(state.reasons)
        elif state.timeout_days:
            o.gate = f"on time: {state.days_in_stage:g} of {state.timeout_days:g} days in {o.stage}"
        else:
            o.gate = f"{state.days_in_stage:g} days in {o.stage} (no timeout)"
    return opportunities


def load_history(session: Session, customer: CustomerRow) -> History:
    owner = session.get(UserRow, customer.owner_id) if customer.owner_id else None
    cid = customer.id
    contacts = [
        HContact(
            id=c.id,
            name=c.name,
            title=c.title,
            department=c.department,
            phone=c.phone,
            notes=c.notes,
            created_at=c.created_at,
        )
        for c in session.scalars(
            select(ContactRow)
            .where(ContactRow.customer_id == cid, ContactRow.merged_into_id.is_(None))
            .order_by(ContactRow.id)
        )
    ]
    activities = [
        HActivity(
            id=a.id,
            kind=a.kind,
            occurred_at=a.occurred_at,
            text=a.text or "",
            subject=a.subject,
            author_id=a.author_id,
            contact_id=a.contact_id,
            participants=list(a.participants or []),
        )
        for a in session.scalars(
            select(ActivityRow)
            .where(ActivityRow.customer_id == cid)
            .order_by(ActivityRow.occurred_at, ActivityRow.id)
        )
    ]
    signals = [
        HSignal(
            id=s.id, type=s.type, title=s.title, text=s.text or "", occurred_at=s.occurred_at, source=s.source
        )
        for s in session.scalars(select(SignalRow).where(SignalRow.customer_id == cid).order_by(SignalRow.id))
    ]
    opportunities = _with_gates(
        session,
        [
            HOpportunity(
                id=o.id,
                name=o.name,
                stage=o.stage,
                status=o.status,
                amount=o.amount or 0.0,
                product=o.product,
                expected_close=o.expected_close,
                stage_entered_at=o.stage_entered_at,
            )
            for o in session.scalars(select(OpportunityRow).where(OpportunityRow.customer_id == cid))
        ],
    )
    return History(
        customer_id=cid,
        customer_name=customer.name,
        now=now(),
        tags=list(customer.tags or []),
        owner_name=owner.name if owner else None,
        contacts=contacts,
        activities=activities,
        signals=signals,
        opportunities=opportunities,
        our_people=our_people(session),
    )
