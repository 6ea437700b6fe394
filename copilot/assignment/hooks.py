"""Start-up registration (listed in copilot.bootstrap.ENGINE_MODULES): routing on arrival for every
writer, first contact from activities, and the SLA escalation as a periodic worker task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from copilot.bootstrap import AppContext

SLA_TASK = "assignment.sla"


def register(context: AppContext) -> None:
    from copilot.assignment.service import record_first_contact, route_new_lead
    from copilot.records.service import register_after_create
    from copilot.worker import every, register_periodic

    register_after_create("lead", route_new_lead)
    register_after_create("activity", record_first_contact)

    def sla(ctx: AppContext) -> dict[str, Any]:
        from copilot.assignment.sla import escalate

        with ctx.db.transaction() as session:
            return escalate(session, ctx.settings)

    register_periodic(SLA_TASK, every(timedelta(minutes=1)), sla)
