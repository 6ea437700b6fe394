"""Chunking that respects the units people cite: sentences, speaker turns, contract clauses.

A chunk never cuts a sentence; turns are packed together up to the budget (a short exchange
reads better as one passage); clauses are never merged (a clause is what legal cites), only
split at sentence ends when one is longer than the budget. The budget is counted in "units"
(a CJK character or a Latin word), about what the bundled encoder's 256-word-piece window holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BUDGET = 160  # units per chunk

_UNIT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z0-9]+")


@dataclass
class Segment:
    """A citable unit of a document: a paragraph, a speaker turn, a clause.

    `start`/`end` are character offsets for text or seconds for audio/video transcripts.
    """

    text: str
    start: float | None = None
    end: float | None = None
    page: int | None = None
    bbox: list[float] | None = None
    speaker: str | None = None
    label: str | None = None  # clause number and title, section name ...


@dataclass
class Chunk:
    text: str
    start: float | None = None
    end: float | None = None
    page: int | None = None
    bbox: list[float] | None = None
    speakers: list[str] = field(default_factory=list)
    label: str | None = None


def units(text: str) -> int:
    return len(_UNIT.findall(text))


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of `text` (Chinese and English punctuation)."""
    spans: list[tuple[int, int]] = []
    position = 0
    for part in re.split(r"(?<=[。！？!?；;])|(?<=[.])(?=\s)|\n+", text):
        if part is None:
            continue
        index = text.find(part, position) if part else -1
        if part.strip() and index >= 0:
            lead = len(part) - len(part.lstrip())
            spans.append((index + lead, index + len(part.rstrip())))
            position = index + len(part)
    return spans


def _split_long(text: str, offset: int) -> list[tuple[str, int, int]]:
    """Pieces of at most BUDGET units, cut at sentence ends (a single over-long sentence is cut hard)."""
    pieces: list[tuple[str, int, int]] = []
    current_start: int | None = None
    current_end = 0
    for start, end in sentences(text):
        if current_start is not None and units(text[current_start:end]) > BUDGET:
            pieces.append((text[current_start:current_end], offset + current_start, offset + current_end))
            current_start = None
        if current_start is None:
            current_start = start
        current_end = end
        while units(text[current_start:current_end]) > BUDGET * 2:  # one runaway sentence
            cut = current_start + BUDGET
            pieces.append((text[current_start:cut], offset + current_start, offset + cut))
            current_start = cut
    if current_start is not None and text[current_start:current_end].strip():
        pieces.append((text[current_start:current_end], offset + current_start, offset + current_end))
    return pieces


def chunk_text(text: str) -> list[Chunk]:
    """A free text (a news item, a notice) as sentence-aligned chunks with character offsets."""
    return [Chunk(text=piece, start=start, end=end) for piece, start, end in _split_long(text, 0)]


def chunk_segments(segments: list[Segment], *, merge: bool) -> list[Chunk]:
    """Turns (`merge=True`: packed up to the budget) or clauses (`merge=False`: one or more chunks each)."""
    chunks: list[Chunk] = []
    pending: list[Segment] = []

    def flush() -> None:
        if not pending:
            return
        speakers: list[str] = []
        for seg in pending:
            if seg.speaker and seg.speaker not in speakers:
                speakers.append(seg.speaker)
        text = "\n".join(f"{s.speaker}: {s.text}" if s.speaker else s.text for s in pending)
        chunks.append(
            Chunk(
                text=text,
                start=pending[0].start,
                end=pending[-1].end,
                page=pending[0].page,
                bbox=pending[0].bbox,
                speakers=speakers,
                label=pending[0].label,
            )
        )
        pending.clear()

    for seg in segments:
        if not seg.text.strip():
            continue
        size = units(seg.text)
        if size > BUDGET:
            flush()
            prefix = f"{seg.label}\n" if seg.label and not merge else ""
            for piece, _, _ in _split_long(seg.text, 0):
                chunks.append(
                    Chunk(
                        text=(f"{seg.speaker}: " if seg.speaker else "") + prefix + piece,
                        start=seg.start,
                        end=seg.end,
                        page=seg.page,
                        bbox=seg.bbox,
                        speakers=[seg.speaker] if seg.speaker else [],
                        label=seg.label,
                    )
                )
            continue
        if not merge or (pending and sum(units(s.text) for s in pending) + size > BUDGET):
            flush()
        pending.append(seg)
        if not merge:
            flush()
    flush()
    return chunks
