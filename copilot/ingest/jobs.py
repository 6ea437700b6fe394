"""Background work of ingestion, run by the worker (in-process in `copilot serve`):

- `ingest.index`: index rows stored by a CLI ingest while the server owned the index;
- `ingest.optimize`: build HNSW after a large ingest (blocks for minutes at 100k points, so it
  never runs on a request);
- `ingest.resume` (periodic): finish or roll back documents an interrupted run left pending.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from copilot.bootstrap import AppContext
from copilot.db.schema import IndexDocumentRow
from copilot.ingest.report import IngestReport
from copilot.worker import Progress, every, register_job, register_periodic

INDEX_JOB = "ingest.index"  # payload {"signals": [...], "transcripts": [...], "contracts": [...]}


def run_index_job(context: AppContext, payload: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from copilot.ingest import service

    report = IngestReport(kind="index")
    if payload.get("signals"):
        service.index_signals(context, list(payload["signals"]), report)
    if payload.get("transcripts"):
        service.index_transcripts(context, list(payload["transcripts"]), report)
    if payload.get("contracts"):
        from copilot.ingest.contracts import index_contracts

        index_contracts(context, list(payload["contracts"]), report)
    if report.index_deferred:  # still busy: let the job be retried
        from copilot.errors import Unavailable

        raise Unavailable("the search index is open in another process", code="index_busy")
    return {"chunks": report.chunks}


def run_optimize_job(context: AppContext, payload: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from retrieval.index import get_store

    return {"optimized": get_store(context).optimize()}


def run_resume(context: AppContext) -> dict[str, Any] | None:
    with context.db.read() as session:
        pending = session.scalar(
            select(func.count()).select_from(IndexDocumentRow).where(IndexDocumentRow.state == "pending")
        )
    if not pending:
        return {"completed": 0, "rolled_back": 0}
    from retrieval.index import resume

    return resume(context)


def queue_signal_index(session: Any, caller: Any, row: Any) -> None:
    """A signal created through the records API or an import: the worker indexes it."""
    from copilot.worker import enqueue

    enqueue(session, INDEX_JOB, {"signals": [row.id]})


def register(context: AppContext) -> None:
    from copilot.records.service import register_after_create

    register_after_create("signal", queue_signal_index)
    register_job(INDEX_JOB, run_index_job)
    register_job("ingest.optimize", run_optimize_job)
    register_periodic("ingest.resume", every(timedelta(minutes=10)), run_resume)
