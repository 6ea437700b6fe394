"""The scheduler behind `copilot worker` (and the in-process worker of `copilot serve`).

Two kinds of work, both in the `jobs` table so that state survives restarts and two workers
never run the same thing twice:
- queued jobs (`enqueue(session, kind, payload)`), e.g. a voice note to transcribe; a worker
  claims one with a compare-and-set on `status` and a lease (`locked_until`), so a crashed
  worker's job is picked up again after the lease;
- periodic tasks (`register_periodic(name, every, func)`), e.g. SLA escalation every minute,
  the weekly report; each run is a job whose `dedupe_key` is the time slot, so a slot runs once.

Domains register handlers from their `register(context)` (listed in `copilot.bootstrap.ENGINE_MODULES`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.db.schema import JobRow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=30)
MAX_ATTEMPTS = 3

Progress = Callable[[float], None]
JobHandler = Callable[[AppContext, dict[str, Any], Progress], dict[str, Any] | None]
SlotFunction = Callable[[datetime, AppContext], str | None]


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    slot: SlotFunction  # the slot key that is due at this time, or None when nothing is due
    func: Callable[[AppContext], dict[str, Any] | None]


JOB_HANDLERS: dict[str, JobHandler] = {}
PERIODIC: dict[str, PeriodicTask] = {}


def register_job(kind: str, handler: JobHandler) -> None:
    JOB_HANDLERS[kind] = handler


def every(interval: timedelta) -> SlotFunction:
    """A slot per interval since the epoch: 'every 60 s' runs at most once per minute, cluster-wide."""
    seconds = int(interval.total_seconds())

    def slot(at: datetime, _: AppContext) -> str:
        return str(int(at.timestamp()) // seconds)

    return slot


def register_periodic(
    name: str, slot: SlotFunction, func: Callable[[AppContext], dict[str, Any] | None]
) -> None:
    PERIODIC[name] = PeriodicTask(name=name, slot=slot, func=func)


def enqueue(
    session: Any,
    kind: str,
    payload: dict[str, Any],
    *,
    run_after: datetime | None = None,
    dedupe_key: str | None = None,
) -> int:
    """Queue a job in the caller's transaction (so it exists only if the caller's change commits)."""
    row = JobRow(
        kind=kind, payload=payload, status="queued", run_after=run_after or now(), dedupe_key=dedupe_key
    )
    session.add(row)
    session.flush()
    return row.id


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _enqueue_due_periodic(context: AppContext) -> None:
    at = now()
    for task in PERIODIC.values():
        slot = task.slot(at, context)
        if slot is None:
            continue
        try:
            with context.db.transaction() as session:
                enqueue(session, f"periodic:{task.name}", {}, dedupe_key=f"{task.name}@{slot}")
        except IntegrityError:
            pass  # this slot is already queued or done (another worker, or an earlier pass)


def claim_next(context: AppContext, me: str) -> JobRow | None:
    """Take one due job: compare-and-set on status, so of two workers only one wins it."""
    at = now()
    with context.db.transaction() as session:
        candidates = session.scalars(
            select(JobRow.id)
            .where(
                ((JobRow.status == "queued") & (JobRow.run_after <= at))
                | ((JobRow.status == "running") & (JobRow.locked_until < at))
            )
            .order_by(JobRow.run_after, JobRow.id)
            .limit(5)
        ).all()
        for job_id in candidates:
            claimed = session.execute(
                update(JobRow)
                .where(
                    JobRow.id == job_id,
                    (
                        (JobRow.status == "queued")
                        | ((JobRow.status == "running") & (JobRow.locked_until < at))
                    ),
                )
                .values(status="running", locked_by=me, locked_until=at + LEASE, attempts=JobRow.attempts + 1)
            )
            if claimed.rowcount == 1:
                return session.get(JobRow, job_id)
    return None


def _run_job(context: AppContext, job: JobRow) -> None:
    def progress(fraction: float) -> None:
        with context.db.transaction() as session:
            session.execute(
                update(JobRow).where(JobRow.id == job.id).values(progress=max(0.0, min(1.0, fraction)))
            )

    try:
        if job.kind.startswith("periodic:"):
            task = PERIODIC.get(job.kind.removeprefix("periodic:"))
            if task is None:
                raise LookupError(f"no periodic task {job.kind}")
            result = task.func(context)
        else:
            handler = JOB_HANDLERS.get(job.kind)
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            result = handler(context, job.payload or {}, progress)
        values: dict[str, Any] = {
            "status": "done",
            "progress": 1.0,
            "result": result,
            "finished_at": now(),
            "error": None,
        }
    except Exception as exc:  # a failed job records why; it never takes the worker down
        log.exception("job %s (%s) failed", job.id, job.kind)
        retry = job.attempts < MAX_ATTEMPTS and not isinstance(exc, LookupError | ValueError)
        values = {
            "status": "queued" if retry else "failed",
            "error": f"{exc.__class__.__name__}: {exc}\n{traceback.format_exc(limit=3)}",
            "run_after": now() + timedelta(seconds=30 * job.attempts),
            "finished_at": None if retry else now(),
        }
    with context.db.transaction() as session:
        session.execute(update(JobRow).where(JobRow.id == job.id).values(**values))


def run_once(context: AppContext, *, me: str | None = None, max_jobs: int = 100) -> int:
    """One pass: enqueue due periodic slots, then run up to `max_jobs` due jobs. Returns jobs run."""
    me = me or worker_id()
    _enqueue_due_periodic(context)
    ran = 0
    while ran < max_jobs:
        job = claim_next(context, me)
        if job is None:
            break
        _run_job(context, job)
        ran += 1
    return ran


def run_forever(context: AppContext, stop: threading.Event, *, poll_seconds: float = 2.0) -> None:
    me = worker_id()
    log.info("worker %s started", me)
    while not stop.is_set():
        try:
            ran = run_once(context, me=me)
        except Exception:  # the database may be briefly unavailable; keep going
            log.exception("worker pass failed")
            ran = 0
        if not ran:
            stop.wait(poll_seconds)
    log.info("worker %s stopped", me)


def start_in_thread(context: AppContext) -> tuple[threading.Thread, threading.Event]:
    """The worker inside `copilot serve`: the server owns the embedded index, so its worker runs here."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(context, stop), name="copilot-worker", daemon=True)
    thread.start()
    return thread, stop
