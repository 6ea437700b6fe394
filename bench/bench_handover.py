"""Handover: the package of an account with 2,000 activities (read from SQLite and built), and the
offline persona's reply time (state loaded and saved as the API does per turn).

Targets (issue 12): package <= 2 s; persona reply p95 <= 200 ms.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from copilot.auth import system_caller
from copilot.bootstrap import build_context
from copilot.clock import now
from copilot.config import Settings
from copilot.models import ActivityIn, ContactIn, CustomerIn, OpportunityIn
from copilot.records.service import create_record, insert_many
from copilot.records.specs import ACTIVITIES, CONTACTS, CUSTOMERS, OPPORTUNITIES
from eval.handover.run import load_accounts

TURNS = [
    "您好,我是接替赵磊的新负责人。",
    "您现在最关心哪些问题?",
    "之前发生了什么?",
    "谁来决定?",
    "备件延迟交货的事是我们的责任,非常抱歉。",
    "备件48小时到货,我12月1日前落实。",
    "我们下周三上门拜访,可以吗?",
    "我们公司是行业领先的供应商,产品质量好,服务好。" * 40,
    "嗯。",
    "What happened before?",
]


def _seed(ctx, n_activities: int) -> int:  # type: ignore[no-untyped-def]
    accounts, _ = load_accounts()
    texts = [(a["kind"], a["text"], a.get("participants", [])) for acc in accounts for a in acc["activities"]]
    people = [c for acc in accounts for c in acc["contacts"]]
    at = now()
    with ctx.db.transaction() as s:
        c = create_record(
            s, system_caller(), CUSTOMERS, CustomerIn(name="基准客户有限公司", tags=["关注能耗成本"])
        )
        insert_many(s, system_caller(), CONTACTS, [ContactIn(customer_id=c.id, **p) for p in people])
        create_record(
            s, system_caller(), OPPORTUNITIES, OpportunityIn(customer_id=c.id, name="基准商机", amount=1e6)
        )
        insert_many(
            s,
            system_caller(),
            ACTIVITIES,
            [
                ActivityIn(
                    customer_id=c.id,
                    kind=texts[i % len(texts)][0],
                    text=texts[i % len(texts)][1],
                    participants=texts[i % len(texts)][2],
                    occurred_at=at - timedelta(hours=4 * (n_activities - i)),
                )
                for i in range(n_activities)
            ],
        )
    return c.id


def run(quick: bool) -> list[dict]:
    from copilot.db.schema import CustomerRow
    from services.handover import build_package
    from services.handover_history import load_history
    from services.handover_practice import _predecessor  # noqa: F401 - imported as the API path imports it
    from services.handover_scenarios import build_persona
    from services.simulation import SimState, Simulation, load_dialogue_rules

    n = 2000
    with tempfile.TemporaryDirectory() as tmp:
        ctx = build_context(Settings(data_dir=Path(tmp) / "data"))
        customer_id = _seed(ctx, n)
        times = []
        for _ in range(3 if quick else 5):
            start = time.perf_counter()
            with ctx.db.read() as s:
                package = build_package(load_history(s, s.get(CustomerRow, customer_id)))
            times.append(time.perf_counter() - start)
        ctx.db.dispose()
    package_s = statistics.median(times)
    persona = build_persona(
        package, "repair_conflict", tags_averse=load_dialogue_rules().monologue_averse_tags
    )
    state = Simulation.start(persona, seed=1).state.model_dump(mode="json")
    replies = []
    for i in range(100 if quick else 400):
        start = time.perf_counter()
        sim = Simulation(SimState.model_validate(state))
        sim.respond(TURNS[i % len(TURNS)])
        state = sim.state.model_dump(mode="json")
        replies.append(time.perf_counter() - start)
    p95 = statistics.quantiles(replies, n=20)[-1] * 1000
    return [
        {
            "area": "handover",
            "metric": f"package, {n} activities ({len(package.people)} people)",
            "value": round(package_s, 3),
            "unit": "s",
            "target": "<= 2 s",
            "ok": package_s <= 2.0,
        },
        {
            "area": "handover",
            "metric": "offline persona reply p95",
            "value": round(p95, 1),
            "unit": "ms",
            "target": "<= 200 ms",
            "ok": p95 <= 200,
        },
    ]
