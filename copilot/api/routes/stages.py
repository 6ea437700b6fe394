"""Stage gates over HTTP: advance with evidence, lose with a reason, holds, definitions,
health (stuck list + heat map) and the forecast. Routes parse and shape; `copilot.stages` decides.
"""

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile

from copilot.api.deps import CallerDep, ContextDep, SessionDep
from copilot.errors import InvalidInput, NotFound
from copilot.models import Role
from copilot.stages import definitions, health, service
from copilot.stages import evidence as store
from copilot.stages.forecast import forecast as compute_forecast
from copilot.stages.models import AdvanceResult, Forecast, GateDecision, Hold, PaymentIn, StageHealth

router = APIRouter(tags=["stages"])

ADVANCE_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["to_stage"],
                    "properties": {
                        "to_stage": {"type": "string", "description": "Target stage key, e.g. 需求分析"},
                        "checklist": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "Confirmed checklist item ids (repeat the field, or comma-separate)",
                        },
                        "reason": {"type": "string", "description": "Required when moving backwards"},
                        "paid_on": {
                            "type": "string",
                            "format": "date",
                            "description": "Won stage: 银行到账日期",
                        },
                        "paid_amount": {"type": "number", "description": "Won stage: amount received"},
                        "evidence.<requirement_id>": {
                            "type": "string",
                            "format": "binary",
                            "description": "A file (kind from its extension) or text (kind note) for a "
                            "requirement, e.g. evidence.first_contact_record; repeat for several",
                        },
                    },
                }
            }
        },
    }
}


async def _parse_advance(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if "multipart/form-data" not in content_type and "application/x-www-form-urlencoded" not in content_type:
        raise InvalidInput(
            "send the advance as multipart/form-data (fields to_stage, checklist, reason, evidence.<requirement>)",
            details={"field": "content-type", "value": content_type},
        )
    form = await request.form()
    to_stage = str(form.get("to_stage") or "").strip()
    if not to_stage:
        raise InvalidInput("to_stage is required", details={"field": "to_stage"})
    checklist: list[str] = []
    for value in form.getlist("checklist"):
        checklist.extend(part.strip() for part in str(value).split(",") if part.strip())
    uploads: list[store.EvidenceUpload] = []
    for key, value in form.multi_items():
        if not key.startswith("evidence."):
            if key not in ("to_stage", "checklist", "reason", "paid_on", "paid_amount"):
                raise InvalidInput(f"unknown field {key!r}", details={"field": key})
            continue
        requirement = key.removeprefix("evidence.")
        if isinstance(value, UploadFile):
            uploads.append(
                store.EvidenceUpload(
                    requirement=requirement,
                    file_name=value.filename or "upload",
                    stream=value.file,
                    content_type=value.content_type,
                )
            )
        else:
            uploads.append(store.EvidenceUpload(requirement=requirement, text=str(value)))
    payment = None
    if form.get("paid_on") or form.get("paid_amount"):
        try:
            payment = PaymentIn(paid_on=form.get("paid_on"), amount=form.get("paid_amount"))  # type: ignore[arg-type]
        except ValidationError as exc:
            problem = exc.errors()[0]
            field = {"paid_on": "paid_on", "amount": "paid_amount"}.get(str(problem["loc"][0]), "paid_on")
            raise InvalidInput(f"{field}: {problem['msg']}", details={"field": field}) from None
    reason = form.get("reason")
    return {
        "to_stage": to_stage,
        "checklist": checklist,
        "reason": str(reason) if reason else None,
        "uploads": uploads,
        "payment": payment,
    }


@router.post(
    "/opportunities/{opportunity_id}/advance",
    response_model=AdvanceResult,
    summary="Move an opportunity to another stage, with evidence and checklist",
    description=(
        "Forwards: the evidence and checklist of every stage left or skipped (and, for the won stage, "
        "its own evidence and the payment). Backwards: a reason. Missing anything → 422 `gate_not_satisfied` "
        "with `details.missing`; uploaded evidence is kept either way (`details.stored_evidence`) and counts "
        "on the next attempt. A won stage asked for by a non-finance user, or a burst the sentinel catches, "
        "is held (`outcome: held`) for confirmation."
    ),
    openapi_extra=ADVANCE_FORM,
)
async def advance(opportunity_id: int, request: Request, context: ContextDep, caller: CallerDep) -> Any:
    parsed = await _parse_advance(request)
    return await run_in_threadpool(
        service.advance,
        context,
        caller,
        opportunity_id,
        parsed["to_stage"],
        uploads=parsed["uploads"],
        checklist=parsed["checklist"],
        reason=parsed["reason"],
        payment=parsed["payment"],
    )


@router.get(
    "/opportunities/{opportunity_id}/gate",
    response_model=GateDecision,
    summary="What a move would need now (evidence already offered counts)",
)
def gate_preview(
    opportunity_id: int,
    session: SessionDep,
    caller: CallerDep,
    to_stage: str = Query(...),
    checklist: list[str] = Query(default_factory=list),
) -> Any:
    return service.preview(session, caller, opportunity_id, to_stage, checklist)


class LoseIn(BaseModel):
    reason: str = Field(
        description="A lost-reason id (or its text) from the library: GET /stages/definitions"
    )
    note: str | None = None


@router.post(
    "/opportunities/{opportunity_id}/lose", summary="Close an opportunity as lost, with a library reason"
)
def lose(opportunity_id: int, body: LoseIn, session: SessionDep, caller: CallerDep) -> dict[str, Any]:
    return service.lose(session, caller, opportunity_id, body.reason, body.note)


@router.get(
    "/opportunities/{opportunity_id}/stages", summary="Stage history, evidence, payment and pending hold"
)
def stage_history(opportunity_id: int, session: SessionDep, caller: CallerDep) -> dict[str, Any]:
    return service.history(session, caller, opportunity_id)


@router.get("/stages/evidence/{evidence_id}/file", summary="Download a stored evidence file")
def evidence_download(evidence_id: int, session: SessionDep, caller: CallerDep, context: ContextDep) -> Any:
    row = service.evidence_file(session, caller, evidence_id)
    if row.sha256 is None:
        return {"id": row.id, "kind": row.kind, "text": row.text}
    path = store.path_for(context.settings, row.sha256)
    if not path.exists():
        raise NotFound(
            f"the file of evidence {evidence_id} is missing from the data dir", details={"sha256": row.sha256}
        )
    return FileResponse(path, filename=row.file_name or row.sha256, media_type=row.content_type)


@router.get("/stages/holds", response_model=list[Hold], summary="Changes waiting for confirmation")
def holds(session: SessionDep, caller: CallerDep, status: str | None = Query("pending")) -> Any:
    return service.list_holds(session, caller, status or None)


class DecisionIn(BaseModel):
    note: str | None = None


@router.post(
    "/stages/holds/{hold_id}/confirm", response_model=Hold, summary="Confirm a held change (applies it)"
)
def confirm_hold(hold_id: int, session: SessionDep, caller: CallerDep, body: DecisionIn | None = None) -> Any:
    return service.decide_hold(session, caller, hold_id, confirm=True, note=body.note if body else None)


@router.post("/stages/holds/{hold_id}/reject", response_model=Hold, summary="Reject a held change")
def reject_hold(hold_id: int, session: SessionDep, caller: CallerDep, body: DecisionIn | None = None) -> Any:
    return service.decide_hold(session, caller, hold_id, confirm=False, note=body.note if body else None)


@router.get("/stages/definitions", response_model=definitions.Pipeline, summary="The pipeline in force")
def get_definitions(session: SessionDep, caller: CallerDep) -> Any:
    return definitions.active_pipeline(session)


@router.put(
    "/stages/definitions",
    response_model=definitions.Pipeline,
    summary="Replace the pipeline (admin; validated, stored as a new version)",
)
def put_definitions(
    session: SessionDep,
    caller: CallerDep,
    body: dict[str, Any] = Body(..., description="A whole pipeline, as GET returns it"),
    note: str | None = Query(None, description="Why it changed (kept with the version)"),
) -> Any:
    caller.require(Role.admin)
    return definitions.replace_pipeline(session, caller.id or None, body, note)


@router.get(
    "/stages/health",
    response_model=StageHealth,
    summary="Stuck opportunities (`stuck`) and the time-in-stage heat map",
)
def stages_health(
    session: SessionDep,
    caller: CallerDep,
    days: float | None = Query(
        None, gt=0, description="Stuck = more than N days in stage (default: the stage timeout)"
    ),
    dimension: health.Dimension = Query("rep"),
) -> Any:
    return health.stage_health(session, caller, days=days, dimension=dimension)


@router.get("/forecast", response_model=Forecast, summary="Weighted pipeline vs confirmed revenue")
def get_forecast(
    session: SessionDep,
    caller: CallerDep,
    since: date | None = Query(None, description="Confirmed revenue paid on or after"),
    until: date | None = Query(None, description="Confirmed revenue paid on or before"),
) -> Any:
    return compute_forecast(session, caller, since, until)
