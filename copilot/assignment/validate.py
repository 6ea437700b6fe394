"""Checks before publish: unknown values (with did-you-mean), rules that can never match or are
shadowed, empty teams, inactive or unauthorised members, a missing or unusable fallback.

Errors block publishing; warnings are shown and kept with the version.
"""

from __future__ import annotations

from typing import Any

from copilot.assignment.dictionaries import Dictionary
from copilot.assignment.people import OrgSnapshot, build_pool
from copilot.assignment.rules import Action, Condition, Op, Rule, RuleSet, Strategy

DICTIONARY_FIELDS = {
    "region": "regions",
    "source": "sources",
    "industry": "industries",
    "size_band": "size_bands",
}
STRICT_KINDS = {"regions", "sources"}  # unknown -> error; industries and size bands -> warning


class Report:
    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []

    def add(self, level: str, code: str, path: str, message: str, **extra: Any) -> None:
        (self.errors if level == "error" else self.warnings).append(
            {"code": code, "path": path, "message": message, **extra}
        )

    def as_dict(self) -> dict[str, Any]:
        return {"ok": not self.errors, "errors": self.errors, "warnings": self.warnings}


def _check_values(report: Report, d: Dictionary, conditions: list[Condition], path: str) -> None:
    for i, c in enumerate(conditions):
        kind = DICTIONARY_FIELDS.get(c.field)
        if kind is None or c.op not in (Op.equals, Op.in_):
            continue
        for value in c.value if c.op == Op.in_ else [c.value]:
            if d.known(kind, value):
                continue
            suggestions = d.suggest(kind, value)
            hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
            report.add(
                "error" if kind in STRICT_KINDS else "warning",
                "unknown_value",
                f"{path}.when[{i}]",
                f"{c.field} {value!r} is not in the organisation's {kind.replace('_', ' ')}{hint}",
                field=c.field,
                value=value,
                suggestions=suggestions,
            )


def _never_matches(conditions: list[Condition]) -> str | None:
    fixed: dict[str, set[str]] = {}
    for c in conditions:
        if c.op == Op.in_ and not c.value:
            return f"{c.field} in [] can match nothing"
        if c.op == Op.range and None not in c.value and c.value[0] > c.value[1]:
            return f"{c.field} range {c.value} has min above max"
        if c.op in (Op.equals, Op.in_):
            values = {str(v).casefold() for v in (c.value if c.op == Op.in_ else [c.value])}
            if c.field in fixed and not (fixed[c.field] & values):
                return f"{c.field} must be both {sorted(fixed[c.field])} and {sorted(values)}"
            fixed[c.field] = fixed.get(c.field, values) & values
    return None


def _implies(specific: Condition, general: Condition) -> bool:
    """Every lead satisfying `specific` satisfies `general` (same field)."""
    if specific.field != general.field:
        return False

    def values(c: Condition) -> set[str] | None:
        if c.op == Op.equals:
            return {str(c.value).casefold()}
        if c.op == Op.in_:
            return {str(v).casefold() for v in c.value}
        return None

    s, g = values(specific), values(general)
    if s is not None and g is not None:
        return s <= g
    if specific.op == Op.range and general.op == Op.range:
        (sl, sh), (gl, gh) = specific.value, general.value
        return (gl is None or (sl is not None and sl >= gl)) and (gh is None or (sh is not None and sh <= gh))
    if specific.op == Op.contains and general.op == Op.contains:
        return str(general.value).casefold() in str(specific.value).casefold()
    return specific.model_dump() == general.model_dump()


def _shadows(earlier: Rule, later: Rule) -> bool:
    """`earlier` catches every lead `later` could: each of its conditions is implied by one of later's."""
    if not earlier.enabled or earlier.assign is None:
        return False
    return all(any(_implies(lc, ec) for lc in later.when) for ec in earlier.when)


def _check_action(
    report: Report, rule_set: RuleSet, org: OrgSnapshot, d: Dictionary, action: Action, path: str
) -> None:
    for login in [*action.users, *action.weights, *action.territories.values()]:
        if login not in org.people:
            s = d.suggest("logins", login)
            report.add(
                "error",
                "unknown_user",
                path,
                f"user {login!r} does not exist" + (f"; did you mean {s[0]!r}?" if s else ""),
                value=login,
                suggestions=s,
            )
    if action.team and action.team not in rule_set.teams and action.team not in org.departments:
        s = d.suggest("departments", action.team)
        report.add(
            "error",
            "unknown_team",
            path,
            f"team {action.team!r} is neither a team of this rule set nor a department"
            + (f"; did you mean {s[0]!r}?" if s else ""),
            value=action.team,
            suggestions=s,
        )
        return
    needs_pool = (
        action.strategy not in (Strategy.territory_owner, Strategy.existing_customer_owner)
        or action.otherwise
    )
    if not (action.team or action.users):
        if needs_pool:
            report.add("error", "empty_team", path, "the action names no team or users to pick from")
        return
    pool = build_pool(rule_set, org, action.team, action.users)
    if not pool.candidates:
        report.add(
            "error" if needs_pool else "warning",
            "empty_team",
            path,
            f"{pool.source} has no one who can receive leads"
            + (
                ": " + "; ".join(f"{e['login']} {e['reason']}" for e in pool.excluded)
                if pool.excluded
                else " (no members)"
            ),
            excluded=pool.excluded,
        )
    elif pool.excluded:
        report.add(
            "warning",
            "unavailable_members",
            path,
            f"{pool.source}: "
            + "; ".join(f"{e['login']} {e['reason']}" for e in pool.excluded)
            + " (skipped when routing)",
            excluded=pool.excluded,
        )
    for login in action.weights:
        if login in org.people and login not in {p.login for p in pool.candidates}:
            report.add(
                "warning",
                "weight_outside_pool",
                path,
                f"weight for {login}, who is not a candidate of {pool.source}",
            )


def _walk(
    report: Report, rule_set: RuleSet, org: OrgSnapshot, d: Dictionary, rules: list[Rule], path: str
) -> None:
    for i, rule in enumerate(rules):
        here = f"{path}[{i}]({rule.id})"
        _check_values(report, d, rule.when, here)
        never = _never_matches(rule.when)
        if never:
            report.add("error", "never_matches", here, f"rule {rule.id} can never match: {never}")
        for earlier in rules[:i]:
            if _shadows(earlier, rule):
                report.add(
                    "error",
                    "shadowed",
                    here,
                    f"rule {rule.id} is never reached: the earlier rule {earlier.id} catches every lead it would",
                )
                break
        if rule.assign is not None:
            _check_action(report, rule_set, org, d, rule.assign, f"{here}.assign")
        _walk(report, rule_set, org, d, rule.rules, f"{here}.rules")


def validate(rule_set: RuleSet, org: OrgSnapshot, d: Dictionary) -> dict[str, Any]:
    report = Report()
    for name, logins in rule_set.teams.items():
        for login in logins:
            if login not in org.people:
                s = d.suggest("logins", login)
                report.add(
                    "error",
                    "unknown_user",
                    f"teams.{name}",
                    f"team {name}: user {login!r} does not exist"
                    + (f"; did you mean {s[0]!r}?" if s else ""),
                    value=login,
                    suggestions=s,
                )
    for i, g in enumerate(rule_set.grading):
        _check_values(report, d, g.when, f"grading[{i}]")
    _walk(report, rule_set, org, d, rule_set.rules, "rules")
    if rule_set.fallback is None:
        report.add(
            "error",
            "no_fallback",
            "fallback",
            "the rule set has no fallback (兜底分配): a lead no rule places would be left unowned",
        )
    else:
        fb = rule_set.fallback
        _check_action(
            report,
            rule_set,
            org,
            d,
            Action(team=fb.team, users=[fb.user] if fb.user else [], strategy=fb.strategy),
            "fallback",
        )
    return report.as_dict()
