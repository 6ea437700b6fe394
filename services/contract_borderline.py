"""Borderline clauses: where the playbook's own decision was close, so an LLM second opinion is worth asking.

"Borderline" is decided here, deterministically, so legal can see why a clause was sent:
- `near_threshold`: a numeric rule read a figure within `second_opinion.margin` of its threshold,
  on either side (付款周期80天 against a 90-day limit; a 100-day term that only just fires);
- `exception`: a rule's trigger matched a sentence but one of its `unless` guards silenced it
  (all IP to the customer "除乙方原有知识产权外") — the playbook looked and said no, narrowly;
- `similarity`: a `source: similarity` flag, a resemblance to an exemplar rather than a rule.
Numeric rules take no `exception` reason: their guards separate other subjects (a late-payment
penalty is not a payment term), which is not a close call. Clauses are ordered by the highest
severity of the kinds concerned, then document order, and capped at `second_opinion.max_clauses`
so a long contract cannot turn one review into an unbounded bill.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractors.clauses import Clause
from services.contract_models import Flag
from services.contract_playbook import Playbook
from services.contract_review import Matcher, body_spans, extract_figure

_SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass
class Borderline:
    """One clause to send, the kinds it is borderline for, and why (sentences a person can read)."""

    clause: Clause
    kinds: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add(self, kind: str, reason: str) -> None:
        if kind not in self.kinds:
            self.kinds.append(kind)
        if reason not in self.reasons:
            self.reasons.append(reason)


def _fmt(value: float) -> str:
    return f"{value:g}"


def borderline_clauses(
    clauses: list[Clause], flags: list[Flag], playbook: Playbook
) -> tuple[list[Borderline], list[Borderline]]:
    """(clauses to send, borderline clauses left out by the cap), each with its reasons."""
    m = Matcher(playbook)
    margin = playbook.second_opinion.margin
    found: dict[int, Borderline] = {}

    def note(clause: Clause, kind: str, reason: str) -> None:
        found.setdefault(clause.index, Borderline(clause)).add(kind, reason)

    for clause in clauses:
        spans = body_spans(clause)
        for kind in playbook.kinds:
            for rule in kind.detection.rules:
                if rule.scope != "sentence" or not m.clause_admits(rule, clause):
                    continue
                for s, e in spans:
                    sent = clause.text[s:e]
                    if (rule.any and not m.any_match(rule.any, sent)) or not m.all_match(rule.all, sent):
                        continue
                    guard = next((g for p in rule.unless if (g := m.c(p).search(sent))), None)
                    if rule.numeric is None:
                        if guard is not None:
                            note(
                                clause,
                                kind.id,
                                f"{kind.id}: the rule's trigger matched but its exception "
                                f"「{guard.group(0)}」 silenced it",
                            )
                        continue
                    if guard is not None:
                        continue
                    threshold_name = rule.numeric.above or rule.numeric.below or ""
                    threshold = float(kind.parameters.get(threshold_name, 0) or 0)
                    fig = extract_figure(kind, rule, m, sent, clause)
                    if fig is None or threshold <= 0 or abs(fig.value - threshold) > margin * threshold:
                        continue
                    shown = _fmt(fig.value)
                    if fig.display and fig.display != shown:
                        shown += f" ({fig.display})"
                    note(
                        clause,
                        kind.id,
                        f"{kind.id}: figure {shown} is within "
                        f"{margin:.0%} of the {threshold_name} threshold {_fmt(threshold)}",
                    )
    by_index = {c.index: c for c in clauses}
    for flag in flags:
        if flag.source != "similarity":
            continue
        clause = next((c for c in by_index.values() if c.number == flag.clause), None)
        if clause is not None:
            note(clause, flag.category, f"{flag.category}: a similarity flag (no rule matched)")

    def rank(item: Borderline) -> tuple[int, int]:
        worst = min(_SEVERITY_RANK[playbook.kind(k).severity] for k in item.kinds)
        return worst, item.clause.index

    ordered = sorted(found.values(), key=rank)
    cap = playbook.second_opinion.max_clauses
    return ordered[:cap], ordered[cap:]
