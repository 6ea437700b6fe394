"""Periodic trigger scan: every customer with fresh signals or activities, cards to owners' to-dos.

The brief evaluates triggers when it is opened; this scan makes cards reach a rep who has not
opened the brief yet (the seed's "the rep saw the download a day late"). It runs hourly under
`copilot worker` and on demand with `copilot triggers scan`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, union

from copilot import clock
from copilot.auth import system_caller
from copilot.bootstrap import AppContext
from copilot.db.schema import ActivityRow, CustomerRow, SignalRow
from copilot.models import Customer
from services.facts import load_facts
from services.signal_vectors import prime_matcher
from services.topics import default_matcher
from services.trigger_rules import effective_rules
from services.triggers import evaluate, record_cards

FRESH_DAYS = 2


def scan_all(context: AppContext, *, fresh_days: int = FRESH_DAYS) -> dict[str, Any]:
    now = clock.now()
    since = now - timedelta(days=fresh_days)
    caller = system_caller()
    matcher = default_matcher(context)
    with context.db.read() as session:
        ids = session.scalars(
            union(
                select(SignalRow.customer_id).where(
                    SignalRow.ingested_at >= since, SignalRow.customer_id.is_not(None)
                ),
                select(ActivityRow.customer_id).where(
                    ActivityRow.created_at >= since, ActivityRow.customer_id.is_not(None)
                ),
            )
        ).all()
        rules = effective_rules(session)
    new_cards = 0
    for customer_id in sorted(set(ids)):
        with context.db.transaction() as session:
            row = session.get(CustomerRow, customer_id)
            if row is None or row.merged_into_id is not None:
                continue
            facts = load_facts(session, caller, Customer.model_validate(row), now)
            prime_matcher(context, matcher, facts)  # stored signal vectors, not a re-embed per scan
            new_cards += record_cards(session, facts, evaluate(rules, facts, matcher, context.settings.zone))
    return {"customers": len(set(ids)), "new_cards": new_cards}


def register(context: AppContext) -> None:
    from copilot.worker import every, register_periodic

    register_periodic("triggers.scan", every(timedelta(hours=1)), scan_all)
