"""Everything the brief knows about one customer, read once from the store, with evidence refs.

Profile, triggers, questions and talk tracks all read the same snapshot, so a brief is one
consistent picture and costs a handful of queries, not one per section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.auth import Caller, activity_scope, signal_scope
from copilot.db.schema import ActivityRow, ContactRow, OpportunityRow, SignalRow, UserRow
from copilot.models import Contact, Customer, EvidenceRef, Opportunity

SIGNAL_HORIZON_DAYS = 365
ACTIVITY_HORIZON_DAYS = 365
MAX_SIGNALS = 400
MAX_ACTIVITIES = 200
QUOTE_CHARS = 240
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Item:
    """A signal or an activity, in the one shape rules and generators read."""

    kind: str  # "signal" | "activity"
    id: int
    type: str  # signal type or activity kind
    title: str
    text: str
    occurred_at: datetime
    ref: EvidenceRef

    @property
    def content(self) -> str:
        return f"{self.title}\n{self.text}".strip() if self.kind == "signal" else self.text or self.title


@dataclass
class CustomerFacts:
    customer: Customer
    owner_name: str | None
    contacts: list[Contact]
    opportunities: list[Opportunity]
    signals: list[Item]
    activities: list[Item]
    now: datetime
    language: str = "zh"
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def items(self) -> list[Item]:
        return self.signals + self.activities

    def last_activity_at(self) -> datetime | None:
        return max((a.occurred_at for a in self.activities), default=None)

    def known_refs(self) -> dict[str, EvidenceRef]:
        """Every evidence id a generator may cite for this customer (`kind:id`)."""
        refs = {ref_key(i.ref): i.ref for i in self.items}
        refs[ref_key(customer_ref(self.customer))] = customer_ref(self.customer)
        for opp in self.opportunities:
            refs[ref_key(opportunity_ref(opp))] = opportunity_ref(opp)
        for contact in self.contacts:
            refs[ref_key(contact_ref(contact))] = contact_ref(contact)
        return refs


def ref_key(ref: EvidenceRef) -> str:
    return f"{ref.kind}:{ref.id}"


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def language_of(customer: Customer) -> str:
    """Chinese customers get Chinese briefs; a Latin-script name gets English."""
    return "zh" if _CJK.search(customer.name or "") else "en"


def signal_ref(row: SignalRow) -> EvidenceRef:
    return EvidenceRef(
        kind="signal",
        id=str(row.id),
        source=row.source,
        url=row.url,
        occurred_at=row.occurred_at,
        ingested_at=row.ingested_at,
        quote=quote(f"{row.title} {row.text}"),
    )


def activity_ref(row: ActivityRow) -> EvidenceRef:
    return EvidenceRef(
        kind="activity",
        id=str(row.id),
        source=f"activity:{row.kind}",
        url=f"/activities/{row.id}",
        occurred_at=row.occurred_at,
        ingested_at=row.created_at,
        quote=quote(f"{row.subject or ''} {row.text}"),
    )


def customer_ref(customer: Customer, quote_text: str | None = None) -> EvidenceRef:
    return EvidenceRef(
        kind="customer",
        id=str(customer.id),
        source="crm",
        url=f"/app/customers/{customer.id}",
        ingested_at=customer.updated_at,
        quote=quote_text or customer.name,
    )


def opportunity_ref(opp: Opportunity) -> EvidenceRef:
    return EvidenceRef(
        kind="opportunity",
        id=str(opp.id),
        source="crm",
        url=f"/opportunities/{opp.id}",
        occurred_at=opp.stage_entered_at,
        ingested_at=opp.updated_at,
        quote=quote(f"{opp.name} · {opp.stage} · {opp.amount:.0f} {opp.currency}"),
    )


def contact_ref(contact: Contact) -> EvidenceRef:
    return EvidenceRef(
        kind="contact",
        id=str(contact.id),
        source="crm",
        url=f"/contacts/{contact.id}",
        ingested_at=contact.updated_at,
        quote=quote(f"{contact.name} {contact.title or ''}"),
    )


def load_facts(session: Session, caller: Caller, customer: Customer, now: datetime) -> CustomerFacts:
    """Read the customer's records visible to the caller (the caller already sees the customer)."""
    contacts = session.scalars(
        select(ContactRow)
        .where(ContactRow.customer_id == customer.id, ContactRow.merged_into_id.is_(None))
        .order_by(ContactRow.id)
    ).all()
    opps = session.scalars(
        select(OpportunityRow).where(OpportunityRow.customer_id == customer.id).order_by(OpportunityRow.id)
    ).all()
    signal_rows = session.scalars(
        select(SignalRow)
        .where(
            SignalRow.customer_id == customer.id,
            signal_scope(caller),
            SignalRow.occurred_at >= now - timedelta(days=SIGNAL_HORIZON_DAYS),
            SignalRow.occurred_at <= now + timedelta(days=1),
        )
        .order_by(SignalRow.occurred_at.desc(), SignalRow.id.desc())
        .limit(MAX_SIGNALS)
    ).all()
    activity_rows = session.scalars(
        select(ActivityRow)
        .where(
            ActivityRow.customer_id == customer.id,
            activity_scope(caller),
            ActivityRow.occurred_at >= now - timedelta(days=ACTIVITY_HORIZON_DAYS),
            ActivityRow.occurred_at <= now + timedelta(days=1),
        )
        .order_by(ActivityRow.occurred_at.desc(), ActivityRow.id.desc())
        .limit(MAX_ACTIVITIES)
    ).all()
    owner = session.get(UserRow, customer.owner_id) if customer.owner_id else None
    signals = [
        Item("signal", r.id, r.type, r.title, r.text or "", r.occurred_at or r.ingested_at, signal_ref(r))
        for r in signal_rows
    ]
    activities = [
        Item(
            "activity",
            r.id,
            r.kind,
            quote(r.text, 60).rstrip("。.!！ ") if r.text else (r.subject or r.kind),
            r.text or "",
            r.occurred_at,
            activity_ref(r),
        )
        for r in activity_rows
    ]
    return CustomerFacts(
        customer=customer,
        owner_name=owner.name if owner else None,
        contacts=[Contact.model_validate(c) for c in contacts],
        opportunities=[Opportunity.model_validate(o) for o in opps],
        signals=signals,
        activities=activities,
        now=now,
        language=language_of(customer),
    )
