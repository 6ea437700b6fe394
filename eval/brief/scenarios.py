"""Labelled brief scenarios (`scenarios.jsonl`): a customer, its signals, activities and deals,
and the trigger rules that must fire (every other rule must not). Times are relative to the
scenario's `now`, so the set never goes stale; the tests seed the same scenarios.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from copilot.bootstrap import AppContext
from copilot.db.schema import ActivityRow, CustomerRow, OpportunityRow, SignalRow
from copilot.dedup.normalise import normalise_company_name

SCENARIOS_FILE = Path(__file__).with_name("scenarios.jsonl")
DEFAULT_NOW = "2026-06-15T02:00:00+00:00"


def load_scenarios(path: Path = SCENARIOS_FILE) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def scenario_now(scenario: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(scenario.get("now", DEFAULT_NOW))


def seed_scenario(context: AppContext, scenario: dict[str, Any], owner_id: int | None = None) -> int:
    """Write one scenario's records; returns the customer id."""
    now = scenario_now(scenario)
    sid = scenario["id"]
    with context.db.transaction() as session:
        c = scenario["customer"]
        customer = CustomerRow(
            external_id=f"eval-{sid}",
            name=c["name"],
            name_key=normalise_company_name(c["name"]),
            industry=c.get("industry"),
            tags=c.get("tags", []),
            owner_id=owner_id,
            created_at=now - timedelta(days=400),
            updated_at=now - timedelta(days=1),
        )
        session.add(customer)
        session.flush()
        for i, s in enumerate(scenario.get("signals", [])):
            at = now - timedelta(days=s["days_ago"])
            session.add(
                SignalRow(
                    external_id=f"eval-{sid}-s{i}",
                    customer_id=customer.id,
                    source=s["source"],
                    type=s["type"],
                    title=s["title"],
                    text=s.get("text", ""),
                    url=s.get("url"),
                    occurred_at=at,
                    ingested_at=at + timedelta(hours=2),
                    payload=s.get("payload", {}),
                )
            )
        for i, a in enumerate(scenario.get("activities", [])):
            at = now - timedelta(days=a["days_ago"])
            session.add(
                ActivityRow(
                    external_id=f"eval-{sid}-a{i}",
                    customer_id=customer.id,
                    kind=a["kind"],
                    subject=a.get("subject"),
                    text=a.get("text", ""),
                    occurred_at=at,
                    created_at=at,
                    author_id=owner_id,
                )
            )
        for i, o in enumerate(scenario.get("opportunities", [])):
            entered = now - timedelta(days=o["days_in_stage"])
            session.add(
                OpportunityRow(
                    external_id=f"eval-{sid}-o{i}",
                    customer_id=customer.id,
                    name=o["name"],
                    amount=o.get("amount", 0),
                    stage=o["stage"],
                    status=o.get("status", "open"),
                    owner_id=owner_id,
                    stage_entered_at=entered,
                    created_at=entered - timedelta(days=30),
                    updated_at=entered,
                )
            )
        session.flush()
        return customer.id
