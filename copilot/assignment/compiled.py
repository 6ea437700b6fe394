"""Rules compiled for speed: conditions with pre-normalised values, sibling rules indexed by a
field they all test (usually region), so a lead is compared only with rules that could match it.

The trace stays complete: a rule rejected by the index is listed with the field and the value
that ruled it out; a rule evaluated and failed names its first failing condition; a matched rule
carries every check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from copilot.assignment.rules import Condition, Op, Rule, RuleSet


def fold(value: Any) -> Any:
    return value.strip().casefold() if isinstance(value, str) else value


@dataclass
class FastCondition:
    source: Condition
    field: str
    op: str
    custom_key: str | None
    values: frozenset[Any] = frozenset()
    low: float | None = None
    high: float | None = None
    needle: str = ""

    @classmethod
    def of(cls, c: Condition) -> FastCondition:
        fc = cls(
            source=c,
            field=c.field,
            op=c.op.value,
            custom_key=c.field[7:] if c.field.startswith("custom.") else None,
        )
        if c.op == Op.equals:
            fc.values = frozenset([fold(c.value)])
        elif c.op == Op.in_:
            fc.values = frozenset(fold(v) for v in c.value)
        elif c.op == Op.range:
            fc.low, fc.high = c.value
        else:
            fc.needle = fold(c.value)
        return fc

    def actual(self, lead: dict[str, Any]) -> Any:
        if self.custom_key is not None:
            return (lead.get("custom") or {}).get(self.custom_key)
        return lead.get(self.field)

    def holds(self, actual: Any) -> bool:
        if actual is None:
            return False
        op = self.op
        if op == "equals" or op == "in":
            return fold(actual) in self.values
        if op == "range":
            try:
                number = float(actual)
            except (TypeError, ValueError):
                return False
            return (self.low is None or number >= self.low) and (self.high is None or number <= self.high)
        return isinstance(actual, str) and self.needle in fold(actual)

    def check(self, lead: dict[str, Any]) -> dict[str, Any]:
        actual = self.actual(lead)
        return {
            "field": self.field,
            "op": self.op,
            "expected": self.source.value,
            "actual": actual,
            "ok": self.holds(actual),
        }

    def why_not(self, actual: Any) -> str:
        return f"{self.field} is {actual!r}, rule wants {self.op} {self.source.value!r}"


@dataclass
class FastRule:
    rule: Rule
    conditions: list[FastCondition]
    children: RuleList | None


@dataclass
class RuleList:
    """Siblings in order; `index` maps a folded value of `index_field` to the siblings that accept it."""

    rules: list[FastRule]
    index_field: str | None = None
    index: dict[Any, list[int]] = field(default_factory=dict)
    rejected: dict[Any, list[str]] = field(default_factory=dict)  # value -> ids the index rules out (memo)


def _index_field(rules: list[Rule]) -> str | None:
    if len(rules) < 4:
        return None
    for c in rules[0].when:
        if c.op not in (Op.equals, Op.in_) or c.field.startswith("custom."):
            continue
        if all(
            r.enabled and any(o.field == c.field and o.op in (Op.equals, Op.in_) for o in r.when)
            for r in rules
        ):
            return c.field
    return None


def compile_rules(rules: list[Rule]) -> RuleList:
    compiled = [
        FastRule(
            rule=r,
            conditions=[FastCondition.of(c) for c in r.when],
            children=compile_rules(r.rules) if r.rules else None,
        )
        for r in rules
    ]
    out = RuleList(rules=compiled, index_field=_index_field(rules))
    if out.index_field:
        for i, fr in enumerate(compiled):
            for fc in fr.conditions:
                if fc.field == out.index_field:
                    for v in fc.values:
                        out.index.setdefault(v, []).append(i)
                    break
    return out


_TREES: dict[int, tuple[RuleSet, RuleList]] = {}


def tree(rule_set: RuleSet) -> RuleList:
    """The compiled rules of a rule set (kept with the object, so ids are never reused)."""
    entry = _TREES.get(id(rule_set))
    if entry is None or entry[0] is not rule_set:
        if len(_TREES) > 256:
            _TREES.clear()
        entry = (rule_set, compile_rules(rule_set.rules))
        _TREES[id(rule_set)] = entry
    return entry[1]
