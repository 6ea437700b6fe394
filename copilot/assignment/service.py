"""What the CLI, API and hooks call: routing on arrival, first contact, traces, the sales-group
health check, bulk reassignment with preview and invalid-lead marking."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.assignment import routing, store
from copilot.assignment.people import build_pool
from copilot.clock import now
from copilot.db import audit
from copilot.db.schema import ActivityRow, LeadRow, TraceRow, UserRow
from copilot.errors import InvalidInput, NotFound
from copilot.records import service as records
from copilot.records.specs import LEADS

CONTACT_KINDS = {"call", "visit", "wechat", "email", "meeting"}
INVALID_REASONS_FILE = Path(__file__).with_name("defaults") / "invalid_reasons.yaml"


# --- hooks -----------------------------------------------------------------------------------


def route_new_lead(session: Session, caller: auth.Caller, row: Any) -> None:
    """After-create hook for leads: route in the writer's transaction with the published rules.

    Without a published rule set the lead stays where the writer put it (its department's pool).
    A lead created with an active owner keeps that owner (the trace says so). The published
    version and the organisation are read once per unit of work, so a bulk writer (import,
    demo) does not re-read them for every row.
    """
    cache = session.info.setdefault("assignment", {})
    if "version" not in cache:
        cache["version"] = store.published_ref(session)
    version = cache["version"]
    if version is None:
        return
    if "org" not in cache:
        cache["org"] = store.load_org(session)
    routing.route_rows(session, [row], version=version, mode="arrival", keep_owner=True, org=cache["org"])


def record_first_contact(session: Session, caller: auth.Caller, row: ActivityRow) -> None:
    """After-create hook for activities: a call/visit/wechat/email/meeting on a lead is its first contact."""
    if row.lead_id is None or str(row.kind) not in CONTACT_KINDS:
        return
    lead = session.get(LeadRow, row.lead_id)
    if lead is None:
        return
    at = row.occurred_at or now()
    if lead.first_contact_at is None or at < lead.first_contact_at:
        lead.first_contact_at = at
    if lead.status in ("new", "assigned"):
        lead.status = "contacted"


# --- traces ----------------------------------------------------------------------------------


def lead_trace(session: Session, caller: auth.Caller, lead_id: int) -> dict[str, Any]:
    lead = records.get_row(session, caller, LEADS, lead_id)
    rows = session.scalars(
        select(TraceRow).where(TraceRow.lead_id == lead_id).order_by(TraceRow.at.desc(), TraceRow.id.desc())
    ).all()
    logins = dict(session.execute(select(UserRow.id, UserRow.login)).all())
    versions: dict[int, Any] = {}
    history = []
    for r in rows:
        if r.version_id and r.version_id not in versions:
            from copilot.db.schema import RuleVersionRow

            v = session.get(RuleVersionRow, r.version_id)
            versions[r.version_id] = store.version_label(session, v) if v else {"id": r.version_id}
        history.append(
            {
                "at": r.at,
                "mode": r.mode,
                "outcome": r.outcome,
                "rule": r.rule_id,
                "owner": logins.get(r.owner_id),
                "grade": r.grade,
                "version": versions.get(r.version_id),
                "steps": r.steps,
            }
        )
    return {
        "lead_id": lead.id,
        "owner": logins.get(lead.owner_id),
        "status": lead.status,
        "assigned_at": lead.assigned_at,
        "latest": history[0] if history else None,
        "history": history,
        "message": None
        if history
        else "this lead has no routing trace: it arrived before any rule set was published",
    }


# --- health check ----------------------------------------------------------------------------


def group_health(session: Session) -> dict[str, Any]:
    """Inactive, departed or unauthorised members still in teams (departments and the published rule
    set's teams), the published rules' actions whose pools are empty, and open leads they still hold."""
    org = store.load_org(session)
    version = store.published_version(session)
    rule_set = store.compiled(version) if version else None
    problems: list[dict[str, Any]] = []
    teams: list[tuple[str, list[str]]] = [
        (f"department {name}", [p.login for p in org.members.get(dept_id, [])])
        for name, dept_id in sorted(org.departments.items())
    ]
    if rule_set:
        teams += [(f"team {name}", logins) for name, logins in rule_set.teams.items()]
    open_by_owner = store.open_loads(session, [p.id for p in org.people.values()])
    for team, logins in teams:
        for login in logins:
            person = org.people.get(login)
            if person is None:
                problems.append({"team": team, "login": login, "problem": "no such user", "open_leads": 0})
                continue
            if person.role not in ("rep",) and person.active and not person.can_receive_leads:
                continue  # managers and staff who never receive leads are not a problem
            reason = person.unavailable_reason()
            if reason:
                problems.append(
                    {
                        "team": team,
                        "login": login,
                        "name": person.name,
                        "problem": reason,
                        "open_leads": open_by_owner.get(person.id, 0),
                    }
                )
    empty_pools: list[dict[str, Any]] = []
    if rule_set:
        for rule in rule_set.all_rules():
            if rule.assign and (rule.assign.team or rule.assign.users):
                pool = build_pool(rule_set, org, rule.assign.team, rule.assign.users)
                if not pool.candidates:
                    empty_pools.append({"rule": rule.id, "pool": pool.source, "excluded": pool.excluded})
    return {
        "rule_set": store.version_label(session, version) if version else None,
        "members": problems,
        "empty_pools": empty_pools,
        "ok": not problems and not empty_pools,
    }


# --- reassign --------------------------------------------------------------------------------


def _reassign_rows(
    session: Session, *, from_login: str | None, unassigned: bool, rule_version: int | None
) -> list[LeadRow]:
    chosen = sum(x is not None and x is not False for x in (from_login, unassigned or None, rule_version))
    if chosen != 1:
        raise InvalidInput(
            "name exactly one of --from USER, --unassigned or --rule-version V",
            details={"field": "selection"},
        )
    stmt = select(LeadRow).where(LeadRow.status.in_(store.OPEN_STATUSES))
    if from_login:
        user = session.scalar(select(UserRow).where(UserRow.login == from_login))
        if user is None:
            raise NotFound(
                f"no user with login {from_login!r}", details={"field": "from", "value": from_login}
            )
        stmt = stmt.where(LeadRow.owner_id == user.id)
    elif unassigned:
        stmt = stmt.where(LeadRow.owner_id.is_(None))
    else:
        latest = select(TraceRow.lead_id).where(TraceRow.version_id == rule_version)
        stmt = stmt.where(LeadRow.id.in_(latest))
    return list(session.scalars(stmt.order_by(LeadRow.id)))


def reassign(
    session: Session,
    *,
    from_login: str | None = None,
    unassigned: bool = False,
    rule_version: int | None = None,
    apply: bool = False,
    actor_id: int | None = None,
) -> dict[str, Any]:
    """Re-route a selection of open leads with the published rules. Without `apply` it is a preview."""
    version = store.published_version(session)
    if version is None:
        raise NotFound("no rule set is published; publish one before re-routing", details={"field": "rules"})
    rows = _reassign_rows(session, from_login=from_login, unassigned=unassigned, rule_version=rule_version)
    logins = dict(session.execute(select(UserRow.id, UserRow.login)).all())
    before = {r.id: r.owner_id for r in rows}
    if apply:
        decisions = routing.route_rows(session, rows, version=version, mode="reassign")
    else:
        leads = [store.lead_dict(r) for r in rows]
        decisions = routing.decide_all(
            store.compiled(version),
            store.load_org(session),
            store.DbCustomerOwners(session),
            leads,
            counters=_preview_counter(session),
            loads=lambda ids: store.open_loads(session, ids),
        )
    moves = [
        {
            "lead_id": r.id,
            "from": logins.get(before[r.id]),
            "to": d.owner.login if d.owner else None,
            "outcome": d.outcome,
            "rule": d.rule_id,
        }
        for r, d in zip(rows, decisions, strict=True)
    ]
    summary: dict[str, int] = {}
    for m in moves:
        key = m["to"] or "(unassigned)"
        summary[key] = summary.get(key, 0) + 1
    result = {
        "applied": apply,
        "rule_set": store.version_label(session, version),
        "selected": len(rows),
        "to": dict(sorted(summary.items())),
        "unassigned": [m for m in moves if m["to"] is None],
        "moves": moves,
    }
    if apply:
        audit.record(
            session,
            actor_id=actor_id or None,
            action="assignment.reassign",
            entity="lead",
            entity_id=None,
            after={
                "selected": len(rows),
                "to": result["to"],
                "from": from_login,
                "unassigned": unassigned,
                "rule_version": rule_version,
            },
        )
    return result


def _preview_counter(session: Session) -> Any:
    counters = store.read_counters(session)
    drawn: dict[str, int] = {}

    def counter(key: str, n: int) -> int:
        first = counters.get(key, 0) + drawn.get(key, 0)
        drawn[key] = drawn.get(key, 0) + n
        return first

    return counter


# --- invalid leads ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def invalid_reasons() -> dict[str, dict[str, str]]:
    return yaml.safe_load(INVALID_REASONS_FILE.read_text("utf-8"))["reasons"]


def mark_invalid(
    session: Session, caller: auth.Caller, lead_id: int, reason: str, note: str = ""
) -> dict[str, Any]:
    """Invalid needs a reason from the fixed library (code or label), so marketing can count it."""
    library = invalid_reasons()
    code = (
        reason
        if reason in library
        else next((c for c, r in library.items() if r["label"] == reason.strip()), None)
    )
    if code is None:
        raise InvalidInput(
            f"reason {reason!r} is not in the invalid-lead reason library",
            details={"field": "reason", "allowed": {c: r["label"] for c, r in library.items()}},
        )
    row = records.get_row(session, caller, LEADS, lead_id)
    if row.status == "invalid":
        raise InvalidInput(
            f"lead {lead_id} is already marked invalid ({row.invalid_reason})", details={"field": "status"}
        )
    records.apply_update(
        session, caller, LEADS, row, {"status": "invalid", "invalid_reason": library[code]["label"]}
    )
    if note:
        audit.record(
            session,
            actor_id=caller.id or None,
            action="lead.invalid_note",
            entity="lead",
            entity_id=lead_id,
            after={"note": note, "reason": code},
        )
    return {"lead_id": lead_id, "status": "invalid", "reason": code, "label": library[code]["label"]}


def load_rule_file(path: Path) -> Any:
    from copilot.assignment.rules import load_yaml

    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", details={"field": "rules"}) from exc
    return load_yaml(text)
