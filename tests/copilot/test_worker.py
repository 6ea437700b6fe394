"""The worker: queued jobs run once, periodic slots run once even with two workers, failures are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from copilot import clock, worker
from copilot.db.schema import JobRow


def test_job_runs_once_and_records_result(any_context, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # engines register periodic tasks at start-up (SLA escalation, stage timeouts ...);
    # this test counts queued jobs only
    monkeypatch.setattr(worker, "PERIODIC", {})
    calls: list[dict] = []
    worker.register_job(
        "test.echo", lambda ctx, payload, progress: calls.append(payload) or {"echo": payload["n"]}
    )
    with any_context.db.transaction() as session:
        job_id = worker.enqueue(session, "test.echo", {"n": 7})
    assert worker.run_once(any_context, me="w1") == 1
    assert worker.run_once(any_context, me="w2") == 0
    with any_context.db.read() as session:
        job = session.get(JobRow, job_id)
        assert job.status == "done" and job.result == {"echo": 7}
    assert calls == [{"n": 7}]


def test_periodic_slot_runs_once_across_two_workers(context) -> None:  # type: ignore[no-untyped-def]
    runs: list[int] = []
    worker.register_periodic(
        "test.tick", worker.every(timedelta(minutes=5)), lambda ctx: runs.append(1) or {}
    )
    at = datetime(2026, 11, 24, 8, 1, tzinfo=UTC)
    with clock.pinned(at):
        worker.run_once(context, me="w1")
        worker.run_once(context, me="w2")
    with clock.pinned(at + timedelta(minutes=5)):
        worker.run_once(context, me="w1")
    worker.PERIODIC.pop("test.tick")
    assert len(runs) == 2


def test_failing_job_is_retried_then_failed_with_reason(context) -> None:  # type: ignore[no-untyped-def]
    def boom(ctx, payload, progress):  # type: ignore[no-untyped-def]
        raise RuntimeError("decoder exploded")

    worker.register_job("test.boom", boom)
    t = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    # queued on the pinned clock too: a job queued at the real "now" is not due at a pinned past
    # time (this test failed on the day its pinned date came round)
    with clock.pinned(t), context.db.transaction() as session:
        job_id = worker.enqueue(session, "test.boom", {})
    for attempt in range(worker.MAX_ATTEMPTS):
        with clock.pinned(t + timedelta(minutes=10 * attempt)):
            worker.run_once(context)
    with context.db.read() as session:
        job = session.scalar(select(JobRow).where(JobRow.id == job_id))
        assert (
            job.status == "failed" and "decoder exploded" in job.error and job.attempts == worker.MAX_ATTEMPTS
        )
