"""Registers the stage engine at start-up (listed in `copilot.bootstrap.ENGINE_MODULES`):
- the worker's timeout pass, every N minutes (`timeouts.check_every_minutes` of the default
  definition, read at registration);
- a rule on every writer that creates opportunities (API, import, demo): the stage must be one
  the pipeline in force defines. (Creation at a later stage stays possible for migrations from
  another CRM; a `won` created that way has no payment and shows as won-unconfirmed.)
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from copilot.auth import Caller
from copilot.bootstrap import AppContext
from copilot.db.schema import Base, OpportunityRow
from copilot.errors import InvalidInput


def known_stage(session: Session, caller: Caller, row: Base) -> None:
    from copilot.stages.definitions import active_pipeline

    assert isinstance(row, OpportunityRow)
    pipeline = session.info.get("stages.pipeline")
    if pipeline is None:  # one lookup per unit of work, not per row of a bulk load
        pipeline = session.info["stages.pipeline"] = active_pipeline(session)
    if row.stage not in pipeline.keys:
        raise InvalidInput(
            f"unknown stage {row.stage!r}; the stages are {' → '.join(pipeline.keys)}",
            details={"field": "stage", "value": row.stage, "allowed": pipeline.keys},
        )


def register(context: AppContext) -> None:
    from copilot import worker
    from copilot.records.service import register_after_create
    from copilot.stages.definitions import default_pipeline
    from copilot.stages.timeouts import run_timeouts

    minutes = default_pipeline().timeouts.check_every_minutes
    worker.register_periodic("stages.timeouts", worker.every(timedelta(minutes=minutes)), run_timeouts)
    register_after_create("opportunity", known_stage)
