"""The handover lexicons (`prompts/handover/rules.yaml`), loaded once and validated.

Why data: what counts as a promise, a complaint or a friendly tone differs by team and language;
sales ops edits the file, the engine does not change. Matching is on width-folded, lower-cased
text so '投诉' and 'Complaint' need one spelling each.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from copilot.dedup.normalise import fold_width

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts" / "handover"


class DueRelative(BaseModel):
    pattern: str
    unit_days: float


class DealRole(BaseModel):
    influence: float = Field(ge=0, le=1)
    titles: list[str]


class StanceRole(BaseModel):
    influence_bonus: float = 0.0


class HandoverRules(BaseModel):
    version: int
    id: str
    promise_markers: list[str]
    customer_side_markers: list[str]
    kept_markers: list[str]
    due_relative: list[DueRelative]
    due_fixed_offsets: dict[str, int | str]
    undated_promise_overdue_days: int
    conflict_markers: dict[str, list[str]]
    resolution_markers: list[str]
    conflict_severity: dict[str, float]
    conflict_merge_days: int
    tone_positive: list[str]
    tone_negative: list[str]
    inbound_markers: list[str]
    new_arrival_markers: list[str]
    champion_markers: list[str]
    blocker_markers: list[str]
    deal_roles: dict[str, DealRole]
    stance_roles: dict[str, StanceRole]
    default_role: str
    default_influence: float
    our_side_words: list[str]
    name_stop_chars: str
    topic_stop_words: list[str]


def fold(text: str | None) -> str:
    """The form every lexicon match runs on: full-width folded, lower case."""
    return fold_width(text or "").lower()


@lru_cache(maxsize=512)
def _marker_pattern(markers: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One compiled alternation per lexicon (longest first); Latin words match on word starts only."""
    originals = {m.lower(): m for m in markers}
    parts = []
    for m in sorted(originals, key=len, reverse=True):
        escaped = re.escape(m)
        parts.append(r"(?<![a-z])" + escaped if m.isascii() and m[:1].isalnum() else escaped)
    return re.compile("|".join(parts) or r"(?!)"), originals


def find_markers(text: str, markers: list[str]) -> list[str]:
    """Markers present in `text` (already folded), each once, in order of appearance."""
    pattern, originals = _marker_pattern(tuple(markers))
    return list(dict.fromkeys(originals[m.group(0)] for m in pattern.finditer(text)))


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> HandoverRules:
    file = Path(path) if path else PROMPTS_DIR / "rules.yaml"
    return HandoverRules.model_validate(yaml.safe_load(file.read_text("utf-8")))
