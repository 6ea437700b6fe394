"""Sentences and clauses of a note, with character offsets, and its language (zh / en).

The tagger matches inside one sentence and scopes negation to one clause; the offsets are what
evidence spans (and, for audio, seconds) are computed from."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u4e00-\u9fff]")


def detect_language(text: str) -> str:
    """zh when a fifth of the letters are CJK characters, else en."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "en"
    return "zh" if sum(1 for c in letters if CJK.match(c)) / len(letters) > 0.2 else "en"


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in character offsets; whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in re.finditer(r"[。！？!?；;\n]+|\.(?=\s|$)", text):
        spans.append((start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


_CLAUSE_BREAK = re.compile(
    r"[,，:：、]|\b(but|however|although|though|whereas|while)\b|但是|但|不过|而是|然而", re.I
)


def clause_bounds(sentence: str, position: int) -> tuple[int, int]:
    """The clause of `sentence` that holds `position` (for negation scope)."""
    start, end = 0, len(sentence)
    for match in _CLAUSE_BREAK.finditer(sentence):
        if match.end() <= position:
            start = match.end()
        elif match.start() >= position:
            end = match.start()
            break
    return start, end
