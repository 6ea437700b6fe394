"""Talk tracks: pick the three library entries that fit this customer best, personalised.

The library (`prompts/talk_tracks/*.yaml`, zh and en) is indexed by industry × pain point ×
stage. Fit is a hybrid score that explains itself: pain point against the fired triggers'
topics, industry, the stage of the biggest open deal, language, and embedding similarity of
the entry's when-to-use to the customer's situation. At most one entry per pain point, so
the three tracks cover three different angles.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, Field

from copilot.models import EvidenceRef
from services.facts import CustomerFacts, Item, customer_ref, opportunity_ref, ref_key
from services.generation import Plan
from services.topics import PROMPTS_DIR, TopicMatcher, load_glossary
from services.triggers import TriggerCard

LIBRARY_DIR = PROMPTS_DIR / "talk_tracks"
TRACK_COUNT = 3
WEIGHTS = {"pain_point": 0.45, "industry": 0.2, "stage": 0.15, "similarity": 0.2}
SEVERITY_WEIGHT = {"high": 1.0, "medium": 0.8, "low": 0.6}


class LibraryEntry(BaseModel):
    id: str
    lang: str
    industries: list[str]
    pain_point: str
    stages: list[str]
    title: str
    when_to_use: str
    script: str
    proof_points: list[str] = Field(min_length=1)
    file: str = ""


class TalkTrack(BaseModel):
    library_id: str
    title: str
    when_to_use: str
    text: str
    proof_points: list[str]
    score: float
    why_chosen: list[str]
    generated_by: str = "offline"
    fallback_reason: str | None = None
    evidence: list[EvidenceRef]


@lru_cache(maxsize=1)
def load_library(directory: Path = LIBRARY_DIR) -> tuple[LibraryEntry, ...]:
    entries = []
    topics = load_glossary().topics
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            entry = LibraryEntry.model_validate({**raw, "file": f"prompts/talk_tracks/{path.name}"})
            if entry.pain_point not in topics:
                raise ValueError(f"{path.name}: {entry.id}: unknown pain_point {entry.pain_point!r}")
            entries.append(entry)
    ids = [e.id for e in entries]
    if len(ids) != len(set(ids)):
        raise ValueError("talk-track ids must be unique across the library")
    return tuple(entries)


def library_ref(entry: LibraryEntry) -> EvidenceRef:
    return EvidenceRef(
        kind="talk_track",
        id=entry.id,
        source="talk-track library",
        file=entry.file,
        quote=" ".join(entry.proof_points),
    )


class _EntryVectors:
    """Entry embeddings computed once per process (the library is small and static)."""

    def __init__(self, matcher: TopicMatcher) -> None:
        self.vectors: np.ndarray | None = None
        if matcher.embedder is not None:
            library = load_library()
            self.vectors = matcher.embedder.embed([f"{e.title}. {e.when_to_use}" for e in library])


_VECTORS: dict[int, _EntryVectors] = {}


def _entry_vectors(matcher: TopicMatcher) -> _EntryVectors:
    if id(matcher) not in _VECTORS:
        _VECTORS[id(matcher)] = _EntryVectors(matcher)
    return _VECTORS[id(matcher)]


def _situation(facts: CustomerFacts, cards: list[TriggerCard], matcher: TopicMatcher) -> np.ndarray | None:
    """The customer's situation as the mean vector of its cited and newest evidence.

    Built from vectors the trigger pass already computed, so picking tracks embeds nothing new
    at request time (the brief's latency budget goes to the store, not to the model)."""
    items = {ref_key(i.ref): i for i in facts.items}
    texts = [items[ref_key(e)].content for c in cards[:5] for e in c.evidence if ref_key(e) in items]
    texts += [i.content for i in facts.signals[:5]]
    vectors = [v for v in (matcher.cached_vector(t) for t in texts) if v is not None]
    if not vectors:
        return None
    mean = np.mean(vectors, axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None


def pick(
    facts: CustomerFacts, cards: list[TriggerCard], matcher: TopicMatcher
) -> list[tuple[LibraryEntry, float, list[str]]]:
    """The best three entries with their score and the reasons for it."""
    library = load_library()
    topic_weight: dict[str, float] = {}
    for card in cards:
        for topic in card.topics:
            topic_weight[topic] = max(topic_weight.get(topic, 0), SEVERITY_WEIGHT[card.severity])
    for item in facts.signals[:20]:
        for topic in matcher.match_all(item.content):
            topic_weight.setdefault(topic, 0.4)
    open_opps = sorted((o for o in facts.opportunities if o.status == "open"), key=lambda o: -o.amount)
    stage = open_opps[0].stage if open_opps else "初步接触"
    vectors = _entry_vectors(matcher).vectors
    sims = np.zeros(len(library))
    situation = _situation(facts, cards, matcher) if vectors is not None else None
    if vectors is not None and situation is not None:
        sims = vectors @ situation
    scored = []
    for index, entry in enumerate(library):
        parts = {
            "pain_point": topic_weight.get(entry.pain_point, 0.0),
            "industry": 1.0 if facts.customer.industry in entry.industries else 0.0,
            "stage": 1.0 if stage in entry.stages else 0.0,
            "similarity": max(0.0, float(sims[index])),
        }
        score = sum(WEIGHTS[k] * v for k, v in parts.items()) + (0.5 if entry.lang == facts.language else 0.0)
        reasons = [f"{k} {v:.2f}×{WEIGHTS[k]}" for k, v in parts.items() if v] + (
            [f"language {entry.lang}"] if entry.lang == facts.language else []
        )
        scored.append((entry, round(score, 4), reasons))
    scored.sort(key=lambda s: (-s[1], s[0].id))
    # tracks about a pain point this customer shows come first; general tracks only fill up,
    # so a track never opens with evidence that is not about its pain point
    grounded = [
        s for s in scored if s[0].pain_point != "general" and topic_weight.get(s[0].pain_point, 0) > 0
    ]
    general = [s for s in scored if s[0].pain_point == "general"]
    chosen: list[tuple[LibraryEntry, float, list[str]]] = []
    for entry, score, reasons in grounded + general:
        if entry.pain_point == "general" or entry.pain_point not in {c[0].pain_point for c in chosen}:
            chosen.append((entry, score, reasons))
        if len(chosen) == TRACK_COUNT:
            break
    return chosen


def _hook(
    entry: LibraryEntry, facts: CustomerFacts, cards: list[TriggerCard], matcher: TopicMatcher
) -> tuple[str, list[EvidenceRef]]:
    """The newest evidence about the entry's pain point, to open the track with (and cite)."""
    items = {ref_key(i.ref): i for i in facts.items}
    for card in cards:
        if entry.pain_point in card.topics:
            cited: list[Item] = [items[ref_key(e)] for e in card.evidence if ref_key(e) in items]
            about = [i for i in cited if matcher.match(entry.pain_point, i.content)] or cited
            if about:
                return about[0].title, [i.ref for i in about[:2]]
            opps = {str(o.id): o for o in facts.opportunities}
            cited_opps = [opps[e.id] for e in card.evidence if e.kind == "opportunity" and e.id in opps]
            if cited_opps:
                return cited_opps[0].name, [opportunity_ref(cited_opps[0])]
    for item in facts.signals[:20]:
        if entry.pain_point in matcher.match_all(item.content):
            return item.title, [item.ref]
    open_opps = [o for o in facts.opportunities if o.status == "open"]
    if open_opps:
        return open_opps[0].name, [opportunity_ref(open_opps[0])]
    return facts.customer.industry or facts.customer.name, [customer_ref(facts.customer)]


def plan_tracks(
    facts: CustomerFacts, cards: list[TriggerCard], matcher: TopicMatcher
) -> list[tuple[Plan, LibraryEntry, float, list[str]]]:
    plans = []
    for index, (entry, score, reasons) in enumerate(pick(facts, cards, matcher)):
        hook, evidence = _hook(entry, facts, cards, matcher)
        plan = Plan(
            key=f"t{index + 1}|{entry.id}",
            intent=f"talk track '{entry.title}' ({entry.pain_point}); use when: {entry.when_to_use}",
            template=entry.script,
            slots={"customer": facts.customer.name, "hook": hook, "industry": facts.customer.industry or ""},
            evidence=[*evidence, library_ref(entry)],
            reference_text=" ".join(entry.proof_points),
        )
        plans.append((plan, entry, score, reasons))
    return plans
