"""One shape for every flag on a clause span, whoever raised it: a playbook rule, the similarity
check or an LLM's second opinion. Legal's queue, the exports and the page read them alike, and
every one is positioned on its page and cites the clause (DESIGN.md §3)."""

from __future__ import annotations

import hashlib

from copilot.models import EvidenceRef
from extractors.clauses import Clause
from services.contract_models import Flag, FlagBox
from services.contract_playbook import Kind, Playbook

ID_SALT = {"pattern": "", "similarity": "sim|", "llm": "llm|"}


def clause_flag(
    kind: Kind,
    clause: Clause,
    span: tuple[int, int],
    playbook: Playbook,
    lang: str,
    file_name: str,
    *,
    severity: str,
    explanation: str,
    rule: str,
    source: str = "pattern",
) -> Flag:
    """A flag on a span of a clause, positioned on the page and cited, whoever raised it (a rule,
    the similarity check, an LLM's second opinion): one shape for legal's queue and the exports.
    Its id is stable for the same raiser, kind, clause and quote, so re-reviews keep decisions."""
    start, end = span
    quote = clause.text[start:end]
    boxes = [FlagBox(page=b.page, bbox=b.bbox) for b in clause.locate(start, end)]
    approximate = any(ln.approximate for ln in clause.lines if ln.start < end and ln.end > start)
    page = boxes[0].page if boxes else (clause.pages[0] if clause.pages and clause.bboxes else None)
    digest = hashlib.sha1(f"{ID_SALT[source]}{kind.id}|{clause.index}|{quote}".encode()).hexdigest()[:12]
    return Flag(
        id=f"fl_{digest}",
        category=kind.id,
        title=kind.title.pick(lang),
        severity=severity,  # type: ignore[arg-type]  # a playbook severity
        clause=clause.number,
        clause_title=clause.title,
        page=page,
        bbox=boxes[0].bbox if boxes else None,
        boxes=boxes,
        paragraphs=clause.paragraphs(start, end),
        quote=quote,
        start=start,
        explanation=explanation,
        suggestion=kind.fallback.pick(lang),
        standard_position=kind.standard_position.pick(lang),
        playbook_version=playbook.version,
        rule=rule,
        source=source,  # type: ignore[arg-type]  # pattern | similarity | llm
        approximate_position=approximate,
        evidence=[
            EvidenceRef(
                kind="clause",
                id=f"{file_name}#{clause.number or 'preamble'}",
                file=file_name,
                quote=quote,
                start=start,
                end=end,
                page=page,
            )
        ],
    )
