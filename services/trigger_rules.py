"""Trigger rules as data: the pydantic shape, the YAML defaults and admins' stored overrides.

Validation happens here, once, so a bad rule is refused with the field that is wrong
(`all[1].topic: unknown topic 'foo'`) instead of failing at evaluation time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.auth import Caller
from copilot.db import audit
from copilot.db.schema import TriggerRuleRow
from copilot.errors import InvalidInput, NotFound
from copilot.models import Role
from services.topics import PROMPTS_DIR, load_glossary

DEFAULTS_FILE = PROMPTS_DIR / "triggers" / "defaults.yaml"

ConditionKind = Literal[
    "signals", "activities", "evidence", "no_activity", "stalled_opportunity", "open_opportunity", "calendar"
]


class Condition(BaseModel):
    kind: ConditionKind
    types: list[str] = Field(default_factory=list, description="signal types or groups; empty = any")
    kinds: list[str] = Field(default_factory=list, description="activity kinds; empty = any")
    topic: str | None = None
    min_count: int = Field(1, ge=1)
    within_days: int = Field(30, ge=1, le=3650)
    days: int = Field(30, ge=1, le=3650, description="no_activity: days without activity")
    min_days: int = Field(30, ge=1, le=3650, description="stalled_opportunity: days in stage")
    months: list[int] = Field(default_factory=list)
    as_: str | None = Field(None, alias="as")

    model_config = {"populate_by_name": True, "extra": "forbid"}

    @model_validator(mode="after")
    def _known_topic(self) -> Condition:
        if self.topic and self.topic not in load_glossary().topics:
            raise ValueError(f"unknown topic {self.topic!r}; topics are in prompts/topics.yaml")
        if self.kind == "calendar" and not all(1 <= m <= 12 for m in self.months or [0]):
            raise ValueError("calendar needs months between 1 and 12")
        return self


class Rule(BaseModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{2,79}$")
    title: dict[str, str]
    severity: Literal["high", "medium", "low"]
    topics: list[str] = Field(default_factory=list)
    all: list[Condition] = Field(min_length=1)
    why: dict[str, str]
    action: dict[str, str]
    enabled: bool = True
    version: int = 1
    origin: Literal["default", "admin"] = "default"

    model_config = {"extra": "forbid"}

    def text(self, field: str, lang: str) -> str:
        values: dict[str, str] = getattr(self, field)
        return values.get(lang) or values.get("zh") or next(iter(values.values()))


class RuleFile(BaseModel):
    version: int
    type_groups: dict[str, list[str]] = Field(default_factory=dict)
    rules: list[Rule]


@lru_cache(maxsize=1)
def load_defaults(path: Path = DEFAULTS_FILE) -> RuleFile:
    return RuleFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def parse_rule(rule_id: str, definition: dict[str, Any]) -> Rule:
    """Validate an admin's rule; errors name the field (`all.0.topic`) and the problem."""
    try:
        return Rule.model_validate({**definition, "id": rule_id})
    except ValidationError as exc:
        problems = {".".join(str(p) for p in e["loc"]) or "rule": e["msg"] for e in exc.errors()}
        first = next(iter(problems.items()))
        raise InvalidInput(
            f"trigger rule {rule_id!r} is invalid: {first[0]}: {first[1]}",
            details={"field": first[0], "problems": problems},
        ) from exc


def effective_rules(session: Session) -> list[Rule]:
    """Defaults, with stored admin versions replacing or disabling them, plus admins' new rules."""
    rules = {r.id: r for r in load_defaults().rules}
    for row in session.scalars(select(TriggerRuleRow).order_by(TriggerRuleRow.rule_id)):
        try:
            rule = Rule.model_validate(
                {
                    **row.definition,
                    "id": row.rule_id,
                    "enabled": row.enabled,
                    "version": row.version,
                    "origin": "admin",
                }
            )
        except ValidationError:
            continue  # a stored rule that no longer validates (topic removed) is skipped, the default stays
        rules[row.rule_id] = rule
    return list(rules.values())


def save_rule(session: Session, caller: Caller, rule_id: str, definition: dict[str, Any]) -> Rule:
    caller.require(Role.admin)
    definition = {k: v for k, v in definition.items() if k not in ("id", "version", "origin")}
    rule = parse_rule(rule_id, definition)
    row = session.scalar(select(TriggerRuleRow).where(TriggerRuleRow.rule_id == rule_id))
    before = dict(row.definition) if row else None
    stored = rule.model_dump(mode="json", by_alias=True, exclude={"id", "version", "origin", "enabled"})
    if row is None:
        row = TriggerRuleRow(
            rule_id=rule_id, definition=stored, enabled=rule.enabled, version=1, updated_by=caller.id or None
        )
        session.add(row)
    else:
        row.definition = stored
        row.enabled = rule.enabled
        row.version += 1
        row.updated_by = caller.id or None
    session.flush()
    audit.record(
        session,
        actor_id=caller.id or None,
        action="trigger_rule.save",
        entity="trigger_rule",
        entity_id=rule_id,
        before=before,
        after=stored,
    )
    return rule.model_copy(update={"version": row.version, "origin": "admin"})


def reset_rule(session: Session, caller: Caller, rule_id: str) -> None:
    """Drop the admin's version: the shipped default (if any) applies again."""
    caller.require(Role.admin)
    row = session.scalar(select(TriggerRuleRow).where(TriggerRuleRow.rule_id == rule_id))
    if row is None:
        raise NotFound(f"no stored version of trigger rule {rule_id!r}", details={"rule_id": rule_id})
    audit.record(
        session,
        actor_id=caller.id or None,
        action="trigger_rule.reset",
        entity="trigger_rule",
        entity_id=rule_id,
        before=dict(row.definition),
    )
    session.delete(row)
