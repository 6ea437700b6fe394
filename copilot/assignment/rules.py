"""The rule-set vocabulary: conditions, actions, rules (nestable), grading, fallback; YAML in and out.

A rule set is data an ops person edits. In YAML a condition is written as a mapping from field to
value (`region: 华东`), list (`industry: [医疗, SaaS]`) or one operator (`budget: {range: [500000, null]}`,
`company: {contains: 医院}`); a rule either assigns or holds child rules, so region -> industry ->
weighted round robin reads top-down as it is evaluated.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from copilot.errors import InvalidInput

# Lead fields a condition may name; `custom.<key>` reads the lead's custom JSON.
LEAD_FIELDS = (
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "region",
    "province",
    "city",
    "industry",
    "size_band",
    "budget",
    "decision_role",
    "contact_title",
    "purchase_timeline",
    "grade",
    "company",
)
NUMERIC_FIELDS = ("budget",)


class Op(StrEnum):
    equals = "equals"
    in_ = "in"
    range = "range"
    contains = "contains"


class Strategy(StrEnum):
    round_robin = "round_robin"
    weighted_round_robin = "weighted_round_robin"
    least_loaded = "least_loaded"
    territory_owner = "territory_owner"
    existing_customer_owner = "existing_customer_owner"


class Condition(BaseModel):
    field: str
    op: Op
    value: Any

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value not in LEAD_FIELDS and not value.startswith("custom."):
            raise ValueError(f"unknown lead field {value!r}; known: {', '.join(LEAD_FIELDS)}, custom.<key>")
        return value

    @model_validator(mode="after")
    def _value_fits_op(self) -> Condition:
        if self.op == Op.in_ and not isinstance(self.value, list):
            raise ValueError(f"{self.field}: 'in' needs a list")
        if self.op == Op.range:
            if not (isinstance(self.value, list) and len(self.value) == 2):
                raise ValueError(f"{self.field}: 'range' needs [min, max] (null for open ends)")
            if any(v is not None and not isinstance(v, int | float) for v in self.value):
                raise ValueError(f"{self.field}: range bounds must be numbers or null")
        if self.op == Op.contains and not isinstance(self.value, str):
            raise ValueError(f"{self.field}: 'contains' needs a text")
        return self

    def to_yaml_value(self) -> Any:
        if self.op == Op.equals:
            return self.value
        if self.op == Op.in_:
            return list(self.value)
        return {self.op.value: self.value}


class Action(BaseModel):
    """Who may receive: a team (department or a team named in the rule set) and/or users; how to pick."""

    team: str | None = None
    users: list[str] = Field(default_factory=list)
    strategy: Strategy = Strategy.round_robin
    weights: dict[str, float] = Field(default_factory=dict, description="login -> weight (weighted RR)")
    territory_field: str = "province"
    territories: dict[str, str] = Field(default_factory=dict, description="field value -> login")
    otherwise: Strategy | None = Field(
        None, description="territory/existing-customer owner missing or away: pick from the pool this way"
    )

    @model_validator(mode="after")
    def _has_target(self) -> Action:
        if (
            not self.team
            and not self.users
            and self.strategy
            not in (
                Strategy.territory_owner,
                Strategy.existing_customer_owner,
            )
        ):
            raise ValueError("an action needs a team or users")
        if self.strategy == Strategy.territory_owner and not self.territories:
            raise ValueError("territory_owner needs territories (value -> login)")
        if any(w <= 0 for w in self.weights.values()):
            raise ValueError("weights must be positive")
        return self


class Rule(BaseModel):
    id: str = Field(min_length=1, max_length=120)
    name: str = ""
    when: list[Condition] = Field(default_factory=list)
    assign: Action | None = None
    rules: list[Rule] = Field(default_factory=list)
    enabled: bool = True

    @model_validator(mode="after")
    def _assigns_or_nests(self) -> Rule:
        if self.assign is None and not self.rules:
            raise ValueError(f"rule {self.id}: needs 'assign' or child 'rules'")
        return self

    def walk(self) -> list[Rule]:
        return [self, *(r for child in self.rules for r in child.walk())]


class GradeRule(BaseModel):
    """Grading runs before routing, first match wins: `budget > 50万 and IT总监 -> A`."""

    grade: str = Field(min_length=1, max_length=8)
    name: str = ""
    when: list[Condition] = Field(default_factory=list)


class Fallback(BaseModel):
    """兜底分配: who gets a lead that no rule placed (or whose pool was empty)."""

    user: str | None = None
    team: str | None = None
    strategy: Strategy = Strategy.round_robin

    @model_validator(mode="after")
    def _has_target(self) -> Fallback:
        if not self.user and not self.team:
            raise ValueError("fallback needs a user or a team")
        return self


class RuleSet(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    teams: dict[str, list[str]] = Field(default_factory=dict, description="named teams: name -> logins")
    grading: list[GradeRule] = Field(default_factory=list)
    rules: list[Rule] = Field(min_length=1)
    fallback: Fallback | None = None

    def all_rules(self) -> list[Rule]:
        return [r for top in self.rules for r in top.walk()]

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.all_rules():
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self


# --- YAML form -------------------------------------------------------------------------------


def _conditions_in(raw: Any, where: str) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if isinstance(raw, list):  # already the canonical list form
        return raw
    if not isinstance(raw, dict):
        raise InvalidInput(
            f"{where}.when must be a mapping of field to value", details={"field": f"{where}.when"}
        )
    out: list[dict[str, Any]] = []
    for field, value in raw.items():
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in {o.value for o in Op}:
            op, val = next(iter(value.items()))
            out.append({"field": field, "op": op, "value": val})
        elif isinstance(value, list):
            out.append({"field": field, "op": "in", "value": value})
        else:
            out.append({"field": field, "op": "equals", "value": value})
    return out


def _rule_in(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where} must be a mapping", details={"field": where})
    data = dict(raw)
    data["when"] = _conditions_in(raw.get("when"), where)
    data["rules"] = [_rule_in(r, f"{where}.rules[{i}]") for i, r in enumerate(raw.get("rules") or [])]
    return data


def parse_rule_set(data: Any) -> RuleSet:
    """A RuleSet from the YAML/JSON shape; errors name the path of the bad field."""
    if not isinstance(data, dict):
        raise InvalidInput(
            "a rule set must be a mapping with name, rules and fallback", details={"field": "rule_set"}
        )
    body = dict(data)
    body["rules"] = [_rule_in(r, f"rules[{i}]") for i, r in enumerate(data.get("rules") or [])]
    body["grading"] = [
        {**g, "when": _conditions_in(g.get("when"), f"grading[{i}]")}
        for i, g in enumerate(data.get("grading") or [])
        if isinstance(g, dict)
    ]
    try:
        return RuleSet.model_validate(body)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]) or "rule_set", "problem": e["msg"]}
            for e in exc.errors()
        ]
        first = problems[0]
        raise InvalidInput(
            f"rule set is not valid: {first['field']}: {first['problem']}",
            details={"field": first["field"], "problems": problems},
        ) from exc


def load_yaml(text: str) -> RuleSet:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"rules file is not valid YAML: {exc}", details={"field": "rules"}) from exc
    return parse_rule_set(data)


def _rule_out(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"id": rule.id}
    if rule.name:
        out["name"] = rule.name
    if rule.when:
        out["when"] = {c.field: c.to_yaml_value() for c in rule.when}
    if not rule.enabled:
        out["enabled"] = False
    if rule.assign is not None:
        out["assign"] = rule.assign.model_dump(mode="json", exclude_defaults=True)
    if rule.rules:
        out["rules"] = [_rule_out(r) for r in rule.rules]
    return out


def to_data(rule_set: RuleSet) -> dict[str, Any]:
    """The YAML shape (compact conditions), which `parse_rule_set` reads back to the same RuleSet."""
    data: dict[str, Any] = {"name": rule_set.name}
    if rule_set.description:
        data["description"] = rule_set.description
    if rule_set.teams:
        data["teams"] = rule_set.teams
    if rule_set.grading:
        data["grading"] = [
            {
                "grade": g.grade,
                **({"name": g.name} if g.name else {}),
                "when": {c.field: c.to_yaml_value() for c in g.when},
            }
            for g in rule_set.grading
        ]
    data["rules"] = [_rule_out(r) for r in rule_set.rules]
    if rule_set.fallback is not None:
        data["fallback"] = rule_set.fallback.model_dump(mode="json", exclude_defaults=True)
    return data


def dump_yaml(rule_set: RuleSet) -> str:
    return yaml.safe_dump(to_data(rule_set), allow_unicode=True, sort_keys=False)
