"""Clause segmentation: numbered clauses (第X条, 一、, 1.1, Article 5, Section 2.3) from a read document.

Works on the lines of a `PdfDocument` (PDF text layer, OCR or DOCX paragraphs), so each clause
keeps where it came from: its pages and one box per page, and per line the character span in
the clause text, which lets a reviewer's quote be pointed at on the page. Page headers, footers
and page numbers are dropped first, so a clause split by a page break reads on as one text and
keeps both parts' positions.

The heading patterns are data (`defaults/clauses.yaml`). A heading is accepted only when its
number follows the previous one of its kind: a wrapped line that starts with "1.5倍" or
"第五条约定的" must not open a clause.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from extractors.pdf import BBox, Line, PdfDocument, union_bbox

_DEFAULTS = Path(__file__).parent / "defaults" / "clauses.yaml"
_SENTENCE_END = "。；;.!?！？:："
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


class ClauseLine(BaseModel):
    """Where a piece of the clause text sits: [start, end) in `Clause.text`, page and box."""

    start: int
    end: int
    page: int
    bbox: BBox | None = None
    paragraph: int | None = Field(None, description="DOCX paragraph index, when read from DOCX.")
    approximate: bool = False


class ClauseBox(BaseModel):
    page: int
    bbox: BBox


class Clause(BaseModel):
    """A numbered clause (or the preamble before the first one)."""

    index: int = Field(description="Position in the document, 0-based.")
    number: str = Field(description="Normalised number: '5', '5.1'; '' for the preamble.")
    label: str = Field("", description="The number as written: '第五条', 'Article 5', '5.1'.")
    title: str = ""
    parent: str | None = Field(None, description="Number of the enclosing article for a sub-clause.")
    level: int = Field(1, description="0 preamble, 1 article, 2 sub-clause.")
    text: str
    pages: list[int]
    bboxes: list[ClauseBox] = Field(default_factory=list, description="One box per page the clause is on.")
    lines: list[ClauseLine] = Field(default_factory=list)

    @property
    def page(self) -> int:
        return self.pages[0] if self.pages else 1

    def locate(self, start: int, end: int) -> list[ClauseBox]:
        """Boxes (one per page) of the lines overlapping text[start:end]; empty without positions."""
        per_page: dict[int, list[BBox]] = {}
        for line in self.lines:
            if line.bbox is not None and line.start < end and line.end > start:
                per_page.setdefault(line.page, []).append(line.bbox)
        return [ClauseBox(page=p, bbox=union_bbox(b)) for p, b in sorted(per_page.items())]

    def paragraphs(self, start: int, end: int) -> list[int]:
        return sorted(
            {
                ln.paragraph
                for ln in self.lines
                if ln.paragraph is not None and ln.start < end and ln.end > start
            }
        )


# --- configuration --------------------------------------------------------------------------


@dataclass(frozen=True)
class _HeadingKind:
    kind: str
    level: int
    regex: re.Pattern[str]


@dataclass(frozen=True)
class _Config:
    version: int
    headings: tuple[_HeadingKind, ...]
    title_max_chars: int
    margin_share: float
    repeat_min_share: float
    furniture: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=4)
def load_config(path: str | None = None) -> _Config:
    raw = yaml.safe_load(Path(path or _DEFAULTS).read_text(encoding="utf-8"))
    return _Config(
        version=int(raw["version"]),
        headings=tuple(
            _HeadingKind(h["kind"], int(h["level"]), re.compile(h["pattern"])) for h in raw["headings"]
        ),
        title_max_chars=int(raw["title_max_chars"]),
        margin_share=float(raw["furniture"]["margin_share"]),
        repeat_min_share=float(raw["furniture"]["repeat_min_share"]),
        furniture=tuple(re.compile(p) for p in raw["furniture"]["patterns"]),
    )


# --- numbers --------------------------------------------------------------------------------


def cn_int(text: str) -> int | None:
    """Chinese numeral (一百二十, 十二, 二〇) or Arabic digits to int; None when not a number."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch not in "十百千" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = current * 10 + _CN_DIGITS[ch] if ch in "零〇" and current else _CN_DIGITS[ch]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
    return total + current


def _roman_int(text: str) -> int | None:
    values = [_ROMAN.get(ch) for ch in text.upper()]
    if not values or None in values:
        return None
    total = 0
    for i, v in enumerate(values):
        total += -v if i + 1 < len(values) and values[i + 1] > v else v
    return total


# --- segmentation ---------------------------------------------------------------------------


@dataclass
class _Heading:
    kind: str
    level: int
    parts: tuple[int, ...]
    label: str
    rest: str


@dataclass
class _Open:
    heading: _Heading | None
    number: str
    parent: str | None
    title: str
    level: int
    lines: list[Line] = field(default_factory=list)


def is_furniture(text: str, cfg: _Config | None = None) -> bool:
    cfg = cfg or load_config()
    t = text.strip()
    return any(p.match(t) for p in cfg.furniture)


def _drop_furniture(doc: PdfDocument, cfg: _Config) -> list[Line]:
    """Lines of all pages minus page numbers and headers/footers repeated across pages."""

    def in_margin(line: Line, height: float) -> bool:
        if line.bbox is None:
            return False
        return line.bbox[1] < height * cfg.margin_share or line.bbox[3] > height * (1 - cfg.margin_share)

    def blind(text: str) -> str:
        return re.sub(r"\d+", "#", text.strip())

    repeated: set[str] = set()
    if len(doc.pages) >= 3:
        counts: Counter[str] = Counter()
        for page in doc.pages:
            counts.update({blind(ln.text) for ln in page.lines if in_margin(ln, page.height)})
        repeated = {t for t, n in counts.items() if n >= max(2, cfg.repeat_min_share * len(doc.pages))}
    kept: list[Line] = []
    for page in doc.pages:
        for line in page.lines:
            if in_margin(line, page.height) and (
                is_furniture(line.text, cfg) or blind(line.text) in repeated
            ):
                continue
            if line.bbox is None and is_furniture(line.text, cfg):
                continue
            kept.append(line)
    return kept


def _parse_heading(text: str, cfg: _Config) -> list[_Heading]:
    found: list[_Heading] = []
    t = text.strip()
    for hk in cfg.headings:
        m = hk.regex.match(t)
        if not m:
            continue
        num = m.group("num")
        if "." in num:
            parts = tuple(int(x) for x in num.split("."))
        else:
            value = cn_int(num)
            if value is None:
                value = _roman_int(num)
            if value is None:
                continue
            parts = (value,)
        level = hk.level if len(parts) <= 2 else 3
        found.append(_Heading(hk.kind, level, parts, t[: m.start("rest")].strip(), m.group("rest").strip()))
    return found


class _Sequencer:
    """Accepts a heading only when its number plausibly follows the previous one of its kind."""

    def __init__(self) -> None:
        self.last: dict[str, tuple[int, ...]] = {}
        self.article: int | None = None

    def accepts(self, h: _Heading, primary: str | None) -> bool:
        last = self.last.get(h.kind)
        if h.level == 1:
            if primary is not None and h.kind != primary:
                return False
            n = h.parts[0]
            return (n <= 2) if last is None else (last[0] < n <= last[0] + 3)
        if h.level == 2:
            a = h.parts[0]
            b = h.parts[1] if len(h.parts) > 1 else None
            if b is None:  # "Section 4" as a level-2 kind with one part
                return last is None or last[0] < a <= last[0] + 3
            if self.article is not None and a == self.article and (last is None or last[0] != a):
                return b <= 2
            if last is None:
                return b <= 2 and (self.article is None or a in (self.article, self.article + 1))
            return (a == last[0] and last[1] < b <= last[1] + 3) or (a == last[0] + 1 and b <= 2)
        return False

    def take(self, h: _Heading) -> None:
        self.last[h.kind] = h.parts
        if h.level == 1 or h.level == 2 and h.kind == "dotted" and self.article is None:
            self.article = h.parts[0]


def _primary_kind(lines: list[Line], cfg: _Config) -> str | None:
    """The level-1 heading kind the document numbers its articles with (most valid headings)."""
    counts: Counter[str] = Counter()
    seqs: dict[str, _Sequencer] = {}
    for line in lines:
        for h in _parse_heading(line.text, cfg):
            if h.level != 1:
                continue
            seq = seqs.setdefault(h.kind, _Sequencer())
            if seq.accepts(h, h.kind):
                seq.take(h)
                counts[h.kind] += 1
    if not counts:
        return None
    order = [hk.kind for hk in cfg.headings]
    return max(counts, key=lambda k: (counts[k], -order.index(k)))


def _join(
    lines: list[Line], *, headed: bool = False, right_edges: dict[int, float] | None = None
) -> tuple[str, list[tuple[int, int]]]:
    """Text of wrapped lines: no space between CJK line ends, one space otherwise.

    A heading line, and a line that stops well short of the page's right text edge (the end of
    a paragraph), is followed by a newline, so headings and paragraphs never run together.
    DOCX lines are paragraphs already.
    """
    right_edges = right_edges or {}
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for i, line in enumerate(lines):
        text = line.text.strip()
        if i:
            prev = parts[-1][-1:] if parts else ""
            sep = "" if _is_cjk(prev) or _is_cjk(text[:1]) else " "
            before = lines[i - 1]
            if (i == 1 and headed) or _ends_paragraph(before, right_edges):
                sep = "\n"
            parts.append(sep)
            pos += len(sep)
        spans.append((pos, pos + len(text)))
        parts.append(text)
        pos += len(text)
    return "".join(parts), spans


def _ends_paragraph(line: Line, right_edges: dict[int, float]) -> bool:
    if line.bbox is None:
        return True
    edge = right_edges.get(line.page)
    if edge is None:
        return False
    char_width = max(4.0, (line.bbox[3] - line.bbox[1]) * 0.9)
    return line.bbox[2] < edge - 3.0 * char_width


def _right_edges(lines: list[Line]) -> dict[int, float]:
    """Per page, the right edge of the text block (the 90th percentile of line ends)."""
    per_page: dict[int, list[float]] = {}
    for ln in lines:
        if ln.bbox is not None:
            per_page.setdefault(ln.page, []).append(ln.bbox[2])
    edges = {}
    for page, ends in per_page.items():
        ends.sort()
        edges[page] = ends[int(0.9 * (len(ends) - 1))]
    return edges


def _is_cjk(ch: str) -> bool:
    return bool(ch) and ("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")


def _title_of(h: _Heading, cfg: _Config) -> str:
    rest = h.rest
    if not rest or len(rest) > cfg.title_max_chars or rest[-1] in _SENTENCE_END:
        return ""
    if re.search(r"[。；;,，]", rest):
        return ""
    return rest


def segment_clauses(doc: PdfDocument, *, config_path: str | None = None) -> list[Clause]:
    """Split a document into clauses in reading order; text before the first heading is the preamble."""
    cfg = load_config(config_path)
    lines = _drop_furniture(doc, cfg)
    primary = _primary_kind(lines, cfg)
    seq = _Sequencer()
    opened: list[_Open] = [_Open(None, "", None, "", 0)]
    article_number: str | None = None
    article_title = ""
    for line in lines:
        accepted: _Heading | None = None
        for h in _parse_heading(line.text, cfg):
            if h.level in (1, 2) and seq.accepts(h, primary):
                accepted = h
                break
        if accepted is None:
            opened[-1].lines.append(line)
            continue
        seq.take(accepted)
        number = ".".join(str(p) for p in accepted.parts)
        title = _title_of(accepted, cfg)
        if accepted.level == 1:
            article_number, article_title = number, title
            opened.append(_Open(accepted, number, None, title, 1, [line]))
        else:
            parent = article_number if article_number and number.startswith(article_number + ".") else None
            opened.append(_Open(accepted, number, parent, title or article_title, 2, [line]))
    clauses: list[Clause] = []
    edges = _right_edges(lines)
    for item in opened:
        if not item.lines:
            continue
        text, spans = _join(item.lines, headed=item.heading is not None, right_edges=edges)
        clause_lines = [
            ClauseLine(
                start=s,
                end=e,
                page=ln.page,
                bbox=ln.bbox,
                paragraph=getattr(ln, "paragraph", None),
                approximate=ln.approximate,
            )
            for ln, (s, e) in zip(item.lines, spans, strict=True)
        ]
        per_page: dict[int, list[BBox]] = {}
        for ln in item.lines:
            if ln.bbox is not None:
                per_page.setdefault(ln.page, []).append(ln.bbox)
        clauses.append(
            Clause(
                index=len(clauses),
                number=item.number,
                label=item.heading.label if item.heading else "",
                title=item.title,
                parent=item.parent,
                level=item.level,
                text=text,
                pages=sorted({ln.page for ln in item.lines}),
                bboxes=[ClauseBox(page=p, bbox=union_bbox(b)) for p, b in sorted(per_page.items())],
                lines=clause_lines,
            )
        )
    return clauses
