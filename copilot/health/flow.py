"""Lead flow: received → validated → graded → routed → visible to the owner → first contact.

Every lead that leaves the flow is counted as a drop at the step it failed, with a reason (and
the routing rule when a rule was involved), so each number opens onto its leads and traces. Routing
is judged by the lead's FIRST decision: leads stranded on arrival and rescued later (the seeds'
417 leads sent to an empty team) are a drop with their reason, and the drop says how many were
recovered later.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.clock import now
from copilot.config import Settings
from copilot.db.schema import LeadRow, UserRow
from copilot.errors import InvalidInput
from copilot.health import sources
from copilot.health.checks import trace_reason
from copilot.health.metrics import build_predicate, load_definitions

STEPS = ["received", "validated", "graded", "routed", "visible", "first_contact"]
STEP_LABELS = {
    "received": "收到 received",
    "validated": "有效 validated",
    "graded": "已分级 graded",
    "routed": "已分配 routed",
    "visible": "负责人可见 visible to owner",
    "first_contact": "首次联系 first contact",
}
VALIDATION_PREDICATES = ["test_email", "phone_invalid", "phone_placeholder"]
ROW_CAP = 200


def _first_decisions(
    session: Session, lead_ids: set[int], start: datetime
) -> tuple[dict[int, list[Any]] | None, str | None]:
    trace, why = sources.trace_table(session)
    if trace is None:
        return None, why
    by_lead: dict[int, list[Any]] = defaultdict(list)
    for row in session.execute(
        select(trace.id, trace.lead_id, trace.outcome, trace.rule_id, trace.steps, trace.at, trace.mode)
        .join(LeadRow, LeadRow.id == trace.lead_id)
        .where(LeadRow.created_at >= start)
        .order_by(trace.lead_id, trace.at, trace.id)
    ):
        if row.lead_id in lead_ids:
            by_lead[row.lead_id].append(row)
    return by_lead, None


def classify(session: Session, caller: auth.Caller, settings: Settings, start: datetime) -> dict[str, Any]:
    """Each lead since `start` with the step it reached and, if it dropped, why."""
    if start > now():
        raise InvalidInput("since is in the future", details={"field": "since"})
    leads = session.execute(
        select(
            LeadRow.id,
            LeadRow.external_id,
            LeadRow.company,
            LeadRow.source,
            LeadRow.phone,
            LeadRow.email,
            LeadRow.status,
            LeadRow.invalid_reason,
            LeadRow.grade,
            LeadRow.owner_id,
            LeadRow.created_at,
            LeadRow.assigned_at,
            LeadRow.first_contact_at,
        )
        .where(LeadRow.created_at >= start, auth.lead_scope(caller))
        .order_by(LeadRow.created_at, LeadRow.id)
    ).all()
    data = load_definitions()
    checks = {
        k: (build_predicate(k, data["predicates"][k]), data["predicates"][k]["reason"])
        for k in VALIDATION_PREDICATES
    }
    users = {u.id: u for u in session.execute(select(UserRow.id, UserRow.login, UserRow.active))}
    decisions, why_no_traces = _first_decisions(session, {lead.id for lead in leads}, start)
    sla = timedelta(hours=settings.lead_first_contact_sla_hours)
    at = now()
    out = []
    for lead in leads:
        history = (decisions or {}).get(lead.id, [])
        first = history[0] if history else None
        entry: dict[str, Any] = {
            "lead": lead,
            "reached": "received",
            "drop": None,
            "first": first,
            "history": history,
        }
        drop = _drop(lead, first, history, decisions is not None, checks, users, sla, at)
        entry["drop"] = drop
        entry["reached"] = STEPS[STEPS.index(drop["step"]) - 1] if drop else "first_contact"
        out.append(entry)
    return {"leads": out, "traces_note": why_no_traces}


def _drop(
    lead: Any,
    first: Any,
    history: list[Any],
    have_traces: bool,
    checks: dict[str, Any],
    users: dict[int, Any],
    sla: timedelta,
    at: datetime,
) -> dict[str, Any] | None:
    if lead.status == "invalid":
        return {
            "step": "validated",
            "reason": f"marked invalid: {lead.invalid_reason or 'no reason given'}",
            "rule": None,
        }
    for predicate, label in checks.values():
        if predicate(lead, at):
            return {"step": "validated", "reason": label, "rule": None}
    graded = lead.grade is not None or (first is not None and (first.steps or {}).get("grade") is not None)
    if not graded:
        return {"step": "graded", "reason": "no grade and no grading decision", "rule": None}
    if have_traces:
        if first is None:
            if lead.owner_id is None:
                return {"step": "routed", "reason": "no routing decision and no owner", "rule": None}
        elif first.outcome not in ("assigned", "kept"):
            recovered = any(h.outcome in ("assigned", "kept", "fallback") for h in history[1:])
            return {
                "step": "routed",
                "reason": trace_reason(first.outcome, first.steps or {}),
                "rule": first.rule_id or ((first.steps or {}).get("matched_rule")),
                "recovered_later": recovered,
            }
    elif lead.owner_id is None:
        return {"step": "routed", "reason": "no owner (routing traces not available)", "rule": None}
    owner = users.get(lead.owner_id) if lead.owner_id else None
    if owner is None:
        return {"step": "visible", "reason": "no owner now", "rule": None}
    if not owner.active:
        return {"step": "visible", "reason": f"owner {owner.login} is inactive", "rule": None}
    if lead.first_contact_at is None:
        since = lead.assigned_at or lead.created_at
        late = at - since > sla
        return {
            "step": "first_contact",
            "reason": f"no first contact, past the {sla.total_seconds() / 3600:g} h SLA"
            if late
            else "no first contact yet, inside the SLA",
            "rule": None,
        }
    return None


def lead_flow(session: Session, caller: auth.Caller, settings: Settings, start: datetime) -> dict[str, Any]:
    """Counts per step and drops by reason; each drop carries the link to its leads."""
    result = classify(session, caller, settings, start)
    entries = result["leads"]
    reached = {step: 0 for step in STEPS}
    drops: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    for e in entries:
        index = STEPS.index(e["reached"])
        for step in STEPS[: index + 1]:
            reached[step] += 1
        d = e["drop"]
        if d:
            key = (d["step"], d["reason"], d["rule"])
            slot = drops.setdefault(
                key,
                {
                    "step": d["step"],
                    "reason": d["reason"],
                    "rule": d["rule"],
                    "count": 0,
                    "recovered_later": 0,
                    "lead_ids": [],
                },
            )
            slot["count"] += 1
            slot["recovered_later"] += int(bool(d.get("recovered_later")))
            if len(slot["lead_ids"]) < 50:
                slot["lead_ids"].append(e["lead"].id)
    # every lead whose first routing decision failed, whether or not an earlier step dropped it
    # (a test lead stranded with the rest still counts here): the routing engine's own tally
    stranded: dict[tuple[str, str | None], dict[str, Any]] = {}
    for e in entries:
        first = e["first"]
        if first is None or first.outcome in ("assigned", "kept"):
            continue
        rule = first.rule_id or (first.steps or {}).get("matched_rule")
        reason = trace_reason(first.outcome, first.steps or {})
        slot = stranded.setdefault(
            (reason, rule),
            {"reason": reason, "rule": rule, "count": 0, "dropped_earlier": 0, "recovered_later": 0},
        )
        slot["count"] += 1
        slot["dropped_earlier"] += int(
            e["drop"] is not None and STEPS.index(e["drop"]["step"]) < STEPS.index("routed")
        )
        slot["recovered_later"] += int(
            any(h.outcome in ("assigned", "kept", "fallback") for h in e["history"][1:])
        )
    since_text = start.isoformat()
    steps = []
    for step in STEPS:
        step_drops = sorted((d for d in drops.values() if d["step"] == step), key=lambda d: -d["count"])
        for d in step_drops:
            d["drill"] = _drill_link(since_text, step, d["reason"])
        steps.append({"step": step, "label": STEP_LABELS[step], "count": reached[step], "drops": step_drops})
    return {
        "since": since_text,
        "as_of": now().isoformat(),
        "received": len(entries),
        "steps": steps,
        "first_routing_failures": sorted(stranded.values(), key=lambda d: -d["count"]),
        "notes": [result["traces_note"]] if result["traces_note"] else [],
    }


def _drill_link(since: str, step: str, reason: str) -> str:
    from urllib.parse import urlencode

    return "/leads/flow/leads?" + urlencode({"since": since, "step": step, "reason": reason})


def drop_leads(
    session: Session,
    caller: auth.Caller,
    settings: Settings,
    start: datetime,
    step: str,
    reason: str | None,
    limit: int = ROW_CAP,
) -> dict[str, Any]:
    """The leads behind one drop (or every drop of a step), each with its routing traces."""
    if step not in STEPS:
        raise InvalidInput(f"step must be one of {', '.join(STEPS)}, got {step!r}", details={"field": "step"})
    entries = [
        e
        for e in classify(session, caller, settings, start)["leads"]
        if e["drop"] and e["drop"]["step"] == step and reason in (None, e["drop"]["reason"])
    ]
    rows = []
    for e in entries[:limit]:
        lead = e["lead"]
        rows.append(
            {
                "lead_id": lead.id,
                "external_id": lead.external_id,
                "company": lead.company,
                "source": lead.source,
                "created_at": lead.created_at.isoformat(),
                "reason": e["drop"]["reason"],
                "rule": e["drop"]["rule"],
                "recovered_later": e["drop"].get("recovered_later", False),
                "trace": f"/leads/{lead.id}/trace",
                "traces": [
                    {
                        "at": h.at.isoformat(),
                        "mode": h.mode,
                        "outcome": h.outcome,
                        "rule_id": h.rule_id,
                        "summary": (h.steps or {}).get("summary"),
                    }
                    for h in e["history"]
                ],
            }
        )
    return {"since": start.isoformat(), "step": step, "reason": reason, "total": len(entries), "leads": rows}
