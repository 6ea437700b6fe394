"""Dry run (模拟运行): route leads with a rule set without writing anything, and report the outcome.

Round-robin counters start from the values stored now and advance in memory, loads start from the
open leads now, so the dry run shows what publishing would do next. The report gives hits per
rule, load per person, the leads left without owner (`unassigned`), fallback use and each path.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.assignment import routing, store
from copilot.assignment.dictionaries import Dictionary
from copilot.assignment.rules import LEAD_FIELDS, RuleSet
from copilot.db.schema import LeadRow
from copilot.errors import InvalidInput

MAX_SIMULATE = 200_000


def simulate(
    session: Session, rule_set: RuleSet, leads: list[dict[str, Any]], *, paths: bool = True
) -> dict[str, Any]:
    org = store.load_org(session)
    counters = store.read_counters(session)
    drawn: Counter[str] = Counter()

    def counter(key: str, n: int) -> int:
        first = counters.get(key, 0) + drawn[key]
        drawn[key] += n
        return first

    for i, lead in enumerate(leads):
        lead.setdefault("id", -(i + 1))
    before = store.open_loads(session, [p.id for p in org.people.values()])
    decisions = routing.decide_all(
        rule_set, org, store.DbCustomerOwners(session), leads, counters=counter, loads=dict(before)
    )
    hits: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    per_person: Counter[str] = Counter()
    unassigned: list[dict[str, Any]] = []
    for lead, d in zip(leads, decisions, strict=True):
        outcomes[d.outcome] += 1
        if d.rule_id:
            hits[d.rule_id] += 1
        if d.owner is not None:
            per_person[d.owner.login] += 1
        else:
            unassigned.append({"lead": _label(lead), "why": d.steps.get("summary")})
    report: dict[str, Any] = {
        "rule_set": rule_set.name,
        "leads": len(leads),
        "outcomes": dict(outcomes),
        "assigned_share": round(
            (outcomes["assigned"] + outcomes["fallback"] + outcomes["kept"]) / len(leads), 4
        )
        if leads
        else 0.0,
        "rule_hits": {r.id: hits.get(r.id, 0) for r in rule_set.all_rules()}
        | ({"__fallback__": hits["__fallback__"]} if hits.get("__fallback__") else {}),
        "fallback_used": outcomes["fallback"],
        "per_person": {
            login: {"new": n, "open_before": before.get(_id(org, login), 0)}
            for login, n in sorted(per_person.items())
        },
        "unassigned": unassigned,
        "rules_never_hit": [
            r.id for r in rule_set.all_rules() if r.assign is not None and not hits.get(r.id)
        ],
    }
    if paths:
        report["paths"] = [
            {
                "lead": _label(lead),
                "owner": d.owner.login if d.owner else None,
                "outcome": d.outcome,
                "rule": d.rule_id,
                "trace": d.steps,
            }
            for lead, d in zip(leads, decisions, strict=True)
        ]
    return report


def _id(org: Any, login: str) -> int:
    return org.people[login].id


def _label(lead: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "external_id", "company", "source", "region", "industry", "size_band")
    return {k: lead.get(k) for k in keys if lead.get(k) is not None}


def recent_leads(session: Session, n: int) -> list[dict[str, Any]]:
    if not 1 <= n <= MAX_SIMULATE:
        raise InvalidInput(
            f"sample must be between 1 and {MAX_SIMULATE}", details={"field": "sample", "value": n}
        )
    rows = session.execute(
        select(*(getattr(LeadRow, c) for c in store.LEAD_COLUMNS), LeadRow.external_id)
        .order_by(LeadRow.created_at.desc(), LeadRow.id.desc())
        .limit(n)
    ).all()
    return [dict(r._mapping) for r in rows]


def generated_leads(d: Dictionary, n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Synthetic leads over the dictionary's values (regions, sources, industries, sizes, budgets)."""
    rng = random.Random(seed)
    pick = {
        k: sorted(d.values.get(k, {})) or [None] for k in ("regions", "sources", "industries", "size_bands")
    }
    return [
        {
            "id": -(i + 1),
            "external_id": f"SIM-{i:05d}",
            "source": rng.choice(pick["sources"]),
            "region": rng.choice(pick["regions"]),
            "industry": rng.choice(pick["industries"]),
            "size_band": rng.choice(pick["size_bands"]),
            "budget": float(rng.choice([5, 10, 30, 50, 80, 100, 200, 500])) * 10000,
            "decision_role": rng.choice(["决策人", "IT总监", "采购", "使用部门"]),
            "custom": {},
        }
        for i in range(n)
    ]


def leads_from_file(path: Path) -> list[dict[str, Any]]:
    """Leads from CSV or JSONL with the import's column aliases; unknown columns go to `custom`."""
    from copilot.importing.columns import map_header
    from copilot.importing.readers import read_rows

    _, _, rows = read_rows(path)
    leads: list[dict[str, Any]] = []
    known = set(LEAD_FIELDS) | {"external_id", "uscc", "customer_id", "owner_id", "status"}
    mapping: dict[str, str] | None = None
    for raw in rows:
        if raw.values is None:
            raise InvalidInput(
                f"{path.name} line {raw.line}: {raw.error}", details={"field": "leads", "line": raw.line}
            )
        if "__header__" in raw.values:  # CSV: the header row comes first
            mapping, _ = map_header("leads", list(raw.values["__header__"]), known)
            continue
        if mapping is None:  # JSONL: keys are the header
            mapping, _ = map_header("leads", list(raw.values), known)
        lead: dict[str, Any] = {"custom": {}}
        for column, value in raw.values.items():
            target = mapping.get(column)
            if target:
                lead[target] = value if value != "" else None
            elif column and value not in (None, ""):
                lead["custom"][column] = value
        if lead.get("budget") is not None:
            try:
                lead["budget"] = float(lead["budget"])
            except (TypeError, ValueError) as exc:
                raise InvalidInput(
                    f"{path.name} line {raw.line}: budget {lead['budget']!r} is not a number",
                    details={"field": "budget", "line": raw.line},
                ) from exc
        leads.append(lead)
    if not leads:
        raise InvalidInput(f"{path.name} holds no leads", details={"field": "leads"})
    return leads
