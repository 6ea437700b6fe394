"""The Generator port: turn planned, evidence-backed items into text, offline or with an LLM.

Services decide *what* to say and on which evidence (a `Plan` per item); a generator decides
*how* to say it. `OfflineGenerator` fills the chosen template from `prompts/` — deterministic,
no network, a real product mode. `ChatGenerator` asks any OpenAI-compatible endpoint through
LangChain for structured JSON. `generate_grounded` runs the citation check of DESIGN.md §3 on
every LLM item: an id outside the item's evidence, a figure absent from it, or an instruction
echoed from the data rejects the item, which then falls back to its offline text, and the
result says which generator wrote each item and why any fell back.
"""

from __future__ import annotations

import logging
import re
import time
from functools import lru_cache
from typing import Any, Literal, Protocol

import yaml
from pydantic import BaseModel, Field

from copilot.config import Settings
from copilot.models import EvidenceRef
from services.facts import ref_key
from services.topics import PROMPTS_DIR, load_glossary

log = logging.getLogger(__name__)
LLM_DIR = PROMPTS_DIR / "llm"
LANGUAGE_NAMES = {"zh": "Simplified Chinese", "en": "English"}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_DELIMITER = re.compile(r"<<<|>>>")
MAX_TEXT = 600


class Plan(BaseModel):
    """One item to write: its intent, the offline template and slots, the evidence it may cite."""

    key: str
    intent: str
    template: str
    slots: dict[str, str] = Field(default_factory=dict)
    evidence: list[EvidenceRef]
    reference_text: str = Field("", description="Our own text the item may draw figures from (proof points).")


class Draft(BaseModel):
    key: str
    text: str
    evidence_ids: list[str] = Field(default_factory=list)


class DraftSet(BaseModel):
    items: list[Draft]


class Generated(BaseModel):
    key: str
    text: str
    evidence: list[EvidenceRef]
    generated_by: Literal["offline", "llm"]
    fallback_reason: str | None = None


class Usage(BaseModel):
    generator: str
    model: str | None = None
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    latency_ms: float = 0.0
    note: str | None = None


class Generator(Protocol):
    """Plans in, drafts out. Implementations may raise; `generate_grounded` contains them."""

    name: str

    def generate(self, task: str, plans: list[Plan], lang: str) -> tuple[list[Draft], Usage]: ...


class _Slots(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render_offline(plan: Plan) -> str:
    return " ".join(plan.template.format_map(_Slots(plan.slots)).split())


class OfflineGenerator:
    """Deterministic: the template chosen for the plan, filled with the plan's evidence-derived slots."""

    name = "offline"

    def generate(self, task: str, plans: list[Plan], lang: str) -> tuple[list[Draft], Usage]:
        drafts = [
            Draft(key=p.key, text=render_offline(p), evidence_ids=[ref_key(e) for e in p.evidence])
            for p in plans
        ]
        return drafts, Usage(generator=self.name)


# --- the LLM adapter -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _prices() -> dict[str, dict[str, float]]:
    return yaml.safe_load((LLM_DIR / "prices.yaml").read_text(encoding="utf-8"))["models"]


def prompt_text(name: str) -> str:
    """A prompt file of `prompts/llm/` (versioned with the code, never built in code)."""
    return (LLM_DIR / name).read_text(encoding="utf-8")


def injection_markers() -> list[str]:
    return [k.lower() for k in load_glossary().topics["injection_marker"].keywords]


def looks_like_injection(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in injection_markers())


def evidence_block(ref: EvidenceRef) -> str:
    """Ingested text inside a delimited block; delimiter look-alikes are stripped from the data,
    and a source that carries instructions is withheld (it is still shown to the rep as data)."""
    body = ref.quote
    if looks_like_injection(body):
        body = "[withheld: this source contains text addressed to an AI assistant]"
    body = _DELIMITER.sub(" ", body)
    date = ref.occurred_at.date().isoformat() if ref.occurred_at else "unknown"
    source = _DELIMITER.sub(" ", ref.source or "")
    return f'<<<EVIDENCE id="{ref_key(ref)}" source="{source}" date="{date}">>>\n{body}\n<<<END EVIDENCE>>>'


def build_messages(task: str, plans: list[Plan], lang: str) -> list[tuple[str, str]]:
    lines = [prompt_text(f"{task}.md").format(language=LANGUAGE_NAMES.get(lang, lang)), ""]
    for plan in plans:
        lines.append(f"## item {plan.key}")
        lines.append(f"intent: {plan.intent}")
        lines.append(f"draft: {_DELIMITER.sub(' ', render_offline(plan))}")
        if plan.reference_text:
            lines.append(f"proof points (ours, citable): {plan.reference_text}")
        lines.append(f"evidence ids you may cite: {', '.join(ref_key(e) for e in plan.evidence)}")
        lines.extend(evidence_block(e) for e in plan.evidence)
        lines.append("")
    return [("system", prompt_text("system.md")), ("human", "\n".join(lines))]


class ChatGenerator:
    """Any OpenAI-compatible chat endpoint via langchain-openai, JSON mode, with timeout and retries.

    `generate` writes the brief's items (`DraftSet`); `structured` is the same client for any
    other answer shape (the contract second opinion, the practice persona), so every feature
    shares one adapter, one retry/timeout policy and one usage accounting.
    """

    name = "llm"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model = settings.llm_model
        self._clients: dict[type[BaseModel], Any] = {}

    def _structured(self, schema: type[BaseModel] = DraftSet) -> Any:
        if schema not in self._clients:
            try:
                from langchain_openai import ChatOpenAI
            except ImportError as exc:  # pragma: no cover - a dependency
                from copilot.errors import Unavailable

                raise Unavailable("langchain-openai is not installed: pip install langchain-openai") from exc
            llm = ChatOpenAI(
                model=self.model,
                base_url=self.settings.openai_base_url,
                api_key=self.settings.openai_api_key or "not-needed",
                timeout=self.settings.llm_timeout_seconds,
                max_retries=self.settings.llm_max_retries,
                temperature=0,
            )
            self._clients[schema] = llm.with_structured_output(schema, method="json_mode", include_raw=True)
        return self._clients[schema]

    def structured(self, messages: list[tuple[str, str]], schema: type[BaseModel]) -> tuple[Any, Usage]:
        """One call; the parsed `schema` instance and its usage. Raises on transport or JSON errors."""
        started = time.perf_counter()
        result = self._structured(schema).invoke(messages)
        usage = Usage(generator=self.name, model=self.model, calls=1)
        raw = result.get("raw")
        meta = getattr(raw, "usage_metadata", None) or {}
        usage.input_tokens = int(meta.get("input_tokens", 0))
        usage.output_tokens = int(meta.get("output_tokens", 0))
        price = _prices().get(self.model)
        if price:
            usage.cost_usd = round(
                (usage.input_tokens * price["input"] + usage.output_tokens * price["output"]) / 1e6, 6
            )
        else:
            usage.note = f"no price known for model {self.model!r} (prompts/llm/prices.yaml)"
        usage.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        if result.get("parsing_error") is not None or result.get("parsed") is None:
            raise ValueError(f"the model's answer was not the requested JSON: {result.get('parsing_error')}")
        return result["parsed"], usage

    def generate(self, task: str, plans: list[Plan], lang: str) -> tuple[list[Draft], Usage]:
        parsed, usage = self.structured(build_messages(task, plans, lang), DraftSet)
        return parsed.items, usage


def make_generator(settings: Settings) -> Generator:
    """The one place COPILOT_LLM picks the adapter."""
    if settings.llm == "openai":
        return ChatGenerator(settings)
    return OfflineGenerator()


# --- the citation check ----------------------------------------------------------------------


def numbers_in(text: str) -> set[str]:
    """The figures of a text as the citation check compares them (thousands separators dropped)."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def date_numbers(refs: list[EvidenceRef]) -> set[str]:
    """Figures a statement may derive from its evidence's dates (2026, 06, 6, 05-06 ...)."""
    found: set[str] = set()
    for ref in refs:
        if ref.occurred_at:
            d = ref.occurred_at.date()
            found |= {str(d.year), f"{d.month:02d}", str(d.month), f"{d.day:02d}", str(d.day)}
    return found


def check_draft(draft: Draft, plan: Plan) -> str | None:
    """None if the draft is grounded in its plan's evidence, else the reason it is rejected."""
    allowed = {ref_key(e) for e in plan.evidence}
    text = draft.text.strip()
    if not text:
        return "empty text"
    if len(text) > MAX_TEXT:
        return f"text longer than {MAX_TEXT} characters"
    if not draft.evidence_ids:
        return "cites no evidence"
    unknown = [i for i in draft.evidence_ids if i not in allowed]
    if unknown:
        return f"cites evidence not in its context: {', '.join(unknown[:5])}"
    if looks_like_injection(text):
        return "repeats an instruction found in the data"
    grounded_text = " ".join(
        [e.quote for e in plan.evidence] + list(plan.slots.values()) + [plan.reference_text, plan.template]
    )
    grounded = numbers_in(grounded_text) | date_numbers(plan.evidence)
    invented = sorted(n for n in numbers_in(text) if n not in grounded)
    if invented:
        return f"states figures absent from its evidence: {', '.join(invented[:5])}"
    return None


def generate_grounded(
    generator: Generator, task: str, plans: list[Plan], lang: str
) -> tuple[list[Generated], Usage]:
    """Offline text for every plan, replaced by the LLM's where it passes the citation check."""
    by_key = {p.key: p for p in plans}
    offline = {
        p.key: Generated(key=p.key, text=render_offline(p), evidence=p.evidence, generated_by="offline")
        for p in plans
    }
    if isinstance(generator, OfflineGenerator) or not plans:
        return list(offline.values()), Usage(generator="offline")
    try:
        drafts, usage = generator.generate(task, plans, lang)
    except Exception as exc:  # noqa: BLE001 - any endpoint failure means: keep the offline text
        reason = f"{generator.name} failed: {exc.__class__.__name__}: {str(exc)[:200]}"
        log.warning("generation %s fell back to offline: %s", task, reason)
        return [g.model_copy(update={"fallback_reason": reason}) for g in offline.values()], Usage(
            generator=generator.name, model=getattr(generator, "model", None), note=reason
        )
    results = dict(offline)
    answered = set()
    for draft in drafts:
        plan = by_key.get(draft.key)
        if plan is None or draft.key in answered:
            continue
        answered.add(draft.key)
        problem = check_draft(draft, plan)
        if problem:
            results[draft.key] = offline[draft.key].model_copy(
                update={"fallback_reason": f"rejected: {problem}"}
            )
            continue
        cited = {ref_key(e): e for e in plan.evidence}
        results[draft.key] = Generated(
            key=draft.key,
            text=" ".join(draft.text.split()),
            evidence=[cited[i] for i in dict.fromkeys(draft.evidence_ids)],
            generated_by="llm",
        )
    for key in by_key.keys() - answered:
        results[key] = offline[key].model_copy(
            update={"fallback_reason": "the model returned no text for it"}
        )
    return [results[p.key] for p in plans], usage
