"""The customer profile of the brief: firmographics, people, owner, open deals, tags, last touches.

Every line is a fact from the store with the record it came from as evidence; nothing here is
generated, so the profile is identical with or without an LLM.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from copilot.models import EvidenceRef
from services.facts import CustomerFacts, contact_ref, customer_ref, opportunity_ref

FIRMOGRAPHICS = [
    ("industry", {"zh": "行业", "en": "Industry"}),
    ("size_band", {"zh": "规模", "en": "Size"}),
    ("province", {"zh": "省份", "en": "Region"}),
    ("city", {"zh": "城市", "en": "City"}),
    ("legal_representative", {"zh": "法定代表人", "en": "Legal representative"}),
    ("uscc", {"zh": "统一社会信用代码", "en": "USCC"}),
    ("website", {"zh": "网站", "en": "Website"}),
]
LAST_TOUCHES = 5
# titles that usually sit in the buying committee, most senior first (a hint for ordering only)
SENIORITY_HINTS = ("CEO", "总经理", "CTO", "副总", "副院长", "总监", "Director", "主任", "经理", "Manager")


class Fact(BaseModel):
    label: str
    value: str
    evidence: list[EvidenceRef] = Field(default_factory=list)


class Person(BaseModel):
    name: str
    role: str | None = None
    department: str | None = None
    evidence: list[EvidenceRef]


class Deal(BaseModel):
    name: str
    stage: str
    amount: float
    currency: str
    days_in_stage: int
    expected_close: str | None = None
    evidence: list[EvidenceRef]


class Touch(BaseModel):
    kind: str
    when: str
    summary: str
    evidence: list[EvidenceRef]


class Tag(BaseModel):
    tag: str
    evidence: list[EvidenceRef]


class Profile(BaseModel):
    customer_id: int
    name: str
    owner: str | None
    facts: list[Fact]
    contacts: list[Person]
    opportunities: list[Deal]
    tags: list[Tag]
    last_touches: list[Touch]
    evidence: list[EvidenceRef]


def _seniority(title: str | None) -> int:
    for rank, hint in enumerate(SENIORITY_HINTS):
        if title and hint.lower() in title.lower():
            return rank
    return len(SENIORITY_HINTS)


def build_profile(facts: CustomerFacts) -> Profile:
    c = facts.customer
    lang = facts.language
    zone_fmt = "%Y-%m-%d"
    rows = []
    for field, labels in FIRMOGRAPHICS:
        value = getattr(c, field, None)
        if value:
            rows.append(
                Fact(
                    label=labels[lang],
                    value=str(value),
                    evidence=[customer_ref(c, f"{labels['zh']}: {value}")],
                )
            )
    contacts = sorted(facts.contacts, key=lambda p: (_seniority(p.title), p.id))
    people = [
        Person(name=p.name, role=p.title, department=p.department, evidence=[contact_ref(p)])
        for p in contacts[:8]
    ]
    deals = [
        Deal(
            name=o.name,
            stage=o.stage,
            amount=o.amount,
            currency=o.currency,
            days_in_stage=max(0, (facts.now - o.stage_entered_at).days),
            expected_close=o.expected_close.isoformat() if o.expected_close else None,
            evidence=[opportunity_ref(o)],
        )
        for o in facts.opportunities
        if o.status == "open"
    ]
    tags = [Tag(tag=t, evidence=[customer_ref(c, f"tag: {t}")]) for t in (c.tags or [])]
    touches = [
        Touch(kind=a.type, when=a.occurred_at.strftime(zone_fmt), summary=a.title, evidence=[a.ref])
        for a in facts.activities[:LAST_TOUCHES]
    ]
    return Profile(
        customer_id=c.id,
        name=c.name,
        owner=facts.owner_name,
        facts=rows,
        contacts=people,
        opportunities=deals,
        tags=tags,
        last_touches=touches,
        evidence=[customer_ref(c)],
    )
