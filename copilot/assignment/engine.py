"""The routing decision for one lead: grade, walk the rules, filter the pool, choose, fall back.

Pure: it reads a lead (dict), the rule set and an organisation snapshot, and returns a Decision
whose `steps` is the trace. Round robin and least-loaded picks need shared state, so a decision
may be *pending*: the caller supplies the counter value (advanced atomically in the database, or
in memory for a dry run) or the loads, and `finish` completes it. Same inputs, same decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from copilot.assignment import compiled, conditions
from copilot.assignment.compiled import RuleList, fold
from copilot.assignment.people import (
    OrgSnapshot,
    Person,
    Pool,
    build_pool,
    pick_by_counter,
    pick_least_loaded,
)
from copilot.assignment.rules import Action, Rule, RuleSet, Strategy

FALLBACK_RULE = "__fallback__"


class CustomerOwners(Protocol):
    def owner_of(self, lead: dict[str, Any]) -> tuple[int, int, str] | None:
        """(owner user id, customer id, how it was found) of the lead's existing customer, if any."""


@dataclass
class Pending:
    """A pick that needs shared state: a round-robin counter (`key`) or the current loads."""

    strategy: Strategy
    pool: Pool
    key: str | None = None
    weights: dict[str, float] = field(default_factory=dict)


@dataclass
class Decision:
    steps: dict[str, Any]
    outcome: str = "unassigned"  # assigned | fallback | unassigned | kept
    rule_id: str | None = None
    owner: Person | None = None
    grade: str | None = None
    pending: Pending | None = None

    @property
    def owner_id(self) -> int | None:
        return self.owner.id if self.owner else None


def _evaluate(
    rules: RuleList, lead: dict[str, Any], depth: int, tried: list[dict[str, Any]]
) -> tuple[Rule, Action] | None:
    candidates: Any = range(len(rules.rules))
    if rules.index_field is not None:
        actual = lead.get(rules.index_field)
        key = fold(actual)
        candidates = rules.index.get(key, [])
        others = rules.rejected.get(key)
        if others is None:
            chosen = set(candidates)
            others = rules.rejected[key] = [fr.rule.id for i, fr in enumerate(rules.rules) if i not in chosen]
        if others:
            tried.append(
                {
                    "ids": others,
                    "depth": depth,
                    "matched": False,
                    "why": f"{rules.index_field} is {actual!r}; these rules want other values",
                }
            )
    for i in candidates:
        fast = rules.rules[i]
        rule = fast.rule
        entry: dict[str, Any] = {"id": rule.id, "name": rule.name, "depth": depth}
        tried.append(entry)
        if not rule.enabled:
            entry.update(matched=False, why="disabled")
            continue
        failed = None
        for fc in fast.conditions:
            actual = fc.actual(lead)
            if not fc.holds(actual):
                failed = fc.why_not(actual)
                break
        if failed is not None:
            entry.update(matched=False, why=failed)
            continue
        entry.update(matched=True, checks=[fc.check(lead) for fc in fast.conditions])
        entry["why"] = "all conditions hold" if fast.conditions else "no conditions (matches every lead)"
        if fast.children is not None:
            found = _evaluate(fast.children, lead, depth + 1, tried)
            if found:
                return found
            if rule.assign is None:
                entry["why"] += "; no child rule matched, so evaluation continues"
                continue
        if rule.assign is not None:
            return rule, rule.assign
    return None


def _choose(
    rule_set: RuleSet,
    org: OrgSnapshot,
    customers: CustomerOwners,
    lead: dict[str, Any],
    key_id: str,
    action: Action,
) -> tuple[Person | None, Pending | None, dict[str, Any]]:
    """(direct pick, pending pick, trace of the choice); both None means nobody could be chosen."""
    note: dict[str, Any] = {"strategy": action.strategy.value}
    strategy = action.strategy
    if strategy == Strategy.territory_owner:
        value = conditions.lead_value(lead, action.territory_field)
        login = action.territories.get(value) if value is not None else None
        person = org.people.get(login) if login else None
        problem = (
            f"no territory for {action.territory_field}={value!r}"
            if login is None
            else ("territory owner no such user " + login if person is None else person.unavailable_reason())
        )
        if person is not None and problem is None:
            note["why"] = f"territory {action.territory_field}={value} belongs to {login}"
            return person, None, note
        note["owner_problem"] = problem
        if action.otherwise is None:
            return None, None, note
        strategy = action.otherwise
    elif strategy == Strategy.existing_customer_owner:
        found = customers.owner_of(lead)
        person = org.by_id.get(found[0]) if found else None
        problem = (
            "no existing customer with an owner"
            if found is None
            else ("customer owner is not a user" if person is None else person.unavailable_reason())
        )
        if person is not None and problem is None and found is not None:
            note["why"] = f"existing customer {found[1]} ({found[2]}) is owned by {person.login}"
            note["customer_id"] = found[1]
            return person, None, note
        note["owner_problem"] = problem
        if action.otherwise is None:
            return None, None, note
        strategy = action.otherwise
    pool = build_pool(rule_set, org, action.team, action.users)
    note["pool"] = pool.as_trace()
    if not pool.candidates:
        note["why"] = f"the pool ({pool.source}) has no one who can receive leads"
        return None, None, note
    if strategy in (Strategy.territory_owner, Strategy.existing_customer_owner):
        strategy = Strategy.round_robin
    note["strategy"] = strategy.value
    if strategy == Strategy.least_loaded:
        return None, Pending(strategy=strategy, pool=pool), note
    return (
        None,
        Pending(strategy=strategy, pool=pool, key=f"{rule_set.name}:{key_id}", weights=action.weights),
        note,
    )


def decide(
    rule_set: RuleSet,
    org: OrgSnapshot,
    customers: CustomerOwners,
    lead: dict[str, Any],
    *,
    keep_owner: bool = False,
) -> Decision:
    steps: dict[str, Any] = {"rule_set": rule_set.name}
    graded = conditions.grade(rule_set.grading, lead)
    steps["grade"] = graded or {"grade": lead.get("grade"), "rule": None, "why": "no grading rule matched"}
    lead = {**lead, "grade": graded["grade"] if graded else lead.get("grade")}
    decision = Decision(steps=steps, grade=lead["grade"])
    if keep_owner and lead.get("owner_id"):
        owner = org.by_id.get(lead["owner_id"])
        if owner is not None and owner.unavailable_reason() is None:
            decision.owner, decision.outcome = owner, "kept"
            steps["pick"] = {"login": owner.login, "why": "the writer named this owner; routing kept it"}
            return decision
        steps["kept_owner_problem"] = (
            f"the writer named owner {owner.login if owner else lead['owner_id']}, who is "
            + (owner.unavailable_reason() or "" if owner else "not a user")
            + "; routing instead"
        )
    tried: list[dict[str, Any]] = []
    found = _evaluate(compiled.tree(rule_set), lead, 0, tried)
    steps["rules"] = tried
    reason_for_fallback = "no rule matched"
    if found is not None:
        rule, action = found
        decision.rule_id = rule.id
        steps["matched_rule"] = rule.id
        person, pending, note = _choose(rule_set, org, customers, lead, rule.id, action)
        steps["choice"] = note
        if person is not None or pending is not None:
            decision.owner, decision.pending, decision.outcome = person, pending, "assigned"
            if person is not None:
                steps["pick"] = {"login": person.login, "strategy": note["strategy"], "why": note["why"]}
            return decision
        reason_for_fallback = f"rule {rule.id} matched but " + (
            note.get("owner_problem") or note.get("why", "nobody could be chosen")
        )
        if note.get("owner_problem") and note.get("why"):
            reason_for_fallback += f"; {note['why']}"
    steps["fallback"] = {"reason": reason_for_fallback}
    fallback = rule_set.fallback
    if fallback is None:
        steps["fallback"]["result"] = "this rule set has no fallback: the lead stays unassigned"
        return decision
    action = Action(
        team=fallback.team, users=[fallback.user] if fallback.user else [], strategy=fallback.strategy
    )
    person, pending, note = _choose(rule_set, org, customers, lead, FALLBACK_RULE, action)
    steps["fallback"]["choice"] = note
    if person is None and pending is None:
        steps["fallback"]["result"] = (
            "the fallback has no one who can receive leads: the lead stays unassigned"
        )
        return decision
    decision.rule_id, decision.owner, decision.pending, decision.outcome = (
        FALLBACK_RULE,
        person,
        pending,
        "fallback",
    )
    return decision


def finish(
    decision: Decision, *, counter: int | None = None, loads: dict[int, int] | None = None
) -> Decision:
    """Complete a pending pick with the counter value or the loads the caller obtained."""
    pending = decision.pending
    if pending is None:
        _summarise(decision)
        return decision
    if pending.strategy == Strategy.least_loaded:
        person, why = pick_least_loaded(pending.pool, loads or {})
    else:
        if counter is None:
            raise ValueError("a round-robin decision needs its counter value")
        person, why = pick_by_counter(pending.strategy, pending.pool, pending.weights, counter)
        decision.steps["counter"] = {"key": pending.key, "value": counter}
    decision.owner = person
    decision.pending = None
    decision.steps["pick"] = {"login": person.login, "strategy": pending.strategy.value, "why": why}
    _summarise(decision)
    return decision


def _summarise(decision: Decision) -> None:
    steps = decision.steps
    who = decision.owner.login if decision.owner else None
    if decision.outcome == "kept":
        steps["summary"] = f"kept the owner the writer named ({who})"
    elif decision.outcome == "assigned":
        steps["summary"] = f"rule {decision.rule_id} matched; {who} picked: {steps['pick']['why']}"
    elif decision.outcome == "fallback":
        steps["summary"] = f"fallback to {who}: {steps['fallback']['reason']}"
    else:
        steps["summary"] = "unassigned: " + steps.get("fallback", {}).get(
            "result", "no owner could be chosen"
        )
    steps["outcome"] = decision.outcome
    steps["owner"] = who
