"""Stage definitions as data: the pydantic schema of a pipeline, the bundled default, and the
versioned copies admins store (`stage_pipelines`). The highest stored version is in force;
with none stored, the bundled YAML (version 0) is.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot.db import audit
from copilot.db.schema import StagePipelineRow
from copilot.errors import InvalidInput
from copilot.models import Role

DEFAULTS = Path(__file__).with_name("defaults") / "pipeline.yaml"

EvidenceKind = Literal["note", "recording", "screenshot", "pdf", "email", "form"]


class KindSpec(BaseModel):
    label: str
    extensions: list[str] = Field(default_factory=list)


class EvidenceRequirement(BaseModel):
    """One required action and the evidence that proves it (kinds accepted, minimum count)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,79}$")
    action: str = Field(min_length=1)
    kinds: list[EvidenceKind] = Field(min_length=1)
    min_count: int = Field(1, ge=1)


class ChecklistItem(BaseModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,79}$")
    text: str = Field(min_length=1)


class StageDef(BaseModel):
    key: str = Field(min_length=1, max_length=60)
    timeout_days: float | None = Field(None, gt=0)
    probability: float = Field(ge=0, le=1)
    evidence: list[EvidenceRequirement] = Field(default_factory=list)
    checklist: list[ChecklistItem] = Field(default_factory=list)
    outcome: Literal["won"] | None = None
    confirm_role: Role | None = None
    requires_payment: bool = False


class LostReason(BaseModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,79}$")
    text: str = Field(min_length=1)


class TimeoutPolicy(BaseModel):
    freeze_factor: float = Field(2.0, ge=1)
    inactivity_downgrade_days: float | None = Field(15, gt=0)
    check_every_minutes: int = Field(15, ge=1)


class StuckPolicy(BaseModel):
    default_days: float | None = Field(None, gt=0)


class SentinelPolicy(BaseModel):
    ratio: float = Field(3.0, gt=1)
    trailing_days: int = Field(28, ge=1)
    min_count: int = Field(5, ge=1)
    baseline_floor: float = Field(1.0, gt=0)


class Pipeline(BaseModel):
    """A whole pipeline. Validation says which field is wrong, so an admin's PUT gets a usable 422."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    version: int = 0
    evidence_kinds: dict[EvidenceKind, KindSpec]
    stages: list[StageDef] = Field(min_length=2)
    lost_reasons: list[LostReason] = Field(min_length=1)
    timeouts: TimeoutPolicy = Field(default_factory=TimeoutPolicy)
    stuck: StuckPolicy = Field(default_factory=StuckPolicy)
    sentinel: SentinelPolicy = Field(default_factory=SentinelPolicy)

    @field_validator("stages")
    @classmethod
    def _unique_keys(cls, stages: list[StageDef]) -> list[StageDef]:
        keys = [s.key for s in stages]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"stage keys must be unique; repeated: {', '.join(dupes)}")
        return stages

    @model_validator(mode="after")
    def _won_stage_last(self) -> Pipeline:
        won = [i for i, s in enumerate(self.stages) if s.outcome == "won"]
        if won != [len(self.stages) - 1]:
            raise ValueError("exactly one stage, the last, must have outcome: won")
        for stage in self.stages:
            ids = [r.id for r in stage.evidence] + [c.id for c in stage.checklist]
            if len(ids) != len(set(ids)):
                raise ValueError(f"stage {stage.key}: evidence and checklist ids must be unique")
        requirement_ids = [r.id for s in self.stages for r in s.evidence]
        if len(requirement_ids) != len(set(requirement_ids)):
            raise ValueError("evidence requirement ids must be unique across the pipeline")
        ids = [r.id for r in self.lost_reasons]
        if len(ids) != len(set(ids)):
            raise ValueError("lost reason ids must be unique")
        return self

    # --- lookups the engines use ---

    @property
    def keys(self) -> list[str]:
        return [s.key for s in self.stages]

    @property
    def won_stage(self) -> StageDef:
        return self.stages[-1]

    def index(self, key: str) -> int:
        try:
            return self.keys.index(key)
        except ValueError:
            raise InvalidInput(
                f"unknown stage {key!r}; the stages are {' → '.join(self.keys)}",
                details={"field": "to_stage", "value": key, "stages": self.keys},
            ) from None

    def stage(self, key: str) -> StageDef | None:
        return next((s for s in self.stages if s.key == key), None)

    def requirement(self, requirement_id: str) -> tuple[StageDef, EvidenceRequirement] | None:
        for stage in self.stages:
            for req in stage.evidence:
                if req.id == requirement_id:
                    return stage, req
        return None

    def lost_reason(self, reason_id: str) -> LostReason:
        found = next((r for r in self.lost_reasons if r.id == reason_id or r.text == reason_id), None)
        if found is None:
            raise InvalidInput(
                f"lost reason {reason_id!r} is not in the library",
                details={"field": "reason", "allowed": [r.id for r in self.lost_reasons]},
            )
        return found

    def kind_of_file(self, file_name: str) -> EvidenceKind | None:
        suffix = Path(file_name).suffix.lower()
        for kind, spec in self.evidence_kinds.items():
            if suffix in spec.extensions:
                return kind
        return None


@lru_cache(maxsize=1)
def default_pipeline() -> Pipeline:
    return Pipeline.model_validate(yaml.safe_load(DEFAULTS.read_text("utf-8")))


def validate_definition(data: object) -> Pipeline:
    """Validate an admin's definition; errors name the field path (`stages.2.timeout_days`)."""
    try:
        return Pipeline.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]) or "(root)", "problem": e["msg"]}
            for e in exc.errors()
        ]
        raise InvalidInput(
            f"the pipeline definition is not valid: {problems[0]['field']}: {problems[0]['problem']}",
            details={"problems": problems},
        ) from None


def active_pipeline(session: Session) -> Pipeline:
    row = session.scalar(select(StagePipelineRow).order_by(StagePipelineRow.version.desc()).limit(1))
    if row is None:
        return default_pipeline()
    return Pipeline.model_validate({**row.definition, "version": row.version})


def replace_pipeline(
    session: Session, actor_id: int | None, data: object, note: str | None = None
) -> Pipeline:
    """Store a new version. Stages that open opportunities sit in may not disappear."""
    from copilot.db.schema import OpportunityRow

    pipeline = validate_definition(data)
    current = active_pipeline(session)
    in_use = set(
        session.scalars(select(OpportunityRow.stage).where(OpportunityRow.status == "open").distinct())
    )
    orphaned = sorted(in_use - set(pipeline.keys))
    if orphaned:
        raise InvalidInput(
            "open opportunities sit in stages this definition removes: " + ", ".join(orphaned),
            details={"field": "stages", "orphaned": orphaned},
        )
    version = (session.scalar(select(func.max(StagePipelineRow.version))) or 0) + 1
    body = pipeline.model_dump(mode="json", exclude={"version"})
    session.add(StagePipelineRow(version=version, definition=body, note=note, created_by=actor_id))
    session.info.pop("stages.pipeline", None)  # the per-unit-of-work cache of copilot.stages.engine
    audit.record(
        session,
        actor_id=actor_id,
        action="stages.definition.replace",
        entity="stage_pipeline",
        entity_id=version,
        before={"version": current.version},
        after={"version": version, "note": note},
    )
    return pipeline.model_copy(update={"version": version})
