"""Trigger rules: the labelled scenarios fire exactly as labelled, reasons explain each condition,
paraphrases match through embeddings, cards reach the owner's to-do list once."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from copilot import clock
from copilot.auth import system_caller
from copilot.bootstrap import AppContext
from copilot.db.schema import TodoRow, TriggerCardRow
from copilot.errors import InvalidInput
from copilot.records import service as records
from copilot.records.specs import SPECS
from eval.brief.scenarios import load_scenarios, scenario_now, seed_scenario
from services.facts import load_facts
from services.trigger_rules import effective_rules, load_defaults, parse_rule
from services.triggers import evaluate, explain, record_cards

ZONE = ZoneInfo("Asia/Shanghai")
SCENARIOS = {s["id"]: s for s in load_scenarios()}


def _facts(ctx: AppContext, scenario: dict, owner_id: int | None = None):  # type: ignore[no-untyped-def]
    cid = seed_scenario(ctx, scenario, owner_id=owner_id)
    with ctx.db.read() as session:
        customer = records.get_record(session, system_caller(), SPECS["customers"], cid)
        return load_facts(session, system_caller(), customer, scenario_now(scenario))


def test_defaults_cover_the_seed_cases() -> None:
    ids = {r.id for r in load_defaults().rules}
    assert len(ids) >= 12
    for needed in (
        "downtime_risk",
        "tender_published",
        "registry_change",
        "mes_integration_interest",
        "competitor_mention",
        "stalled_opportunity",
        "executive_change",
        "budget_cycle",
    ):
        assert needed in ids


def test_every_scenario_fires_as_labelled(context: AppContext, matcher) -> None:  # type: ignore[no-untyped-def]
    rules = load_defaults().rules
    wrong = {}
    for sid, scenario in SCENARIOS.items():
        fired = {c.rule_id for c in evaluate(rules, _facts(context, scenario), matcher, ZONE)}
        if fired != set(scenario["expect_fire"]):
            wrong[sid] = sorted(fired)
    assert wrong == {}


def test_downtime_card_explains_itself(context: AppContext, matcher) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(context, SCENARIOS["s01"])
    card = next(
        c for c in evaluate(load_defaults().rules, facts, matcher, ZONE) if c.rule_id == "downtime_risk"
    )
    assert card.title == "产线停机风险预警" and card.severity == "high"
    assert "3次查看预测性维护" in card.why and "设备故障停产" in card.why
    assert card.reasons[0].startswith("[0] ✓ 3 signals") and "keyword “预测性维护”" in card.reasons[0]
    assert {e.kind for e in card.evidence} == {"signal"} and len(card.evidence) == 4


def test_two_views_do_not_fire_and_say_why(context: AppContext, matcher) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(context, SCENARIOS["s02"])
    rows = {r["rule_id"]: r for r in explain(load_defaults().rules, facts, matcher, ZONE)}
    assert rows["downtime_risk"]["fired"] is False
    assert (
        "✗ 2 signals" in rows["downtime_risk"]["reasons"][0]
        and "need ≥3" in rows["downtime_risk"]["reasons"][0]
    )


def test_paraphrase_matches_by_embedding(context: AppContext, matcher) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(context, SCENARIOS["s04"])
    card = next(
        c for c in evaluate(load_defaults().rules, facts, matcher, ZONE) if c.rule_id == "downtime_risk"
    )
    assert any("similarity" in r for r in card.reasons)


def test_cards_land_in_the_owner_todo_once(any_context: AppContext, any_org, matcher) -> None:  # type: ignore[no-untyped-def]
    owner = any_org.ids["east.rep"]
    facts = _facts(any_context, SCENARIOS["s07"], owner_id=owner)
    cards = evaluate(load_defaults().rules, facts, matcher, ZONE)
    with any_context.db.transaction() as session:
        assert record_cards(session, facts, cards) == 1
    with any_context.db.transaction() as session:
        assert record_cards(session, facts, cards) == 0
    with any_context.db.read() as session:
        todos = session.query(TodoRow).filter_by(user_id=owner, kind="trigger").all()
        assert len(todos) == 1 and "关键高管变动" in todos[0].title
        assert todos[0].evidence[0]["kind"] == "signal"
        assert session.query(TriggerCardRow).count() == 1


def test_admin_rule_overrides_default(context: AppContext, small_org, matcher) -> None:  # type: ignore[no-untyped-def]
    from copilot.auth import Caller
    from copilot.models import Role

    admin = Caller(
        id=small_org.ids["admin"], login="admin", name="admin", role=Role.admin, department_id=None
    )
    base = (
        load_defaults().rules[0].model_dump(mode="json", by_alias=True, exclude={"id", "version", "origin"})
    )
    base["all"][0]["min_count"] = 2
    from services.trigger_rules import save_rule

    with context.db.transaction() as session:
        rule = save_rule(session, admin, "downtime_risk", base)
    assert rule.origin == "admin"
    with context.db.read() as session:
        rules = effective_rules(session)
    fired = {c.rule_id for c in evaluate(rules, _facts(context, SCENARIOS["s02"]), matcher, ZONE)}
    assert "downtime_risk" in fired  # two views now suffice


@pytest.mark.parametrize(
    ("change", "field"),
    [({"severity": "urgent"}, "severity"), ({"all": [{"kind": "signals", "topic": "nope"}]}, "all.0")],
)
def test_invalid_rules_name_the_field(change: dict, field: str) -> None:
    base = (
        load_defaults().rules[0].model_dump(mode="json", by_alias=True, exclude={"id", "version", "origin"})
    )
    with pytest.raises(InvalidInput) as info:
        parse_rule("downtime_risk", {**base, **change})
    assert info.value.details["field"].startswith(field)


def test_scan_all_creates_cards_for_fresh_customers(context: AppContext, small_org) -> None:  # type: ignore[no-untyped-def]
    from services.triggers_scan import scan_all

    scenario = SCENARIOS["s13"]
    seed_scenario(context, scenario, owner_id=small_org.ids["east.rep"])
    with clock.pinned(scenario_now(scenario)):
        result = scan_all(context, fresh_days=400)
        again = scan_all(context, fresh_days=400)
    assert result["new_cards"] == 1 and again["new_cards"] == 0
