"""The contract playbook: the 17 risk kinds, their detection rules and redlines, as validated data.

The file `prompts/contracts/playbook.yaml` is version 1; admins publish later versions through
the API (stored by `services.contract_queue`). Either way the text goes through `parse_playbook`,
which validates it with pydantic and compiles every regex once, so a broken pattern is refused
at publish time with the kind and the pattern named, never at review time.
"""

from __future__ import annotations

import json
import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from copilot.errors import InvalidInput

PLAYBOOK_PATH = Path(__file__).resolve().parent.parent / "prompts" / "contracts" / "playbook.yaml"

# The 17 kinds the issue fixes; a playbook must define exactly these (no more, no fewer).
KIND_IDS: tuple[str, ...] = (
    "payment_term_over_90_days",
    "pay_when_paid",
    "ip_ownership_unclear",
    "late_payment_remedy_missing",
    "penalty_excessive",
    "liability_uncapped",
    "auto_renewal",
    "counterparty_termination_for_convenience",
    "acceptance_vague",
    "warranty_excessive",
    "exclusivity_non_compete",
    "unilateral_price_change",
    "unfavourable_jurisdiction",
    "confidentiality_one_sided",
    "data_protection_missing",
    "force_majeure_missing",
    "invoice_terms_unclear",
)
NUMERIC_EXTRACTORS = ("payment_days", "penalty", "warranty_months", "notice_days")


class Bilingual(BaseModel):
    zh: str
    en: str

    def pick(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class NumericSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extractor: Literal["payment_days", "penalty", "warranty_months", "notice_days"]
    above: str | None = Field(None, description="Parameter name: fire when the figure is above it.")
    below: str | None = Field(None, description="Parameter name: fire when the figure is below it.")
    missing_fires: bool = Field(False, description="Fire when the extractor finds no figure at all.")
    segment_unless: list[str] = Field(default_factory=list)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: Literal["sentence", "clause"] = "sentence"
    any: list[str] = Field(default_factory=list)
    all: list[str] = Field(default_factory=list)
    unless: list[str] = Field(default_factory=list)
    clause_all: list[str] = Field(default_factory=list)
    clause_unless: list[str] = Field(default_factory=list)
    title_any: list[str] = Field(default_factory=list)
    numeric: NumericSpec | None = None
    explain: Bilingual


class MissingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    applies_if: list[str] = Field(default_factory=list)
    present_if: list[str]
    why: Bilingual


class Detection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[Rule] = Field(default_factory=list)
    missing: MissingSpec | None = None
    exemplars: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _has_something(self) -> Detection:
        if not self.rules and self.missing is None:
            raise ValueError("detection needs `rules`, `missing`, or both")
        return self


class Kind(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: Bilingual
    description: Bilingual
    severity: Literal["high", "medium", "low"]
    parameters: dict[str, float | int | str] = Field(default_factory=dict)
    detection: Detection
    standard_position: Bilingual
    fallback: Bilingual

    @model_validator(mode="after")
    def _parameters_exist(self) -> Kind:
        for rule in self.detection.rules:
            if rule.numeric:
                for name in (rule.numeric.above, rule.numeric.below):
                    if name and name not in self.parameters:
                        raise ValueError(
                            f"numeric threshold names parameter {name!r} which is not in parameters"
                        )
        return self


class SummarySpec(BaseModel):
    customer_party: list[str]
    supplier_party: list[str]
    amount: list[str]
    term: list[str]
    law_venue: list[str]


class SimilaritySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: float = Field(0.8, ge=0, le=1, description="Cosine at or above which a sentence is flagged.")
    languages: list[str] = Field(default_factory=lambda: ["en"])


class SecondOpinionSpec(BaseModel):
    """Which clauses count as borderline for the LLM second opinion (services.contract_borderline)."""

    model_config = ConfigDict(extra="forbid")
    margin: float = Field(
        0.2,
        ge=0,
        le=1,
        description="A figure within this fraction of its threshold is near it (either side).",
    )
    max_clauses: int = Field(8, ge=1, le=50, description="At most this many clauses are sent per review.")


class Playbook(BaseModel):
    """A validated playbook; `compiled(...)` gives the regexes with vocabulary expanded."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    name: str
    language: list[str]
    vocabulary: dict[str, str]
    severities: list[str]
    summary: SummarySpec
    similarity: SimilaritySpec = Field(default_factory=SimilaritySpec)
    second_opinion: SecondOpinionSpec = Field(default_factory=SecondOpinionSpec)
    kinds: list[Kind]

    @field_validator("kinds")
    @classmethod
    def _exactly_the_17(cls, kinds: list[Kind]) -> list[Kind]:
        ids = [k.id for k in kinds]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        unknown = sorted(set(ids) - set(KIND_IDS))
        absent = [i for i in KIND_IDS if i not in ids]
        if dupes or unknown or absent:
            raise ValueError(
                f"kinds must be exactly the 17 ids; duplicated={dupes} unknown={unknown} missing={absent}"
            )
        return kinds

    def kind(self, kind_id: str) -> Kind:
        for k in self.kinds:
            if k.id == kind_id:
                return k
        raise KeyError(kind_id)

    def expand(self, pattern: str) -> str:
        for name, value in self.vocabulary.items():
            pattern = pattern.replace("{" + name + "}", value)
        # Patterns are matched case-insensitively as a whole (Chinese is unaffected); "(?i)" in
        # the middle of a pattern is therefore redundant, and Python refuses it, so it is removed.
        return pattern.replace("(?i)", "")

    def compiled(self, pattern: str) -> re.Pattern[str]:
        return _compile(self.expand(pattern))

    @cached_property
    def checked(self) -> bool:
        """Compile every pattern once; raise InvalidInput naming the kind and pattern on error."""
        for kind in self.kinds:
            det = kind.detection
            groups: list[tuple[str, list[str]]] = []
            for i, rule in enumerate(det.rules):
                groups += [
                    (f"rules[{i}].{name}", getattr(rule, name))
                    for name in ("any", "all", "unless", "clause_all", "clause_unless", "title_any")
                ]
                if rule.numeric:
                    groups.append((f"rules[{i}].numeric.segment_unless", rule.numeric.segment_unless))
            if det.missing:
                groups += [
                    ("missing.applies_if", det.missing.applies_if),
                    ("missing.present_if", det.missing.present_if),
                ]
            for where, patterns in groups:
                for p in patterns:
                    try:
                        self.compiled(p)
                    except re.error as exc:
                        raise InvalidInput(
                            f"playbook kind {kind.id}: pattern in {where} does not compile ({exc})",
                            details={"field": f"kinds.{kind.id}.detection.{where}", "pattern": p},
                        ) from exc
        for name, patterns in self.summary.model_dump().items():
            for p in patterns:
                try:
                    self.compiled(p)
                except re.error as exc:
                    raise InvalidInput(
                        f"playbook summary.{name}: pattern does not compile ({exc})",
                        details={"field": f"summary.{name}", "pattern": p},
                    ) from exc
        return True


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def parse_playbook(data: str | dict[str, Any]) -> Playbook:
    """Validate playbook YAML text (or its parsed form); InvalidInput names the first problem."""
    if isinstance(data, str):
        try:
            data = yaml.safe_load(data)
        except yaml.YAMLError as exc:
            raise InvalidInput(
                f"the playbook is not valid YAML: {exc}", details={"field": "playbook"}
            ) from exc
    if not isinstance(data, dict):
        raise InvalidInput("the playbook must be a mapping at the top level", details={"field": "playbook"})
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(
            f"the playbook is invalid at {where or 'top level'}: {first['msg']}",
            details={
                "field": f"playbook.{where}" if where else "playbook",
                "errors": json.loads(exc.json(include_url=False))[:10],
            },
        ) from exc
    _ = playbook.checked
    return playbook


@lru_cache(maxsize=1)
def default_playbook() -> Playbook:
    """The playbook shipped with the code (version 1 unless the file says otherwise)."""
    return parse_playbook(PLAYBOOK_PATH.read_text(encoding="utf-8"))
