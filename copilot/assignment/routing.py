"""Routing leads for real: decide, draw round-robin turns from the database, write owner and trace.

`route_rows` is the one path: the arrival hook passes one row, bulk re-routing and the demo pass
thousands. Decisions are made against one organisation snapshot, round-robin turns are reserved in
blocks per counter (disjoint across concurrent workers), then leads and traces are written in bulk.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from copilot.assignment import engine, store
from copilot.assignment.engine import Decision
from copilot.assignment.people import OrgSnapshot
from copilot.assignment.rules import RuleSet, Strategy
from copilot.clock import now
from copilot.db.schema import LeadRow, RuleVersionRow, TraceRow


def decide_all(
    rule_set: RuleSet,
    org: OrgSnapshot,
    customers: engine.CustomerOwners,
    leads: list[dict[str, Any]],
    *,
    counters: Any,
    loads: Any,
    keep_owner: bool = False,
) -> list[Decision]:
    """Decide every lead; `counters(key, n) -> first turn` reserves round-robin turns.

    Pass one decides rules and pools; turns for each counter are then reserved as one block, and
    pass two completes the picks in lead order (least-loaded counts each pick as it goes).
    """
    decisions = [engine.decide(rule_set, org, customers, lead, keep_owner=keep_owner) for lead in leads]
    needed: Counter[str] = Counter(
        d.pending.key for d in decisions if d.pending is not None and d.pending.key is not None
    )
    next_turn = {key: counters(key, n) for key, n in sorted(needed.items())}
    if callable(loads):  # read open-lead counts once, only for the people a least-loaded pick may choose
        ids = sorted(
            {
                p.id
                for d in decisions
                if d.pending is not None and d.pending.strategy == Strategy.least_loaded
                for p in d.pending.pool.candidates
            }
        )
        loads = loads(ids) if ids else {}
    for decision in decisions:
        pending = decision.pending
        if pending is None:
            engine.finish(decision)
        elif pending.strategy == Strategy.least_loaded:
            engine.finish(decision, loads=loads)
        else:
            assert pending.key is not None
            engine.finish(decision, counter=next_turn[pending.key])
            next_turn[pending.key] += 1
        if decision.owner is not None and decision.outcome != "kept":
            loads[decision.owner.id] = loads.get(decision.owner.id, 0) + 1
    return decisions


def route_rows(
    session: Session,
    rows: list[Any],
    *,
    version: RuleVersionRow | store.VersionRef,
    mode: str,
    at: datetime | None = None,
    keep_owner: bool = False,
    org: OrgSnapshot | None = None,
    at_arrival: bool = False,
) -> list[Decision]:
    """Route lead rows (ORM rows or id-bearing row tuples) and write owners and traces in the caller's transaction."""
    if not rows:
        return []
    rule_set = store.compiled(version, session)
    org = org or store.load_org(session)
    leads = [store.lead_dict(r) for r in rows]
    if at_arrival:  # replaying history (demo): each lead is routed at the time it arrived
        for lead in leads:
            lead["_at"] = lead["created_at"]
    decisions = decide_all(
        rule_set,
        org,
        store.DbCustomerOwners(session),
        leads,
        counters=lambda key, n: store.advance_counter(session, key, n),
        loads=lambda ids: store.open_loads(session, ids),
        keep_owner=keep_owner,
    )
    write(session, leads, decisions, version_id=version.id, mode=mode, at=at, org=org)
    for row in rows:
        if isinstance(row, LeadRow):
            session.expire(row, ["owner_id", "department_id", "assigned_at", "status", "grade"])
    return decisions


def write(
    session: Session,
    leads: list[dict[str, Any]],
    decisions: list[Decision],
    *,
    version_id: int | None,
    mode: str,
    at: datetime | None,
    org: OrgSnapshot,
) -> None:
    """Owner, department, status, grade and assigned_at on each lead; one trace row each (bulk)."""
    at = at or now()
    lead_updates: list[dict[str, Any]] = []
    traces: list[dict[str, Any]] = []
    for lead, decision in zip(leads, decisions, strict=True):
        values: dict[str, Any] = {"id": lead["id"]}
        if decision.grade != lead.get("grade"):
            values["grade"] = decision.grade
        if decision.owner is not None and decision.outcome != "kept":
            values.update(
                owner_id=decision.owner.id,
                department_id=decision.owner.department_id or lead.get("department_id"),
                assigned_at=lead.get("_at") or at,
            )
            if lead.get("status") in (None, "new"):
                values["status"] = "assigned"
        elif decision.outcome == "kept" and lead.get("status") in (None, "new"):
            values.update(status="assigned", assigned_at=lead.get("_at") or at)
        if len(values) > 1:
            lead_updates.append(values)
        traces.append(
            {
                "lead_id": lead["id"],
                "version_id": version_id,
                "mode": mode,
                "outcome": decision.outcome,
                "rule_id": decision.rule_id,
                "owner_id": decision.owner_id,
                "department_id": decision.owner.department_id
                if decision.owner
                else lead.get("department_id"),
                "grade": decision.grade,
                "steps": decision.steps,
                "at": lead.get("_at") or at,
            }
        )
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for values in lead_updates:
        by_columns[tuple(sorted(values))].append(values)
    for group in by_columns.values():
        session.execute(update(LeadRow), group)
    if traces:
        session.execute(insert(TraceRow), traces)
