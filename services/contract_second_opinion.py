"""The LLM second opinion on borderline contract clauses, under the citation check (COPILOT_LLM=openai).

The playbook decides; the model only comments where the playbook's decision was close
(services.contract_borderline). Each borderline clause goes to the model as a delimited evidence
block (`services.generation.evidence_block`: a clause carrying instructions is withheld), and the
model answers with opinions {clause, category, severity, quote, explanation}. An opinion is kept
only when it cites a clause it was sent, names a playbook category, quotes the clause verbatim and
states no figure absent from the clause (or from the reasons we gave); anything else is dropped
with the reason. Kept opinions become flags with `source: llm` — legal sees they are the model's —
unless a playbook flag of the same kind already sits on that clause, in which case the opinion is
recorded as agreeing with it. A failing endpoint (429, timeout, malformed JSON) never breaks the
review: the playbook's flags stand and `second_opinion` says why it is missing.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import BaseModel

from copilot.models import EvidenceRef
from extractors.clauses import Clause
from services.contract_borderline import Borderline, borderline_clauses
from services.contract_flags import clause_flag
from services.contract_models import (
    AskedClause,
    DroppedOpinion,
    Flag,
    KeptOpinion,
    SecondOpinion,
)
from services.contract_playbook import Playbook
from services.generation import (
    LANGUAGE_NAMES,
    MAX_TEXT,
    Usage,
    evidence_block,
    looks_like_injection,
    numbers_in,
    prompt_text,
)

log = logging.getLogger(__name__)
SEVERITIES = ("high", "medium", "low")


class Opinion(BaseModel):
    """One opinion as the model wrote it; loosely typed on purpose, the checks below decide."""

    clause: str = ""
    category: str = ""
    severity: str = ""
    quote: str = ""
    explanation: str = ""


class OpinionSet(BaseModel):
    """Required key: a truncated answer that LangChain's lenient JSON parser repairs into `{}` must
    count as malformed, not as "no risk found"."""

    opinions: list[Opinion]


def evidence_id(clause: Clause) -> str:
    return f"clause:{clause.index}"


def _asked(item: Borderline) -> AskedClause:
    return AskedClause(
        clause=item.clause.number,
        evidence_id=evidence_id(item.clause),
        kinds=item.kinds,
        reasons=item.reasons,
    )


def build_messages(items: list[Borderline], playbook: Playbook, lang: str) -> list[tuple[str, str]]:
    categories = "\n".join(f"- {k.id}: {k.title.en} — {k.description.en}" for k in playbook.kinds)
    lines = [
        prompt_text("contract_second_opinion.md").format(
            categories=categories, language=LANGUAGE_NAMES.get(lang, lang)
        ),
        "",
    ]
    for item in items:
        clause = item.clause
        lines.append(f"## clause {evidence_id(clause)}")
        lines.extend(f"borderline because: {reason}" for reason in item.reasons)
        ref = EvidenceRef(
            kind="clause",
            id=str(clause.index),
            source=f"contract clause {clause.label or clause.number or 'preamble'}",
            quote=clause.text,
        )
        lines.append(evidence_block(ref))
        lines.append("")
    return [("system", prompt_text("contract_system.md")), ("human", "\n".join(lines))]


def locate_quote(quote: str, text: str) -> tuple[int, int] | None:
    """[start, end) of the quote in the clause: exact, or across line breaks and spaces only."""
    quote = quote.strip()
    if not quote:
        return None
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    chars = [re.escape(ch) for ch in quote if not ch.isspace()]
    if not chars:
        return None
    found = re.search(r"\s*".join(chars), text)
    return (found.start(), found.end()) if found else None


def check_opinion(
    opinion: Opinion, sent: dict[str, Borderline], playbook: Playbook
) -> tuple[str | None, tuple[int, int] | None]:
    """(None, quote span) when the opinion is grounded, else (the reason it is dropped, None)."""
    item = sent.get(opinion.clause.strip())
    if item is None:
        return f"cites a clause that was not sent: {opinion.clause[:40]!r}", None
    known = {k.id for k in playbook.kinds}
    if opinion.category not in known:
        return f"unknown category {opinion.category[:60]!r} (not a playbook id)", None
    if opinion.severity not in SEVERITIES:
        return f"unknown severity {opinion.severity[:20]!r}", None
    explanation = opinion.explanation.strip()
    if not explanation:
        return "gives no explanation", None
    if len(explanation) > MAX_TEXT:
        return f"explanation longer than {MAX_TEXT} characters", None
    if looks_like_injection(f"{opinion.quote} {explanation}"):
        return "repeats an instruction found in the data", None
    span = locate_quote(opinion.quote, item.clause.text)
    if span is None:
        return "its quote is not in the clause text", None
    kind = playbook.kind(opinion.category)
    grounded = numbers_in(" ".join([item.clause.text, *item.reasons, *map(str, kind.parameters.values())]))
    invented = sorted(n for n in numbers_in(f"{opinion.quote} {explanation}") if n not in grounded)
    if invented:
        return f"states figures absent from the clause: {', '.join(invented[:5])}", None
    return None, span


def _llm_flag(
    opinion: Opinion,
    clause: Clause,
    span: tuple[int, int],
    playbook: Playbook,
    model: str,
    lang: str,
    file_name: str,
) -> Flag:
    kind = playbook.kind(opinion.category)
    label = "LLM second opinion" if lang != "zh" else "LLM 第二意见"
    return clause_flag(
        kind, clause, span, playbook, lang, file_name,
        severity=opinion.severity,
        explanation=f"[{label}, {model}] {' '.join(opinion.explanation.split())}",
        rule="llm.second_opinion",
        source="llm",
    )  # fmt: skip


def not_asked(reason: str) -> SecondOpinion:
    return SecondOpinion(status="not_asked", reason=reason)


def second_opinion(
    chat: Any,
    clauses: list[Clause],
    flags: list[Flag],
    playbook: Playbook,
    *,
    lang: str,
    file_name: str,
) -> tuple[SecondOpinion, list[Flag]]:
    """Ask `chat` (a `ChatGenerator`) about the borderline clauses; (the record, new `source: llm` flags)."""
    send, left_out = borderline_clauses(clauses, flags, playbook)
    model = getattr(chat, "model", None)
    base = SecondOpinion(
        status="done", model=model, asked=[_asked(b) for b in send], not_sent=[_asked(b) for b in left_out]
    )
    if not send:
        return base.model_copy(
            update={
                "status": "nothing_borderline",
                "reason": "no clause was borderline: the model was not asked",
            }
        ), []
    try:
        answer, usage = chat.structured(build_messages(send, playbook, lang), OpinionSet)
    except Exception as exc:  # noqa: BLE001 - any endpoint failure leaves the playbook's review intact
        reason = f"{getattr(chat, 'name', 'llm')} failed: {exc.__class__.__name__}: {str(exc)[:200]}"
        log.warning("contract second opinion missing: %s", reason)
        return base.model_copy(
            update={
                "status": "failed",
                "reason": reason,
                "usage": Usage(generator="llm", model=model, note=reason),
            }
        ), []
    sent = {evidence_id(b.clause): b for b in send}
    existing = {(f.category, f.clause): f for f in flags}
    kept: list[KeptOpinion] = []
    dropped: list[DroppedOpinion] = []
    new_flags: list[Flag] = []
    seen: set[tuple[str, str]] = set()
    for opinion in answer.opinions:
        problem, span = check_opinion(opinion, sent, playbook)
        item = sent.get(opinion.clause.strip())
        number = item.clause.number if item else opinion.clause[:40]
        if problem is None and (opinion.category, number) in seen:
            problem = "repeats an opinion already given on this clause and category"
        if problem or span is None or item is None:
            dropped.append(
                DroppedOpinion(
                    clause=number,
                    category=opinion.category[:60],
                    quote=opinion.quote[:300],
                    reason=problem or "no quote",
                )
            )
            continue
        seen.add((opinion.category, number))
        agrees = existing.get((opinion.category, number))
        flag = (
            None
            if agrees
            else _llm_flag(opinion, item.clause, span, playbook, model or "llm", lang, file_name)
        )
        if flag:
            new_flags.append(flag)
        kept.append(
            KeptOpinion(
                clause=number,
                category=opinion.category,
                severity=opinion.severity,  # type: ignore[arg-type]
                quote=item.clause.text[span[0] : span[1]],
                explanation=" ".join(opinion.explanation.split()),
                flag_id=flag.id if flag else None,
                agrees_with=agrees.id if agrees else None,
            )
        )
    return base.model_copy(update={"kept": kept, "dropped": dropped, "usage": usage}), new_flags
