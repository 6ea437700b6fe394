"""The simulated customer: an offline dialogue engine playing a persona built from the account's
history (services.handover_scenarios.Persona).

Not a script: each rep turn is analysed (cues, dates, questions, length, topic overlap with the
persona's concerns); concerns the rep has addressed are closed, questions are answered from the
account's facts, the first concern still open is raised, and wording varies between turns. The
persona only speaks template words (prompts/handover/persona.yaml, which hold no facts) and slot
values taken from the package, each with its evidence — so it never states a fact absent from
the history.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from copilot.errors import InvalidInput
from copilot.models import EvidenceRef
from services.handover_rules import PROMPTS_DIR, find_markers, fold, load_rules
from services.handover_scenarios import Concern, Fact, Persona
from services.handover_text import topic_tokens

MAX_TURN_CHARS = 10_000


class DialogueRules(BaseModel):
    version: int
    id: str
    cues: dict[str, list[str]]
    date_patterns: list[str]
    question_topics: dict[str, list[str]]
    max_turn_chars: int
    monologue_averse_tags: list[str]


@lru_cache(maxsize=1)
def load_dialogue_rules() -> DialogueRules:
    return DialogueRules.model_validate(yaml.safe_load((PROMPTS_DIR / "dialogue.yaml").read_text("utf-8")))


@lru_cache(maxsize=1)
def load_templates() -> dict[str, dict[str, list[str]]]:
    data = yaml.safe_load((PROMPTS_DIR / "persona.yaml").read_text("utf-8"))
    templates = {lang: data[lang] for lang in ("zh", "en")}
    for lang, table in templates.items():
        for key, variants in table.items():
            for v in variants:  # templates carry no facts of their own: no digits
                if re.search(r"\d", v):
                    raise ValueError(f"persona.yaml {lang}.{key}: a template may not hold a number: {v!r}")
    return templates


class TurnAnalysis(BaseModel):
    """What a rep's turn contains, as the engine and the scorer see it."""

    length: int
    cues: list[str]
    has_date: bool
    is_question: bool
    question_topics: list[str]
    tokens: list[str]


def analyse_turn(text: str) -> TurnAnalysis:
    rules = load_dialogue_rules()
    folded = fold(text)
    cues = [name for name, markers in rules.cues.items() if find_markers(folded, markers)]
    has_date = any(re.search(p, folded) for p in rules.date_patterns)
    is_question = bool(
        re.search(r"[??]|吗|呢|(?<![a-z])(what|how|which|who|when|why|could you|can you)\b", folded)
    )
    topics = [t for t, markers in rules.question_topics.items() if find_markers(folded, markers)]
    return TurnAnalysis(
        length=len(text.strip()),
        cues=cues,
        has_date=has_date,
        is_question=is_question,
        question_topics=topics if is_question else [],
        tokens=sorted(topic_tokens(text, load_rules())),
    )


def overlaps(concern: Concern, analysis: TurnAnalysis) -> bool:
    """The turn is about the concern's subject: shares enough topic words with it."""
    if not concern.tokens:
        return False
    shared = len(set(concern.tokens) & set(analysis.tokens))
    return shared >= min(2, len(concern.tokens))


def concern_progress(concern: Concern, a: TurnAnalysis) -> str | None:
    """'addressed', 'partial' or None: how far this turn goes towards satisfying the concern."""
    cues = set(a.cues)
    if concern.kind == "continuity":
        return "addressed" if "new_owner" in cues or {"predecessor", "commitment"} <= cues else None
    if concern.kind == "conflict":
        on_topic = overlaps(concern, a)
        if on_topic and "responsibility" in cues:
            return "addressed"
        return "partial" if on_topic or "responsibility" in cues else None
    if concern.kind == "promise":
        if overlaps(concern, a):
            return "addressed" if a.has_date else "partial"
        return None
    if concern.kind == "discovery":
        return "addressed" if a.is_question and "discovery" in cues else None
    if concern.kind == "next_step":
        if "next_step" in cues:
            return "addressed" if a.has_date else "partial"
        return None
    return None


def false_claims(persona: Persona, a: TurnAnalysis) -> list[Concern]:
    """Open promises or unresolved conflicts the rep says are done."""
    if "claim_done" not in a.cues:
        return []
    return [item for item in persona.open_items if overlaps(item, a)]


class Reply(BaseModel):
    speaker: str = "customer"
    text: str
    facts: list[EvidenceRef] = Field(default_factory=list, description="Evidence of every fact spoken.")
    slots: list[str] = Field(default_factory=list, description="The fact values spoken, verbatim.")
    addressed: list[str] = Field(default_factory=list)
    raised: str | None = None
    reactions: list[str] = Field(default_factory=list)
    generated_by: Literal["offline", "llm"] = Field(
        "offline", description="Who worded the reply: the offline engine's templates or the LLM."
    )
    fallback_reason: str | None = Field(
        None, description="Why the LLM's wording was not used for this turn (None offline or when kept)."
    )
    usage: dict[str, Any] | None = Field(
        None, description="Tokens and cost of the LLM call, when there was one."
    )


class SimState(BaseModel):
    persona: Persona
    seed: int
    turn: int = 0
    used: dict[str, int] = Field(default_factory=dict)
    false_claims: list[dict[str, Any]] = Field(default_factory=list)


class Simulation:
    """One practice conversation; its whole state is `state` (stored between API calls)."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.persona = state.persona
        self.templates = load_templates()[self.persona.language]

    @classmethod
    def start(cls, persona: Persona, seed: int) -> Simulation:
        return cls(SimState(persona=persona, seed=seed))

    def _say(self, key: str, slots: dict[str, Fact], reply: Reply) -> str:
        variants = self.templates[key]
        rng = random.Random(f"{self.state.seed}:{self.state.turn}:{key}")
        last = self.state.used.get(key)
        choices = [i for i in range(len(variants)) if i != last] or [0]
        index = rng.choice(choices)
        self.state.used[key] = index
        template = variants[index]
        values = {}
        for name in re.findall(r"{(\w+)}", template):
            fact = slots[name]
            values[name] = fact.value
            reply.facts.extend(fact.evidence)
            reply.slots.extend(fact.parts or [fact.value])
        return template.format(**values)

    def _base_slots(self) -> dict[str, Fact]:
        return {"name": self.persona.name, "customer": self.persona.customer, **self.persona.facts}

    def opening(self) -> Reply:
        reply = Reply(text="")
        slots = self._base_slots()
        first = next((c for c in self.persona.concerns if c.kind in ("conflict",)), None)
        if first is not None:
            slots |= first.slots
            first.status = "raised"
            reply.raised = first.id
        reply.text = self._say(f"open_{self.persona.scenario}", slots, reply)
        return reply

    def respond(self, text: str) -> Reply:
        if not text or not text.strip():
            raise InvalidInput("the turn is empty: say something to the customer", details={"field": "text"})
        if len(text) > MAX_TURN_CHARS:
            raise InvalidInput(
                f"the turn is {len(text)} characters; at most {MAX_TURN_CHARS} are accepted",
                details={"field": "text", "length": len(text)},
            )
        self.state.turn += 1
        a = analyse_turn(text)
        reply = Reply(text="")
        parts: list[str] = []
        rules = load_dialogue_rules()
        if a.length > rules.max_turn_chars:
            key = "monologue_averse" if self.persona.monologue_averse else "monologue"
            parts.append(self._say(key, {}, reply))
            reply.reactions.append(key)
        for item in false_claims(self.persona, a):
            parts.append(self._say("false_claim", item.slots, reply))
            reply.reactions.append("false_claim")
            self.state.false_claims.append({"turn": self.state.turn, "item": item.id, "text": text[:300]})
        for concern in self.persona.concerns:
            if concern.status == "addressed":
                continue
            progress = concern_progress(concern, a)
            if progress == "addressed" and "false_claim" not in reply.reactions:
                concern.status = "addressed"
                reply.addressed.append(concern.id)
                parts.append(self._say(f"ack_{concern.kind}", {}, reply))
            elif progress == "partial":
                concern.status = "partial"
        for topic in a.question_topics[:1]:
            parts.append(self._answer(topic, reply))
        pending = next((c for c in self.persona.concerns if c.status != "addressed"), None)
        if pending is not None:
            parts.append(self._say(f"raise_{pending.kind}", {**self._base_slots(), **pending.slots}, reply))
            if pending.status == "hidden":
                pending.status = "raised"
            reply.raised = pending.id
        elif not reply.addressed:
            parts.append(self._say("closing", {}, reply))
        reply.text = " ".join(dict.fromkeys(p for p in parts if p))
        return reply

    def _answer(self, topic: str, reply: Reply) -> str:
        facts = self.persona.facts
        slots = {**self._base_slots()}
        if topic == "priorities" and "priorities" in facts:
            return self._say("answer_priorities", {**slots, "facts": facts["priorities"]}, reply)
        if topic == "timeline" and "expected_close" in facts and "opportunity" in facts:
            return self._say("answer_timeline", slots, reply)
        if topic == "decision" and "decision_maker" in facts:
            if facts["decision_maker"].value == self.persona.name.value:
                return self._say("answer_decision_self", {}, reply)
            return self._say("answer_decision", slots, reply)
        if topic == "history" and "conflict" in facts:
            return self._say("answer_history", slots, reply)
        if topic == "history" and "promise" in facts:
            return self._say("answer_history_promise", slots, reply)
        return self._say("answer_unknown", {}, reply)

    def addressed_share(self) -> float:
        concerns = self.persona.concerns
        return sum(c.status == "addressed" for c in concerns) / len(concerns) if concerns else 1.0
