"""Contract review API: upload, review, legal's queue, flag actions, status, exports, playbook."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, File, Form, Query, UploadFile
from fastapi.responses import Response

from copilot.api.deps import CallerDep, ContextDep, SessionDep
from copilot.errors import InvalidInput, PayloadTooLarge
from services import contract_queue as queue

router = APIRouter(tags=["contracts"])


@router.post("/contracts", status_code=201, summary="Upload a contract (PDF or DOCX) and review it")
async def upload_contract(
    context: ContextDep,
    caller: CallerDep,
    session: SessionDep,
    file: UploadFile = File(..., description="PDF (text layer or scanned) or DOCX"),
    customer_id: int | None = Form(None),
    opportunity_id: int | None = Form(None),
    title: str | None = Form(None),
    password: str | None = Form(None, description="Password of an encrypted PDF"),
) -> Any:
    if not file.filename:
        raise InvalidInput("the upload has no file name", details={"field": "file"})
    limit = context.settings.upload_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(
            f"the upload is larger than {limit} bytes", details={"field": "file", "limit": limit}
        )
    return queue.submit_contract(
        session, context.settings, caller, data, file.filename,
        customer_id=customer_id, opportunity_id=opportunity_id, title=title, password=password,
        embedder=lambda: context.adapter("embedder", _embedder(context)),
    )  # fmt: skip


def _embedder(context: Any) -> Any:
    def load() -> Any:
        from retrieval.embedder import get_embedder

        return get_embedder(context.settings.embed_model)

    return load


@router.get("/contracts", summary="Contracts you may see, with their status")
def list_contracts(caller: CallerDep, session: SessionDep) -> Any:
    return queue.list_contracts(session, caller)


@router.get("/contracts/review-queue", summary="Legal's queue: contracts awaiting review, riskiest first")
def review_queue(caller: CallerDep, session: SessionDep) -> Any:
    return queue.review_queue(session, caller)


@router.get("/contracts/playbook", summary="The active playbook and its versions")
def get_playbook(caller: CallerDep, session: SessionDep) -> Any:
    playbook = queue.active_playbook(session)
    return {"active": playbook.model_dump(), "versions": queue.playbook_versions(session)}


@router.put("/contracts/playbook", summary="Publish a new playbook version (admin; YAML body)")
def put_playbook(
    caller: CallerDep, session: SessionDep, body: str = Body(..., media_type="application/yaml")
) -> Any:
    playbook = queue.publish_playbook(session, caller, body)
    return {"version": playbook.version, "kinds": len(playbook.kinds)}


@router.get("/contracts/{contract_id}/review", summary="A contract's flags, missing clauses and summary")
def get_review(contract_id: int, caller: CallerDep, session: SessionDep) -> Any:
    return queue.contract_view(session, caller, contract_id)


@router.post(
    "/contracts/{contract_id}/flags/{flag_id}/{action}", summary="accept | dismiss | comment | reopen a flag"
)
def flag_action(
    contract_id: int,
    flag_id: str,
    action: str,
    caller: CallerDep,
    session: SessionDep,
    payload: dict[str, Any] | None = Body(
        None, examples=[{"reason": "standard in this customer's framework agreement"}]
    ),
) -> Any:
    payload = payload or {}
    text = str(payload.get("reason") or payload.get("text") or "")
    return queue.act_on_flag(session, caller, contract_id, flag_id, action, text)


@router.post(
    "/contracts/{contract_id}/status", summary="Move a contract: in_review, negotiating, approved, rejected"
)
def set_status(
    contract_id: int, caller: CallerDep, session: SessionDep, payload: dict[str, Any] = Body(...)
) -> Any:
    if "status" not in payload:
        raise InvalidInput("status is required", details={"field": "status"})
    return queue.set_status(
        session, caller, contract_id, str(payload["status"]), str(payload.get("reason") or "")
    )


@router.get(
    "/contracts/{contract_id}/export", summary="Issues list as csv or md, or a DOCX with Word comments"
)
def export(
    contract_id: int,
    caller: CallerDep,
    session: SessionDep,
    format: str = Query("csv", pattern="^(csv|md|docx)$"),
) -> Response:
    from services import contract_export

    view = queue.contract_view(session, caller, contract_id)
    if "flags" not in view:
        queue.contract_file(session, caller, contract_id)  # raises Forbidden for reps
    name = f"contract-{contract_id}-review"
    if format == "csv":
        return Response(
            contract_export.issues_csv(view),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "md":
        return Response(contract_export.issues_markdown(view), media_type="text/markdown; charset=utf-8")
    from extractors.clauses import segment_clauses
    from extractors.documents import read_document

    path, file_name = queue.contract_file(session, caller, contract_id)
    clauses = segment_clauses(read_document(path, name=file_name))
    return Response(
        contract_export.review_docx(view, clauses),
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"content-disposition": f'attachment; filename="{name}.docx"'},
    )


@router.get("/contracts/{contract_id}/pages/{page}.png", summary="A page of the contract rendered as PNG")
def page_image(
    contract_id: int,
    page: int,
    caller: CallerDep,
    session: SessionDep,
    scale: float = Query(1.5, ge=0.5, le=3),
) -> Response:
    from services.contract_render import render_page_png

    path, _ = queue.contract_file(session, caller, contract_id)
    return Response(
        render_page_png(path, page, scale=scale),
        media_type="image/png",
        headers={"cache-control": "private, max-age=3600"},
    )
