"""The vocabulary of contract review: flags, missing clauses, the summary and the whole review."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from copilot.models import EvidenceRef
from services.generation import Usage

BBox = tuple[float, float, float, float]


class FlagBox(BaseModel):
    page: int
    bbox: BBox


class Flag(BaseModel):
    """One risky passage: which kind, where (clause, page, box), the exact quote and the redline."""

    id: str = Field(description="Stable id: same contract text and playbook give the same id.")
    category: str = Field(description="One of the 17 playbook kind ids.")
    title: str = ""
    severity: Literal["high", "medium", "low"]
    clause: str = Field(description="Clause number ('5.2'; '' for the preamble).")
    clause_title: str = ""
    page: int | None = Field(None, description="First page of the quote (None for DOCX input).")
    bbox: BBox | None = Field(
        None, description="Box of the quote's lines on `page` (PDF points, top-left origin)."
    )
    boxes: list[FlagBox] = Field(
        default_factory=list, description="One box per page when the quote crosses pages."
    )
    paragraphs: list[int] = Field(default_factory=list, description="DOCX paragraph indexes of the quote.")
    quote: str = Field(description="The exact text of the clause that raised the flag.")
    start: int = Field(0, description="Offset of the quote in the clause text.")
    explanation: str = Field(description="Why, naming the figure found.")
    suggestion: str = Field(description="The playbook's fallback wording, offered as the redline.")
    standard_position: str = ""
    playbook_version: int
    rule: str = Field("", description="Which playbook rule fired (kind id and rule index).")
    source: Literal["pattern", "similarity", "llm"] = "pattern"
    approximate_position: bool = Field(False, description="Position comes from OCR and is approximate.")
    evidence: list[EvidenceRef] = Field(default_factory=list)


class MissingClause(BaseModel):
    category: str
    title: str = ""
    severity: Literal["high", "medium", "low"]
    why: str = Field(description="Why the absence matters.")
    suggestion: str = Field(description="Suggested clause wording to add.")
    playbook_version: int


class ReviewSummary(BaseModel):
    customer: str | None = None
    supplier: str | None = None
    amount: str | None = None
    term: str | None = None
    payment_terms_days: list[float] = Field(default_factory=list)
    governing_law_and_venue: list[str] = Field(default_factory=list)
    renewal: str | None = None
    counts: dict[str, int] = Field(
        default_factory=dict, description="Flags (and missing clauses) by severity."
    )
    pages: int = 0
    clauses: int = 0
    language: str = "zh"


class AskedClause(BaseModel):
    """A borderline clause sent to the model, with why it was judged borderline."""

    clause: str = Field(description="Clause number ('' for the preamble).")
    evidence_id: str = Field(description="The id the model had to cite it by ('clause:<index>').")
    kinds: list[str] = Field(default_factory=list, description="Playbook kinds it is borderline for.")
    reasons: list[str] = Field(default_factory=list)


class KeptOpinion(BaseModel):
    """A model opinion that passed the citation check. It is the model's, never the playbook's."""

    source: Literal["llm"] = "llm"
    clause: str
    category: str
    severity: Literal["high", "medium", "low"]
    quote: str = Field(description="Exact text of the clause (checked to be a substring).")
    explanation: str
    flag_id: str | None = Field(None, description="The `source: llm` flag it became (None when it agrees).")
    agrees_with: str | None = Field(
        None, description="Id of the playbook flag of the same kind on the same clause, when there is one."
    )


class DroppedOpinion(BaseModel):
    clause: str
    category: str = ""
    quote: str = ""
    reason: str = Field(description="Why the citation check refused it.")


class SecondOpinion(BaseModel):
    """The LLM second opinion on borderline clauses: asked or not, what was kept, dropped and why."""

    status: Literal["not_asked", "nothing_borderline", "done", "failed"]
    reason: str | None = Field(None, description="Why it was not asked, or why it failed.")
    model: str | None = None
    asked: list[AskedClause] = Field(default_factory=list)
    not_sent: list[AskedClause] = Field(
        default_factory=list, description="Borderline clauses left out by `second_opinion.max_clauses`."
    )
    kept: list[KeptOpinion] = Field(default_factory=list)
    dropped: list[DroppedOpinion] = Field(default_factory=list)
    usage: Usage | None = None


class ContractReview(BaseModel):
    """What `review_document` returns; stored as the contract's `review` JSON."""

    file: str
    source: Literal["pdf", "pdf_ocr", "docx"] = "pdf"
    ocr: bool = False
    notice: str | None = Field(None, description="e.g. 'OCR, positions approximate'.")
    playbook_version: int
    flags: list[Flag] = Field(default_factory=list)
    missing: list[MissingClause] = Field(default_factory=list)
    summary: ReviewSummary
    second_opinion: SecondOpinion | None = Field(
        None, description="The LLM second opinion on borderline clauses (status `not_asked` offline)."
    )
