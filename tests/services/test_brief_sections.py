"""Questions, talk tracks and the profile: exactly three cited questions, three talk tracks on
distinct pain points chosen with reasons, and a profile whose every line cites its record."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from copilot.auth import system_caller
from copilot.bootstrap import AppContext
from copilot.records import service as records
from copilot.records.specs import SPECS
from eval.brief.scenarios import load_scenarios, scenario_now, seed_scenario
from services.facts import load_facts
from services.generation import OfflineGenerator, generate_grounded
from services.profile import build_profile
from services.questions import plan_questions
from services.talk_tracks import load_library, plan_tracks
from services.trigger_rules import load_defaults
from services.triggers import evaluate

SCENARIOS = {s["id"]: s for s in load_scenarios()}


def _facts(ctx: AppContext, sid: str, tags: list[str] | None = None):  # type: ignore[no-untyped-def]
    scenario = dict(SCENARIOS[sid])
    scenario["customer"] = {**scenario["customer"], "tags": tags or []}
    cid = seed_scenario(ctx, scenario)
    with ctx.db.read() as session:
        customer = records.get_record(session, system_caller(), SPECS["customers"], cid)
        return load_facts(session, system_caller(), customer, scenario_now(scenario))


def test_library_is_large_bilingual_and_complete() -> None:
    library = load_library()
    assert len(library) >= 40
    assert {e.lang for e in library} == {"zh", "en"}
    assert all(e.when_to_use and e.proof_points and e.stages and e.industries for e in library)


def test_three_specific_questions_for_the_seed_automaker(context: AppContext, matcher) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(context, "s01")
    cards = evaluate(load_defaults().rules, facts, matcher, ZoneInfo("Asia/Shanghai"))
    plans = plan_questions(facts, cards, matcher)
    generated, _ = generate_grounded(OfflineGenerator(), "questions", plans, "zh")
    assert len(generated) == 3
    assert all(g.evidence and g.evidence[0].kind in ("signal", "activity") for g in generated)
    assert any("节拍" in g.text for g in generated)  # the CTO's question is asked back, with evidence
    assert len({g.text for g in generated}) == 3


def test_always_three_questions_even_without_data(context: AppContext, matcher) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(context, "s25")
    plans = plan_questions(facts, [], matcher)
    assert len(plans) == 3 and all(p.evidence[0].kind == "customer" for p in plans)


def test_talk_tracks_fit_the_triggers(context: AppContext, matcher) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(context, "s01")
    cards = evaluate(load_defaults().rules, facts, matcher, ZoneInfo("Asia/Shanghai"))
    planned = plan_tracks(facts, cards, matcher)
    assert len(planned) == 3
    entries = [p[1] for p in planned]
    assert len({e.pain_point for e in entries}) == 3
    assert all(e.lang == "zh" for e in entries)
    fired_topics = {t for c in cards for t in c.topics}
    assert all(e.pain_point in fired_topics for e in entries)
    for plan, entry, _, reasons in planned:
        assert reasons and plan.evidence[-1].kind == "talk_track" and plan.evidence[-1].id == entry.id
        assert facts.customer.name in OfflineGenerator().generate("talk_tracks", [plan], "zh")[0][0].text


def test_profile_cites_every_line_and_shows_confirmed_tags(context: AppContext) -> None:
    facts = _facts(context, "s01", tags=["关注能耗成本"])
    profile = build_profile(facts)
    assert profile.tags[0].tag == "关注能耗成本" and profile.tags[0].evidence[0].kind == "customer"
    assert profile.opportunities[0].days_in_stage == 12
    assert all(f.evidence for f in profile.facts) and profile.last_touches[0].evidence[0].kind == "activity"
