"""The simulated customer: grounded on every eval account, tracks concerns, varies its wording."""

from __future__ import annotations

import itertools

import pytest

from copilot.errors import InvalidInput
from eval.handover.run import history_of, load_accounts
from services.handover import build_package
from services.handover_scenarios import SCENARIOS, build_persona
from services.simulation import Simulation, load_dialogue_rules

ACCOUNTS, OURS = load_accounts()
AVERSE = load_dialogue_rules().monologue_averse_tags
PROBES = [
    "您好,我是新接手的负责人。",
    "您最关心哪些问题?",
    "之前发生了什么?",
    "谁来决定?",
    "时间表是什么?",
    "预算多少?",
    "之前的问题都已经解决了。",
    "What happened before?",
    "Who decides?",
    "When is the deadline?",
    "What do you care about?",
    "我们下周三见面吧。",
    "对不起。",
    "好" * 300,
]


def _persona(index: int, scenario: str):  # type: ignore[no-untyped-def]
    account = ACCOUNTS[index]
    history = history_of(account, index, OURS)
    return history, build_persona(build_package(history), scenario, tags_averse=AVERSE, predecessor="赵磊")


@pytest.mark.parametrize("index", range(len(ACCOUNTS)), ids=[a["id"] for a in ACCOUNTS])
def test_persona_never_states_a_fact_absent_from_the_history(index: int) -> None:
    """Every fact slot the persona speaks is verbatim in the account's history, under every probe."""
    for scenario in SCENARIOS:
        history, persona = _persona(index, scenario)
        corpus = history.corpus()
        key = ACCOUNTS[index]["keys"]
        probes = [
            *PROBES,
            f"关于{key['conflict']}",
            f"{key['promises']}已经提供了",
            f"{key['promises']}我12月1日前给您",
        ]
        for seed in range(3):
            sim = Simulation.start(persona.model_copy(deep=True), seed=seed)
            replies = [sim.opening(), *(sim.respond(p) for p in probes)]
            for reply in replies:
                for value in reply.slots:
                    assert value in corpus, (scenario, value)
                # whatever is not a slot is template text, and templates hold no digits
                rest = reply.text
                for value in sorted(set(reply.slots), key=len, reverse=True):
                    rest = rest.replace(value, "")
                assert not any(ch.isdigit() for ch in rest), reply.text


def test_concerns_are_tracked_and_objections_raised_until_addressed() -> None:
    _, persona = _persona(0, "repair_conflict")
    sim = Simulation.start(persona, seed=1)
    opening = sim.opening()
    assert "备件延迟交货" in opening.text
    r1 = sim.respond("您好,我是新来的。")
    assert r1.raised.startswith("conflict-") and not r1.addressed
    r2 = sim.respond("备件延迟交货的事是我们的责任,非常抱歉。")
    assert r2.addressed and r2.raised.startswith("promise-")
    r3 = sim.respond("备件48小时到货我们12月1日起保证。")
    assert r3.raised == "next_step"
    r4 = sim.respond("我们下周三上门拜访,可以吗?")
    assert "next_step" in r4.addressed
    assert sim.addressed_share() == 1.0


def test_questions_are_answered_from_the_accounts_facts() -> None:
    _, persona = _persona(0, "introduce")
    sim = Simulation.start(persona, seed=3)
    sim.opening()
    reply = sim.respond("您现在最关心哪些问题?")
    assert "关注能耗成本" in reply.text and any(e.kind == "tag" for e in reply.facts)
    reply = sim.respond("之前发生了什么?")
    assert "备件延迟交货" in reply.text and any(e.kind == "activity" for e in reply.facts)


def test_wording_varies_between_turns_and_seeds() -> None:
    _, persona = _persona(0, "advance_deal")
    texts = set()
    for seed in range(6):
        sim = Simulation.start(persona.model_copy(deep=True), seed=seed)
        texts.add(sim.opening().text)
    assert len(texts) >= 2
    sim = Simulation.start(persona.model_copy(deep=True), seed=0)
    sim.opening()
    same_question = [sim.respond("嗯。").text for _ in range(4)]
    assert all(a != b for a, b in itertools.pairwise(same_question))


def test_monologue_averse_persona_reacts_badly_to_a_monologue() -> None:
    _, persona = _persona(0, "introduce")  # tagged 反感PPT式汇报
    assert persona.monologue_averse
    sim = Simulation.start(persona, seed=0)
    reply = sim.respond("我们公司是行业领先的供应商。" * 20)
    assert reply.reactions[0] == "monologue_averse"
    _, calm = _persona(1, "introduce")
    assert not calm.monologue_averse
    assert Simulation.start(calm, seed=0).respond("我们公司很好。" * 40).reactions[0] == "monologue"


def test_false_claims_about_the_history_are_contradicted() -> None:
    _, persona = _persona(0, "repair_conflict")
    reply = Simulation.start(persona, seed=0).respond("备件延迟交货的事已经解决了。")
    assert "false_claim" in reply.reactions and not reply.addressed


def test_empty_and_oversized_turns_are_invalid_input() -> None:
    _, persona = _persona(0, "introduce")
    sim = Simulation.start(persona, seed=0)
    with pytest.raises(InvalidInput):
        sim.respond("  ")
    with pytest.raises(InvalidInput):
        sim.respond("好" * 10_001)
    assert sim.respond("好" * 10_000).text


def test_scenarios_without_what_they_need_say_so() -> None:
    account = dict(ACCOUNTS[0], activities=[], opportunity=ACCOUNTS[0]["opportunity"])
    package = build_package(history_of(account, 0, OURS)).model_copy(update={"opportunities": []})
    with pytest.raises(InvalidInput, match="no unresolved conflict"):
        build_persona(package, "repair_conflict", tags_averse=AVERSE)
    with pytest.raises(InvalidInput, match="no open opportunity"):
        build_persona(package, "advance_deal", tags_averse=AVERSE)
    with pytest.raises(InvalidInput, match="unknown scenario"):
        build_persona(package, "small_talk", tags_averse=AVERSE)
