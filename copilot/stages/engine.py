"""Registers the stage engine with the worker: the timeout pass, every N minutes (from the
pipeline definition's `timeouts.check_every_minutes`, read at registration)."""

from __future__ import annotations

from datetime import timedelta

from copilot.bootstrap import AppContext


def register(context: AppContext) -> None:
    from copilot import worker
    from copilot.stages.definitions import default_pipeline
    from copilot.stages.timeouts import run_timeouts

    minutes = default_pipeline().timeouts.check_every_minutes
    worker.register_periodic("stages.timeouts", worker.every(timedelta(minutes=minutes)), run_timeouts)
