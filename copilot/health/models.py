"""The shapes of the inspection report: one `Check` per check, the report around them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["ok", "warn", "fail", "n/a"]
ORDER = {"ok": 0, "n/a": 1, "warn": 2, "fail": 3}


class Check(BaseModel):
    """One check: its figure against its threshold, and the rows the figure counts."""

    id: str
    title: str
    status: Status
    figure: float | None = Field(description="The headline number; None only when not available.")
    unit: str
    display: str = Field(description="The figure as people read it, e.g. '1.9%'.")
    threshold: dict[str, Any]
    summary: str = Field(description="One sentence: what was measured and why the status.")
    reasons: list[str] = Field(default_factory=list, description="Why it is not ok, planted or not.")
    details: dict[str, Any] = Field(default_factory=dict)
    rows: list[dict[str, Any]] = Field(default_factory=list)
    rows_total: int = 0
    available: bool = True


class Report(BaseModel):
    week: str
    window: dict[str, str]
    as_of: str
    timezone: str
    status: Status
    checks: list[Check]
    trends: dict[str, list[dict[str, Any]]]
    funnel: list[dict[str, Any]]
    report_id: int | None = None


def worst(statuses: list[str]) -> Status:
    return max(statuses, key=lambda s: ORDER[s], default="ok")  # type: ignore[return-value]
