"""`POST /ingest/{kind}`, `GET /search`, `GET /customers/{id}/signals` (the signal wall).

(No `from __future__ import annotations`: FastAPI reads the annotations.)
"""

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from copilot.api.deps import CallerDep, ContextDep, SessionDep
from copilot.db.schema import SignalRow
from copilot.errors import InvalidInput
from copilot.ingest.report import IngestReport
from copilot.models import Page, Role, Signal
from copilot.records import service as records
from copilot.records.specs import SPECS

router = APIRouter(tags=["ingest and search"])

KINDS = ("signals", "transcripts", "contracts")
MAX_FILES = 200


class SearchResults(BaseModel):
    results: list[dict[str, Any]] = Field(
        description="Best first; each with score, customer, source, url or file, occurred_at and the quote."
    )


async def _files_from_request(request: Request, limit: int) -> list[tuple[str, bytes]]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        files: list[tuple[str, bytes]] = []
        for upload in form.getlist("file") + form.getlist("files"):
            if isinstance(upload, str):
                raise InvalidInput("the 'file' form field must be a file upload", details={"field": "file"})
            data = await upload.read()
            if len(data) > limit:
                raise InvalidInput(
                    f"{upload.filename} is larger than {limit} bytes", details={"field": "file"}
                )
            files.append((upload.filename or "upload", data))
        if not files:
            raise InvalidInput("send one or more files in the 'file' form field", details={"field": "file"})
        if len(files) > MAX_FILES:
            raise InvalidInput(f"at most {MAX_FILES} files per request", details={"field": "file"})
        return files
    if content_type.startswith("application/json"):
        import json

        try:
            body = await request.json()
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"the body is not JSON: {exc.msg}", details={"field": "body"}) from exc
        items = body.get("items") if isinstance(body, dict) else body
        if not isinstance(items, list) or not items:
            raise InvalidInput(
                'send {"items": [ ... ]}: a non-empty list of objects', details={"field": "items"}
            )
        lines = "\n".join(json.dumps(item, ensure_ascii=False) for item in items)
        return [("request.jsonl", lines.encode())]
    raise InvalidInput(
        "send multipart/form-data (field 'file') or application/json ({\"items\": [...]})",
        details={"field": "content-type", "value": content_type},
    )


@router.post(
    "/ingest/{kind}",
    response_model=IngestReport,
    summary="Ingest public signals or call transcripts (multipart files or JSON items)",
    description=(
        "kind: signals (JSONL, RSS/Atom, saved HTML; JSON items are signal objects) or transcripts "
        "(text, `Speaker: text`, SRT, WebVTT, JSONL; JSON items have turns or text). Bad files and "
        "lines are listed in `rejected` with the reason; the rest is ingested and indexed. contracts: PDF files "
        "(multipart only); clauses are indexed with page and bbox; non-PDF, encrypted, empty and scanned files are rejected."
    ),
)
async def ingest(
    kind: Literal["signals", "transcripts", "contracts"],
    request: Request,
    context: ContextDep,
    caller: CallerDep,
    type: str | None = Query(None, description="signals: the type of feed items/pages that do not say"),
    customer_id: int | None = Query(
        None, description="transcripts: the customer, when the files do not name one"
    ),
) -> Any:
    from starlette.concurrency import run_in_threadpool

    from copilot.ingest import service

    files = await _files_from_request(request, context.settings.upload_max_bytes)
    if kind == "signals":
        caller.require(Role.manager, Role.admin)
        return await run_in_threadpool(service.ingest_signal_files, context, files, default_type=type)
    if customer_id is not None:
        with context.db.read() as session:
            records.get_row(session, caller, SPECS["customers"], customer_id)  # visible to the caller?
    if kind == "contracts":
        from copilot.ingest.contracts import ingest_contract_files

        if request.headers.get("content-type", "").startswith("application/json"):
            raise InvalidInput(
                "contracts are uploaded as multipart files (field 'file')", details={"field": "file"}
            )
        return await run_in_threadpool(ingest_contract_files, context, files, customer_id=customer_id)
    return await run_in_threadpool(service.ingest_transcript_files, context, files, customer_id=customer_id)


@router.get(
    "/search",
    response_model=SearchResults,
    summary="Hybrid (dense + BM25) search over signals, transcripts and contracts the caller may see",
)
def search_route(
    context: ContextDep,
    caller: CallerDep,
    q: str = Query(..., description="The query, Chinese or English"),
    customer_id: int | None = Query(None),
    source: list[str] | None = Query(None, description="Repeatable"),
    kind: list[str] | None = Query(None, description="signal, transcript, contract; repeatable"),
    since: datetime | None = Query(None),
    until: datetime | None = Query(None),
    limit: int = Query(10, ge=1, le=100),
    mode: Literal["hybrid", "dense", "sparse"] = Query("hybrid"),
) -> Any:
    from retrieval.search import hits_as_json, search

    hits = search(
        context,
        q,
        customer_id=customer_id,
        sources=source,
        kinds=kind,
        since=since,
        until=until,
        caller=caller,
        limit=limit,
        mode=mode,
    )
    return hits_as_json(hits)


@router.get(
    "/customers/{customer_id}/signals",
    response_model=Page[Signal],
    summary="The signal wall of a customer, newest first",
)
def customer_signals(
    customer_id: int,
    session: SessionDep,
    caller: CallerDep,
    type: list[str] | None = Query(
        None, description="tender, news, registry_change, wechat_article, web_event"
    ),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> Any:
    records.get_row(session, caller, SPECS["customers"], customer_id)
    where = [SignalRow.customer_id == customer_id]
    if type:
        where.append(SignalRow.type.in_(type))
    total = session.scalar(select(func.count()).select_from(SignalRow).where(*where)) or 0
    rows = session.scalars(
        select(SignalRow)
        .where(*where)
        .order_by(SignalRow.occurred_at.desc().nulls_last(), SignalRow.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return Page[Signal](
        items=[Signal.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )
