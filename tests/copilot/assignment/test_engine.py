from __future__ import annotations

from collections import Counter
from typing import Any

from copilot.assignment import engine
from copilot.assignment.people import OrgSnapshot, Person, weighted_sequence
from copilot.assignment.routing import decide_all
from copilot.assignment.rules import load_yaml


def _org() -> OrgSnapshot:
    people = [
        Person(1, "a", "A", "rep", 10, True, True),
        Person(2, "b", "B", "rep", 10, True, True),
        Person(3, "gone", "Gone", "rep", 10, False, False),
        Person(4, "mgr", "Mgr", "manager", 10, True, False),
        Person(5, "c", "C", "rep", 20, True, True),
    ]
    return OrgSnapshot(people={p.login: p for p in people}, departments={"East": 10, "West": 20})


class Owners:
    def owner_of(self, lead: dict[str, Any]) -> tuple[int, int, str] | None:
        return (5, 77, "same USCC") if lead.get("uscc") == "X" else None


RULES = load_yaml(
    """
name: t
teams: {Large: [a, b, gone]}
rules:
  - id: referral
    when: {source: 转介绍}
    assign: {strategy: existing_customer_owner, otherwise: round_robin, team: East}
  - id: east
    when: {region: 华东}
    rules:
      - id: east-large
        when: {size_band: 1000+}
        assign: {team: Large, strategy: weighted_round_robin, weights: {a: 3, b: 1}}
    assign: {team: East}
  - id: territory
    when: {region: 华南}
    assign: {strategy: territory_owner, territory_field: province, territories: {广东省: c, 福建省: gone}}
  - id: empty
    when: {region: Mars}
    assign: {users: [gone]}
fallback: {user: c}
"""
)


def _route(leads: list[dict[str, Any]]) -> list[engine.Decision]:
    counters: Counter[str] = Counter()

    def counter(key: str, n: int) -> int:
        first = counters[key]
        counters[key] += n
        return first

    return decide_all(RULES, _org(), Owners(), leads, counters=counter, loads={})


def test_nested_rules_and_weighted_round_robin_by_size() -> None:
    decisions = _route([{"region": "华东", "size_band": "1000+"} for _ in range(8)])
    assert {d.rule_id for d in decisions} == {"east-large"}
    assert Counter(d.owner.login for d in decisions) == {"a": 6, "b": 2}
    small = _route([{"region": "华东", "size_band": "1-49"} for _ in range(4)])
    assert [d.owner.login for d in small] == [
        "a",
        "b",
        "a",
        "b",
    ]  # the manager and the inactive rep are not in the pool
    pool = small[0].steps["choice"]["pool"]
    assert pool["candidates"] == ["a", "b"]
    assert {"login": "gone", "reason": "inactive (deactivated or departed)"} in pool["excluded"]


def test_weighted_sequence_is_smooth() -> None:
    a, b = _org().people["a"], _org().people["b"]
    assert [p.login for p in weighted_sequence([a, b], {"a": 3, "b": 1})] == ["a", "a", "b", "a"]


def test_existing_customer_owner_then_otherwise() -> None:
    found, missing = _route([{"source": "转介绍", "uscc": "X"}, {"source": "转介绍"}])
    assert found.owner.login == "c" and "existing customer 77" in found.steps["pick"]["why"]
    assert (
        missing.owner.login in {"a", "b"}
        and missing.steps["choice"]["owner_problem"] == "no existing customer with an owner"
    )


def test_territory_owner_away_goes_to_fallback_with_reason() -> None:
    here, away, none = _route(
        [
            {"region": "华南", "province": "广东省"},
            {"region": "华南", "province": "福建省"},
            {"region": "华南"},
        ]
    )
    assert here.owner.login == "c" and here.outcome == "assigned"
    assert away.outcome == "fallback" and "inactive" in away.steps["fallback"]["reason"]
    assert none.outcome == "fallback" and "no territory for province=None" in none.steps["fallback"]["reason"]


def test_empty_pool_and_no_match_fall_back_and_say_why() -> None:
    empty, nothing = _route([{"region": "Mars"}, {"region": "Venus"}])
    assert empty.outcome == "fallback" and "rule empty matched but" in empty.steps["fallback"]["reason"]
    assert nothing.outcome == "fallback" and nothing.steps["fallback"]["reason"] == "no rule matched"
    checks = nothing.steps["rules"][0]
    assert checks["matched"] is False and "region is 'Venus'" in checks["why"] or checks["id"] == "referral"
    assert nothing.steps["summary"] == "fallback to c: no rule matched"


def test_same_inputs_same_decisions() -> None:
    leads = [{"region": r, "size_band": s} for r in ("华东", "华南", "Mars") for s in ("1000+", "1-49")] * 5
    first = [(d.owner.login if d.owner else None, d.rule_id) for d in _route(leads)]
    second = [(d.owner.login if d.owner else None, d.rule_id) for d in _route(leads)]
    assert first == second


def test_no_fallback_leaves_lead_unassigned_with_reason() -> None:
    rules = load_yaml("name: t\nrules:\n  - {id: a, when: {region: US}, assign: {users: [a]}}\n")
    decision = engine.finish(engine.decide(rules, _org(), Owners(), {"region": "North America"}))
    assert decision.outcome == "unassigned" and decision.owner is None
    assert "no fallback" in decision.steps["summary"]
