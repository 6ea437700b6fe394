"""The handover package's vocabulary: people, conflicts, promises, opportunities, each with evidence.

Also the plain `History` the engine reads: the account's records as simple values, so the same
engine runs on the store (services.handover_history) and on eval fixtures without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from copilot.models import EvidenceRef

# --- what the engine reads -------------------------------------------------------------------


@dataclass
class HContact:
    id: int
    name: str
    title: str | None = None
    department: str | None = None
    phone: str | None = None
    notes: str | None = None
    created_at: datetime | None = None


@dataclass
class HActivity:
    id: int
    kind: str
    occurred_at: datetime
    text: str = ""
    subject: str | None = None
    author_id: int | None = None
    contact_id: int | None = None
    participants: list[str] = field(default_factory=list)
    source: str = "activity"  # activity | transcript_span | voice_note


@dataclass
class HSignal:
    id: int
    type: str
    title: str
    text: str = ""
    occurred_at: datetime | None = None
    source: str = ""


@dataclass
class HOpportunity:
    id: int
    name: str
    stage: str
    status: str
    amount: float = 0.0
    product: str | None = None
    expected_close: date | None = None
    stage_entered_at: datetime | None = None
    gate: str | None = None  # the stage clocks' verdict, when read from the store


@dataclass
class History:
    """Everything known about one account, oldest first; `our_people` are our users' names and logins."""

    customer_id: int
    customer_name: str
    now: datetime
    tags: list[str] = field(default_factory=list)
    owner_name: str | None = None
    contacts: list[HContact] = field(default_factory=list)
    activities: list[HActivity] = field(default_factory=list)
    signals: list[HSignal] = field(default_factory=list)
    opportunities: list[HOpportunity] = field(default_factory=list)
    our_people: set[str] = field(default_factory=set)

    def corpus(self) -> str:
        """All text of the history: what a persona may quote from."""
        parts = [self.customer_name, *self.tags]
        parts += [f"{c.name} {c.title or ''} {c.department or ''} {c.notes or ''}" for c in self.contacts]
        parts += [f"{a.subject or ''} {a.text} {' '.join(a.participants)}" for a in self.activities]
        parts += [f"{s.title} {s.text}" for s in self.signals]
        parts += [
            f"{o.name} {o.stage} {o.product or ''} {o.expected_close or ''}" for o in self.opportunities
        ]
        return "\n".join(parts)


# --- what the engine produces ----------------------------------------------------------------

DealRoleName = Literal["decision_maker", "technical_evaluator", "user", "buyer", "champion", "blocker"]


class Closeness(BaseModel):
    score: int = Field(ge=0, le=100, description="0 = stranger, 100 = close ally.")
    reasons: list[str] = Field(description="Why: frequency, recency, reciprocity, tone, as sentences.")
    frequency: int = Field(description="Interactions with this person in the last 180 days.")
    recency_days: int | None = Field(description="Days since the last interaction; None if never.")
    reciprocity: int = Field(description="Interactions the person started.")
    tone: int = Field(description="Positive minus negative tone words in interactions with them.")


class PersonEntry(BaseModel):
    key: str = Field(description="Normalised name, the merge key.")
    name: str
    title: str | None = None
    contact_id: int | None = None
    role: DealRoleName
    role_reason: str
    influence: float = Field(ge=0, le=1)
    closeness: Closeness
    last_contact: datetime | None = None
    never_met: bool = Field(description="True for people we have never met or spoken with.")
    new_arrival: bool = False
    interactions: int = 0
    evidence: list[EvidenceRef]


class ConflictEntry(BaseModel):
    id: str
    kind: str = Field(description="complaint | escalation | late_delivery | lost_bid | dispute | quality")
    summary: str = Field(description="What happened, quoted from the history.")
    headline: str = Field(description="The clause(s) naming the problem, quoted: what the persona says.")
    occurred_at: datetime
    people: list[str] = Field(default_factory=list, description="Who was involved (names).")
    resolved: bool
    resolution: str | None = None
    severity: float
    evidence: list[EvidenceRef]


class PromiseEntry(BaseModel):
    id: str
    text: str = Field(description="The commitment as our side made it, quoted.")
    what: str = Field(description="What was promised: the sentence after the promise word, verbatim.")
    made_at: datetime
    made_by: str | None = None
    to_person: str | None = None
    due: datetime | None = None
    due_reason: str
    status: Literal["kept", "open", "overdue"]
    status_reason: str
    evidence: list[EvidenceRef]


class OpportunityEntry(BaseModel):
    id: int
    name: str
    stage: str
    amount: float
    product: str | None = None
    expected_close: date | None = None
    days_in_stage: int | None = None
    gate: str | None = Field(None, description="Stage-gate status when the stages engine is installed.")
    evidence: list[EvidenceRef]


class HandoverPackage(BaseModel):
    customer_id: int
    customer_name: str
    generated_at: datetime
    rules_id: str
    tags: list[str] = Field(default_factory=list)
    people: list[PersonEntry]
    conflicts: list[ConflictEntry]
    promises: list[PromiseEntry]
    opportunities: list[OpportunityEntry]
    triggers: list[dict] = Field(default_factory=list)
    missing: list[str] = Field(
        default_factory=list,
        description="What the history lacks, said plainly (no contacts, no activities ...).",
    )
    notes: list[str] = Field(default_factory=list)
