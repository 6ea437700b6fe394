"""The tag taxonomy, competitor dictionary and negation/hedging cues: pydantic models over the
YAML files in `prompts/tags/`, validated when loaded (a bad pattern or a missing label fails at
start-up, naming the tag)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, model_validator

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts" / "tags"

ValueKind = Literal["budget", "timeline", "competitor", "person", "commitment"]


class TagDefinition(BaseModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: dict[str, str]
    kind: Literal["concern", "preference", "fact"]
    value: ValueKind | None = None
    patterns: list[str] = Field(default_factory=list)
    exemplars: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> TagDefinition:
        missing = {"zh", "en"} - set(self.label)
        if missing:
            raise ValueError(f"tag {self.id}: label needs {sorted(missing)}")
        for pattern in self.patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"tag {self.id}: bad pattern {pattern!r}: {exc}") from exc
        return self


class Taxonomy(BaseModel):
    version: int
    min_confidence: float = 0.45
    exemplar_threshold: float = 0.62
    tags: list[TagDefinition]

    @model_validator(mode="after")
    def _unique(self) -> Taxonomy:
        ids = [t.id for t in self.tags]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"duplicate tag ids: {sorted(duplicates)}")
        return self

    def get(self, tag_id: str) -> TagDefinition | None:
        return next((t for t in self.tags if t.id == tag_id), None)


class Competitor(BaseModel):
    id: str
    name: str
    aliases: list[str]


class CompetitorDictionary(BaseModel):
    version: int
    competitors: list[Competitor]


class Cues(BaseModel):
    version: int
    window: dict[str, int]
    hedge_factor: float
    negation: dict[str, list[str]]
    doubt: dict[str, list[str]]
    hedge: dict[str, list[str]]
    keep: dict[str, list[str]] = Field(default_factory=dict)
    negation_after: dict[str, list[str]] = Field(default_factory=dict)


# --- loading ---------------------------------------------------------------------------------


def _read(name: str, directory: Path | None) -> Any:
    return yaml.safe_load(((directory or PROMPTS_DIR) / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def load_taxonomy(directory: Path | None = None) -> Taxonomy:
    return Taxonomy.model_validate(_read("taxonomy.yaml", directory))


def competitors_path(directory: Path | None = None) -> Path:
    return (directory or PROMPTS_DIR) / "competitors.yaml"


def load_competitors(path: Path | None = None) -> CompetitorDictionary:
    """Read fresh each time a Tagger is built: admins edit this file while the service runs."""
    return CompetitorDictionary.model_validate(
        yaml.safe_load((path or competitors_path()).read_text(encoding="utf-8"))
    )


@lru_cache(maxsize=8)
def load_cues(directory: Path | None = None) -> Cues:
    return Cues.model_validate(_read("cues.yaml", directory))
