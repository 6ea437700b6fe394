"""The vocabulary of contract review: flags, missing clauses, the summary and the whole review."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from copilot.models import EvidenceRef

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
    second_opinion: str | None = Field(
        None, description="Status of the LLM second opinion (not run offline; says why)."
    )
