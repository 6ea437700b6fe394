"""The stage engine's vocabulary: what its services take and return, and what the API serves."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from copilot.models import EvidenceRef


class PaymentIn(BaseModel):
    """The first payment, as the bank receipt states it (required to enter the won stage)."""

    paid_on: date = Field(description="Date the money arrived (银行到账日期), not the signing date.")
    amount: float = Field(gt=0, description="Amount received, CNY.")


class EvidenceItem(BaseModel):
    """One stored piece of evidence (file or text) and what it was offered for."""

    id: int
    opportunity_id: int
    stage: str
    requirement: str
    kind: str
    sha256: str | None = None
    file_name: str | None = None
    size: int | None = None
    text: str | None = None
    uploaded_by: int | None = None
    uploaded_at: datetime
    attached: bool


class GateProblem(BaseModel):
    """One thing that stops a move, precise enough to fix without guessing."""

    problem: Literal[
        "missing_evidence",
        "unchecked",
        "reason_required",
        "payment_required",
        "not_allowed",
    ]
    stage: str | None = None
    id: str | None = None
    action: str | None = None
    needed: int | None = None
    have: int | None = None
    accepted_kinds: list[str] = Field(default_factory=list)
    message: str


class GateDecision(BaseModel):
    """The gate's verdict on one move, with its reasons as data (shown on 422 and in the trace)."""

    from_stage: str
    to_stage: str
    direction: Literal["forward", "backward"]
    skipped: list[str] = Field(default_factory=list)
    checked_stages: list[str] = Field(default_factory=list)
    ok: bool
    missing: list[GateProblem] = Field(default_factory=list)
    satisfied: list[str] = Field(default_factory=list)
    evidence_ids: list[int] = Field(default_factory=list)


class Hold(BaseModel):
    id: int
    opportunity_id: int
    kind: Literal["finance_confirmation", "sentinel"]
    from_stage: str
    to_stage: str
    requested_by: int | None
    requested_at: datetime
    reasons: list[dict] = Field(default_factory=list)
    confirm_role: str
    status: Literal["pending", "confirmed", "rejected"]
    decided_by: int | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None


class AdvanceResult(BaseModel):
    """What happened to a move: applied (with the history row) or held (with the hold)."""

    opportunity_id: int
    outcome: Literal["applied", "held"]
    stage: str
    status: str
    decision: GateDecision
    history_id: int | None = None
    hold: Hold | None = None
    evidence: list[EvidenceItem] = Field(default_factory=list)


class StageState(BaseModel):
    """Where an open opportunity stands against its stage's clocks (pure function of the data)."""

    days_in_stage: float
    timeout_days: float | None
    overdue: bool
    frozen: bool
    freeze_after_days: float | None
    last_activity_at: datetime | None
    days_since_activity: float
    downgraded: bool
    probability: float
    reasons: list[str] = Field(default_factory=list)


class StuckOpportunity(BaseModel):
    id: int
    external_id: str | None
    name: str
    stage: str
    amount: float
    product: str | None
    owner_id: int | None
    owner: str | None
    department_id: int | None
    department: str | None
    stage_entered_at: datetime
    days_in_stage: float
    threshold_days: float
    over_by_days: float
    last_activity_at: datetime | None
    days_since_activity: float
    frozen: bool
    downgraded: bool
    evidence: list[EvidenceRef] = Field(default_factory=list)


class StuckReport(BaseModel):
    as_of: datetime
    threshold: str = Field(description="'stage timeout' or 'N days'")
    stuck: list[StuckOpportunity]
    open_total: int


class HeatCell(BaseModel):
    count: int
    avg_days: float
    max_days: float
    over_timeout: int


class HeatRow(BaseModel):
    key: str
    label: str
    cells: dict[str, HeatCell]
    total: int


class HeatMap(BaseModel):
    as_of: datetime
    dimension: Literal["rep", "department", "product"]
    stages: list[str]
    timeouts: dict[str, float | None]
    rows: list[HeatRow]


class StageHealth(BaseModel):
    as_of: datetime
    pipeline_version: int
    stuck: list[StuckOpportunity]
    threshold: str
    open_total: int
    heat_map: HeatMap


class ForecastStage(BaseModel):
    stage: str
    probability: float
    count: int
    amount: float
    weighted: float
    frozen_count: int
    frozen_amount: float
    downgraded_count: int


class MonthAmount(BaseModel):
    month: str
    amount: float
    count: int


class Forecast(BaseModel):
    """Weighted pipeline kept apart from confirmed revenue; the gap says how honest 'won' is."""

    as_of: datetime
    pipeline_version: int
    weighted_pipeline: float
    open_amount: float
    open_count: int
    frozen_amount: float
    frozen_count: int
    by_stage: list[ForecastStage]
    confirmed_revenue: float
    confirmed_count: int
    confirmed_by_month: list[MonthAmount]
    won_claimed_amount: float = Field(description="Amount of every opportunity marked won.")
    won_claimed_count: int
    won_unconfirmed_amount: float = Field(
        description="Marked won with no confirmed payment (legacy flips, imports)."
    )
    won_unconfirmed_count: int
    won_unconfirmed_ids: list[int]
    period: dict[str, date | None]
