"""Rule-set versions: draft -> simulated -> published (-> retired); one published version at a time.

A version is immutable once saved; editing means saving a new draft. Publishing needs a clean
validation against the organisation as it is now and a dry run of this very version, so nothing
goes live that nobody has seen route leads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot.assignment import dictionaries, simulate, store
from copilot.assignment.rules import RuleSet, parse_rule_set, to_data
from copilot.assignment.validate import validate
from copilot.clock import now
from copilot.db import audit
from copilot.db.schema import RuleSetRow, RuleVersionRow
from copilot.errors import Conflict, NotFound

SIMULATION_SAMPLE = 500


def check(session: Session, rule_set: RuleSet, dictionary_path: Any = None) -> dict[str, Any]:
    return validate(rule_set, store.load_org(session), dictionaries.build(session, dictionary_path))


def describe(session: Session, row: RuleVersionRow, *, body: bool = False) -> dict[str, Any]:
    out = store.version_label(session, row) | {
        "note": row.note,
        "created_at": row.created_at,
        "simulated_at": row.simulated_at,
        "published_at": row.published_at,
        "retired_at": row.retired_at,
        "validation": row.validation,
        "simulation": row.simulation,
    }
    if body:
        out["body"] = row.body
    return out


def save_draft(
    session: Session,
    rule_set: RuleSet,
    *,
    actor_id: int | None = None,
    note: str = "",
    dictionary_path: Any = None,
) -> RuleVersionRow:
    rs = session.scalar(select(RuleSetRow).where(RuleSetRow.name == rule_set.name))
    if rs is None:
        rs = RuleSetRow(name=rule_set.name, description=rule_set.description)
        session.add(rs)
        session.flush()
    latest = (
        session.scalar(select(func.max(RuleVersionRow.version)).where(RuleVersionRow.rule_set_id == rs.id))
        or 0
    )
    row = RuleVersionRow(
        rule_set_id=rs.id,
        version=latest + 1,
        status="draft",
        body=to_data(rule_set),
        validation=check(session, rule_set, dictionary_path),
        note=note,
        created_by=actor_id or None,
        created_at=now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id or None,
        action="assignment.rules.draft",
        entity="rule_version",
        entity_id=row.id,
        after={"rule_set": rule_set.name, "version": row.version},
    )
    return row


def get_version(session: Session, ref: str | int) -> RuleVersionRow:
    """By id, by `name@version`, by `name` (its newest version) or `published`."""
    row: RuleVersionRow | None = None
    text = str(ref)
    if text == "published":
        row = store.published_version(session)
    elif text.isdigit():
        row = session.get(RuleVersionRow, int(text))
    else:
        name, _, version = text.partition("@")
        stmt = (
            select(RuleVersionRow)
            .join(RuleSetRow, RuleSetRow.id == RuleVersionRow.rule_set_id)
            .where(RuleSetRow.name == name)
        )
        stmt = (
            stmt.where(RuleVersionRow.version == int(version))
            if version.isdigit()
            else stmt.order_by(RuleVersionRow.version.desc())
        )
        row = session.scalar(stmt.limit(1))
    if row is None:
        raise NotFound(f"no rule-set version {text!r}", details={"field": "version", "value": text})
    return row


def list_versions(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(RuleVersionRow).order_by(RuleVersionRow.rule_set_id, RuleVersionRow.version)
    ).all()
    return [
        describe(session, r) | {"validation_ok": bool(r.validation and r.validation.get("ok"))} for r in rows
    ]


def simulate_version(
    session: Session, row: RuleVersionRow, *, sample: int = SIMULATION_SAMPLE, dictionary_path: Any = None
) -> dict[str, Any]:
    """Dry-run this version over the newest real leads (generated ones if the store has none)."""
    rule_set = parse_rule_set(row.body)
    leads = simulate.recent_leads(session, sample)
    if not leads:
        leads = simulate.generated_leads(dictionaries.build(session, dictionary_path), sample)
    report = simulate.simulate(session, rule_set, leads, paths=False)
    summary = {
        k: report[k]
        for k in ("leads", "outcomes", "assigned_share", "rule_hits", "fallback_used", "rules_never_hit")
    }
    summary["unassigned"] = len(report["unassigned"])
    row.simulation = summary
    row.simulated_at = now()
    if row.status == "draft":
        row.status = "simulated"
    return report


def publish(
    session: Session, row: RuleVersionRow, *, actor_id: int | None = None, dictionary_path: Any = None
) -> dict[str, Any]:
    if row.status == "published":
        raise Conflict(f"version {row.version} is already published", details={"version": row.id})
    if row.status != "simulated":
        raise Conflict(
            "run a dry run of this version before publishing (copilot assign rules simulate / POST /assignment/rules/{id}/simulate)",
            details={"field": "status", "status": row.status},
            code="not_simulated",
        )
    report = check(session, parse_rule_set(row.body), dictionary_path)
    row.validation = report
    if not report["ok"]:
        raise Conflict(
            f"the rule set has {len(report['errors'])} error(s); first: {report['errors'][0]['message']}",
            details={"errors": report["errors"]},
            code="rules_invalid",
        )
    current = store.published_version(session)
    if current is not None:
        current.status = "retired"
        current.retired_at = now()
    row.status = "published"
    row.published_at = now()
    row.published_by = actor_id or None
    session.flush()
    audit.record(
        session,
        actor_id=actor_id or None,
        action="assignment.rules.publish",
        entity="rule_version",
        entity_id=row.id,
        before={"published": current.id if current else None},
        after={"published": row.id},
    )
    return describe(session, row)
