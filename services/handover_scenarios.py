"""The 3 key conversations (`introduce`, `repair_conflict`, `advance_deal`) and the persona's
hidden state for each, built from the handover package alone.

Why from the package: the persona may only know what the account's history says, so every slot
it can speak (a name, a conflict, a promise, a date) is taken from a package entry with evidence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from copilot.errors import InvalidInput
from copilot.models import EvidenceRef
from services.handover_models import HandoverPackage, PersonEntry
from services.handover_rules import PROMPTS_DIR, load_rules
from services.handover_text import topic_tokens

SCENARIOS = ("introduce", "repair_conflict", "advance_deal")


class RubricItem(BaseModel):
    criterion: str
    weight: float = Field(gt=0)
    must: bool = False


class ScenarioSpec(BaseModel):
    title: dict[str, str]
    goal: dict[str, str]
    persona: Literal["decision_maker", "conflict", "deal"]
    concerns: list[str]
    rubric: list[RubricItem]


class CriterionSpec(BaseModel):
    label: dict[str, str]
    better: dict[str, str]


class ScenarioConfig(BaseModel):
    version: int
    id: str
    pass_mark: float
    points: dict[str, float]
    scenarios: dict[str, ScenarioSpec]
    criteria: dict[str, CriterionSpec]


@lru_cache(maxsize=1)
def load_scenarios() -> ScenarioConfig:
    config = ScenarioConfig.model_validate(
        yaml.safe_load((PROMPTS_DIR / "scenarios.yaml").read_text("utf-8"))
    )
    unknown = {r.criterion for s in config.scenarios.values() for r in s.rubric} - set(config.criteria)
    if unknown or set(config.scenarios) != set(SCENARIOS):
        raise ValueError(f"scenarios.yaml: unknown criteria {sorted(unknown)} or scenario ids changed")
    return config


class Fact(BaseModel):
    """One thing the persona may say: its words (quoted from the history) and where they are from."""

    value: str
    parts: list[str] = Field(default_factory=list, description="Verbatim pieces when `value` joins several.")
    evidence: list[EvidenceRef] = Field(default_factory=list)


class Concern(BaseModel):
    id: str
    kind: Literal["continuity", "conflict", "promise", "discovery", "next_step"]
    slots: dict[str, Fact] = Field(default_factory=dict)
    tokens: list[str] = Field(default_factory=list)
    status: Literal["hidden", "raised", "partial", "addressed"] = "hidden"


class Persona(BaseModel):
    scenario: str
    language: Literal["zh", "en"]
    name: Fact
    role: str
    title: str | None = None
    customer: Fact
    goal: str
    monologue_averse: bool
    tags: list[str]
    concerns: list[Concern]
    facts: dict[str, Fact] = Field(description="What the persona can answer questions with.")
    open_items: list[Concern] = Field(
        default_factory=list, description="Open promises and unresolved conflicts (false-claim check)."
    )
    predecessor: str | None = None


def package_language(package: HandoverPackage) -> Literal["zh", "en"]:
    text = package.customer_name + "".join(p.name for p in package.people)
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


def _person_fact(p: PersonEntry) -> Fact:
    return Fact(value=p.name, evidence=p.evidence[:1])


def _pick_person(package: HandoverPackage, scenario: str, among: list[str] | None = None) -> PersonEntry:
    people = package.people
    if not people:
        raise InvalidInput(
            f"{package.customer_name} has no people in its history, so there is no one to practise with: "
            "import contacts or activities first",
            details={"field": "customer", "missing": package.missing},
        )
    if among:
        involved = [p for p in people if p.name in among]
        if involved:
            return max(involved, key=lambda p: p.influence)
    deciders = [p for p in people if p.role == "decision_maker"]
    return max(deciders or people, key=lambda p: p.influence)


def build_persona(
    package: HandoverPackage, scenario: str, *, tags_averse: list[str], predecessor: str | None = None
) -> Persona:
    """The persona and its hidden concerns for one scenario; InvalidInput when the history lacks what
    the scenario needs (no unresolved conflict, no open opportunity), saying what is missing."""
    if scenario not in SCENARIOS:
        raise InvalidInput(
            f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}",
            details={"field": "scenario", "value": scenario},
        )
    spec = load_scenarios().scenarios[scenario]
    rules = load_rules()
    language = package_language(package)
    unresolved = [c for c in package.conflicts if not c.resolved]
    open_promises = [p for p in package.promises if p.status != "kept"]
    if scenario == "repair_conflict" and not unresolved:
        raise InvalidInput(
            f"{package.customer_name} has no unresolved conflict in its history; practise introduce or advance_deal",
            details={"field": "scenario", "value": scenario},
        )
    if scenario == "advance_deal" and not package.opportunities:
        raise InvalidInput(
            f"{package.customer_name} has no open opportunity; practise introduce or repair_conflict",
            details={"field": "scenario", "value": scenario},
        )
    person = _pick_person(package, scenario, unresolved[0].people if scenario == "repair_conflict" else None)
    customer = Fact(
        value=package.customer_name,
        evidence=[EvidenceRef(kind="customer", id=str(package.customer_id), quote=package.customer_name)],
    )
    concerns: list[Concern] = []
    for kind in spec.concerns:
        if kind == "promise":
            for p in open_promises[:2]:
                concerns.append(
                    Concern(
                        id=p.id,
                        kind="promise",
                        slots={"promise": Fact(value=p.what, evidence=p.evidence[:1])},
                        tokens=sorted(topic_tokens(p.text, rules)),
                    )
                )
        elif kind == "conflict":
            c = unresolved[0]
            concerns.append(
                Concern(
                    id=c.id,
                    kind="conflict",
                    slots={"conflict": Fact(value=c.headline, evidence=c.evidence[:1])},
                    tokens=sorted(topic_tokens(c.headline, rules)),
                )
            )
        else:
            concerns.append(Concern(id=kind, kind=kind))  # type: ignore[arg-type]
    facts: dict[str, Fact] = {}
    averse = {t.lower() for t in tags_averse}
    # what they care about; a dislike (反感PPT式汇报) shapes how they react, it is not a priority to state
    priorities = [t for t in package.tags if t.lower() not in averse]
    if priorities:
        facts["priorities"] = Fact(
            value="、".join(priorities) if language == "zh" else ", ".join(priorities),
            parts=priorities,
            evidence=[EvidenceRef(kind="tag", id=f"{package.customer_id}:{t}", quote=t) for t in priorities],
        )
    if package.opportunities:
        o = package.opportunities[0]
        facts["opportunity"] = Fact(value=o.name, evidence=o.evidence)
        facts["stage"] = Fact(value=o.stage, evidence=o.evidence)
        if o.expected_close:
            facts["expected_close"] = Fact(value=o.expected_close.isoformat(), evidence=o.evidence)
    decider = next((p for p in package.people if p.role == "decision_maker"), None)
    if decider:
        facts["decision_maker"] = _person_fact(decider)
    if unresolved:
        facts["conflict"] = Fact(value=unresolved[0].headline, evidence=unresolved[0].evidence[:1])
    if open_promises:
        facts["promise"] = Fact(value=open_promises[0].what, evidence=open_promises[0].evidence[:1])
    open_items = [
        Concern(
            id=p.id,
            kind="promise",
            slots={"item": Fact(value=p.what, evidence=p.evidence[:1])},
            tokens=sorted(topic_tokens(p.text, rules)),
        )
        for p in open_promises
    ] + [
        Concern(
            id=c.id,
            kind="conflict",
            slots={"item": Fact(value=c.headline, evidence=c.evidence[:1])},
            tokens=sorted(topic_tokens(c.headline, rules)),
        )
        for c in unresolved
    ]
    return Persona(
        scenario=scenario,
        language=language,
        name=_person_fact(person),
        role=person.role,
        title=person.title,
        customer=customer,
        goal=spec.goal[language],
        monologue_averse=any(t.lower() in averse for t in package.tags),
        tags=list(package.tags),
        concerns=concerns,
        facts=facts,
        open_items=open_items,
        predecessor=predecessor,
    )
