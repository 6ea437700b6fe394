"""The weekly inspection over HTTP (`/health` stays the liveness probe): the report, the rows
behind each figure, kept reports, metric definitions side by side, and the lead flow.
Routes parse and shape; `copilot.health` decides."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from copilot.api.deps import CallerDep, ContextDep, SessionDep
from copilot.errors import InvalidInput
from copilot.health import render, report, window
from copilot.health.flow import drop_leads, lead_flow
from copilot.health.metrics import new_customers
from copilot.health.models import Check, Report
from copilot.models import Role

router = APIRouter(tags=["inspection"])
WEEK = Query(None, description="ISO week, e.g. 2026-W47 (default: this week)", pattern=None)


def _format(value: str) -> str:
    if value not in ("json", "html"):
        raise InvalidInput(f"format must be json or html, got {value!r}", details={"field": "format"})
    return value


@router.get("/inspection/report", response_model=None)
def inspection_report(
    session: SessionDep, caller: CallerDep, context: ContextDep, week: str | None = WEEK, format: str = "json"
) -> Report | HTMLResponse:
    """Every check for the week with status, figure, threshold and rows; `format=html` for the page."""
    caller.require(Role.manager, Role.finance)
    built = report.build(session, caller, context.settings, week)
    if _format(format) == "html":
        return HTMLResponse(render.html(built))
    return built


@router.get("/inspection/report/checks/{check}/rows")
def inspection_rows(
    session: SessionDep, caller: CallerDep, context: ContextDep, check: str, week: str | None = WEEK
) -> Check:
    """All rows behind one check's figure (the report embeds the first 200)."""
    caller.require(Role.manager, Role.finance)
    return report.check_rows(session, caller, context.settings, check, week)


@router.get("/inspection/reports")
def inspection_reports(
    session: SessionDep, caller: CallerDep, limit: int = Query(50, ge=1, le=500)
) -> list[dict[str, Any]]:
    caller.require(Role.manager, Role.finance)
    return report.listing(session, limit)


@router.get("/inspection/reports/{report_id}", response_model=None)
def inspection_stored(
    session: SessionDep, caller: CallerDep, report_id: int, format: str = "json"
) -> Report | HTMLResponse:
    caller.require(Role.manager, Role.finance)
    kept = report.stored(session, report_id)
    return HTMLResponse(render.html(kept)) if _format(format) == "html" else kept


@router.post("/inspection/reports")
async def inspection_produce(
    caller: CallerDep, context: ContextDep, week: str | None = WEEK
) -> dict[str, Any]:
    """Produce, keep and mail the report now (what the worker does on schedule). Admin only."""
    caller.require(Role.admin)
    from copilot.health.delivery import produce

    return await run_in_threadpool(produce, context, week=week, trigger="api")


@router.get("/metrics/new-customers")
def metrics_new_customers(
    session: SessionDep,
    caller: CallerDep,
    context: ContextDep,
    month: str | None = Query(None, description="YYYY-MM (default: this month)"),
    definition: str | None = Query(None, description="Only this definition, with its rows"),
    reason: str | None = Query(None, description="With definition: one exclusion reason, or 'counted'"),
    limit: int = Query(200, ge=1, le=100000),
) -> dict[str, Any]:
    """本月新增客户 by each definition (口径) side by side, exclusions by reason with their rows."""
    caller.require(Role.manager, Role.finance)
    return new_customers(
        session,
        caller,
        window.month(month, context.settings.zone),
        definition=definition,
        reason=reason,
        limit=limit,
    )


@router.get("/leads/flow")
def leads_flow(
    session: SessionDep,
    caller: CallerDep,
    context: ContextDep,
    since: str | None = Query(None, description="YYYY-MM-DD or ISO time (default: 30 days ago)"),
) -> dict[str, Any]:
    """received → validated → graded → routed → visible → first contact, with drops by reason and rule."""
    return lead_flow(session, caller, context.settings, window.since(since, context.settings.zone))


@router.get("/leads/flow/leads")
def leads_flow_drop(
    session: SessionDep,
    caller: CallerDep,
    context: ContextDep,
    step: str,
    since: str | None = None,
    reason: str | None = None,
    limit: int = Query(200, ge=1, le=100000),
) -> dict[str, Any]:
    """The leads behind one drop, each with its routing traces."""
    return drop_leads(
        session, caller, context.settings, window.since(since, context.settings.zone), step, reason, limit
    )
