"""Text helpers for the handover engine: sentences, topic tokens, due dates, name mentions."""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta

from services.handover_rules import HandoverRules, find_markers, fold

_SENTENCE_END = re.compile(r"(?<=[。!?!?;;\n])|(?<=[.!?])\s+")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z][a-z'-]{3,}")
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m
}


def sentences(text: str) -> list[str]:
    """Sentences of a note, trimmed; a 10,000-character note without stops is one sentence."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip()]


def topic_tokens(text: str, rules: HandoverRules) -> set[str]:
    """CJK bigrams and English content words, minus generic ones: what a sentence is about."""
    folded = fold(text)
    stop = {w.lower() for w in rules.topic_stop_words}
    for marker in (*rules.promise_markers, *rules.kept_markers):
        folded = folded.replace(marker.lower(), " ")
    tokens: set[str] = set()
    for run in _CJK.findall(folded):
        tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    tokens.update(_WORD.findall(folded))
    return {t for t in tokens if t not in stop}


def _month_end(at: datetime) -> datetime:
    last = calendar.monthrange(at.year, at.month)[1]
    return at.replace(day=last, hour=23, minute=59, second=0, microsecond=0)


_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_numerals_to_digits(text: str) -> str:
    """'两周' -> '2周', '十五天' -> '15天', '二十四小时' -> '24小时' (numbers below 100)."""

    def convert(m: re.Match[str]) -> str:
        s = m[0]
        if "十" not in s:
            return "".join(str(_CN_DIGITS[c]) for c in s)
        tens, _, ones = s.partition("十")
        return str((_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0))

    return re.sub(r"[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九]", convert, text)


def parse_due(sentence: str, made_at: datetime, rules: HandoverRules) -> tuple[datetime | None, str]:
    """(due, how it was read). Absolute dates first, then relative phrases, then fixed offsets."""
    text = cn_numerals_to_digits(fold(sentence))
    m = re.search(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})", text)
    if m:
        try:
            due = made_at.replace(
                year=int(m[1]), month=int(m[2]), day=int(m[3]), hour=23, minute=59, second=0, microsecond=0
            )
            return due, f"date {m[0]!r} in the promise"
        except ValueError:
            pass
    m = re.search(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]", text)
    month_day = (int(m[1]), int(m[2])) if m else None
    if not m:
        m = re.search(r"\b(" + "|".join(_MONTHS) + r")\.?\s+(\d{1,2})\b", text)
        month_day = (_MONTHS[m[1]], int(m[2])) if m else None
    if m and month_day:
        try:
            due = made_at.replace(
                month=month_day[0], day=month_day[1], hour=23, minute=59, second=0, microsecond=0
            )
            if due < made_at - timedelta(days=1):
                due = due.replace(year=due.year + 1)
            return due, f"date {m[0]!r} in the promise"
        except ValueError:
            pass
    for rel in rules.due_relative:
        m = re.search(rel.pattern, text)
        if m:
            return made_at + timedelta(days=int(m[1]) * rel.unit_days), f"{m[0]!r} after {made_at:%Y-%m-%d}"
    for phrase, offset in rules.due_fixed_offsets.items():
        if find_markers(text, [phrase]):
            if offset == "month_end":
                return _month_end(made_at), f"{phrase!r} of {made_at:%Y-%m}"
            return made_at + timedelta(days=int(offset)), f"{phrase!r} after {made_at:%Y-%m-%d}"
    return None, "no date in the promise"


def name_after(text: str, start: int, rules: HandoverRules) -> str | None:
    """A Chinese name (2-3 characters) or an English 'First Last' beginning at `start`."""
    rest = text[start:]
    latin = re.match(r"\s*([A-Z][A-Za-z]*(?:\s+(?:of\s+)?[A-Z][A-Za-z]*)*)", rest)
    if latin:  # 'Head of Data Sarah Kim' -> the last two capitalised words are the name
        words = [w for w in latin[1].split() if w != "of"]
        return " ".join(words[-2:]) if len(words) >= 2 else None
    rest = rest.lstrip()
    cjk = re.match(r"[\u4e00-\u9fff]{2,4}", rest)
    if not cjk:
        return None
    run = cjk[0]
    stop = rules.name_stop_chars
    if len(run) == 2 or run[2] in stop:
        return run[:2]
    if len(run) == 3 or run[3] in stop:
        return run[:3]
    return run[:2]
