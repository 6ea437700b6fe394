"""The LLM persona (COPILOT_LLM=openai): the model words the simulated customer's reply, under a
citation check; the offline engine (services.simulation) still decides it.

The engine runs first, every turn, in every mode: it tracks concerns, false claims and
reactions, and writes a grounded reply from templates. The model then gets the persona (role,
tags, hidden concerns and their status), what the engine decided this turn and its draft, the
conversation so far and the persona's package facts as delimited evidence blocks with ids, and
answers `{text, evidence_ids}`. Its wording replaces the draft only when it passes the check:
a claim about the past (a `past_markers` word of prompts/handover/llm_persona.yaml, or any
figure) must cite a package item; every cited id must be in the package; every figure or date
must appear in the cited evidence. Otherwise — or when the endpoint fails — the turn keeps the
engine's reply and records why (`generated_by`, `fallback_reason`). Scoring reads the rep's turns
and the engine's state, never the wording, so it is the same in both modes.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

import yaml
from pydantic import BaseModel

from copilot.models import EvidenceRef
from services.facts import ref_key
from services.generation import (
    LANGUAGE_NAMES,
    MAX_TEXT,
    date_numbers,
    evidence_block,
    looks_like_injection,
    numbers_in,
    prompt_text,
)
from services.handover_rules import PROMPTS_DIR
from services.handover_scenarios import Fact, Persona
from services.simulation import Reply

log = logging.getLogger(__name__)
_DELIMITER = re.compile(r"<<<|>>>")


class PersonaRules(BaseModel):
    version: int
    id: str
    past_markers: dict[str, list[str]]
    max_turns: int = 12


@lru_cache(maxsize=1)
def load_persona_rules() -> PersonaRules:
    return PersonaRules.model_validate(yaml.safe_load((PROMPTS_DIR / "llm_persona.yaml").read_text("utf-8")))


class PersonaAnswer(BaseModel):
    """What the model answers; `evidence_ids` is required so a truncated answer counts as malformed."""

    text: str
    evidence_ids: list[str]


def _facts(persona: Persona) -> dict[str, Fact]:
    """Every fact the persona holds, by a readable label (the package's share of this persona)."""
    facts: dict[str, Fact] = {"name": persona.name, "customer": persona.customer, **persona.facts}
    for concern in [*persona.concerns, *persona.open_items]:
        for slot, fact in concern.slots.items():
            facts.setdefault(f"{concern.kind} {concern.id} ({slot})", fact)
    return facts


def evidence_pack(persona: Persona) -> dict[str, EvidenceRef]:
    """The package evidence behind the persona, by id: what the model may read and cite."""
    pack: dict[str, EvidenceRef] = {}
    for fact in _facts(persona).values():
        for ref in fact.evidence:
            pack.setdefault(ref_key(ref), ref)
    return pack


def claims_history(text: str) -> bool:
    """A reply that speaks about the past (or states any figure) makes a claim that must be cited."""
    lowered = text.lower()
    markers = [m.lower() for words in load_persona_rules().past_markers.values() for m in words]
    return any(m in lowered for m in markers) or bool(numbers_in(text))


def check_answer(answer: PersonaAnswer, persona: Persona, pack: dict[str, EvidenceRef]) -> str | None:
    """None when the reply may be used, else the reason it is replaced by the engine's."""
    text = answer.text.strip()
    if not text:
        return "empty text"
    if len(text) > MAX_TEXT:
        return f"text longer than {MAX_TEXT} characters"
    if looks_like_injection(text):
        return "repeats an instruction found in the data"
    cited = list(dict.fromkeys(i.strip() for i in answer.evidence_ids if i.strip()))
    unknown = [i for i in cited if i not in pack]
    if unknown:
        return f"cites evidence not in the handover package: {', '.join(unknown[:5])}"
    if claims_history(text) and not cited:
        return "claims history without citing the handover package"
    refs = [pack[i] for i in cited]
    values = [f.value for f in _facts(persona).values() if any(ref_key(e) in cited for e in f.evidence)]
    grounded = numbers_in(" ".join([r.quote for r in refs] + values)) | date_numbers(refs)
    invented = sorted(n for n in numbers_in(text) if n not in grounded)
    if invented:
        return f"states figures or dates absent from the cited evidence: {', '.join(invented[:5])}"
    return None


def _clean(text: str) -> str:
    """Text from the history or the conversation as it may appear in the prompt: delimiter
    look-alikes removed, and text addressed to an AI withheld (as `evidence_block` does)."""
    if looks_like_injection(text):
        return "[withheld: this text is addressed to an AI assistant]"
    return _DELIMITER.sub(" ", text)


def build_messages(persona: Persona, turns: list[dict[str, Any]], draft: Reply) -> list[tuple[str, str]]:
    facts = _facts(persona)
    seen: set[tuple[str, tuple[str, ...]]] = set()
    fact_lines = []
    for label, f in facts.items():
        ids = tuple(ref_key(e) for e in f.evidence)
        if label in ("name", "customer") or (f.value, ids) in seen:
            continue
        seen.add((f.value, ids))
        fact_lines.append(f"- {label}: {_clean(f.value)} [{', '.join(ids) or 'no evidence'}]")
    concerns = [f"- {c.kind} ({c.id}): {c.status}" for c in persona.concerns] or ["- none"]
    decision = []
    if draft.addressed:
        decision.append(f"the rep addressed {', '.join(draft.addressed)}")
    if draft.reactions:
        decision.append(f"react to: {', '.join(draft.reactions)}")
    if draft.raised:
        decision.append(f"raise {draft.raised}")
    task = prompt_text("persona.md").format(
        name=_clean(persona.name.value),
        title=_clean(persona.title or "-"),
        role=persona.role,
        customer=_clean(persona.customer.value),
        tags=", ".join(_clean(t) for t in persona.tags) or "-",
        monologue="You dislike long monologues and slide-deck talk." if persona.monologue_averse else "",
        concerns="\n".join(concerns),
        facts="\n".join(fact_lines) or "- none",
        decision="; ".join(decision) or "close politely",
        draft=_clean(draft.text),
        language=LANGUAGE_NAMES.get(persona.language, persona.language),
    )
    recent = turns[-load_persona_rules().max_turns :]
    conversation = "\n".join(
        f"{'rep' if t.get('speaker') == 'rep' else 'you'}: {_clean(str(t.get('text', '')))}" for t in recent
    )
    blocks = [evidence_block(ref) for ref in evidence_pack(persona).values()]
    human = "\n\n".join(
        [
            task,
            "<<<CONVERSATION>>>\n" + (conversation or "(you speak first)") + "\n<<<END CONVERSATION>>>",
            *blocks,
        ]
    )
    return [("system", prompt_text("persona_system.md")), ("human", human)]


def word_reply(chat: Any, persona: Persona, turns: list[dict[str, Any]], reply: Reply) -> Reply:
    """The engine's `reply` worded by the model when its wording passes the check; else the engine's
    own, saying why. Never raises: a failing endpoint is a fallback, not an error for the rep."""
    pack = evidence_pack(persona)
    try:
        answer, usage = chat.structured(build_messages(persona, turns, reply), PersonaAnswer)
    except Exception as exc:  # noqa: BLE001 - any endpoint failure keeps the offline reply
        reason = f"{getattr(chat, 'name', 'llm')} failed: {exc.__class__.__name__}: {str(exc)[:200]}"
        log.warning("persona reply fell back to offline: %s", reason)
        return reply.model_copy(update={"fallback_reason": reason})
    usage_data = usage.model_dump(mode="json")
    problem = check_answer(answer, persona, pack)
    if problem:
        return reply.model_copy(update={"fallback_reason": f"rejected: {problem}", "usage": usage_data})
    cited = [pack[i] for i in dict.fromkeys(i.strip() for i in answer.evidence_ids if i.strip())]
    return reply.model_copy(
        update={
            "text": " ".join(answer.text.split()),
            "facts": cited,
            "slots": [],
            "generated_by": "llm",
            "fallback_reason": None,
            "usage": usage_data,
        }
    )
