"""The pre-visit brief: profile, signal wall, trigger cards, 3 questions, 3 talk tracks — all cited.

`build_brief` is the one entry point for the API, the CLI and the page. The offline parts
(everything but the generated text) are computed first; with an LLM configured the questions
and talk tracks are rewritten by it, item by item, under the citation check, and `generation`
says which generator wrote which section. `stream_brief` yields the offline brief first and the
LLM sections as they finish, so the page never waits for a model.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from copilot import clock
from copilot.auth import Caller
from copilot.bootstrap import AppContext
from copilot.models import EvidenceRef
from copilot.records import service as records
from copilot.records.specs import SPECS
from services.contract_points import contract_findings
from services.facts import CustomerFacts, load_facts
from services.generation import (
    Generator,
    OfflineGenerator,
    Usage,
    generate_grounded,
    looks_like_injection,
    make_generator,
)
from services.indexed_material import Finding, Material, find_material
from services.profile import Profile, build_profile
from services.questions import Question, plan_questions, to_question
from services.signal_vectors import VectorReport, prime_matcher
from services.talk_tracks import TalkTrack, plan_tracks
from services.topics import TopicMatcher, default_matcher, load_glossary
from services.trigger_rules import effective_rules
from services.triggers import TriggerCard, evaluate, record_cards

WALL_SIZE = 30
Mode = Literal["auto", "offline"]


class SignalCard(BaseModel):
    id: int
    kind: str
    type: str
    source: str | None
    title: str
    occurred_at: datetime
    ingested_at: datetime | None
    url: str | None
    topics: list[str]
    flags: list[str] = Field(default_factory=list)
    evidence: list[EvidenceRef]


class Brief(BaseModel):
    customer_id: int
    customer_name: str
    language: str
    generated_at: datetime
    profile: Profile
    signals: list[SignalCard]
    triggers: list[TriggerCard]
    questions: list[Question]
    talk_tracks: list[TalkTrack]
    from_calls_and_contracts: list[Finding] = Field(
        default_factory=list,
        description="Cited spans of the customer's calls, contracts and voice notes on the brief's topics.",
    )
    generation: dict[str, Any] = Field(default_factory=dict)


def _wall(facts: CustomerFacts, matcher: TopicMatcher) -> list[SignalCard]:
    topics = load_glossary().topics
    cards = []
    for item in facts.signals[:WALL_SIZE]:
        found = [t for t in matcher.match_all(item.content) if t != "injection_marker"]
        flags = ["suspected_prompt_injection"] if looks_like_injection(item.content) else []
        cards.append(
            SignalCard(
                id=item.id,
                kind=item.kind,
                type=item.type,
                source=item.ref.source,
                title=item.title,
                occurred_at=item.occurred_at,
                ingested_at=item.ref.ingested_at,
                url=item.ref.url,
                topics=[topics[t].name(facts.language) for t in found],
                flags=flags,
                evidence=[item.ref],
            )
        )
    return cards


class _Prepared:
    """The offline part of a brief and the plans the generated sections are written from."""

    def __init__(self, context: AppContext, caller: Caller, customer_id: int, *, record: bool) -> None:
        started = time.perf_counter()
        self.matcher = default_matcher(context)
        now = clock.now()
        with context.db.read() as session:
            customer = records.get_record(session, caller, SPECS["customers"], customer_id)
            self.facts = load_facts(session, caller, customer, now)
            rules = effective_rules(session)
            contract_points = contract_findings(session, caller, customer_id, self.facts.language)
        self.vectors: VectorReport = prime_matcher(context, self.matcher, self.facts)
        self.cards = evaluate(rules, self.facts, self.matcher, context.settings.zone)
        self.material: Material = find_material(context, caller, self.facts, self.cards, self.matcher)
        self.material.findings[:0] = contract_points  # flagged clauses first: they need no topic
        self.material.contract_flags = len(contract_points)
        if record and self.cards:
            with context.db.transaction() as session:
                record_cards(session, self.facts, self.cards)
        self.question_plans = plan_questions(self.facts, self.cards, self.matcher)
        self.track_plans = plan_tracks(self.facts, self.cards, self.matcher)
        self.prepare_ms = round((time.perf_counter() - started) * 1000, 1)

    def questions(self, generator: Generator) -> tuple[list[Question], Usage]:
        generated, usage = generate_grounded(generator, "questions", self.question_plans, self.facts.language)
        return [to_question(g, p) for g, p in zip(generated, self.question_plans, strict=True)], usage

    def talk_tracks(self, generator: Generator) -> tuple[list[TalkTrack], Usage]:
        plans = [p[0] for p in self.track_plans]
        generated, usage = generate_grounded(generator, "talk_tracks", plans, self.facts.language)
        tracks = []
        for g, (_, entry, score, reasons) in zip(generated, self.track_plans, strict=True):
            tracks.append(
                TalkTrack(
                    library_id=entry.id,
                    title=entry.title,
                    when_to_use=entry.when_to_use,
                    text=g.text,
                    proof_points=entry.proof_points,
                    score=score,
                    why_chosen=reasons,
                    generated_by=g.generated_by,
                    fallback_reason=g.fallback_reason,
                    evidence=g.evidence,
                )
            )
        return tracks, usage

    def brief(self, questions: list[Question], tracks: list[TalkTrack], generation: dict[str, Any]) -> Brief:
        c = self.facts.customer
        return Brief(
            customer_id=c.id,
            customer_name=c.name,
            language=self.facts.language,
            generated_at=self.facts.now,
            profile=build_profile(self.facts),
            signals=_wall(self.facts, self.matcher),
            triggers=self.cards,
            questions=questions,
            talk_tracks=tracks,
            from_calls_and_contracts=self.material.findings,
            generation=generation,
        )


def _section_source(items: list[Any]) -> str:
    sources = {i.generated_by for i in items}
    return sources.pop() if len(sources) == 1 else "mixed"


def _generation_info(
    prepared: _Prepared,
    questions: list[Question],
    tracks: list[TalkTrack],
    usages: list[Usage],
    pending: bool = False,
) -> dict[str, Any]:
    return {
        "sections": {
            "profile": "store",
            "signals": "store",
            "triggers": "rules",
            "questions": "pending" if pending else _section_source(questions),
            "talk_tracks": "pending" if pending else _section_source(tracks),
            "from_calls_and_contracts": "index+contract_review"
            if prepared.material.contract_flags
            else "index",
        },
        "fallbacks": [
            {"section": s, "item": i, "reason": x.fallback_reason}
            for s, items in (("questions", questions), ("talk_tracks", tracks))
            for i, x in enumerate(items)
            if x.fallback_reason
        ],
        "usage": [u.model_dump() for u in usages],
        "topic_matching": "keywords+embeddings"
        if prepared.matcher.embedder is not None
        else "keywords only (embedder unavailable)",
        "signal_vectors": prepared.vectors.as_dict(),
        "index": prepared.material.as_dict(),
        "prepare_ms": prepared.prepare_ms,
    }


def build_brief(
    context: AppContext, caller: Caller, customer_id: int, *, mode: Mode = "auto", record: bool = True
) -> Brief:
    """The whole brief; `mode="offline"` skips the LLM even when one is configured."""
    prepared = _Prepared(context, caller, customer_id, record=record)
    generator = _generator(context, mode)
    questions, q_usage = prepared.questions(generator)
    tracks, t_usage = prepared.talk_tracks(generator)
    return prepared.brief(
        questions, tracks, _generation_info(prepared, questions, tracks, [q_usage, t_usage])
    )


def stream_brief(context: AppContext, caller: Caller, customer_id: int) -> Iterator[dict[str, Any]]:
    """The offline brief at once, then each LLM-written section when it is ready (NDJSON events)."""
    prepared = _Prepared(context, caller, customer_id, record=True)
    offline = OfflineGenerator()
    questions, _ = prepared.questions(offline)
    tracks, _ = prepared.talk_tracks(offline)
    generator = _generator(context, "auto")
    pending = not isinstance(generator, OfflineGenerator)
    info = _generation_info(prepared, questions, tracks, [], pending=pending)
    yield {"event": "brief", "brief": prepared.brief(questions, tracks, info).model_dump(mode="json")}
    if not pending:
        yield {"event": "done"}
        return
    usages = []
    questions, usage = prepared.questions(generator)
    usages.append(usage)
    yield {
        "event": "section",
        "section": "questions",
        "items": [q.model_dump(mode="json") for q in questions],
    }
    tracks, usage = prepared.talk_tracks(generator)
    usages.append(usage)
    yield {"event": "section", "section": "talk_tracks", "items": [t.model_dump(mode="json") for t in tracks]}
    yield {"event": "done", "generation": _generation_info(prepared, questions, tracks, usages)}


def _generator(context: AppContext, mode: Mode) -> Generator:
    if mode == "offline" or context.settings.llm == "offline":
        return OfflineGenerator()
    return context.adapter("generator", lambda: make_generator(context.settings))
