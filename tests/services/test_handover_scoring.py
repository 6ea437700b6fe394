"""Scoring: good scripted dialogues outscore poor ones on every account, no poor one passes, and
each criterion quotes the rep's turn and offers a better alternative."""

from __future__ import annotations

from eval.handover.run import NOW, dialogue_metrics, history_of, load_accounts
from services.handover import build_package
from services.handover_scenarios import build_persona
from services.handover_scoring import score_dialogue
from services.simulation import load_dialogue_rules

ACCOUNTS, OURS = load_accounts()


def test_eval_dialogues_are_ordered_and_no_poor_one_passes() -> None:
    metrics = dialogue_metrics(ACCOUNTS, OURS)
    assert metrics["ordered_share"] >= 0.95
    assert metrics["poor_passed"] == 0
    assert metrics["ungrounded_persona_facts"] == 0


def _persona(scenario: str):  # type: ignore[no-untyped-def]
    package = build_package(history_of(ACCOUNTS[0], 0, OURS))
    return build_persona(
        package, scenario, tags_averse=load_dialogue_rules().monologue_averse_tags, predecessor="赵磊"
    )


def test_each_criterion_quotes_the_turn_and_offers_a_better_alternative() -> None:
    persona = _persona("repair_conflict")
    turns = ["您好。", "备件延迟交货的事情,我们会处理。", "我们下次见面聊。"]
    score = score_dialogue(persona, turns, NOW)
    grades = {c.criterion: c for c in score.criteria}
    assert grades["names_conflict"].grade == "fair" and grades["names_conflict"].quote == turns[1]
    assert grades["dated_next_step"].grade == "fair" and grades["dated_next_step"].turn == 3
    assert grades["references_promise"].grade == "poor" and grades["references_promise"].quote is None
    assert "备件48小时到货" in grades["references_promise"].better
    assert "备件延迟交货" in grades["names_conflict"].better
    assert not score.passed and 0 <= score.score < 70


def test_false_history_fails_even_with_a_high_score() -> None:
    persona = _persona("repair_conflict")
    turns = [
        "王总您好,我是接替赵磊的新负责人。",
        "备件延迟交货是我们的责任,非常抱歉。备件48小时到货已经做到了。",
        "您最担心哪些问题?还有哪些顾虑?",
        "我们下周三上门,可以吗?",
    ]
    score = score_dialogue(persona, turns, NOW)
    grades = {c.criterion: c.grade for c in score.criteria}
    assert grades["no_false_history"] == "poor"
    assert not score.passed and "no_false_history" in score.summary


def test_pass_mark_is_decided_in_code_from_the_rubric() -> None:
    persona = _persona("introduce")
    good = [
        "王总您好,我是接替赵磊的新负责人。",
        "您现在最关心哪些问题?决策还有谁参与?",
        "备件48小时到货,我12月1日前落实。",
        "我们下周三上门拜访,可以吗?",
    ]
    score = score_dialogue(persona, good, NOW)
    assert score.passed and score.score >= score.pass_mark
