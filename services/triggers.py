"""Pain-point triggers: a rule engine over a customer's signals, activities and opportunities.

Each rule (data, see `services.trigger_rules`) is a list of conditions that must all hold. A
fired rule becomes a card: title, severity, why (filled from what the conditions found),
suggested action, the evidence it rests on, and the reasons each condition held — so a rep
(and an admin tuning rules) can see exactly why a card is there. Cards land in the owner's
to-do list once per (rule, evidence) combination.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.db.schema import TodoRow, TriggerCardRow
from copilot.models import EvidenceRef
from services.facts import CustomerFacts, Item, opportunity_ref, ref_key
from services.topics import TopicMatcher, load_glossary
from services.trigger_rules import Condition, Rule, load_defaults

MAX_CITED_PER_CONDITION = 5


class TriggerCard(BaseModel):
    rule_id: str
    rule_version: int
    origin: str
    title: str
    severity: str
    why: str
    action: str
    topics: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description="Why each condition held, in order.")
    evidence: list[EvidenceRef] = Field(default_factory=list)
    related: list[EvidenceRef] = Field(
        default_factory=list,
        description="Spans of the customer's calls, contracts and voice notes on the card's topics "
        "(from the search index): context for the visit, not part of why the card fired.",
    )
    dedupe_key: str = ""


@dataclass
class Found:
    """What one condition found: the numbers the `why` template may use, and the evidence."""

    held: bool
    reason: str
    count: int = 0
    title: str = ""
    date: str = ""
    days: int = 0
    stage: str = ""
    refs: list[EvidenceRef] = field(default_factory=list)


SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def _types(condition: Condition) -> set[str]:
    groups = load_defaults().type_groups
    expanded: set[str] = set()
    for name in condition.types:
        expanded.update(groups.get(name, [name]))
    return expanded


def _topic_label(topic: str, lang: str) -> str:
    return load_glossary().topics[topic].name(lang)


def _match_items(
    condition: Condition, facts: CustomerFacts, matcher: TopicMatcher
) -> tuple[list[Item], list[str]]:
    since = facts.now - timedelta(days=condition.within_days)
    pool: list[Item] = []
    if condition.kind in ("signals", "evidence"):
        types = _types(condition)
        pool += [s for s in facts.signals if not types or s.type in types]
    if condition.kind in ("activities", "evidence"):
        kinds = set(condition.kinds)
        pool += [a for a in facts.activities if not kinds or a.type in kinds]
    pool = [i for i in pool if since <= i.occurred_at <= facts.now]
    if condition.topic is None:
        return sorted(pool, key=lambda i: i.occurred_at, reverse=True), []
    matched: list[tuple[Item, str]] = []
    for item in pool:
        hit = matcher.match(condition.topic, item.content)
        if hit:
            matched.append((item, hit.how))
    matched.sort(key=lambda pair: pair[0].occurred_at, reverse=True)
    return [m[0] for m in matched], [f"{m[0].kind} #{m[0].id}: {m[1]}" for m in matched]


def _evaluate_condition(
    condition: Condition, facts: CustomerFacts, matcher: TopicMatcher, zone: ZoneInfo
) -> Found:
    lang = facts.language
    if condition.kind in ("signals", "activities", "evidence"):
        items, hows = _match_items(condition, facts, matcher)
        about = f" about {_topic_label(condition.topic, lang)}" if condition.topic else ""
        what = condition.kind if condition.kind != "evidence" else "signals/activities"
        filt = (
            f" ({', '.join(condition.types + condition.kinds)})" if condition.types or condition.kinds else ""
        )
        reason = (
            f"{len(items)} {what}{filt}{about} in {condition.within_days} days (need ≥{condition.min_count})"
        )
        if hows:
            reason += ": " + "; ".join(hows[:MAX_CITED_PER_CONDITION])
        latest = items[0] if items else None
        return Found(
            held=len(items) >= condition.min_count,
            reason=reason,
            count=len(items),
            title=latest.title if latest else "",
            date=latest.occurred_at.astimezone(zone).strftime("%Y-%m-%d") if latest else "",
            refs=[i.ref for i in items[:MAX_CITED_PER_CONDITION]],
        )
    if condition.kind == "no_activity":
        last = facts.last_activity_at()
        idle = (facts.now - last).days if last else None
        held = idle is None or idle >= condition.days
        reason = (
            f"no activity on record (need ≥{condition.days} days without)"
            if idle is None
            else f"last activity {idle} days ago (need ≥{condition.days})"
        )
        return Found(held=held, reason=reason, days=idle or 0)
    if condition.kind in ("stalled_opportunity", "open_opportunity"):
        open_opps = [o for o in facts.opportunities if o.status == "open"]
        if condition.kind == "stalled_opportunity":
            aged = [(o, (facts.now - o.stage_entered_at).days) for o in open_opps]
            hits = sorted([p for p in aged if p[1] >= condition.min_days], key=lambda p: -p[1])
            reason = f"{len(hits)} open opportunities ≥{condition.min_days} days in stage" + (
                f": #{hits[0][0].id} {hits[0][1]} days in {hits[0][0].stage}" if hits else ""
            )
        else:
            hits = sorted(
                [(o, (facts.now - o.stage_entered_at).days) for o in open_opps], key=lambda p: -p[0].amount
            )
            reason = f"{len(hits)} open opportunities"
        if not hits:
            return Found(held=False, reason=reason)
        opp, days = hits[0]
        return Found(
            held=True,
            reason=reason,
            count=len(hits),
            title=opp.name,
            stage=opp.stage,
            days=days,
            refs=[opportunity_ref(o) for o, _ in hits[:MAX_CITED_PER_CONDITION]],
        )
    # calendar
    month = facts.now.astimezone(zone).month
    return Found(held=month in condition.months, reason=f"month {month} in {condition.months}")


class _Namespace(dict):
    """`{views.count}` in a template reads a Found's attribute; unknown names stay visible."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def evaluate_rule(
    rule: Rule, facts: CustomerFacts, matcher: TopicMatcher, zone: ZoneInfo
) -> tuple[TriggerCard | None, list[str]]:
    """(card or None, reasons): reasons say why each condition held or where it stopped."""
    found: list[Found] = []
    reasons: list[str] = []
    for index, condition in enumerate(rule.all):
        result = _evaluate_condition(condition, facts, matcher, zone)
        reasons.append(f"[{index}] {'✓' if result.held else '✗'} {result.reason}")
        if not result.held:
            return None, reasons
        found.append(result)
    names = _Namespace({c.as_: f for c, f in zip(rule.all, found, strict=True) if c.as_})
    lang = facts.language
    evidence: list[EvidenceRef] = []
    seen: set[str] = set()
    for f in found:
        for ref in f.refs:
            if ref_key(ref) not in seen:
                seen.add(ref_key(ref))
                evidence.append(ref)
    digest = hashlib.sha1("|".join(sorted(seen)).encode()).hexdigest()[:16]
    card = TriggerCard(
        rule_id=rule.id,
        rule_version=rule.version,
        origin=rule.origin,
        title=rule.text("title", lang),
        severity=rule.severity,
        why=rule.text("why", lang).format_map(names),
        action=rule.text("action", lang),
        topics=rule.topics,
        reasons=reasons,
        evidence=evidence,
        dedupe_key=f"trigger:{facts.customer.id}:{rule.id}:{digest}",
    )
    return card, reasons


def evaluate(
    rules: list[Rule], facts: CustomerFacts, matcher: TopicMatcher, zone: ZoneInfo
) -> list[TriggerCard]:
    """Every enabled rule that fires for this customer, most severe and best-evidenced first."""
    matcher.prime([i.content for i in facts.items])
    cards = []
    for rule in rules:
        if not rule.enabled:
            continue
        card, _ = evaluate_rule(rule, facts, matcher, zone)
        if card is not None:
            cards.append(card)
    cards.sort(key=lambda c: (SEVERITY_ORDER[c.severity], -len(c.evidence), c.rule_id))
    return cards


def explain(
    rules: list[Rule], facts: CustomerFacts, matcher: TopicMatcher, zone: ZoneInfo
) -> list[dict[str, Any]]:
    """For admins tuning rules: every rule, fired or not, with each condition's reason."""
    matcher.prime([i.content for i in facts.items])
    out = []
    for rule in rules:
        card, reasons = evaluate_rule(rule, facts, matcher, zone)
        out.append(
            {"rule_id": rule.id, "enabled": rule.enabled, "fired": card is not None, "reasons": reasons}
        )
    return out


def record_cards(session: Session, facts: CustomerFacts, cards: list[TriggerCard]) -> int:
    """Store new cards and put them on the owner's to-do list; the same evidence never repeats a card."""
    if not cards:
        return 0
    keys = [c.dedupe_key for c in cards]
    existing = set(
        session.scalars(select(TriggerCardRow.dedupe_key).where(TriggerCardRow.dedupe_key.in_(keys)))
    )
    owner = facts.customer.owner_id
    created = 0
    for card in cards:
        if card.dedupe_key in existing:
            continue
        evidence = [ref.model_dump(mode="json") for ref in card.evidence]
        session.add(
            TriggerCardRow(
                customer_id=facts.customer.id,
                rule_id=card.rule_id,
                rule_version=card.rule_version,
                severity=card.severity,
                title=card.title,
                why=card.why[:2000],
                action=card.action[:1000],
                evidence=evidence,
                dedupe_key=card.dedupe_key,
                fired_at=facts.now,
            )
        )
        if owner:
            session.add(
                TodoRow(
                    user_id=owner,
                    kind="trigger",
                    title=f"{facts.customer.name}: {card.title}"[:300],
                    body=f"{card.why}\n{card.action}",
                    entity="customer",
                    entity_id=str(facts.customer.id),
                    evidence=evidence,
                    dedupe_key=card.dedupe_key,
                    created_at=facts.now,
                )
            )
        created += 1
    session.flush()
    return created
