"""Helpers for the assignment tests: a published rule set over the small organisation."""

from __future__ import annotations

import pytest

from copilot.assignment import versions
from copilot.assignment.rules import load_yaml
from copilot.bootstrap import AppContext

RULES = """
name: test
grading:
  - grade: A
    when: {budget: {range: [500000, null]}, decision_role: IT总监}
rules:
  - id: east
    when: {region: 华东}
    assign: {team: 华东事业部, strategy: round_robin}
  - id: na
    when: {region: North America}
    assign: {team: 北美事业部}
fallback: {user: sea.rep}
"""


def publish(ctx: AppContext, text: str = RULES) -> int:
    with ctx.db.transaction() as session:
        row = versions.save_draft(session, load_yaml(text))
        versions.simulate_version(session, row, sample=50)
        versions.publish(session, row)
        return row.id


@pytest.fixture
def published(context: AppContext, small_org) -> int:  # type: ignore[no-untyped-def]
    return publish(context)
