"""The matching engine: normalise records by the rules, block, compare pairs field by field,
and say why each pair is (or is not) a duplicate.

Records are plain mappings (a store row as a dict, a CSV line, a JSONL object), so the same
engine serves the store scan, the creation check and a file brought by a user. Only normalised
columns are kept in memory, which is what lets a million-record scan stay within a few GB.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import Indel

from copilot.dedup import normalise as norm
from copilot.dedup.rules import FieldRule, Rules


def _mobile(value: str | None) -> str:
    digits = norm.normalise_phone(value)
    return digits if norm.phone_kind(digits) == "mobile" else ""


def _uscc(value: str | None) -> str:
    if not value:
        return ""
    return "" if norm.uscc_problem(value) else norm.fold_width(value).strip().upper()


def _region(value: str | None) -> str:
    text = norm.to_simplified(norm.fold_width(value or "").strip())
    for suffix in ("特别行政区", "自治区", "省", "市", "区", "县"):
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            return text[: -len(suffix)]
    return text


def _text(value: Any) -> str:
    return "" if value is None else norm.fold_width(str(value)).strip()


def _person(value: Any) -> str:
    return norm.to_simplified(norm.normalise_person_name(value))


def _cached(function: Callable[[Any], str], size: int) -> Callable[[Any], str]:
    cached = lru_cache(maxsize=size)(function)

    def normalise(value: Any) -> str:
        try:
            return cached(value)
        except TypeError:  # an unhashable value (a list in a JSONL file): normalise it uncached
            return function(value)

    return normalise


# Low-cardinality fields (cities, industries, people's names) repeat across a million records:
# their normalised forms are cached; names, phones and addresses are mostly unique and are not.
NORMALISE: dict[str, Callable[[Any], str]] = {
    "uscc": _uscc,
    "company_name": norm.normalise_company_name,
    "phone": norm.normalise_phone,
    "mobile": _mobile,
    "email": norm.normalise_email,
    "address": norm.normalise_address,
    "person_name": _cached(_person, 65536),
    "region": _cached(_region, 4096),
    "text": _cached(_text, 65536),
}


def _similarity(a: str, b: str) -> float:
    return Indel.normalized_similarity(a, b)


def _person_similarity(a: str, b: str) -> float:
    """'李总' vs '李建国': only the surname can agree, so at most 0.6; full names by similarity."""
    if a == b:
        return 1.0
    (sa, short_a), (sb, short_b) = norm.person_name_parts(a), norm.person_name_parts(b)
    if short_a or short_b:
        return 0.6 if sb.startswith(sa) or sa.startswith(sb) else 0.0
    return _similarity(a, b)


COMPARE: dict[str, Callable[[str, str], float]] = {
    "exact": lambda a, b: 1.0 if a == b else 0.0,
    "fuzzy": _similarity,
    "name": _similarity,
    "person_name": _person_similarity,
}


@dataclass(frozen=True)
class FieldScore:
    field: str
    left: str
    right: str
    score: float
    weight: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "left": self.left,
            "right": self.right,
            "score": round(self.score, 3),
            "weight": self.weight,
        }


@dataclass
class PairResult:
    """One compared pair and the reason for the verdict (what a scan report and a 409 show)."""

    left: int
    right: int
    score: float
    decided_by: str  # 'strong_key:<name>', 'weighted', 'conflict:<name>', 'gate:<field>', 'veto:<field>', 'too_few_fields'
    fields: list[FieldScore] = field(default_factory=list)

    @property
    def is_match(self) -> bool:
        return self.decided_by.startswith(("strong_key", "weighted")) and self.score > 0

    def reason(self) -> str:
        if self.decided_by.startswith("strong_key:"):
            return f"same {self.decided_by.split(':', 1)[1]}: decided by a strong key"
        if self.decided_by.startswith("conflict:"):
            return f"different {self.decided_by.split(':', 1)[1]}: two entities whatever the names say"
        if self.decided_by.startswith("gate:"):
            return f"{self.decided_by.split(':', 1)[1]} too different to compare further"
        if self.decided_by.startswith("veto:"):
            return f"{self.decided_by.split(':', 1)[1]} differs"
        if self.decided_by == "too_few_fields":
            return "too few fields present on both sides to judge"
        agreeing = [f.field for f in sorted(self.fields, key=lambda f: -f.weight) if f.score >= 0.9]
        differing = [f.field for f in self.fields if f.score < 0.5]
        text = f"weighted score {self.score:.2f}"
        if agreeing:
            text += "; agree: " + ", ".join(agreeing)
        if differing:
            text += "; differ: " + ", ".join(differing)
        return text


class Prepared:
    """Normalised columns of a record set: one list per field, one list per strong key."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.field_names = list(rules.fields)
        self.field_rules: list[FieldRule] = [rules.fields[f] for f in self.field_names]
        self._normalisers = [NORMALISE[r.normaliser] for r in self.field_rules]
        self.columns: list[list[str]] = [[] for _ in self.field_names]
        self.strong: list[list[str]] = [[] for _ in rules.strong_keys]
        self.ids: list[Any] = []
        self.labels: list[str] = []

    def add(self, record: Mapping[str, Any]) -> int:
        index = len(self.ids)
        self.ids.append(record.get(self.rules.id_field, index))
        self.labels.append(str(record.get(self.rules.label_field) or ""))
        for column, name, normaliser in zip(self.columns, self.field_names, self._normalisers, strict=True):
            value = record.get(name)
            column.append(normaliser(value) if value not in (None, "") else "")
        for column, key in zip(self.strong, self.rules.strong_keys, strict=True):
            parts = [
                NORMALISE[n](record.get(f)) if record.get(f) not in (None, "") else ""
                for f, n in key.fields.items()
            ]
            column.append("|".join(parts) if all(parts) else "")
        return index

    def extend(self, records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            self.add(record)

    def __len__(self) -> int:
        return len(self.ids)

    def column(self, field_name: str) -> list[str]:
        if field_name in self.field_names:
            return self.columns[self.field_names.index(field_name)]
        for key, column in zip(self.rules.strong_keys, self.strong, strict=True):
            if field_name in key.fields and len(key.fields) == 1:
                return column
        raise KeyError(field_name)


def compare(prepared: Prepared, i: int, j: int, *, explain: bool = True) -> PairResult:
    """Compare records i and j: strong keys first, then gates, then the weighted field score."""
    rules = prepared.rules
    for key, column in zip(rules.strong_keys, prepared.strong, strict=True):
        a, b = column[i], column[j]
        if a and b:
            if a == b:
                fields = _field_scores(prepared, i, j) if explain else []
                return PairResult(i, j, 1.0, f"strong_key:{key.name}", fields)
            if key.split_on_conflict:
                return PairResult(
                    i, j, 0.0, f"conflict:{key.name}", _field_scores(prepared, i, j) if explain else []
                )
    total = weighted = 0.0
    compared = 0
    scores: list[FieldScore] = []
    for name, rule, column in zip(prepared.field_names, prepared.field_rules, prepared.columns, strict=True):
        a, b = column[i], column[j]
        if not a or not b:
            continue
        score = COMPARE[rule.comparator](a, b) ** rule.power
        if rule.gate is not None and score < rule.gate:
            return PairResult(i, j, 0.0, f"gate:{name}", scores)
        if rule.veto_below is not None and score < rule.veto_below:
            return PairResult(i, j, 0.0, f"veto:{name}", scores)
        if rule.weight > 0:
            compared += 1
            total += rule.weight
            weighted += rule.weight * score
        if explain:
            scores.append(FieldScore(name, a, b, score, rule.weight))
    if compared < rules.min_fields or total == 0:
        return PairResult(i, j, 0.0, "too_few_fields", scores)
    return PairResult(i, j, weighted / total, "weighted", scores)


def _field_scores(prepared: Prepared, i: int, j: int) -> list[FieldScore]:
    out = []
    for name, rule, column in zip(prepared.field_names, prepared.field_rules, prepared.columns, strict=True):
        a, b = column[i], column[j]
        if a and b:
            out.append(FieldScore(name, a, b, COMPARE[rule.comparator](a, b) ** rule.power, rule.weight))
    return out


def candidate_pairs(prepared: Prepared) -> Iterator[tuple[int, int]]:
    """Pairs worth comparing, by the rules' blocking keys (a pair may come more than once).

    Exact keys pair records sharing a normalised value; a block bigger than `max_block` (a
    switchboard number, a generic name) is walked in name order with a window instead of in full.
    Sorted keys are the sorted-neighbourhood method: each record meets its next `window` records
    in key order (and in reversed-key order, which catches differing prefixes).
    """
    blocking = prepared.rules.blocking
    names = (
        prepared.column(prepared.rules.label_field)
        if prepared.rules.label_field in prepared.field_names
        else None
    )
    for key in blocking.exact:
        blocks: dict[str, list[int]] = {}
        for index, value in enumerate(prepared.column(key)):
            if value:
                blocks.setdefault(value, []).append(index)
        for members in blocks.values():
            if len(members) < 2:
                continue
            if len(members) <= blocking.max_block:
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        yield members[x], members[y]
            else:
                ordered = sorted(members, key=lambda m: names[m]) if names else members
                yield from _windows(ordered, 4)
        del blocks
    for sorted_key in blocking.sorted:
        column = prepared.column(sorted_key.field)
        present = [i for i, v in enumerate(column) if v]
        if sorted_key.reverse:
            present.sort(key=lambda i: column[i][::-1])
        else:
            present.sort(key=lambda i: column[i])
        yield from _windows(present, sorted_key.window)


def _windows(ordered: list[int], window: int) -> Iterator[tuple[int, int]]:
    n = len(ordered)
    for x in range(n):
        a = ordered[x]
        for y in range(x + 1, min(n, x + 1 + window)):
            yield a, ordered[y]


def scored_pairs(prepared: Prepared) -> list[PairResult]:
    """Every candidate pair at or above the suspected threshold, explained.

    Gated fields (the name) are checked first and cheaply: most candidate pairs from the sorted
    windows are strangers, and rejecting them before the full comparison is what keeps a
    million-record scan within minutes. A strong-key match is never gated away.
    """
    threshold = prepared.rules.thresholds.suspected
    gates = [
        (column, COMPARE[rule.comparator], rule.power, rule.gate)
        for column, rule in zip(prepared.columns, prepared.field_rules, strict=True)
        if rule.gate is not None
    ]
    strong = prepared.strong
    seen: set[tuple[int, int]] = set()
    results: list[PairResult] = []
    for i, j in candidate_pairs(prepared):
        if i > j:
            i, j = j, i
        if not any(column[i] and column[i] == column[j] for column in strong):
            rejected = False
            for column, comparator, power, gate in gates:
                a, b = column[i], column[j]
                if a and b and comparator(a, b) ** power < gate:
                    rejected = True
                    break
            if rejected:
                continue
        if (i, j) in seen:
            continue
        result = compare(prepared, i, j, explain=False)
        if result.score >= threshold and result.is_match:
            seen.add((i, j))
            results.append(compare(prepared, i, j))
    return results
