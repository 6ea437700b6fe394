"""Metric definitions (口径) as data, counted side by side with the rows each one excludes.

The definitions live in `prompts/metrics/*.yaml`; this module is the small library of predicate
kinds they are built from. A lead is excluded by the first exclusion it meets, so the reasons of
one definition add up to (base - counted).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.clock import now
from copilot.db.schema import LeadRow
from copilot.dedup.normalise import normalise_email, normalise_phone, phone_kind
from copilot.errors import InvalidInput, NotFound
from copilot.health.window import Window

DEFINITIONS_DIR = Path(__file__).resolve().parents[2] / "prompts" / "metrics"
ROW_CAP = 200

Lead = Any  # a row of the lead query below
Predicate = Callable[[Lead, datetime], bool | None]  # True = meets; None = cannot tell yet


@cache
def load_definitions(path: Path = DEFINITIONS_DIR / "new_customer.yaml") -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, d in data["definitions"].items():
        for key in [*d.get("require", []), *d.get("exclude", [])]:
            if key not in data["predicates"]:
                raise ValueError(f"{path.name}: definitions.{name}: unknown predicate {key!r}")
    for key, p in data["predicates"].items():
        build_predicate(key, p)  # fails early on an unknown kind
    return data


def build_predicate(name: str, spec: dict[str, Any]) -> Predicate:
    """A predicate from its data: kinds has_any, email_matches, phone_invalid, phone_in,
    first_contact_within, status_in."""
    kind = spec.get("kind")
    if kind == "has_any":
        fields = list(spec["fields"])
        return lambda lead, _: any((getattr(lead, f) or "").strip() for f in fields)
    if kind == "email_matches":
        patterns = [re.compile(p) for p in spec["patterns"]]
        return lambda lead, _: (
            bool(lead.email) and any(p.search(normalise_email(lead.email)) for p in patterns)
        )
    if kind == "phone_invalid":
        return lambda lead, _: not lead.phone or phone_kind(lead.phone) == "invalid"
    if kind == "phone_in":
        values = {normalise_phone(str(v)) for v in spec["values"]}
        return lambda lead, _: bool(lead.phone) and normalise_phone(lead.phone) in values
    if kind == "first_contact_within":
        hours = spec.get("hours")
        limit = timedelta(hours=float(hours)) if hours is not None else None

        def no_contact(lead: Lead, at: datetime) -> bool | None:
            if lead.first_contact_at is not None:
                return limit is not None and lead.first_contact_at - lead.created_at > limit
            if limit is not None and at - lead.created_at <= limit:
                return None  # still inside its 48 hours: not yet decided
            return True

        return no_contact
    if kind == "status_in":
        values = set(spec["values"])
        return lambda lead, _: lead.status in values
    raise ValueError(f"predicates.{name}: unknown kind {kind!r}")


def _row(lead: Lead) -> dict[str, Any]:
    return {
        "lead_id": lead.id,
        "external_id": lead.external_id,
        "company": lead.company,
        "source": lead.source,
        "phone": lead.phone,
        "email": lead.email,
        "created_at": lead.created_at.isoformat(),
        "first_contact_at": lead.first_contact_at.isoformat() if lead.first_contact_at else None,
        "status": lead.status,
    }


def new_customers(
    session: Session,
    caller: auth.Caller,
    window: Window,
    *,
    limit: int | None = ROW_CAP,
    definition: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Each definition's count for the month, its exclusions by reason with rows, and alerts.

    With `definition` (and optionally `reason`) only that definition's counted or excluded rows
    are returned in full: the drill-down behind a number.
    """
    data = load_definitions()
    if definition is not None and definition not in data["definitions"]:
        raise NotFound(
            f"definition {definition!r} is unknown (known: {', '.join(data['definitions'])})",
            details={"field": "definition"},
        )
    predicates = {k: build_predicate(k, p) for k, p in data["predicates"].items()}
    at = now()
    leads = session.execute(
        select(
            LeadRow.id,
            LeadRow.external_id,
            LeadRow.company,
            LeadRow.source,
            LeadRow.phone,
            LeadRow.email,
            LeadRow.status,
            LeadRow.created_at,
            LeadRow.first_contact_at,
        )
        .where(LeadRow.created_at >= window.start, LeadRow.created_at < window.end, auth.lead_scope(caller))
        .order_by(LeadRow.created_at, LeadRow.id)
    ).all()
    results = []
    for name, d in data["definitions"].items():
        if definition is not None and name != definition:
            continue
        counted: list[Lead] = []
        excluded: dict[str, list[Lead]] = {}
        for lead in leads:
            why = _first_failure(lead, at, d, predicates)
            if why is None:
                counted.append(lead)
            else:
                excluded.setdefault(why, []).append(lead)
        if (
            reason is not None
            and reason != "counted"
            and reason not in excluded
            and reason not in data["predicates"]
        ):
            raise NotFound(f"reason {reason!r} is not an exclusion of {name}", details={"field": "reason"})
        exclusions = [
            {
                "reason": key,
                "label": data["predicates"][key.removesuffix(".pending")]["reason"]
                + (" — still inside its window" if key.endswith(".pending") else ""),
                "count": len(rows),
                "rows": [_row(r) for r in (rows if limit is None else rows[:limit])],
            }
            for key, rows in excluded.items()
            if reason in (None, key)
        ]
        results.append(
            {
                "name": name,
                "label": d["label"],
                "description": d["description"].strip(),
                "count": len(counted),
                "exclusions": sorted(exclusions, key=lambda e: -e["count"]),
                "counted_rows": [_row(r) for r in (counted if limit is None else counted[:limit])]
                if reason in (None, "counted") and definition is not None
                else [],
            }
        )
    return {
        "month": window.label,
        "window": window.as_dict(),
        "leads_in_month": len(leads),
        "definitions": results,
        "alerts": _alerts(results, data["compare"]) if definition is None else [],
        "source": str(DEFINITIONS_DIR / "new_customer.yaml"),
    }


def _first_failure(
    lead: Lead, at: datetime, d: dict[str, Any], predicates: dict[str, Predicate]
) -> str | None:
    for key in d.get("require", []):
        if not predicates[key](lead, at):
            return key
    for key in d.get("exclude", []):
        met = predicates[key](lead, at)
        if met is None:
            return f"{key}.pending"
        if met:
            return key
    return None


def _alerts(results: list[dict[str, Any]], compare: dict[str, Any]) -> list[dict[str, Any]]:
    by_name = {r["name"]: r for r in results}
    base = by_name.get(compare["base"])
    if base is None:
        raise InvalidInput(
            f"compare.base {compare['base']!r} is not a definition", details={"field": "compare.base"}
        )
    alerts = []
    for r in results:
        if r is base or not base["count"]:
            continue
        deviation = (r["count"] - base["count"]) / base["count"]
        if abs(deviation) > compare["alert_over"]:
            top = r["exclusions"][:3]
            alerts.append(
                {
                    "definitions": [base["name"], r["name"]],
                    "counts": [base["count"], r["count"]],
                    "deviation": round(deviation, 4),
                    "threshold": compare["alert_over"],
                    "message": f"{r['name']} is {deviation * 100:+.1f}% against {base['name']} "
                    f"({r['count']} vs {base['count']}); largest exclusions: "
                    + ", ".join(f"{e['reason']} {e['count']}" for e in top),
                }
            )
    return alerts
