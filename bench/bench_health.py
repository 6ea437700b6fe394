"""The full weekly inspection on 100k customers, 200k leads and 20k opportunities (SQLite).

Data are generated with bulk inserts (`copilot.records.service.bulk_insert`; entities whose
creation runs row hooks — opportunities, and leads once routing is installed — fall back to one
Core multi-row insert of the same values), not the demo. The report runs in a child process so
its peak RSS is its own. `--quick` uses a tenth of the sizes.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path
from copilot.auth import system_caller
from copilot.bootstrap import build_context
from copilot.config import Settings
from copilot.health import render, report
ctx = build_context(Settings(data_dir=Path(sys.argv[1]), log_level="WARNING"))
started = time.perf_counter()
with ctx.db.read() as session:
    built = report.build(session, system_caller(), ctx.settings)
seconds = time.perf_counter() - started
started = time.perf_counter()
html = render.html(built)
render.pdf(built, Path(sys.argv[1]) / "r.pdf")
render_seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "render_seconds": render_seconds,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "checks": {c.id: [c.status, c.display] for c in built.checks}}))
"""


def _insert(session, caller, spec, values):  # type: ignore[no-untyped-def]
    from copilot.records.service import bulk_insert, needs_rows

    if needs_rows(spec):
        session.execute(spec.row.__table__.insert(), values)
    else:
        bulk_insert(session, caller, spec, values)


def generate(data_dir: Path, customers: int, leads: int, opportunities: int) -> float:
    from copilot import org
    from copilot.auth import system_caller
    from copilot.bootstrap import build_context
    from copilot.clock import now
    from copilot.config import Settings
    from copilot.db.schema import MarketingLeadRow, StagePaymentRow, UserRow
    from copilot.records.specs import SPECS

    rng = random.Random(13)
    ctx = build_context(Settings(data_dir=data_dir, log_level="WARNING"))
    caller = system_caller()
    started = time.perf_counter()
    at = now()
    departments = ["华东事业部", "华南事业部", "北美事业部", "东南亚事业部"]
    with ctx.db.transaction() as session:
        reps = []
        for i in range(200):
            user = org.add_user(session, login=f"rep{i:03d}", role="rep", department=departments[i % 4]).user
            reps.append((user.id, user.department_id))
        for uid, _ in reps[:3]:
            session.get(UserRow, uid).active = False
    chunk = 5000
    names = ["科技", "制造", "医疗", "贸易", "物流", "电子"]
    for start in range(0, customers, chunk):
        with ctx.db.transaction() as session:
            values = []
            for i in range(start, min(customers, start + chunk)):
                owner, dept = reps[i % len(reps)]
                base = i if rng.random() > 0.01 else max(0, i - 1)  # ~1% stored twice
                values.append(
                    {
                        "name": f"客户{base:06d}{names[base % 6]}有限公司",
                        "name_key": f"客户{base:06d}{names[base % 6]}",
                        "owner_id": owner,
                        "department_id": dept,
                        "external_id": f"B-C-{i}",
                    }
                )
            _insert(session, caller, SPECS["customers"], values)
    sources = ["baidu", "website", "expo", "douyin", "wechat", "referral", "amazon"]
    marketing = []
    for start in range(0, leads, chunk):
        with ctx.db.transaction() as session:
            values = []
            for i in range(start, min(leads, start + chunk)):
                owner, dept = reps[rng.randrange(len(reps))]
                created = at - timedelta(seconds=rng.randint(0, 90 * 86400))
                assigned = (
                    created + timedelta(seconds=rng.choice([5, 20, 45, 80, 120, 600]))
                    if rng.random() > 0.03
                    else None
                )
                contacted = (
                    assigned + timedelta(hours=rng.uniform(0.5, 72))
                    if assigned and rng.random() < 0.7
                    else None
                )
                phone = "13800138000" if rng.random() < 0.02 else f"139{i:08d}"
                source = sources[i % len(sources)]
                values.append(
                    {
                        "external_id": f"B-L-{i}",
                        "source": source,
                        "utm_source": source,
                        "company": f"线索公司{i}",
                        "phone": phone,
                        "email": f"test{i}@test.com" if rng.random() < 0.02 else f"c{i}@corp.cn",
                        "owner_id": owner if assigned else None,
                        "department_id": dept,
                        "grade": rng.choice("ABC"),
                        "created_at": created,
                        "updated_at": created,
                        "assigned_at": assigned,
                        "first_contact_at": contacted,
                    }
                )
                if created > at - timedelta(days=8):
                    marketing.append(
                        {
                            "batch": "bench",
                            "line": i + 2,
                            "external_id": f"B-L-{i}",
                            "utm_source": source,
                            "phone": phone,
                            "received_at": created,
                            "imported_at": at,
                        }
                    )
                    if source == "baidu" and rng.random() < 0.2:
                        marketing.append({**marketing[-1], "external_id": None, "line": leads + i + 2})
            _insert(session, caller, SPECS["leads"], values)
    with ctx.db.transaction() as session:
        session.execute(MarketingLeadRow.__table__.insert(), marketing)
    stages = ["初步接触", "需求分析", "方案演示", "报价审批", "合同审批中", "法务签署完成"]
    for start in range(0, opportunities, chunk):
        with ctx.db.transaction() as session:
            values = []
            for i in range(start, min(opportunities, start + chunk)):
                owner, dept = reps[rng.randrange(len(reps))]
                won = rng.random() < 0.15
                entered = at - timedelta(days=rng.uniform(0, 60))
                values.append(
                    {
                        "external_id": f"B-O-{i}",
                        "customer_id": 1 + i % customers,
                        "name": f"商机{i}",
                        "amount": rng.choice([5, 10, 50, 100]) * 10000.0,
                        "product": rng.choice(["MES", "WMS", "影像云"]),
                        "stage": "首笔回款到账" if won else rng.choice(stages),
                        "status": "won" if won else "open",
                        "owner_id": owner,
                        "department_id": dept,
                        "stage_entered_at": entered,
                        "created_at": entered,
                        "updated_at": entered,
                    }
                )
            _insert(session, caller, SPECS["opportunities"], values)
    with ctx.db.transaction() as session:
        from sqlalchemy import select

        from copilot.db.schema import OpportunityRow

        won = session.execute(
            select(OpportunityRow.id, OpportunityRow.amount).where(OpportunityRow.status == "won")
        ).all()
        session.execute(
            StagePaymentRow.__table__.insert(),
            [
                {
                    "opportunity_id": w.id,
                    "paid_on": at.date(),
                    "amount": w.amount,
                    "evidence_ids": [],
                    "confirmed_at": at,
                }
                for w in won
                if rng.random() < 0.8
            ],
        )
    ctx.db.dispose()
    return time.perf_counter() - started


def run(quick: bool) -> list[dict]:
    scale = 10 if quick else 1
    customers, leads, opps = 100_000 // scale, 200_000 // scale, 20_000 // scale
    label = f"{customers // 1000}k customers, {leads // 1000}k leads, {opps // 1000}k opps"
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        generated = generate(data_dir, customers, leads, opps)
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(data_dir)], capture_output=True, text=True, timeout=1800
        )
        if child.returncode != 0:
            raise RuntimeError(child.stderr[-2000:])
        result = json.loads(child.stdout.strip().splitlines()[-1])
    return [
        dict(
            area="health",
            metric=f"generate ({label}, bulk inserts)",
            value=round(generated, 1),
            unit="s",
            target="",
            ok=None,
        ),
        dict(
            area="health",
            metric=f"full report ({label})",
            value=round(result["seconds"], 2),
            unit="s",
            target="≤ 30 s",
            ok=result["seconds"] <= 30,
        ),
        dict(
            area="health",
            metric="render HTML + PDF",
            value=round(result["render_seconds"], 2),
            unit="s",
            target="",
            ok=None,
        ),
        dict(
            area="health",
            metric="report process peak RSS",
            value=round(result["rss_mb"]),
            unit="MB",
            target="",
            ok=None,
        ),
        dict(
            area="health",
            metric="check statuses",
            value=", ".join(f"{k}={v[0]}" for k, v in result["checks"].items()),
            unit="",
            target="",
            ok=None,
        ),
    ]
