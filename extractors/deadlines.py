"""Deadlines in a sentence, resolved against the recording date ("下个季度末", "明年三月前",
"by the end of next quarter", "within six months"). Month names, weekdays and number words are
data (`prompts/tags/values.yaml`); the calendar arithmetic is here."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Any

from extractors.values import Found, load_vocabulary, parse_en_number, parse_zh_number


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _quarter_end(year: int, quarter: int) -> date:
    while quarter > 4:
        quarter -= 4
        year += 1
    return _month_end(year, quarter * 3)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _upcoming_month(ref: date, month: int, next_year: bool) -> date:
    if next_year:
        return _month_end(ref.year + 1, month)
    return _month_end(ref.year if month >= ref.month else ref.year + 1, month)


def _weekday(ref: date, weekday: int, next_week: bool) -> date:
    if next_week:
        monday = ref - timedelta(days=ref.weekday()) + timedelta(days=7)
        return monday + timedelta(days=weekday)
    ahead = (weekday - ref.weekday()) % 7
    return ref + timedelta(days=ahead or 7)


def _small_number(text: str, vocab: dict[str, Any]) -> int | None:
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    if text in ("半",):
        return None
    zh = parse_zh_number(text, vocab) if re.fullmatch(r"[零〇一二两三四五六七八九十百]+", text) else None
    if zh is not None:
        return int(zh)
    en = parse_en_number(text.split(), vocab) if text else None
    return int(en) if en is not None else None


def find_dates(sentence: str, ref: date, language: str, vocab: dict[str, Any] | None = None) -> list[Found]:
    """Deadlines in a sentence resolved against `ref` (the recording date): {date, text}.

    A deadline names the last day it allows: "by March" and "明年三月前" resolve to the end of
    March, "end of next quarter" to the quarter's last day, "next week" to its Friday.
    """
    vocab = vocab or load_vocabulary()
    found: list[Found] = []

    def add(match: re.Match[str], day: date | None) -> None:
        if day is not None:
            found.append(Found({"date": day.isoformat(), "text": match.group(0).strip()}, *match.span()))

    quarter = (ref.month - 1) // 3 + 1
    zh_num = r"[0-9一二两三四五六七八九十]+"
    # Chinese
    for m in re.finditer(r"下(个)?季度(末|底|结束前?)?", sentence):
        add(m, _quarter_end(ref.year, quarter + 1))
    for m in re.finditer(r"(本|这个?|当前)季度(末|底)?", sentence):
        add(m, _quarter_end(ref.year, quarter))
    for m in re.finditer(r"(明年|下一?年)(年)?(底|末)", sentence):
        add(m, date(ref.year + 1, 12, 31))
    for m in re.finditer(r"(今年)?(年底|年末|年内)", sentence):
        if not sentence[max(0, m.start() - 2) : m.start()].endswith(("明", "下一", "下")):
            add(m, date(ref.year, 12, 31))
    for m in re.finditer(
        rf"(明年|今年)?({zh_num})月(份)?(\d+|[一二三四五六七八九十]+)?(日|号)?(底|末|前|之前|以前|中旬|初)?",
        sentence,
    ):
        month = _small_number(m.group(2), vocab)
        if not month or not 1 <= month <= 12:
            continue
        year_word = m.group(1)
        if m.group(4) and m.group(5):
            day_num = _small_number(m.group(4), vocab) or 1
            year = ref.year + 1 if year_word == "明年" else ref.year
            if year_word is None and (month, day_num) < (ref.month, ref.day):
                year += 1
            try:
                add(m, date(year, month, day_num))
            except ValueError:
                continue
            continue
        end = (
            _month_end(ref.year, month)
            if year_word == "今年"
            else _upcoming_month(ref, month, year_word == "明年")
        )
        part = m.group(6)
        if part in ("初", "中旬"):
            end = end.replace(day=10 if part == "初" else 20)
        add(m, end)
    for m in re.finditer(r"下(个)?月(底|末|前|初)?", sentence):
        nxt = _add_months(ref, 1)
        add(m, _month_end(nxt.year, nxt.month))
    for m in re.finditer(r"(这个|本)月(底|末)|(?<![0-9一二三四五六七八九十个下])月底", sentence):
        add(m, _month_end(ref.year, ref.month))
    for m in re.finditer(r"(下|本|这)?(周|星期|礼拜)([一二三四五六日天])(前|之前)?", sentence):
        add(m, _weekday(ref, vocab["weekdays"]["zh"][m.group(3)], m.group(1) == "下"))
    for m in re.finditer(r"下(个)?(周|星期|礼拜)(?![一二三四五六日天])", sentence):
        add(m, _weekday(ref, 4, True))
    for m in re.finditer(rf"({zh_num}|半)(个)?(天|周|星期|个?月|年)(之内|以内|内)", sentence):
        n_text, unit = m.group(1), m.group(3)
        if n_text == "半":
            day = _add_months(ref, 6) if "年" in unit else ref + timedelta(days=15 if "月" in unit else 3)
        else:
            n = _small_number(n_text, vocab)
            if not n:
                continue
            if unit == "天":
                day = ref + timedelta(days=n)
            elif unit in ("周", "星期"):
                day = ref + timedelta(weeks=n)
            elif "月" in unit:
                day = _add_months(ref, n)
            else:
                day = _add_months(ref, 12 * n)
        add(m, day)
    for m in re.finditer(r"(明年)?(第?([一二三四1-4])季度|Q([1-4]))(末|底)?", sentence):
        q = _small_number(m.group(3) or m.group(4), vocab) or 1
        year = ref.year + 1 if m.group(1) or q < quarter else ref.year
        add(m, _quarter_end(year, q))
    for m in re.finditer(r"明天", sentence):
        add(m, ref + timedelta(days=1))
    for m in re.finditer(r"后天", sentence):
        add(m, ref + timedelta(days=2))

    # English
    months: dict[str, int] = vocab["months"]["en"]
    month_re = "|".join(sorted(months, key=len, reverse=True))
    flags = re.IGNORECASE
    for m in re.finditer(r"\b(end of |by |within |in )?(the )?next quarter\b", sentence, flags):
        add(m, _quarter_end(ref.year, quarter + 1))
    for m in re.finditer(
        r"\b(end of |by end of )(the |this )(current )?quarter\b|\bthis quarter\b|\bquarter[- ]end\b",
        sentence,
        flags,
    ):
        add(m, _quarter_end(ref.year, quarter))
    for m in re.finditer(r"\b(end of |by )?next year\b(?!'s)", sentence, flags):
        if not re.search(rf"({month_re})\s+$", sentence[: m.start()], flags):
            add(m, date(ref.year + 1, 12, 31))
    for m in re.finditer(r"\b(end of (the |this )?year|year[- ]end|end of \d{4})\b", sentence, flags):
        add(m, date(ref.year, 12, 31))
    day_re = r"(\d{1,2})(st|nd|rd|th)?"
    for m in re.finditer(
        rf"\b(?:(the )?{day_re} of )?({month_re})\b(?:\s+{day_re}\b)?(\s+next year)?",
        sentence,
        flags,
    ):
        word = m.group(4).lower()
        if word == "may" and not (m.group(2) or m.group(5) or m.group(7)):
            before = sentence[max(0, m.start() - 12) : m.start()].lower()
            if not re.search(r"(by|in|end of|until|before|early|late|mid) $", before):
                continue
        if word in ("march",) and re.search(r"\bmarch(ed|ing)\b", sentence[m.start() : m.end() + 3].lower()):
            continue
        month = months[word]
        next_year = bool(m.group(7)) or bool(
            re.search(r"next\s+$", sentence[max(0, m.start() - 6) : m.start()], flags)
        )
        day_num = m.group(2) or m.group(5)
        if day_num:
            year = ref.year + 1 if next_year else ref.year
            if not next_year and (month, int(day_num)) < (ref.month, ref.day):
                year += 1
            try:
                add(m, date(year, month, int(day_num)))
            except ValueError:
                continue
        else:
            add(m, _upcoming_month(ref, month, next_year))
    for m in re.finditer(r"\b(end of |by the end of )?(the )?next month\b", sentence, flags):
        nxt = _add_months(ref, 1)
        add(m, _month_end(nxt.year, nxt.month))
    for m in re.finditer(r"\b(the )?end of (this|the) month\b|\bmonth[- ]end\b", sentence, flags):
        add(m, _month_end(ref.year, ref.month))
    weekdays: dict[str, int] = vocab["weekdays"]["en"]
    weekday_re = "|".join(weekdays)
    for m in re.finditer(rf"\b(next |this |by |on )?({weekday_re})\b", sentence, flags):
        add(m, _weekday(ref, weekdays[m.group(2).lower()], (m.group(1) or "").strip().lower() == "next"))
    for m in re.finditer(r"\b(by |before )?(the )?(end of )?next week\b", sentence, flags):
        add(m, _weekday(ref, 4, True))
    number_words = "|".join(sorted([*vocab["en_ones"], *vocab["en_tens"]], key=len, reverse=True))
    for m in re.finditer(
        rf"\b(within|in|inside)( the next)? (\d+|{number_words}|a couple of|a few|six|half a) (days?|weeks?|months?|years?)\b",
        sentence,
        flags,
    ):
        n_text, unit = m.group(3).lower(), m.group(4).lower()
        n = {"a couple of": 2, "a few": 3, "half a": 0}.get(n_text)
        if n is None:
            n = _small_number(n_text, vocab)
        if n is None:
            continue
        if unit.startswith("day"):
            day = ref + timedelta(days=n)
        elif unit.startswith("week"):
            day = ref + timedelta(weeks=n)
        elif unit.startswith("month"):
            day = _add_months(ref, n)
        else:
            day = _add_months(ref, 6) if n_text == "half a" else _add_months(ref, 12 * n)
        add(m, day)
    for m in re.finditer(
        r"\b(q([1-4])|(first|second|third|fourth) quarter)\b( of next year| next year)?", sentence, flags
    ):
        q = (
            int(m.group(2))
            if m.group(2)
            else ["first", "second", "third", "fourth"].index(m.group(3).lower()) + 1
        )
        year = ref.year + 1 if m.group(4) or q < quarter else ref.year
        add(m, _quarter_end(year, q))
    for m in re.finditer(r"\btomorrow\b", sentence, flags):
        add(m, ref + timedelta(days=1))
    return _outermost(found)


def _outermost(found: list[Found]) -> list[Found]:
    """Of overlapping matches keep the longest ("by the end of next quarter" over "next quarter")."""
    kept: list[Found] = []
    for item in sorted(found, key=lambda f: (-(f.end - f.start), f.start)):
        if all(item.end <= k.start or item.start >= k.end for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda f: f.start)
