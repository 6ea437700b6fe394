"""Value extractors for profile tags: money amounts, dates resolved against the recording date,
people's names. The vocabulary (number words, currencies, months, titles) is data in
`prompts/tags/values.yaml`; this module holds the grammar that combines it.

Why a hand-written grammar: the amounts reps say ("五十万", "1.5个亿", "two point five million
yuan") and the deadlines they mention ("下个季度末", "by the end of next quarter") have a small,
regular grammar, and an exact parse is what makes a budget or a date usable in the CRM.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts" / "tags"


@lru_cache(maxsize=4)
def load_vocabulary(path: str | None = None) -> dict[str, Any]:
    return yaml.safe_load(Path(path or PROMPTS_DIR / "values.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Found:
    """A value and the characters of the sentence it was read from."""

    value: dict[str, Any]
    start: int
    end: int


# --- numbers ---------------------------------------------------------------------------------


def parse_zh_number(text: str, vocab: dict[str, Any] | None = None) -> float | None:
    """Chinese numerals with units: 五十 -> 50, 一百二十万 -> 1_200_000, 一点五亿 -> 1.5e8, 1.5个亿."""
    vocab = vocab or load_vocabulary()
    digits: dict[str, int] = vocab["zh_digits"]
    small: dict[str, int] = vocab["zh_small_units"]
    text = text.replace("个亿", "亿").replace(",", "").replace("，", "")
    if not text:
        return None
    # an Arabic number followed by units ("80万", "1.5亿", "3千万")
    arabic = re.fullmatch(r"(\d+(?:\.\d+)?)([十百千万亿]*)", text)
    if arabic:
        value = float(arabic.group(1))
        for unit in arabic.group(2):
            value *= small.get(unit) or (10000 if unit == "万" else 100000000)
        return value
    decimal_part = ""
    if "点" in text:
        text, _, rest = text.partition("点")
        tail = re.match(r"[零〇一二两三四五六七八九]+", rest)
        decimal_part = "".join(str(digits[c]) for c in tail.group(0)) if tail else ""
        rest = rest[len(tail.group(0)) if tail else 0 :]
        # units after the decimal ("一点五亿") scale the whole number
        scale = 1.0
        for unit in rest:
            scale *= small.get(unit) or (10000 if unit == "万" else 100000000 if unit == "亿" else 1)
        whole = parse_zh_number(text, vocab) if text else 0.0
        if whole is None:
            return None
        return (whole + float(f"0.{decimal_part or '0'}")) * scale
    total, section, number = 0.0, 0.0, 0.0
    seen = False
    for char in text:
        if char in digits:
            number = digits[char]
            seen = True
        elif char in small:
            section += (number or 1) * small[char]
            number = 0
            seen = True
        elif char == "万":
            total += (section + number) * 10000
            section = number = 0
            seen = True
        elif char == "亿":
            total = (total + section + number) * 100000000
            section = number = 0
            seen = True
        else:
            return None
    return total + section + number if seen else None


def parse_en_number(tokens: list[str], vocab: dict[str, Any] | None = None) -> float | None:
    """English number words and digits: ['two', 'point', 'five', 'million'] -> 2_500_000."""
    vocab = vocab or load_vocabulary()
    ones: dict[str, int] = vocab["en_ones"]
    tens: dict[str, int] = vocab["en_tens"]
    scales: dict[str, int] = vocab["en_scales"]
    total, current = 0.0, 0.0
    decimal: list[str] | None = None
    seen = False
    for raw in tokens:
        token = raw.lower().replace(",", "")
        if token == "and":
            continue
        if token == "point":
            decimal = []
            continue
        if decimal is not None and token in ones and token not in ("a", "an"):
            decimal.append(str(ones[token]))
            continue
        if re.fullmatch(r"\d+(\.\d+)?", token):
            current += float(token)
            seen = True
        elif token in ones:
            current += ones[token]
            seen = True
        elif token in tens:
            current += tens[token]
            seen = True
        elif token in scales:
            if decimal:
                current += float("0." + "".join(decimal))
                decimal = None
            scale = scales[token]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * scale
                current = 0
            seen = True
        else:
            return None
    if decimal:
        current += float("0." + "".join(decimal))
    return total + current if seen else None


# --- money -----------------------------------------------------------------------------------

_ZH_NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+(?:点[零〇一二两三四五六七八九]+)?)(?:多|来|余)?[十百千]*(?:个)?[万亿]*"


def _currency_words(vocab: dict[str, Any]) -> dict[str, str]:
    words: dict[str, str] = {}
    for code, names in vocab["currencies"].items():
        for name in names:
            words[name.lower()] = code
    return words


def find_money(sentence: str, language: str, vocab: dict[str, Any] | None = None) -> list[Found]:
    """Amounts of money in a sentence: {amount, currency, text}. A bare number is not money:
    it needs a magnitude (万, 亿, thousand, million) or a currency word."""
    vocab = vocab or load_vocabulary()
    currencies = _currency_words(vocab)
    results: list[Found] = []
    zh_currency = "|".join(re.escape(c) for c in currencies if re.search(r"[\u4e00-\u9fff]", c))
    for match in re.finditer(rf"({_ZH_NUM})\s*({zh_currency})?", sentence):
        number_text, currency_text = match.group(1), match.group(2)
        has_magnitude = bool(re.search(r"[万亿千]", number_text))
        if not (has_magnitude or currency_text) or not re.search(r"\d|[一二两三四五六七八九十]", number_text):
            continue
        amount = parse_zh_number(re.sub(r"[多来余]", "", number_text), vocab)
        if not amount:
            continue
        currency = currencies.get((currency_text or "").lower()) or vocab["default_currency"]["zh"]
        results.append(
            Found({"amount": amount, "currency": currency, "text": match.group(0).strip()}, *match.span())
        )
    # English: a run of number tokens, then an optional currency; "$" before digits
    # one-letter scales ("800k", "1.2m") only count glued to digits
    word_scales = [w for w in vocab["en_scales"] if len(w) > 2]
    suffix_scales = "|".join(w for w in vocab["en_scales"] if len(w) <= 2)
    number_word = "|".join(
        sorted([*vocab["en_ones"], *vocab["en_tens"], *word_scales, "point", "and"], key=len, reverse=True)
    )
    en_currency = "|".join(
        re.escape(c)
        for c in sorted(currencies, key=len, reverse=True)
        if not re.search(r"[\u4e00-\u9fff]", c)
    )
    pattern = re.compile(
        rf"(?P<sym>[$€])?\s?(?P<num>(?:(?:\d[\d,]*(?:\.\d+)?(?:{suffix_scales})?|(?:{number_word}))\b[\s-]*)+)(?P<cur>{en_currency})?",
        re.IGNORECASE,
    )
    for match in pattern.finditer(sentence):
        tokens = []
        for token in re.split(r"[\s-]+", match.group("num").strip()):
            glued = re.fullmatch(r"(\d[\d,]*(?:\.\d+)?)([a-z]+)", token, re.IGNORECASE)
            tokens.extend([glued.group(1), glued.group(2)] if glued else [token] if token else [])
        while tokens and tokens[-1].lower() in ("and", "point", "a", "an"):
            tokens.pop()
        while tokens and tokens[0].lower() in ("and", "point", "a", "an") and len(tokens) > 1:
            if tokens[0].lower() in ("a", "an") and tokens[1].lower() in vocab["en_scales"]:
                break
            tokens.pop(0)
        if not tokens:
            continue
        lowered = [t.lower() for t in tokens]
        has_scale = any(t in ("thousand", "million", "billion", "k", "m", "mn", "bn") for t in lowered)
        symbol = match.group("sym")
        cur_text = (match.group("cur") or "").lower()
        if not (has_scale or symbol or cur_text):
            continue
        if lowered[0] in ("a", "an") and len(lowered) == 1:
            continue
        amount = parse_en_number(tokens, vocab)
        if not amount or (amount < 1000 and not has_scale):
            continue
        currency = currencies.get(symbol or "") or currencies.get(cur_text) or vocab["default_currency"]["en"]
        text = match.group(0).strip()
        results.append(Found({"amount": amount, "currency": currency, "text": text}, *match.span()))
    return results


# --- dates -----------------------------------------------------------------------------------


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


# --- people ----------------------------------------------------------------------------------


def find_people(sentence: str, language: str, vocab: dict[str, Any] | None = None) -> list[Found]:
    """Names with a title: 王总, 李处长, 张工; "Mr. Wang", "Director Zhang", "Wang Lei"."""
    vocab = vocab or load_vocabulary()
    found: list[Found] = []
    zh_titles = "|".join(sorted(vocab["person_titles"]["zh"], key=len, reverse=True))
    for m in re.finditer(rf"([\u4e00-\u9fff])({zh_titles})", sentence):
        # a surname is one character; words such as 采购总 / 技术总 only end like a title
        if m.group(1) not in vocab["zh_surnames"]:
            continue
        found.append(Found({"name": m.group(0), "surname": m.group(1), "title": m.group(2)}, *m.span()))
    en_titles = "|".join(sorted(vocab["person_titles"]["en"], key=len, reverse=True))
    for m in re.finditer(rf"\b({en_titles}|Mister|Miss)\.?\s+([A-Z][a-z]+)(\s+[A-Z][a-z]+)?", sentence):
        surname = m.group(2)
        found.append(Found({"name": m.group(0).strip(), "surname": surname, "title": m.group(1)}, *m.span()))
    return found
