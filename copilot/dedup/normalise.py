"""Normalisation of the fields identity is decided on: uscc, company names, phones, emails.

One normaliser for the whole product: dedup matching, signal-to-customer linking, import
validation and handover people-merging all call these functions, so that '瑞金医院' and
'上海交通大学医学院附属瑞金医院' mean the same thing everywhere. The vocabulary (legal forms,
provinces, parent-institution markers) is data in `defaults/names.yaml`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from copilot.errors import InvalidInput

# GB 32100-2015: the code's alphabet (no I, O, Z, S, V) and the position weights 3^i mod 31.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_DEFAULTS = Path(__file__).with_name("defaults")
_USCC_SHAPE = re.compile(rf"^[{_USCC_ALPHABET}]{{18}}$")


def uscc_check_char(first17: str) -> str:
    """The 18th character GB 32100-2015 requires after these 17."""
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


@lru_cache(maxsize=8192)  # a writer asks twice per new record: input validation, duplicate check
def uscc_problem(value: str) -> str | None:
    """Why `value` is not a valid uscc, or None when it is."""
    code = unicodedata.normalize("NFKC", value).strip().upper()
    if len(code) != 18:
        return f"统一社会信用代码 must have 18 characters, got {len(code)}"
    if not _USCC_SHAPE.match(code):
        bad = sorted({ch for ch in code if ch not in _USCC_ALPHABET})
        return f"统一社会信用代码 contains characters not allowed by GB 32100-2015: {''.join(bad)}"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码 check digit is {code[17]}, GB 32100-2015 requires {expected}"
    return None


def validate_uscc(value: str) -> str:
    """The canonical (upper-case, half-width) uscc, or InvalidInput naming the problem."""
    problem = uscc_problem(value)
    if problem:
        raise InvalidInput(f"uscc: {problem}", details={"field": "uscc", "value": value})
    return unicodedata.normalize("NFKC", value).strip().upper()


def make_uscc(first17: str) -> str:
    """A valid uscc from 17 characters (demo data, tests)."""
    return first17 + uscc_check_char(first17)


@dataclass(frozen=True)
class NameVocabulary:
    legal_forms_zh: tuple[str, ...]
    branch_markers_zh: tuple[str, ...]
    legal_forms_en: tuple[str, ...]
    parent_markers_zh: tuple[str, ...]
    region_prefixes: tuple[str, ...]
    qualifier_words_zh: tuple[str, ...] = ()
    qualifier_suffixes_zh: tuple[str, ...] = ()
    person_honorifics_zh: tuple[str, ...] = ()

    @cached_property
    def honorific_pattern(self) -> re.Pattern[str]:
        forms = sorted(self.person_honorifics_zh, key=len, reverse=True)
        return re.compile("^(.{1,2}?)(?:" + "|".join(map(re.escape, forms)) + ")$")

    @cached_property
    def region_prefix_re(self) -> re.Pattern[str]:
        """One alternation, longest first: a prefix test per name instead of one per province."""
        return re.compile("^(?:" + "|".join(map(re.escape, self.region_prefixes)) + ")")

    @cached_property
    def legal_form_zh_re(self) -> re.Pattern[str]:
        return re.compile("(?:" + "|".join(map(re.escape, self.legal_forms_zh)) + ")$")


@lru_cache(maxsize=4)
def load_vocabulary(path: Path | None = None) -> NameVocabulary:
    raw = yaml.safe_load((path or _DEFAULTS / "names.yaml").read_text("utf-8"))
    provinces = [p + s for p in raw["provinces"] for s in raw["province_suffixes"]] + raw["provinces"]
    cities = [c + s for c in raw["cities"] for s in raw["city_suffixes"]] + raw["cities"]
    prefixes = sorted(set(provinces + cities), key=len, reverse=True)
    return NameVocabulary(
        legal_forms_zh=tuple(sorted(raw["legal_forms_zh"], key=len, reverse=True)),
        branch_markers_zh=tuple(raw["branch_markers_zh"]),
        legal_forms_en=tuple(sorted(raw["legal_forms_en"], key=len, reverse=True)),
        parent_markers_zh=tuple(raw["parent_markers_zh"]),
        region_prefixes=tuple(prefixes),
        qualifier_words_zh=tuple(raw.get("qualifier_words_zh", ())),
        qualifier_suffixes_zh=tuple(raw.get("qualifier_suffixes_zh", ())),
        person_honorifics_zh=tuple(raw.get("person_honorifics_zh", ())),
    )


_PUNCT = re.compile(r"[\s\-_.,;:!?'\"、,。;:!?“”‘’·•/\\|()\[\]{}<>《》〈〉【】&]+")
_BRACKETED = re.compile(r"[((]([^()()]*)[))]")


def fold_width(text: str) -> str:
    """Full-width to half-width, compatibility forms folded (NFKC), lower-case for Latin."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    import zhconv  # small pure-Python table; imported on first use only

    table = zhconv.zhconv.getdict("zh-cn")
    return frozenset(k for k, v in table.items() if len(k) == 1 and k != v)


def to_simplified(text: str) -> str:
    """Traditional Chinese to simplified ('瑞金醫院' -> '瑞金医院'); untouched when nothing is traditional.

    The character test first keeps a million-name scan from paying for a conversion most names
    do not need.
    """
    if text.isascii() or _traditional_chars().isdisjoint(text):
        return text
    import zhconv

    return zhconv.convert(text, "zh-cn")


def _is_qualifier(content: str, vocab: NameVocabulary) -> bool:
    content = content.strip()
    return bool(content) and (
        content in vocab.qualifier_words_zh
        or (len(content) <= 6 and content.endswith(vocab.qualifier_suffixes_zh))
    )


def _core(name: str, vocab: NameVocabulary) -> str:
    text = to_simplified(fold_width(name).strip())
    text = _BRACKETED.sub(lambda m: "" if _is_qualifier(m.group(1), vocab) else m.group(1), text)
    for marker in vocab.parent_markers_zh:
        index = text.rfind(marker)
        if 0 <= index < len(text) - len(marker):
            text = text[index + len(marker) :]
    while True:  # '集团有限公司' stacks and 'Corp.有限公司' mixes: strip repeatedly from the end
        match = vocab.legal_form_zh_re.search(text)
        if match and match.start() >= 2:
            text = text[: match.start()].rstrip()
            continue
        english = next((f for f in vocab.legal_forms_en if text.endswith(f) and len(text) > len(f) + 1), None)
        if english is None:
            break
        text = text[: -len(english)].rstrip(" ,.")
    text = _PUNCT.sub("", text) if not re.search(r"[a-z]", text) else text
    while True:  # '上海市上海' and '广东省深圳市' prefixes
        match = vocab.region_prefix_re.match(text)
        if not match or len(text) - match.end() < 2:
            break
        text = text[match.end() :]
    return _PUNCT.sub("", text)


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    raw = yaml.safe_load((_DEFAULTS / "aliases.yaml").read_text("utf-8"))
    vocab = load_vocabulary()
    table: dict[str, str] = {}
    for canonical, others in (raw.get("aliases") or {}).items():
        for other in others:
            table[_core(str(other), vocab)] = str(canonical)
    return table


def normalise_company_name(name: str | None, vocabulary: NameVocabulary | None = None) -> str:
    """The comparable core of a company name.

    '上海交通大学医学院附属瑞金医院', '上海瑞金医院有限公司', '瑞金醫院' and 'Ruijin Hospital' all
    give '瑞金医院'. Bracketed places are kept as content ('腾讯科技(深圳)' -> '腾讯科技深圳')
    because they distinguish entities; bracketed desks and sites ('(设备科)', '(总部)'), the legal
    form, a leading region and a parent institution do not. Known other names (English names,
    short forms) map to the canonical core through `defaults/aliases.yaml`.
    """
    if not name:
        return ""
    if vocabulary is None:
        return _normalised_with_defaults(name)
    core = _core(name, vocabulary)
    return _aliases().get(core, core)


@lru_cache(maxsize=8192)
def _normalised_with_defaults(name: str) -> str:
    """Cached because a writer normalises each new name twice: the duplicate check, then name_key."""
    core = _core(name, load_vocabulary())
    return _aliases().get(core, core)


def is_branch(name: str | None, vocabulary: NameVocabulary | None = None) -> bool:
    vocab = vocabulary or load_vocabulary()
    return bool(name) and any(marker in name for marker in vocab.branch_markers_zh)


_DIGITS = re.compile(r"\D+")


def normalise_phone(phone: str | None) -> str:
    """Digits only, country code and trunk formatting removed: mobile '13812345678', landline '02164370045'.

    Extensions ('转8001', 'ext 12') are dropped: they name a desk, not an organisation.
    """
    if not phone:
        return ""
    text = fold_width(phone)
    text = re.split(r"(?:转|ext\.?|x)\s*\d+$", text)[0]
    text = re.sub(
        r"^\+86\s*(?=\+)", "", text.strip()
    )  # '+86 +1 892 ...': a prefix typed before a foreign number
    digits = _DIGITS.sub("", text)
    if text.startswith(("+", "00")) and not digits.startswith(("86", "0086")):
        return "+" + digits.removeprefix(
            "00"
        )  # a foreign number: keep its country code, never read it as Chinese
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) in (13, 12, 11 + 2):
        digits = digits[2:]
    if len(digits) in (9, 10, 11) and not digits.startswith("0") and not re.fullmatch(r"1[3-9]\d{9}", digits):
        digits = "0" + digits  # area code written without its trunk zero ('+86 21 6437 0045', '+86 10 ...')
    return digits


def phone_kind(phone: str | None) -> str:
    """'mobile', 'landline' or 'invalid' for a phone number in mainland China's numbering plan."""
    digits = normalise_phone(phone)
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return "mobile"
    if re.fullmatch(r"0\d{2,3}\d{7,8}", digits):
        return "landline"
    return "invalid"


def normalise_email(email: str | None) -> str:
    """Lower-case, trimmed; the domain is what matters for companies, the whole address for people."""
    return fold_width(email).strip() if email else ""


def email_domain(email: str | None) -> str:
    address = normalise_email(email)
    return address.rsplit("@", 1)[1] if "@" in address else ""


def normalise_address(address: str | None) -> str:
    """Width-folded address without punctuation or the leading region (which the city field carries)."""
    if not address:
        return ""
    text = to_simplified(fold_width(address)).strip()
    pattern = load_vocabulary().region_prefix_re
    for _ in range(3):  # '广东省深圳市南山区' style stacks
        match = pattern.match(text)
        if not match:
            break
        text = text[match.end() :]
    return _PUNCT.sub("", text)


def normalise_person_name(name: str | None) -> str:
    """'李 总' and '李总' alike; Latin names case-folded with their parts sorted ('Doe, Jane' = 'jane doe')."""
    if not name:
        return ""
    text = fold_width(name).strip()
    if re.search(r"[a-z]", text):
        return " ".join(sorted(part for part in re.split(r"[\s,.]+", text) if part))
    return _PUNCT.sub("", text)


def person_name_parts(name: str | None, vocabulary: NameVocabulary | None = None) -> tuple[str, bool]:
    """(the name or its surname, whether it was only a surname plus honorific).

    '李总' and '李 工' are how people are filed in a CRM: they say the surname and nothing else,
    so they can match '李建国' but only on the surname. The honorifics are data in names.yaml.
    """
    text = to_simplified(normalise_person_name(name))
    if not text or re.search(r"[a-z]", text):
        return text, False
    match = (vocabulary or load_vocabulary()).honorific_pattern.match(text)
    if match and len(text) <= 5:
        return match.group(1), True
    return text, False
