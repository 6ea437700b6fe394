"""Numeric extractors for contract review: payment days, penalty rates and caps, warranty, notice.

Patterns find a candidate sentence; the figure decides. Each extractor reads one sentence (and,
where a cap or notice window may sit in a neighbouring sentence, the whole clause) and returns
a `Figure`: the value compared with the playbook parameter, a display string, and a detail that
the explanation quotes ("月结90天+票到60天合计150天"). Chinese numerals (一百二十日, 三年) and
English number words (ninety days) are read as numbers first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.clauses import cn_int

_CN_NUM = "零〇一二三四五六七八九十百两千"
_UNIT_AFTER = r"(?=\s*(?:个|日|天|月|年|周|星期|工作日|自然日|%|％))"
_CN_RUN = re.compile(rf"(?<![{_CN_NUM}])([{_CN_NUM}]{{1,6}}){_UNIT_AFTER}")
_PERCENT_WORDS = re.compile(r"百分之([\d.]+)")
_EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_WORD = "|".join(list(_EN_UNITS) + list(_EN_TENS) + ["hundred", "and"])
_EN_RUN = re.compile(
    rf"\b((?:{_EN_WORD})(?:[\s-]+(?:{_EN_WORD}))*)\b(?=\s*\(?\d*\)?\s*(?:calendar\s+|business\s+|working\s+)?(?:days?|months?|years?|weeks?))",
    re.I,
)


def _en_int(words: str) -> int | None:
    total, current, seen = 0, 0, False
    for w in re.split(r"[\s-]+", words.lower()):
        if w == "and":
            continue
        if w in _EN_UNITS:
            current += _EN_UNITS[w]
        elif w in _EN_TENS:
            current += _EN_TENS[w]
        elif w == "hundred":
            current = (current or 1) * 100
        else:
            return None
        seen = True
    return total + current if seen else None


def normalise_numbers(text: str) -> str:
    """Chinese numerals before a unit and English number words become digits; 百分之五 -> 5%.

    "one hundred and twenty (120) days" keeps one figure: the words are dropped when a digit
    repetition in parentheses follows.
    """

    def cn(m: re.Match[str]) -> str:
        value = cn_int(m.group(1))
        return str(value) if value is not None else m.group(1)

    text = _PERCENT_WORDS.sub(lambda m: f"{m.group(1)}%", text)
    text = re.sub(r"(千分之|万分之)([" + _CN_NUM + "]+)", lambda m: f"{m.group(1)}{cn_int(m.group(2))}", text)
    text = re.sub(r"百分之([" + _CN_NUM + "]+)", lambda m: f"{cn_int(m.group(1))}%", text)
    text = _CN_RUN.sub(cn, text)

    def en(m: re.Match[str]) -> str:
        tail = text[m.end() : m.end() + 8]
        if re.match(r"\s*\(\d+\)", tail):
            return ""
        value = _en_int(m.group(1))
        return str(value) if value is not None else m.group(1)

    text = _EN_RUN.sub(en, text)
    return re.sub(r"\((\d+)\)", r"\1", text)


@dataclass(frozen=True)
class Figure:
    """What an extractor found: the number compared, how to show it, and the detail to quote."""

    value: float
    display: str
    detail: str = ""


_SEGMENT = re.compile(r"[，,；;：:]")
_DURATION = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<u>个工作日|工作日|个自然日|自然日|个日历日|日历日|日|天|个月|月|周|星期|"
    r"(?:business|working)\s+days?|calendar\s+days?|days?|months?|weeks?)",
    re.I,
)


def _days(n: float, unit: str, business_factor: float) -> tuple[float, bool]:
    u = unit.lower()
    if "工作日" in u or "business" in u or "working" in u:
        return n * business_factor, True
    if "月" in u or "month" in u:
        return n * 30, False
    if u in ("周", "星期") or "week" in u:
        return n * 7, False
    return n, False


def _segments(text: str) -> list[tuple[int, int, str]]:
    out, start = [], 0
    for m in _SEGMENT.finditer(text):
        out.append((start, m.start(), text[start : m.start()]))
        start = m.end()
    out.append((start, len(text), text[start:]))
    return out


def payment_days(
    sentence: str,
    *,
    context: list[re.Pattern[str]],
    segment_unless: list[re.Pattern[str]],
    business_day_factor: float = 1.4,
) -> Figure | None:
    """Longest payment period in days in a sentence; composites (月结X天+票到Y天) are summed.

    A figure counts when its own segment (between commas) or a neighbouring one speaks of
    paying (`context`), and its segment is not about something else (`segment_unless`: overdue
    periods, delivery, notice ...).
    """
    text = normalise_numbers(sentence)
    segs = _segments(text)

    def has(patterns: list[re.Pattern[str]], s: str) -> bool:
        return any(p.search(s) for p in patterns)

    best: Figure | None = None
    for i, (_, _, seg) in enumerate(segs):
        if has(segment_unless, seg):
            continue
        following = segs[i + 1][2] if i + 1 < len(segs) else ""
        # the next segment lends its "pay" only when it has no period of its own:
        # "验收合格之日起120日内，向乙方支付" counts, "120天内交货，甲方于30日内付款" does not
        near = seg + " " + ("" if _DURATION.search(following) else following)
        if not has(context, near) and not (i and has(context, segs[i - 1][2]) and "后" in seg):
            continue
        figures: list[tuple[str, float, str, bool]] = []
        for m in _DURATION.finditer(seg):
            before = seg[max(0, m.start() - 6) : m.start()]
            if re.search(r"第\s*$", before):
                continue
            days, business = _days(float(m.group("n")), m.group("u"), business_day_factor)
            tag = (
                "month_end"
                if "月结" in before
                else ("invoice" if re.search(r"票到|票后|到票|收票|开票", before) else "")
            )
            prefix = re.search(r"(月结|票到|票后|到票|收票后?|开票后?)\s*$", before)
            shown = (prefix.group(1) if prefix else "") + m.group(0)
            figures.append((tag, days, shown, business))
        for m in re.finditer(r"\bnet\s*(\d{2,3})\b", seg, re.I):
            figures.append(("", float(m.group(1)), m.group(0), False))
        if not figures:
            continue
        monthly = [f for f in figures if f[0] == "month_end"]
        invoice = [f for f in figures if f[0] == "invoice"]
        if monthly and invoice and re.search(r"[+＋加再]|\band\b", seg):
            total = monthly[0][1] + invoice[0][1]
            cand = Figure(total, f"{total:g}", f"（{monthly[0][2]}+{invoice[0][2]}合计{total:g}天）")
        else:
            tag, days, shown, business = max(figures, key=lambda f: f[1])
            detail = f"（{shown}按{days:g}个自然日计）" if business else ""
            cand = Figure(days, f"{days:g}", detail)
        if best is None or cand.value > best.value:
            best = cand
    return best


_RATE_ZH = re.compile(r"(千分之|万分之|百分之)([\d.]+)")
_RATE_PCT = re.compile(r"([\d.]+)\s*(?:%|％|‰)")
_DAILY = re.compile(
    r"每(?:逾期|迟延|延迟|延误|拖延)?(?:一|1)?(?:日|天)|按日|日(?:计|息)|(?:per|for\s+each|for\s+every|each)\s+(?:full\s+)?(?:calendar\s+)?(?:day|week)",
    re.I,
)
_CAP = re.compile(
    r"(?:累计|总额|最高|合计|总计|总和|上限)[^。；;]{0,25}?(?:不(?:得)?(?:超过|高于)|为|以)[^。；;\d]{0,20}?([\d.]+)\s*[%％]"
    r"|以[^。；;\d]{0,20}?([\d.]+)\s*[%％]为(?:限|上限)"
    r"|(?:shall\s+not\s+(?:in\s+(?:the\s+)?aggregate\s+)?exceed|capped\s+at|up\s+to\s+a\s+maximum\s+of|maximum\s+(?:of|amount\s+of)|not\s+to\s+exceed|in\s+aggregate\s+exceed|limited\s+to)[^.;\d]{0,30}?([\d.]+)\s*%",
    re.I,
)


def _rate_in(text: str) -> tuple[float, str] | None:
    """Daily rate as a percentage and how it was written, if the text states one."""
    if not _DAILY.search(text):
        return None
    m = _RATE_ZH.search(text)
    if m:
        base = {"千分之": 0.1, "万分之": 0.01, "百分之": 1.0}[m.group(1)]
        return float(m.group(2)) * base, m.group(0)
    for m in _RATE_PCT.finditer(text):
        if not re.match(
            r"[\d.]+\s*[%％‰]\s*(?:的|of\s+the|of)?\s*(?:增值税|VAT|tax)",
            m.group(0) + text[m.end() : m.end() + 12],
            re.I,
        ):
            factor = 0.1 if "‰" in m.group(0) else 1.0
            return float(m.group(1)) * factor, m.group(0)
    return None


def penalty(sentence: str, clause: str) -> Figure | None:
    """Our liquidated damages: a daily rate with no cap (value = inf) or the cap / flat percent.

    Value compared with `max_cap_percent`: an uncapped daily rate is infinite; otherwise the
    total cap, or a one-off percentage of the contract price.
    """
    s = normalise_numbers(sentence)
    c = normalise_numbers(clause)
    cap_m = _CAP.search(c)
    cap = float(next(g for g in cap_m.groups() if g)) if cap_m else None
    rate = _rate_in(s)
    if rate is not None:
        pct, shown = rate
        shown = f"{pct:g}%" if shown.endswith("%") else f"{pct:g}%（{shown}）"
        if cap is None:
            return Figure(float("inf"), f"按日{shown}累计", "，且未约定累计上限")
        return Figure(cap, f"按日{shown}", f"，累计上限为{cap:g}%")
    if cap is not None:
        return Figure(cap, f"累计上限{cap:g}%", "")
    flat = re.search(
        r"(?:违约金|liquidated\s+damages|penalty)[^。；;]{0,30}?([\d.]+)\s*[%％]", s, re.I
    ) or re.search(
        r"([\d.]+)\s*[%％]\s*(?:of\s+the\s+(?:Contract|total)[^.;]{0,20})?[^。；;]{0,20}(?:违约金|liquidated\s+damages)",
        s,
        re.I,
    )
    if flat:
        v = float(flat.group(1))
        return Figure(v, f"为合同总额的{v:g}%", "")
    return None


def warranty_months(
    sentence: str, *, segment_unless: list[re.Pattern[str]], context: list[re.Pattern[str]]
) -> Figure | None:
    """Longest warranty period in months stated in a warranty segment of the sentence."""
    text = normalise_numbers(sentence)
    best: Figure | None = None
    segs = _segments(text)
    for i, (_, _, seg) in enumerate(segs):
        if any(p.search(seg) for p in segment_unless):
            continue
        prev = segs[i - 1][2] if i else ""
        if not any(p.search(seg) or p.search(prev) for p in context):
            continue
        for m in re.finditer(r"(\d+(?:\.\d+)?)\s*(个月|月|年|months?|years?)", seg, re.I):
            n, unit = float(m.group(1)), m.group(2).lower()
            months = n * 12 if unit in ("年",) or unit.startswith("year") else n
            shown = f"{m.group(0)}" if months == n else f"{m.group(0)}（{months:g}个月）"
            if best is None or months > best.value:
                best = Figure(months, shown, "")
    return best


_NOTICE = re.compile(
    r"(?:提前|期满前|届满前|到期前|终止前|截止前)[^。；;\d]{0,10}?(\d+)\s*(个工作日|工作日|日|天|个月|月|周)"
    r"|(\d+)\s*(days?|months?)[’'`]?\s*(?:prior\s+|advance\s+)?(?:written\s+)?notice"
    r"|notice[^.;\d]{0,40}?(?:at\s+least\s+|no\s+(?:less|fewer)\s+than\s+)?(\d+)\s*(days?|months?)"
    r"|(?:at\s+least|no\s+later\s+than|not\s+less\s+than)\s+(\d+)\s*(days?|months?)\s+(?:before|prior)",
    re.I,
)


def notice_days(sentence: str, clause: str) -> Figure | None:
    """The non-renewal notice window in days, searched in the sentence, then the whole clause."""
    for text in (normalise_numbers(sentence), normalise_numbers(clause)):
        m = _NOTICE.search(text)
        if m:
            groups = [g for g in m.groups() if g]
            n, unit = float(groups[0]), groups[1]
            days, _ = _days(n, unit, 1.4)
            return Figure(days, f"{days:g}", "")
    return None
