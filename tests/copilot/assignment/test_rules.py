from __future__ import annotations

import pytest

from copilot.assignment.rules import Op, Strategy, dump_yaml, load_yaml, parse_rule_set, to_data
from copilot.errors import InvalidInput

NESTED = """
name: nested
rules:
  - id: east
    when: {region: 华东, budget: {range: [100000, null]}, company: {contains: 医院}}
    rules:
      - id: east-med
        when: {industry: [医疗, 汽车制造]}
        assign: {team: T, strategy: weighted_round_robin, weights: {a: 3, b: 1}}
    assign: {users: [a, b]}
fallback: {user: a}
"""


def test_yaml_compact_conditions_parse_and_round_trip() -> None:
    rule_set = load_yaml(NESTED)
    east = rule_set.rules[0]
    assert [(c.field, c.op) for c in east.when] == [
        ("region", Op.equals),
        ("budget", Op.range),
        ("company", Op.contains),
    ]
    assert east.rules[0].when[0].op == Op.in_
    assert east.rules[0].assign.strategy == Strategy.weighted_round_robin
    again = load_yaml(dump_yaml(rule_set))
    assert again == rule_set
    assert parse_rule_set(to_data(rule_set)) == rule_set


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            "name: x\nrules:\n  - id: a\n    when: {colour: red}\n    assign: {users: [u]}\n",
            "rules.0.when.0.field",
        ),
        (
            "name: x\nrules:\n  - id: a\n    when: {budget: {range: [1]}}\n    assign: {users: [u]}\n",
            "rules.0.when.0",
        ),
        ("name: x\nrules:\n  - id: a\n    when: {region: 华东}\n", "rules.0"),
        ("name: x\nrules:\n  - id: a\n    assign: {strategy: round_robin}\n", "rules.0.assign"),
        (
            "name: x\nrules:\n  - id: a\n    assign: {users: [u], strategy: coin_flip}\n",
            "rules.0.assign.strategy",
        ),
    ],
)
def test_bad_rules_name_the_field(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_yaml(text)
    assert caught.value.details["field"] == field


def test_duplicate_rule_ids_are_rejected() -> None:
    with pytest.raises(InvalidInput, match="used twice"):
        load_yaml("name: x\nrules:\n  - {id: a, assign: {users: [u]}}\n  - {id: a, assign: {users: [u]}}\n")


def test_not_yaml_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="not valid YAML"):
        load_yaml("name: [unclosed")
