"""Dedup: scan for duplicates, merge, undo, silent customers. Thin: each route calls one service."""

from typing import Any

from fastapi import APIRouter, Query
from pydantic import ValidationError

from copilot.api.deps import CallerDep, ContextDep, SessionDep
from copilot.dedup import bulk, merge, service, silent
from copilot.dedup.models import BulkMergeRequest, MergeRequest, ScanRequest
from copilot.dedup.rules import Rules, default_rules
from copilot.dedup.scan import scan_records
from copilot.errors import InvalidInput

router = APIRouter(prefix="/dedup", tags=["dedup"])


@router.post("/scan", summary="Duplicate clusters with scores, field diffs, reasons and the duplicate rate")
def scan(body: ScanRequest, session: SessionDep, caller: CallerDep) -> Any:
    rules = _rules(body)
    if body.records is None:
        return service.scan_store(session, caller, body.entity, rules=rules, limit=body.limit)
    records = body.records
    result = scan_records(records, rules or default_rules(body.entity))
    return result.report(lambda indices: {i: records[i] for i in indices}, limit=body.limit)


def _rules(body: ScanRequest) -> Rules | None:
    if body.rules is None:
        return None
    try:
        return Rules.model_validate(body.rules)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise InvalidInput(f"rules: {where}: {err['msg']}", details={"field": f"rules.{where}"}) from exc


@router.post("/merge", summary="Merge duplicates into a master (managers and admins); undoable")
def merge_records(body: MergeRequest, session: SessionDep, caller: CallerDep) -> Any:
    return merge.merge(
        session, caller, body.entity, body.ids, master_id=body.master_id, reason=body.reason, score=body.score
    )


@router.post("/merge-clusters", summary="Bulk: preview or merge every cluster at or above a score")
def merge_clusters(body: BulkMergeRequest, context: ContextDep, caller: CallerDep) -> Any:
    return bulk.merge_clusters(
        context, caller, body.entity, min_score=body.min_score, apply=body.apply, reason=body.reason
    )


@router.post("/unmerge/{merge_id}", summary="Undo a merge exactly (managers and admins)")
def unmerge(merge_id: int, session: SessionDep, caller: CallerDep) -> Any:
    return merge.unmerge(session, caller, merge_id)


@router.get("/merges", summary="Recent merges, newest first (managers and admins)")
def merges(session: SessionDep, caller: CallerDep, limit: int = Query(50, ge=1, le=500)) -> Any:
    return merge.list_merges(session, caller, limit=limit)


@router.get("/silent", summary="Customers with no update and no activity for N days")
def silent_customers(
    session: SessionDep,
    caller: CallerDep,
    context: ContextDep,
    days: int | None = Query(None, ge=1, description="default COPILOT_SILENT_CUSTOMER_DAYS"),
) -> Any:
    return silent.silent_customers(session, caller, days=days or context.settings.silent_customer_days)
