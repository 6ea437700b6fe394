"""Scoring a practice conversation against its scenario's rubric (prompts/handover/scenarios.yaml).

Each criterion is Good / Fair / Poor with the rep's turn quoted as evidence and a better
alternative filled from the package; the overall is the weighted share of points (0-100); the
pass decision is made here, in code: overall >= pass mark and no 'must' criterion Poor.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from services.handover_scenarios import Concern, Persona, load_scenarios
from services.simulation import (
    TurnAnalysis,
    analyse_turn,
    concern_progress,
    false_claims,
    load_dialogue_rules,
)

Grade = Literal["good", "fair", "poor"]


class CriterionResult(BaseModel):
    criterion: str
    label: str
    grade: Grade
    weight: float
    must: bool
    reason: str
    turn: int | None = None
    quote: str | None = None
    better: str


class Score(BaseModel):
    scenario: str
    score: int
    passed: bool
    pass_mark: float
    criteria: list[CriterionResult]
    addressed: list[str]
    open_concerns: list[str]
    summary: str


def _best(turns: list[tuple[int, str, TurnAnalysis]], test, partial) -> tuple[Grade, int | None, str | None]:  # type: ignore[no-untyped-def]
    for i, text, a in turns:
        if test(a):
            return "good", i, text
    for i, text, a in turns:
        if partial(a):
            return "fair", i, text
    return "poor", None, None


def _grade(
    criterion: str, persona: Persona, turns: list[tuple[int, str, TurnAnalysis]]
) -> tuple[Grade, int | None, str | None, str] | None:
    """(grade, turn, quote, reason), or None when the criterion does not apply to this account."""
    conflicts = [c for c in persona.concerns if c.kind == "conflict"]
    promises = [c for c in persona.concerns if c.kind == "promise"]
    if criterion == "introduces_new_owner":
        g, i, q = _best(turns, lambda a: "new_owner" in a.cues, lambda a: "predecessor" in a.cues)
        return (
            g,
            i,
            q,
            {
                "good": "said they are the new owner",
                "fair": "mentioned the predecessor only",
                "poor": "never said they are taking over the account",
            }[g],
        )
    if criterion == "names_conflict":
        if not conflicts:
            return None
        c = conflicts[0]
        g, i, q = _best(
            turns,
            lambda a: concern_progress(c, a) == "addressed",
            lambda a: concern_progress(c, a) == "partial",
        )
        return (
            g,
            i,
            q,
            {
                "good": "named the conflict and took responsibility",
                "fair": "named the conflict or apologised, not both in one turn",
                "poor": "never named the conflict",
            }[g],
        )
    if criterion == "references_promise":
        if not promises:
            return None
        graded = [
            (
                _best(
                    turns,
                    lambda a, p=p: concern_progress(p, a) == "addressed",
                    lambda a, p=p: concern_progress(p, a) == "partial",
                )
            )
            for p in promises
        ]
        order = {"good": 0, "fair": 1, "poor": 2}
        g, i, q = max(graded, key=lambda x: order[x[0]])  # every open promise counts: the weakest decides
        return (
            g,
            i,
            q,
            {
                "good": "referenced the open promise(s) with a date",
                "fair": "referenced an open promise without a date",
                "poor": "did not mention what we still owe",
            }[g],
        )
    if criterion == "asks_discovery":
        asked = [(i, t) for i, t, a in turns if a.is_question and "discovery" in a.cues]
        g: Grade = "good" if len(asked) >= 2 else "fair" if asked else "poor"
        return (
            g,
            asked[0][0] if asked else None,
            asked[0][1] if asked else None,
            (f"{len(asked)} discovery question(s)"),
        )
    if criterion == "short_turns":
        limit = load_dialogue_rules().max_turn_chars
        if not turns:
            return "poor", None, None, "no turns"
        i, text, a = max(turns, key=lambda t: t[2].length)
        g = "good" if a.length <= limit else "fair" if a.length <= 2 * limit else "poor"
        return g, i, text, f"longest turn {a.length} characters (limit {limit})"
    if criterion == "dated_next_step":
        g, i, q = _best(
            turns, lambda a: "next_step" in a.cues and a.has_date, lambda a: "next_step" in a.cues
        )
        return (
            g,
            i,
            q,
            {
                "good": "proposed a next step with a date",
                "fair": "proposed a next step without a date",
                "poor": "no next step proposed",
            }[g],
        )
    if criterion == "no_false_history":
        for i, text, a in turns:
            wrong = false_claims(persona, a)
            if wrong:
                return (
                    "poor",
                    i,
                    text,
                    f"said {wrong[0].slots['item'].value!r} was done; the history says it is open",
                )
        return "good", None, None, "nothing said contradicts the history"
    raise ValueError(f"unknown criterion {criterion!r}")


def _better(criterion: str, persona: Persona, now: datetime) -> str:
    config = load_scenarios()
    template = config.criteria[criterion].better[persona.language]
    date = (now + timedelta(days=7)).date()
    date_text = f"{date.month}月{date.day}日" if persona.language == "zh" else date.strftime("%b %d")
    facts = persona.facts
    values = {
        "name": persona.name.value,
        "customer": persona.customer.value,
        "predecessor": persona.predecessor or ("前任同事" if persona.language == "zh" else "my colleague"),
        "conflict": facts["conflict"].value if "conflict" in facts else "",
        "promise": facts["promise"].value if "promise" in facts else "",
        "item": (persona.open_items[0].slots["item"].value if persona.open_items else ""),
        "date": date_text,
    }
    return template.format(**values)


def score_dialogue(persona: Persona, rep_turns: list[str], now: datetime) -> Score:
    """Grade every rubric criterion of the persona's scenario over the rep's turns."""
    config = load_scenarios()
    spec = config.scenarios[persona.scenario]
    turns = [(i + 1, t, analyse_turn(t)) for i, t in enumerate(rep_turns) if t and t.strip()]
    results: list[CriterionResult] = []
    for item in spec.rubric:
        graded = _grade(item.criterion, persona, turns)
        if graded is None:
            continue
        grade, turn, quote, reason = graded
        results.append(
            CriterionResult(
                criterion=item.criterion,
                label=config.criteria[item.criterion].label[persona.language],
                grade=grade,
                weight=item.weight,
                must=item.must,
                reason=reason,
                turn=turn,
                quote=quote[:300] if quote else None,
                better=_better(item.criterion, persona, now),
            )
        )
    total = sum(r.weight for r in results)
    points = sum(r.weight * config.points[r.grade] for r in results)
    overall = round(100 * points / total) if total else 0
    must_failed = [r.criterion for r in results if r.must and r.grade == "poor"]
    passed = overall >= config.pass_mark and not must_failed
    addressed = [c.id for c in _replay(persona, turns) if c.status == "addressed"]
    open_concerns = [c.id for c in persona.concerns if c.id not in addressed]
    summary = (
        f"{overall}/100, {'passed' if passed else 'not passed'} (pass mark {config.pass_mark:g}"
        + (f"; must not be poor: {', '.join(must_failed)}" if must_failed else "")
        + ")"
    )
    return Score(
        scenario=persona.scenario,
        score=overall,
        passed=passed,
        pass_mark=config.pass_mark,
        criteria=results,
        addressed=addressed,
        open_concerns=open_concerns,
        summary=summary,
    )


def _replay(persona: Persona, turns: list[tuple[int, str, TurnAnalysis]]) -> list[Concern]:
    concerns = [c.model_copy(update={"status": "hidden"}) for c in persona.concerns]
    for _, _, a in turns:
        for c in concerns:
            if c.status != "addressed" and concern_progress(c, a) == "addressed":
                c.status = "addressed"
    return concerns
