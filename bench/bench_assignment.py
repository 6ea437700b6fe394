"""Routing throughput: 100k leads against 50 rules and 200 users (SQLite in a temp data dir).

- batch: route all leads in chunks of 5,000 through `routing.route_rows` (owner, department,
  status, grade and a trace row written per lead); target >= 5,000 leads/s;
- single lead: a lead created through `records.create_record` in its own transaction, routed by
  the arrival hook and committed; p95 target <= 10 ms;
- simulate: a dry run of 10k leads with full paths; target <= 5 s.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

REGIONS = [f"R{i}" for i in range(10)]
INDUSTRIES = ["医疗", "汽车制造", "SaaS", "跨境电商", "装备制造"]
SIZES = ["1-49", "50-199", "200-999", "1000+"]
SOURCES = ["官网表单", "展会", "抖音直播", "百度推广", "微信小程序", "转介绍"]
STRATEGIES = ["round_robin", "weighted_round_robin", "least_loaded"]


def _rules() -> dict[str, Any]:
    rules = []
    for r_i, region in enumerate(REGIONS):
        for i_i, industry in enumerate(INDUSTRIES):
            strategy = STRATEGIES[(r_i + i_i) % 3]
            team = f"D{r_i}"
            action: dict[str, Any] = {"team": team, "strategy": strategy}
            if strategy == "weighted_round_robin":
                action["weights"] = {f"u{r_i * 20 + k}": 1 + k % 3 for k in range(20)}
            rules.append(
                {
                    "id": f"{region}-{industry}",
                    "when": {"region": region, "industry": industry},
                    "assign": action,
                }
            )
    return {"name": "bench", "rules": rules, "fallback": {"team": "D0", "strategy": "round_robin"}}


def _setup(data_dir: Path, n_leads: int) -> Any:
    from sqlalchemy import insert

    from copilot import org
    from copilot.assignment import versions
    from copilot.assignment.rules import parse_rule_set
    from copilot.bootstrap import build_context
    from copilot.clock import now
    from copilot.config import Settings
    from copilot.db.schema import LeadRow

    ctx = build_context(Settings(data_dir=data_dir, log_level="WARNING"))
    with ctx.db.transaction() as session:
        for d in range(10):
            org.get_or_create_department(session, f"D{d}", REGIONS[d])
        for u in range(200):
            org.add_user(session, login=f"u{u}", role="rep", department=f"D{u // 20}")
    rng = random.Random(5)
    rows = [
        {
            "source": rng.choice(SOURCES),
            "region": rng.choice(REGIONS) if rng.random() > 0.02 else "elsewhere",
            "industry": rng.choice(INDUSTRIES),
            "size_band": rng.choice(SIZES),
            "budget": float(rng.choice([5, 20, 50, 100])) * 10000,
            "status": "new",
            "custom": {},
            "created_at": now(),
            "updated_at": now(),
        }
        for _ in range(n_leads)
    ]
    with ctx.db.transaction() as session:
        for start in range(0, len(rows), 10_000):
            session.execute(insert(LeadRow), rows[start : start + 10_000])
        version = versions.save_draft(session, parse_rule_set(_rules()))
        versions.simulate_version(session, version, sample=200)
        versions.publish(session, version)
    return ctx


def run(quick: bool) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from copilot.assignment import routing, simulate, store
    from copilot.auth import system_caller
    from copilot.db.schema import LeadRow
    from copilot.models import LeadIn
    from copilot.records.service import create_record
    from copilot.records.specs import LEADS

    n_leads = 10_000 if quick else 100_000
    n_single = 100 if quick else 500
    rows_out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        ctx = _setup(Path(tmp) / "data", n_leads)
        try:
            columns = [getattr(LeadRow, c) for c in store.LEAD_COLUMNS]
            started, cpu_started = time.perf_counter(), time.process_time()
            routed = 0
            with ctx.db.read() as session:
                ids = list(session.scalars(select(LeadRow.id).order_by(LeadRow.id)))
            for start in range(0, len(ids), 5000):
                chunk = ids[start : start + 5000]
                with ctx.db.transaction() as session:
                    version = store.published_version(session)
                    rows = session.execute(
                        select(*columns).where(LeadRow.id.in_(chunk)).order_by(LeadRow.id)
                    ).all()
                    routed += len(routing.route_rows(session, rows, version=version, mode="bench"))
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            rate = routed / elapsed
            rows_out.append(
                {
                    "area": "assignment",
                    "metric": f"batch routing, {n_leads:,} leads / 50 rules / 200 users",
                    "value": rate,
                    "unit": "leads/s",
                    "target": ">= 5,000",
                    "ok": rate >= 5000,
                }
            )
            # SQLite runs in this process, so CPU time covers engine and database: the rate one
            # free core would give, whatever else the machine is doing
            rows_out.append(
                {
                    "area": "assignment",
                    "metric": "batch routing per CPU-second (same run)",
                    "value": routed / cpu,
                    "unit": "leads/s",
                    "target": ">= 5,000",
                    "ok": None,
                }
            )

            rng = random.Random(9)
            timings, cpu_timings = [], []
            for _ in range(n_single):
                lead = LeadIn(
                    source="官网表单",
                    region=rng.choice(REGIONS),
                    industry=rng.choice(INDUSTRIES),
                    size_band=rng.choice(SIZES),
                )
                t0, c0 = time.perf_counter(), time.process_time()
                with ctx.db.transaction() as session:
                    create_record(session, system_caller(), LEADS, lead)
                timings.append((time.perf_counter() - t0) * 1000)
                cpu_timings.append((time.process_time() - c0) * 1000)
            p95 = statistics.quantiles(timings, n=20)[-1]
            rows_out.append(
                {
                    "area": "assignment",
                    "metric": "single lead create+route+commit p95",
                    "value": p95,
                    "unit": "ms",
                    "target": "<= 10",
                    "ok": p95 <= 10,
                }
            )
            rows_out.append(
                {
                    "area": "assignment",
                    "metric": "single lead create+route+commit median",
                    "value": statistics.median(timings),
                    "unit": "ms",
                    "target": "",
                    "ok": None,
                }
            )
            rows_out.append(
                {
                    "area": "assignment",
                    "metric": "single lead create+route+commit p95, CPU time",
                    "value": statistics.quantiles(cpu_timings, n=20)[-1],
                    "unit": "ms",
                    "target": "<= 10",
                    "ok": None,
                }
            )

            with ctx.db.read() as session:
                leads = simulate.recent_leads(session, 10_000)
                rule_set = store.compiled(store.published_version(session))
                t0 = time.perf_counter()
                report = simulate.simulate(session, rule_set, leads, paths=True)
                sim = time.perf_counter() - t0
            rows_out.append(
                {
                    "area": "assignment",
                    "metric": f"simulate {report['leads']:,} leads with paths",
                    "value": sim,
                    "unit": "s",
                    "target": "<= 5",
                    "ok": sim <= 5,
                }
            )
        finally:
            ctx.db.dispose()
    return rows_out
