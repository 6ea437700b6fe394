"""The handover package of an account: who matters, what went wrong, what we still owe, what is
open — every entry citing the history it was read from.

A deterministic engine over the account's history (services.handover_models.History) and the
lexicons in prompts/handover/rules.yaml; `build_package` is pure, `prepare_package` reads the
store and keeps the result.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from copilot.models import EvidenceRef
from services.handover_models import (
    ConflictEntry,
    HActivity,
    HandoverPackage,
    History,
    OpportunityEntry,
    PromiseEntry,
)
from services.handover_people import activity_ref, build_people
from services.handover_rules import HandoverRules, find_markers, fold, load_rules
from services.handover_text import parse_due, sentences, topic_tokens

SUMMARY_CHARS = 200


@dataclass
class _Conflict:
    kind: str
    kinds: set[str]
    first: HActivity
    summary: str
    people: set[str]
    evidence: list[EvidenceRef] = field(default_factory=list)
    last_at: datetime | None = None
    resolution: str | None = None


def _people_in(a: HActivity, names: list[str]) -> set[str]:
    text = f"{a.subject or ''} {a.text}"
    return {n for n in names if n and n in text} | {p for p in a.participants if p in names}


def find_conflicts(history: History, rules: HandoverRules, names: list[str]) -> list[ConflictEntry]:
    """Complaints, escalations, late deliveries, lost bids, disputes; follow-ups within
    `conflict_merge_days` join the open conflict of the same kind; later resolution text settles it."""
    conflicts: list[_Conflict] = []
    severity = rules.conflict_severity
    items = [(a, f"{a.subject or ''}。{a.text}") for a in history.activities]
    items += [
        (
            HActivity(
                id=s.id,
                kind="signal",
                occurred_at=s.occurred_at or history.now,
                text=s.text,
                subject=s.title,
                source="signal",
            ),
            f"{s.title}。{s.text}",
        )
        for s in history.signals
    ]
    items.sort(key=lambda x: x[0].occurred_at)
    for a, text in items:
        folded = fold(text)
        kinds = [k for k, markers in rules.conflict_markers.items() if find_markers(folded, markers)]
        if a.kind == "complaint" and "complaint" not in kinds:
            kinds.append("complaint")
        resolved_by = find_markers(folded, rules.resolution_markers)
        involved = _people_in(a, names)
        open_ = [c for c in conflicts if c.resolution is None]
        if resolved_by and open_:
            target = next(
                (c for c in reversed(open_) if c.kind in kinds or (involved and c.people & involved)),
                # a settlement naming nobody and no kind settles the latest open conflict; one naming
                # someone settles only a conflict they were part of
                open_[-1] if not kinds and not involved else None,
            )
            if target is not None:
                quote = next((s for s in sentences(text) if find_markers(fold(s), resolved_by)), text)
                target.resolution = quote[:SUMMARY_CHARS]
                target.evidence.append(activity_ref(a, quote))
                continue
        if not kinds:
            continue
        kinds.sort(key=lambda k: -severity.get(k, 0.5))
        follow = next(
            (
                c
                for c in reversed(open_)
                if (c.kinds & set(kinds) or "escalation" in kinds)
                and (a.occurred_at - (c.last_at or c.first.occurred_at)).days <= rules.conflict_merge_days
            ),
            None,
        )
        quote = next(
            (
                s
                for s in sentences(text)
                if any(find_markers(fold(s), rules.conflict_markers[k]) for k in kinds)
            ),
            text,
        )
        if follow is not None:
            if severity.get(kinds[0], 0) > severity.get(follow.kind, 0):
                follow.kind = kinds[0]
            follow.people |= involved
            follow.kinds |= set(kinds)
            follow.last_at = a.occurred_at
            follow.evidence.append(activity_ref(a, quote))
            continue
        conflict = _Conflict(
            kind=kinds[0],
            kinds=set(kinds),
            first=a,
            summary=quote[:SUMMARY_CHARS],
            people=involved,
            last_at=a.occurred_at,
        )
        conflict.evidence.append(activity_ref(a, quote))
        if resolved_by:
            conflict.resolution = quote[:SUMMARY_CHARS]
        conflicts.append(conflict)
    entries = [
        ConflictEntry(
            id=f"conflict-{c.first.source}-{c.first.id}",
            kind=c.kind,
            summary=c.summary,
            headline=_headline(c.summary, rules),
            occurred_at=c.first.occurred_at,
            people=sorted(c.people),
            resolved=c.resolution is not None,
            resolution=c.resolution,
            severity=round(severity.get(c.kind, 0.5) * (1.0 if c.resolution is None else 0.4), 2),
            evidence=c.evidence,
        )
        for c in conflicts
    ]
    entries.sort(key=lambda e: (e.resolved, -e.severity, -e.occurred_at.timestamp()))
    return entries


def _headline(summary: str, rules: HandoverRules) -> str:
    """The first clause of the summary holding a conflict marker ('备件延迟交货'), verbatim."""
    markers = [m for ms in rules.conflict_markers.values() for m in ms]
    clauses = [c.strip() for c in re.split(r"[,,;;。.!!]", summary) if c.strip()]
    hits = [c for c in clauses if find_markers(fold(c), markers)]
    return hits[0] if hits else summary


@dataclass
class _Promise:
    activity: HActivity
    sentence: str
    tokens: set[str]
    due: datetime | None
    due_reason: str
    to_person: str | None
    evidence: list[EvidenceRef] = field(default_factory=list)
    kept: EvidenceRef | None = None


def _overlap(a: set[str], b: set[str]) -> int:
    return len(a & b)


def find_promises(history: History, rules: HandoverRules, names: list[str]) -> list[PromiseEntry]:
    """Our side's commitments, with due date and status (kept / open / overdue) from later history."""
    promises: list[_Promise] = []
    for a in sorted(history.activities, key=lambda x: x.occurred_at):
        for sentence in sentences(a.text):
            folded = fold(sentence)
            kept_words = find_markers(folded, rules.kept_markers)
            tokens = topic_tokens(sentence, rules)
            if kept_words:
                for p in promises:
                    if (
                        p.kept is None
                        and p.activity.occurred_at <= a.occurred_at
                        and p.activity is not a
                        and _overlap(p.tokens, tokens) >= 1
                    ):
                        p.kept = activity_ref(a, sentence)
                continue
            if not find_markers(folded, rules.promise_markers):
                continue
            if find_markers(folded, rules.customer_side_markers):
                continue
            same = next(
                (
                    p
                    for p in promises
                    if p.kept is None
                    and tokens
                    and _overlap(p.tokens, tokens) >= 0.6 * min(len(p.tokens), len(tokens))
                ),
                None,
            )
            due, due_reason = parse_due(sentence, a.occurred_at, rules)
            if same is not None:  # the promise repeated: keep one, with the latest date said
                same.evidence.append(activity_ref(a, sentence))
                if due is not None:
                    same.due, same.due_reason = due, due_reason
                continue
            person = next((n for n in names if n in sentence), None)
            p = _Promise(a, sentence[:SUMMARY_CHARS], tokens, due, due_reason, person)
            p.evidence.append(activity_ref(a, sentence))
            promises.append(p)
    entries = []
    for p in promises:
        if p.kept is not None:
            status, reason = "kept", f"kept: {p.kept.quote!r} ({p.kept.occurred_at:%Y-%m-%d})"
            evidence = [*p.evidence, p.kept]
        else:
            evidence = p.evidence
            limit = p.due or p.activity.occurred_at + timedelta(days=rules.undated_promise_overdue_days)
            if limit < history.now:
                status = "overdue"
                reason = (
                    f"due {p.due:%Y-%m-%d}, nothing later says it was done"
                    if p.due
                    else f"no date given and nothing done in {rules.undated_promise_overdue_days} days"
                )
            else:
                status, reason = "open", "nothing later says it was done yet"
        entries.append(
            PromiseEntry(
                id=f"promise-{p.activity.source}-{p.activity.id}-{len(entries)}",
                text=p.sentence,
                what=_what(p.sentence, rules),
                made_at=p.activity.occurred_at,
                made_by=None,
                to_person=p.to_person,
                due=p.due,
                due_reason=p.due_reason,
                status=status,  # type: ignore[arg-type]
                status_reason=reason,
                evidence=evidence,
            )
        )
    order = {"overdue": 0, "open": 1, "kept": 2}
    entries.sort(key=lambda e: (order[e.status], e.due or e.made_at))
    return entries


def _what(sentence: str, rules: HandoverRules) -> str:
    """'我们承诺今后备件48小时到货。' -> '今后备件48小时到货': what a customer would call the promise."""
    folded = fold(sentence)
    if len(folded) != len(sentence):  # NFKC changed lengths: offsets would not line up
        return sentence.strip()
    ends = [folded.find(m.lower()) + len(m) for m in find_markers(folded, rules.promise_markers)]
    rest = sentence[min(ends) :] if ends else sentence
    rest = re.sub(r"^[\s,,::。.!!;;]+|[\s,,::。.!!;;]+$", "", rest)
    return rest if len(rest) >= 2 else sentence.strip()


def open_opportunities(history: History) -> list[OpportunityEntry]:
    entries = []
    for o in history.opportunities:
        if o.status != "open":
            continue
        days = (history.now - o.stage_entered_at).days if o.stage_entered_at else None
        entries.append(
            OpportunityEntry(
                id=o.id,
                name=o.name,
                stage=o.stage,
                amount=o.amount,
                product=o.product,
                expected_close=o.expected_close,
                days_in_stage=days,
                gate=o.gate,
                evidence=[
                    EvidenceRef(
                        kind="opportunity",
                        id=str(o.id),
                        source="opportunity",
                        occurred_at=o.stage_entered_at,
                        quote=f"{o.name} · {o.stage} · {o.amount:,.0f}",
                    )
                ],
            )
        )
    entries.sort(key=lambda e: -e.amount)
    return entries


def _missing(history: History) -> list[str]:
    missing = []
    if not history.contacts:
        missing.append("no contacts recorded: import them with `copilot import contacts FILE`")
    if not history.activities:
        missing.append(
            "no activities recorded (calls, visits, complaints, deliveries): "
            "import them with `copilot import activities FILE`"
        )
    if not any(o.status == "open" for o in history.opportunities):
        missing.append("no open opportunity")
    return missing


def build_package(history: History, rules: HandoverRules | None = None) -> HandoverPackage:
    """The relationship map of one account, from its history alone."""
    rules = rules or load_rules()
    people = build_people(history, rules)
    names = [p.name for p in people]
    notes = []
    if importlib.util.find_spec("services.triggers") is None:
        notes.append(
            "triggers: the pre-visit brief's trigger engine is not installed yet, so none are listed"
        )
    if not history.activities and not history.contacts:
        notes.append("this customer has no history yet: the map is empty until contacts and activities exist")
    return HandoverPackage(
        customer_id=history.customer_id,
        customer_name=history.customer_name,
        generated_at=history.now,
        rules_id=rules.id,
        tags=list(history.tags),
        people=people,
        conflicts=find_conflicts(history, rules, names),
        promises=find_promises(history, rules, names),
        opportunities=open_opportunities(history),
        missing=_missing(history),
        notes=notes,
    )
