"""`GET /assignment/stats`: assignment success rate, time to first contact, invalid rate by source.

Definitions (口径) are stated in the output: success = a routing decision that left the lead with an
owner (by rule, kept or fallback) among routing decisions in the window; time to first contact =
first call/visit/wechat/email/meeting minus arrival, for leads that arrived in the window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot.clock import now
from copilot.db.schema import LeadRow, TraceRow


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def assignment_stats(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    until = until or now()
    since = since or until - timedelta(days=30)
    outcomes = dict(
        session.execute(
            select(TraceRow.outcome, func.count())
            .where(TraceRow.at >= since, TraceRow.at < until)
            .group_by(TraceRow.outcome)
        ).all()
    )
    decided = sum(outcomes.values())
    placed = outcomes.get("assigned", 0) + outcomes.get("fallback", 0) + outcomes.get("kept", 0)
    leads = session.execute(
        select(
            LeadRow.source,
            LeadRow.status,
            LeadRow.invalid_reason,
            LeadRow.owner_id,
            LeadRow.created_at,
            LeadRow.assigned_at,
            LeadRow.first_contact_at,
        ).where(LeadRow.created_at >= since, LeadRow.created_at < until)
    ).all()
    to_contact = [
        (r.first_contact_at - r.created_at).total_seconds() / 3600 for r in leads if r.first_contact_at
    ]
    to_assign = [
        max(0.0, (r.assigned_at - r.created_at).total_seconds() / 3600) for r in leads if r.assigned_at
    ]
    by_source: dict[str, dict[str, Any]] = {}
    for r in leads:
        s = by_source.setdefault(r.source, {"leads": 0, "invalid": 0, "reasons": {}})
        s["leads"] += 1
        if r.status == "invalid":
            s["invalid"] += 1
            reason = r.invalid_reason or "(none)"
            s["reasons"][reason] = s["reasons"].get(reason, 0) + 1
    for s in by_source.values():
        s["invalid_rate"] = round(s["invalid"] / s["leads"], 4) if s["leads"] else 0.0
    return {
        "window": {"since": since, "until": until},
        "definitions": {
            "success_rate": "routing decisions in the window that left the lead with an owner (rule, kept or fallback) / all routing decisions in the window",
            "time_to_first_contact_hours": "first call/visit/wechat/email/meeting minus arrival, leads arrived in the window",
            "invalid_rate": "leads marked invalid / leads arrived in the window, per source",
        },
        "routing": {
            "decisions": decided,
            "outcomes": outcomes,
            "success_rate": round(placed / decided, 4) if decided else None,
            "fallback_share": round(outcomes.get("fallback", 0) / decided, 4) if decided else None,
        },
        "leads": {
            "arrived": len(leads),
            "with_owner": sum(1 for r in leads if r.owner_id is not None),
            "contacted": len(to_contact),
        },
        "time_to_assign_hours": {
            "median": round(median(to_assign), 3) if to_assign else None,
            "p90": _quantile(to_assign, 0.9),
        },
        "time_to_first_contact_hours": {
            "median": round(median(to_contact), 2) if to_contact else None,
            "p90": _quantile(to_contact, 0.9),
        },
        "invalid_by_source": dict(sorted(by_source.items())),
    }
