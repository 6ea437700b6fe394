"""The people of an account: contacts and people named in its history, merged, each with a deal
role, influence and a closeness score that gives its reasons.

Merging uses the dedup normaliser (name, phone). Our own users (names and logins) are never
taken for customer people, however often they appear among participants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from copilot.dedup.normalise import normalise_person_name, normalise_phone
from copilot.models import EvidenceRef
from services.handover_models import Closeness, HActivity, History, PersonEntry
from services.handover_rules import HandoverRules, find_markers, fold
from services.handover_text import name_after, sentences

INTERACTION_KINDS = {"call", "visit", "wechat", "email", "meeting", "complaint"}
FREQUENCY_WINDOW_DAYS = 180


@dataclass
class _Person:
    key: str
    name: str
    title: str | None = None
    contact_id: int | None = None
    phone_key: str = ""
    new_arrival: bool = False
    interactions: list[HActivity] = field(default_factory=list)
    mentions: list[tuple[HActivity, str]] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    evidence: list[EvidenceRef] = field(default_factory=list)


def activity_ref(a: HActivity, quote: str) -> EvidenceRef:
    return EvidenceRef(
        kind=a.source, id=str(a.id), source=a.kind, occurred_at=a.occurred_at, quote=quote[:300]
    )


def is_ours(name: str, history: History) -> bool:
    return normalise_person_name(name) in history.our_people or name.strip().lower() in history.our_people


def collect_people(history: History, rules: HandoverRules) -> dict[str, _Person]:
    """Contacts first (merged by name, then phone), then participants and new arrivals named in text."""
    people: dict[str, _Person] = {}
    by_phone: dict[str, str] = {}
    for c in history.contacts:
        if is_ours(c.name, history):
            continue
        key = normalise_person_name(c.name)
        phone = normalise_phone(c.phone)
        key = by_phone.get(phone, key) if phone else key
        person = people.setdefault(key, _Person(key=key, name=c.name))
        person.title = person.title or c.title
        person.contact_id = person.contact_id or c.id
        if phone:
            person.phone_key = phone
            by_phone.setdefault(phone, key)
        quote = " ".join(x for x in (c.name, c.title, c.department, c.notes) if x)
        person.evidence.append(EvidenceRef(kind="contact", id=str(c.id), source="contact", quote=quote))
        if c.notes and find_markers(fold(c.notes), rules.new_arrival_markers):
            person.new_arrival = True
    by_contact = {p.contact_id: p for p in people.values() if p.contact_id}
    title_words = sorted(
        {t for role in rules.deal_roles.values() for t in role.titles}, key=len, reverse=True
    )
    for a in history.activities:
        involved: set[str] = set()
        if a.contact_id in by_contact:
            involved.add(by_contact[a.contact_id].key)
        for name in a.participants:
            if not name.strip() or is_ours(name, history):
                continue
            key = normalise_person_name(name)
            people.setdefault(key, _Person(key=key, name=name.strip()))
            involved.add(key)
        if a.kind in INTERACTION_KINDS:
            for key in involved:
                people[key].interactions.append(a)
        _new_arrivals(a, history, rules, people, title_words)
    for a in history.activities:
        text = f"{a.subject or ''} {a.text}"
        for person in people.values():
            if len(person.name) >= 2 and person.name in text:
                quote = next((s for s in sentences(text) if person.name in s), text)
                person.mentions.append((a, quote))
                person.clauses += [c for c in re.split(r"[,,;;。.!!??]", text) if person.name in c]
    return people


def _new_arrivals(
    a: HActivity, history: History, rules: HandoverRules, people: dict[str, _Person], titles: list[str]
) -> None:
    """'新任采购经理孙涛' / 'newly appointed CFO Anna Berg': a person we have not met yet."""
    text = a.text or ""
    folded = fold(text)
    for marker in find_markers(folded, rules.new_arrival_markers):
        for m in re.finditer(re.escape(marker.lower()), folded):
            pos = m.end()
            window = folded[pos : pos + 12]
            title_end, title = 0, None
            for t in titles:
                idx = window.find(t.lower())
                if idx >= 0 and idx + len(t) > title_end:
                    title_end, title = idx + len(t), text[pos + idx : pos + idx + len(t)]
            name = name_after(text, pos + title_end, rules)
            if not name or is_ours(name, history):
                continue
            key = normalise_person_name(name)
            person = people.setdefault(key, _Person(key=key, name=name))
            person.new_arrival = True
            person.title = person.title or title
            quote = next((s for s in sentences(text) if name in s), text)
            person.evidence.append(activity_ref(a, quote))


def _role(person: _Person, rules: HandoverRules, texts: list[str]) -> tuple[str, float, str]:
    title = fold(person.title)
    role, influence, reason = rules.default_role, rules.default_influence, "no title on record"
    for name, spec in rules.deal_roles.items():
        hit = find_markers(title, spec.titles) if title else []
        if hit:
            role, influence, reason = name, spec.influence, f"title {person.title!r} ({hit[0]})"
            break
    joined = fold(" ".join(texts))
    for stance, markers in (("blocker", rules.blocker_markers), ("champion", rules.champion_markers)):
        hit = find_markers(joined, markers)
        if hit:
            bonus = rules.stance_roles[stance].influence_bonus if stance in rules.stance_roles else 0
            return stance, min(1.0, influence + bonus), f"said of them: {hit[0]!r}; {reason}"
    return role, influence, reason


def _closeness(person: _Person, texts: list[str], now: datetime, rules: HandoverRules) -> Closeness:
    recent = [a for a in person.interactions if (now - a.occurred_at).days <= FREQUENCY_WINDOW_DAYS]
    last = max((a.occurred_at for a in person.interactions), default=None)
    recency = (now - last).days if last else None
    inbound = sum(1 for a in person.interactions if find_markers(fold(a.text), rules.inbound_markers))
    joined = fold(" ".join(texts))
    positive = find_markers(joined, rules.tone_positive)
    negative = find_markers(joined, rules.tone_negative)
    tone = len(positive) - len(negative)
    freq_points = min(len(recent), 8) / 8 * 35
    rec_points = (
        0
        if recency is None
        else 25
        if recency <= 30
        else 15
        if recency <= 90
        else 5
        if recency <= FREQUENCY_WINDOW_DAYS
        else 0
    )
    recip_points = min(inbound, 3) / 3 * 15
    tone_points = max(0.0, min(25.0, 12.5 + tone * 5)) if (positive or negative or person.interactions) else 0
    reasons = [
        f"frequency: {len(recent)} interactions in the last {FREQUENCY_WINDOW_DAYS} days",
        f"recency: last contact {recency} days ago" if recency is not None else "recency: never met",
        f"reciprocity: they reached out {inbound} times",
        "tone: "
        + (
            f"{len(positive)} positive ({', '.join(positive[:3])}) / {len(negative)} negative"
            + (f" ({', '.join(negative[:3])})" if negative else "")
            if positive or negative
            else "neutral"
        ),
    ]
    return Closeness(
        score=round(freq_points + rec_points + recip_points + tone_points),
        reasons=reasons,
        frequency=len(recent),
        recency_days=recency,
        reciprocity=inbound,
        tone=tone,
    )


def build_people(history: History, rules: HandoverRules) -> list[PersonEntry]:
    entries = []
    for person in collect_people(history, rules).values():
        texts = [q for _, q in person.mentions] + [a.text for a in person.interactions]
        role, influence, role_reason = _role(person, rules, person.clauses)
        influence = min(1.0, influence + min(0.1, 0.01 * len(person.mentions)))
        evidence = list(person.evidence)
        seen = {(e.kind, e.id) for e in evidence}
        for a in sorted(person.interactions, key=lambda x: x.occurred_at, reverse=True)[:5]:
            if (a.source, str(a.id)) not in seen:
                evidence.append(activity_ref(a, a.text or a.subject or ""))
                seen.add((a.source, str(a.id)))
        for a, quote in person.mentions[-3:]:
            if (a.source, str(a.id)) not in seen:
                evidence.append(activity_ref(a, quote))
                seen.add((a.source, str(a.id)))
        last = max((a.occurred_at for a in person.interactions), default=None)
        entries.append(
            PersonEntry(
                key=person.key,
                name=person.name,
                title=person.title,
                contact_id=person.contact_id,
                role=role,  # type: ignore[arg-type]
                role_reason=role_reason,
                influence=round(influence, 2),
                closeness=_closeness(person, texts, history.now, rules),
                last_contact=last,
                never_met=not person.interactions,
                new_arrival=person.new_arrival,
                interactions=len(person.interactions),
                evidence=evidence,
            )
        )
    entries.sort(key=lambda p: (-p.influence, -p.closeness.score, p.name))
    return entries
