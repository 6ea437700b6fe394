"""Duplicate rules as data: which fields, how each is normalised and compared, weights,
thresholds, strong keys and blocking keys. One engine reads a rules file for customers, contacts
or any CSV/JSONL a user brings; nothing about a particular table lives in the engine.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from copilot.errors import InvalidInput

DEFAULTS = Path(__file__).with_name("defaults")
NORMALISERS = ("uscc", "company_name", "phone", "mobile", "email", "address", "person_name", "region", "text")
COMPARATORS = ("exact", "fuzzy", "name", "person_name")


class FieldRule(BaseModel):
    normaliser: str = "text"
    comparator: str = "exact"
    weight: float = Field(1.0, ge=0)
    power: float = Field(
        1.0,
        gt=0,
        description="score raised to this power: 2 makes one differing character in a short name count",
    )
    gate: float | None = Field(None, ge=0, le=1, description="pair rejected when this field scores below")
    veto_below: float | None = Field(None, ge=0, le=1, description="pair rejected when compared and below")

    @model_validator(mode="after")
    def _known(self) -> FieldRule:
        if self.normaliser not in NORMALISERS:
            raise ValueError(f"unknown normaliser {self.normaliser!r}; one of {', '.join(NORMALISERS)}")
        if self.comparator not in COMPARATORS:
            raise ValueError(f"unknown comparator {self.comparator!r}; one of {', '.join(COMPARATORS)}")
        return self


class StrongKey(BaseModel):
    name: str
    fields: dict[str, str]  # field -> normaliser; all must be present for the key to exist
    split_on_conflict: bool = False

    @model_validator(mode="after")
    def _known(self) -> StrongKey:
        bad = [n for n in self.fields.values() if n not in NORMALISERS]
        if bad:
            raise ValueError(f"unknown normaliser {bad[0]!r} in strong key {self.name}")
        return self


class Thresholds(BaseModel):
    suspected: float = Field(0.85, ge=0, le=1)
    auto_merge: float = Field(0.95, ge=0, le=1)


class SortedKey(BaseModel):
    field: str
    window: int = Field(4, ge=1, le=50)
    reverse: bool = False


class Blocking(BaseModel):
    exact: list[str] = Field(default_factory=list)
    sorted: list[SortedKey] = Field(default_factory=list)
    max_block: int = Field(60, ge=2)


class Rules(BaseModel):
    """A validated rules file; `id` and `version` are cited in every scan report."""

    id: str
    version: int = 1
    id_field: str = "id"
    label_field: str = "name"
    strong_keys: list[StrongKey] = Field(default_factory=list)
    fields: dict[str, FieldRule]
    thresholds: Thresholds = Field(default_factory=Thresholds)
    min_fields: int = Field(2, ge=1)
    blocking: Blocking = Field(default_factory=Blocking)

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        if not self.fields:
            raise ValueError("a rules file needs at least one field")
        if sum(f.weight for f in self.fields.values()) <= 0:
            raise ValueError("field weights must not all be zero")
        for key in [*self.blocking.exact, *(s.field for s in self.blocking.sorted)]:
            if key not in self.fields and not any(key in s.fields for s in self.strong_keys):
                raise ValueError(f"blocking key {key!r} is not a field of the rules")
        if not self.blocking.exact and not self.blocking.sorted:
            raise ValueError("blocking needs at least one exact or sorted key (a scan must not be O(n²))")
        if self.thresholds.auto_merge < self.thresholds.suspected:
            raise ValueError("thresholds.auto_merge must not be below thresholds.suspected")
        return self

    @property
    def cite(self) -> str:
        return f"{self.id}@v{self.version}"


def load_rules_file(path: Path) -> Rules:
    """A rules file from disk, or InvalidInput naming the file and the problem."""
    try:
        raw = yaml.safe_load(Path(path).read_text("utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInput(f"rules file {path} does not exist", details={"field": "rules"}) from exc
    except yaml.YAMLError as exc:
        raise InvalidInput(f"rules file {path} is not valid YAML: {exc}", details={"field": "rules"}) from exc
    try:
        return Rules.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise InvalidInput(
            f"rules file {path}: {where}: {err['msg']}", details={"field": "rules", "at": where}
        ) from exc


@lru_cache(maxsize=8)
def default_rules(entity: str) -> Rules:
    """The bundled rules for 'customers' or 'contacts'."""
    path = DEFAULTS / f"{entity}.yaml"
    if not path.exists():
        raise InvalidInput(
            f"no bundled dedup rules for {entity!r}; use customers or contacts",
            details={"field": "entity", "value": entity},
        )
    return load_rules_file(path)
