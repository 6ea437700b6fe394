"""Evaluating one condition against a lead, with the reason as data (for the trace), and grading."""

from __future__ import annotations

from typing import Any

from copilot.assignment.rules import Condition, GradeRule, Op


def lead_value(lead: dict[str, Any], field: str) -> Any:
    if field.startswith("custom."):
        return (lead.get("custom") or {}).get(field.removeprefix("custom."))
    return lead.get(field)


def _norm(value: Any) -> Any:
    return value.strip().casefold() if isinstance(value, str) else value


def check(condition: Condition, lead: dict[str, Any]) -> dict[str, Any]:
    """{'field', 'op', 'expected', 'actual', 'ok'}; text compares case- and edge-space-insensitively."""
    actual = lead_value(lead, condition.field)
    ok = False
    if actual is not None:
        if condition.op == Op.equals:
            ok = _norm(actual) == _norm(condition.value)
        elif condition.op == Op.in_:
            ok = _norm(actual) in {_norm(v) for v in condition.value}
        elif condition.op == Op.contains:
            ok = isinstance(actual, str) and _norm(condition.value) in _norm(actual)
        elif condition.op == Op.range:
            low, high = condition.value
            try:
                number = float(actual)
            except (TypeError, ValueError):
                number = None
            ok = number is not None and (low is None or number >= low) and (high is None or number <= high)
    return {
        "field": condition.field,
        "op": condition.op.value,
        "expected": condition.value,
        "actual": actual,
        "ok": ok,
    }


def check_all(conditions: list[Condition], lead: dict[str, Any]) -> tuple[bool, list[dict[str, Any]]]:
    """All conditions must hold; every one is evaluated so the trace shows each reason."""
    results = [check(c, lead) for c in conditions]
    return all(r["ok"] for r in results), results


def grade(rules: list[GradeRule], lead: dict[str, Any]) -> dict[str, Any] | None:
    """The first grading rule that matches, with its checks; None when no grading rule matched."""
    for index, rule in enumerate(rules):
        ok, results = check_all(rule.when, lead)
        if ok:
            return {"grade": rule.grade, "rule": rule.name or f"grading[{index}]", "checks": results}
    return None
