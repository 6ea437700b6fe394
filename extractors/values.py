"""Value extractors for profile tags: money amounts and people's names (deadlines are in
`extractors.deadlines`). The vocabulary (number words, currencies, months, titles) is data in
`prompts/tags/values.yaml`; this module holds the grammar that combines it.

Why a hand-written grammar: the amounts reps say ("五十万", "1.5个亿", "two point five million
yuan") and the deadlines they mention ("下个季度末", "by the end of next quarter") have a small,
regular grammar, and an exact parse is what makes a budget or a date usable in the CRM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
