"""Visit questions: exactly three, each about something this customer did or said, with its evidence.

Order of preference: the fired triggers (most severe first), then recent signals the triggers
did not use, then open opportunities by stage, then the customer's industry. Templates live
in `prompts/questions/templates.yaml`; this module only decides what to ask about.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from copilot.models import EvidenceRef
from services.facts import CustomerFacts, Item, customer_ref, opportunity_ref, ref_key
from services.generation import Plan
from services.topics import PROMPTS_DIR, TopicMatcher
from services.triggers import TriggerCard

TEMPLATES_FILE = PROMPTS_DIR / "questions" / "templates.yaml"
QUESTION_COUNT = 3
SIGNAL_TYPES_BY_TEMPLATE = {"tender": ("tender", "tender_notice", "procurement", "bid", "bidding")}


class Question(BaseModel):
    text: str
    basis: str = Field(description="trigger:<rule> | signal | opportunity | profile")
    specific: bool = Field(description="True when it cites a signal or activity of this customer.")
    generated_by: str = "offline"
    fallback_reason: str | None = None
    evidence: list[EvidenceRef]


@lru_cache(maxsize=1)
def load_templates(path: Path = TEMPLATES_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _slots(facts: CustomerFacts, item: Item | None = None, **extra: str) -> dict[str, str]:
    c = facts.customer
    slots = {"customer": c.name, "industry": c.industry or ("行业" if facts.language == "zh" else "industry")}
    if item is not None:
        slots["title"] = item.title
        slots["date"] = item.occurred_at.strftime("%Y-%m-%d")
    slots.update(extra)
    return slots


def plan_questions(facts: CustomerFacts, cards: list[TriggerCard], matcher: TopicMatcher) -> list[Plan]:
    """Three plans, never fewer: each names its template, slots and evidence."""
    t = load_templates()
    lang = facts.language
    items = {ref_key(i.ref): i for i in facts.items}
    plans: list[Plan] = []
    used_topics: set[str] = set()
    used_refs: set[str] = set()

    def add(
        template: dict[str, str], slots: dict[str, str], evidence: list[EvidenceRef], intent: str, basis: str
    ) -> None:
        plans.append(
            Plan(
                key=f"q{len(plans) + 1}|{basis}",
                intent=intent,
                template=template[lang],
                slots=slots,
                evidence=evidence,
            )
        )
        used_refs.update(ref_key(e) for e in evidence)

    for card in cards:
        if len(plans) == QUESTION_COUNT:
            break
        cited = [items[ref_key(e)] for e in card.evidence if ref_key(e) in items]
        topic = next((tp for tp in card.topics if tp in t["by_topic"] and tp not in used_topics), None)
        fresh = [i for i in cited if ref_key(i.ref) not in used_refs]
        if topic and fresh:
            used_topics.add(topic)
            add(
                t["by_topic"][topic],
                _slots(facts, fresh[0]),
                [i.ref for i in fresh[:3]],
                f"ask about {topic} given trigger {card.rule_id}",
                f"trigger:{card.rule_id}",
            )
        elif fresh and any(i.type in SIGNAL_TYPES_BY_TEMPLATE["tender"] for i in fresh):
            tender = next(i for i in fresh if i.type in SIGNAL_TYPES_BY_TEMPLATE["tender"])
            add(
                t["by_signal_type"]["tender"],
                _slots(facts, tender),
                [tender.ref],
                "ask about the tender",
                f"trigger:{card.rule_id}",
            )

    for item in facts.signals + facts.activities:
        if len(plans) == QUESTION_COUNT:
            break
        if ref_key(item.ref) in used_refs or (facts.now - item.occurred_at).days > 90:
            continue
        topics = [
            tp for tp in matcher.match_all(item.content) if tp in t["by_topic"] and tp not in used_topics
        ]
        if topics:
            used_topics.add(topics[0])
            add(
                t["by_topic"][topics[0]], _slots(facts, item), [item.ref], f"ask about {topics[0]}", item.kind
            )
        elif item.type in SIGNAL_TYPES_BY_TEMPLATE["tender"] and "tender" not in used_topics:
            used_topics.add("tender")
            add(
                t["by_signal_type"]["tender"],
                _slots(facts, item),
                [item.ref],
                "ask about the tender",
                item.kind,
            )

    open_opps = sorted((o for o in facts.opportunities if o.status == "open"), key=lambda o: -o.amount)
    for opp in open_opps:
        if len(plans) == QUESTION_COUNT:
            break
        if ref_key(opportunity_ref(opp)) in used_refs:
            continue
        template = t["by_stage"].get(opp.stage, t["by_stage"]["default"])
        add(
            template,
            _slots(facts, opportunity=opp.name, stage=opp.stage),
            [opportunity_ref(opp)],
            f"advance the opportunity at stage {opp.stage}",
            "opportunity",
        )

    for template in t["by_industry"]["default"]:
        if len(plans) == QUESTION_COUNT:
            break
        industry = facts.customer.industry or "—"
        add(
            template,
            _slots(facts),
            [customer_ref(facts.customer, f"行业: {industry}")],
            "learn the customer's priorities",
            "profile",
        )
    return plans[:QUESTION_COUNT]


def to_question(generated: Any, plan: Plan) -> Question:
    basis = plan.key.split("|", 1)[1]
    return Question(
        text=generated.text,
        basis=basis,
        specific=any(e.kind in ("signal", "activity") for e in generated.evidence),
        generated_by=generated.generated_by,
        fallback_reason=generated.fallback_reason,
        evidence=generated.evidence,
    )
