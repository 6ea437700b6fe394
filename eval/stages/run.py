"""`python -m eval stages`: on the demo data (clock pinned, so figures are reproducible), the
stuck list, the forecast/confirmed split and the sentinel burst match expectations computed
by hand here: straight from raw rows and the default YAML, with none of the engine's code.

Hand rules (docs/stages.md): stuck = open and days in stage > the stage's timeout_days;
frozen = days in stage > timeout × freeze_factor (left out of the forecast); downgraded = no
activity (nor stage move) for more than inactivity_downgrade_days → previous stage's
probability (0 for the first); confirmed revenue = sum of payments; won-unconfirmed = won
without a payment, which on the demo must be exactly the planted quarter-end flips.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import text

PINNED = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
DEFAULTS = Path(__file__).resolve().parents[2] / "copilot" / "stages" / "defaults" / "pipeline.yaml"


def _utc(value: object) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def hand_expectations(conn, at: datetime) -> dict:  # type: ignore[no-untyped-def]
    spec = yaml.safe_load(DEFAULTS.read_text("utf-8"))
    stages = spec["stages"]
    keys = [s["key"] for s in stages]
    timeout = {s["key"]: s.get("timeout_days") for s in stages}
    prob = {s["key"]: s["probability"] for s in stages}
    factor = spec["timeouts"]["freeze_factor"]
    idle_limit = spec["timeouts"]["inactivity_downgrade_days"]
    last = {
        oid: _utc(t)
        for oid, t in conn.execute(
            text(
                "SELECT opportunity_id, MAX(occurred_at) FROM activities WHERE opportunity_id IS NOT NULL GROUP BY opportunity_id"
            )
        )
    }
    stuck, weighted, frozen_amount = set(), 0.0, 0.0
    for oid, stage, entered, amount in conn.execute(
        text("SELECT id, stage, stage_entered_at, amount FROM opportunities WHERE status = 'open'")
    ):
        days = (at - _utc(entered)).total_seconds() / 86400
        limit = timeout[stage]
        if limit and days > limit:
            stuck.add(oid)
        if limit and days > limit * factor:
            frozen_amount += amount
            continue
        since = max(_utc(entered), last[oid]) if oid in last else _utc(entered)
        p = prob[stage]
        if (at - since).total_seconds() / 86400 > idle_limit:
            i = keys.index(stage)
            p = prob[keys[i - 1]] if i > 0 else 0.0
        weighted += amount * p
    confirmed = conn.execute(text("SELECT COALESCE(SUM(amount), 0), COUNT(*) FROM stage_payments")).one()
    unconfirmed = {
        r[0]
        for r in conn.execute(
            text(
                "SELECT external_id FROM opportunities o WHERE status = 'won' "
                "AND NOT EXISTS (SELECT 1 FROM stage_payments p WHERE p.opportunity_id = o.id)"
            )
        )
    }
    return {
        "stuck": stuck,
        "weighted": round(weighted, 2),
        "frozen_amount": round(frozen_amount, 2),
        "confirmed": round(float(confirmed[0]), 2),
        "confirmed_count": int(confirmed[1]),
        "won_unconfirmed": unconfirmed,
        "sentinel": spec["sentinel"],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval stages")
    parser.add_argument("--data-dir", type=Path, help="Use (and keep) this empty data dir")
    args = parser.parse_args(argv)

    from copilot.auth import system_caller
    from copilot.bootstrap import build_context
    from copilot.clock import pinned
    from copilot.config import Settings
    from copilot.demo import load_demo
    from copilot.stages.forecast import forecast
    from copilot.stages.health import stuck_opportunities

    with tempfile.TemporaryDirectory() as tmp, pinned(PINNED):
        ctx = build_context(Settings(data_dir=args.data_dir or Path(tmp) / "data", log_level="WARNING"))
        started = time.perf_counter()
        report = load_demo(ctx)
        load_seconds = time.perf_counter() - started
        facts = report["steps"]["stages"]
        with ctx.db.engine.connect() as conn:
            hand = hand_expectations(conn, PINNED)
            burst_average = _trailing_average(conn, facts["burst_rep"], hand["sentinel"]["trailing_days"])
            holds = conn.execute(
                text("SELECT COUNT(*) FROM stage_holds WHERE kind = 'sentinel' AND status = 'pending'")
            ).scalar()
            alerts = conn.execute(text("SELECT COUNT(*) FROM todos WHERE kind = 'stage_sentinel'")).scalar()
        with ctx.db.read() as session:
            stuck = stuck_opportunities(session, system_caller())
            fc = forecast(session, system_caller())
        ctx.db.dispose()

    # the burst by hand: the rep's trailing daily average is fixed by the demo history before today;
    # the k-th move today is held when k > ratio × max(avg, floor) and k >= min_count
    s = hand["sentinel"]
    rows = []

    def check(name: str, got: object, want: object) -> None:
        rows.append((name, got, want, got == want))

    service_stuck = {x.id for x in stuck.stuck}
    check("stuck: same opportunities", len(service_stuck ^ hand["stuck"]), 0)
    check("stuck: count", len(service_stuck), len(hand["stuck"]))
    check(
        "stuck: every one has owner and last activity",
        all(x.owner and x.last_activity_at for x in stuck.stuck),
        True,
    )
    check("forecast: weighted pipeline", fc.weighted_pipeline, hand["weighted"])
    check("forecast: frozen amount left out", fc.frozen_amount, hand["frozen_amount"])
    check("confirmed revenue (payments)", fc.confirmed_revenue, hand["confirmed"])
    check("confirmed payments count", fc.confirmed_count, hand["confirmed_count"])
    check(
        "confirmed by month sums to total",
        round(sum(m.amount for m in fc.confirmed_by_month), 2),
        fc.confirmed_revenue,
    )
    check("won without payment = planted flips", hand["won_unconfirmed"] == set(facts["flipped_ids"]), True)
    check("won without payment count", fc.won_unconfirmed_count, 12)
    applied, held = facts["burst_applied"], len(facts["burst_held"])
    check("sentinel: burst applied + held", applied + held, 10)
    limit = s["ratio"] * max(burst_average, s["baseline_floor"])
    first_held = next(k for k in range(1, 100) if k > limit and k >= s["min_count"])
    check("sentinel: first held move", applied + 1, first_held)
    check("sentinel: pending holds", holds, held)
    check("sentinel: manager alerted", alerts >= 1, True)

    width = max(len(r[0]) for r in rows)
    print(f"{'check':<{width}}  {'engine':>14}  {'by hand':>14}  ok")
    for name, got, want, ok in rows:
        print(f"{name:<{width}}  {str(got):>14}  {str(want):>14}  {'yes' if ok else 'NO'}")
    print(
        f"\nas of {PINNED.isoformat()}: {len(service_stuck)} stuck of {stuck.open_total} open; weighted pipeline "
        f"{fc.weighted_pipeline / 1e4:,.1f}万 (frozen out {fc.frozen_amount / 1e4:,.1f}万); confirmed "
        f"{fc.confirmed_revenue / 1e4:,.1f}万; marked won {fc.won_claimed_amount / 1e4:,.1f}万 of which "
        f"{fc.won_unconfirmed_amount / 1e4:,.1f}万 without payment; demo load {load_seconds:.1f} s"
    )
    failed = [r for r in rows if not r[3]]
    print(f"{len(rows) - len(failed)}/{len(rows)} checks hold")
    return 1 if failed else 0


def _trailing_average(conn, login: str, days: int) -> float:  # type: ignore[no-untyped-def]
    """Forward moves of the rep's opportunities in the `days` local days before today, per day."""
    spec = yaml.safe_load(DEFAULTS.read_text("utf-8"))
    keys = [st["key"] for st in spec["stages"]]
    zone = ZoneInfo("Asia/Shanghai")
    today = datetime.combine(PINNED.astimezone(zone).date(), datetime.min.time(), tzinfo=zone)
    start = today - timedelta(days=days)
    moves = conn.execute(
        text(
            "SELECT h.from_stage, h.to_stage, h.at FROM stage_history h JOIN opportunities o ON o.id = h.opportunity_id "
            "JOIN users u ON u.id = o.owner_id WHERE u.login = :login AND h.from_stage IS NOT NULL"
        ),
        {"login": login},
    )
    count = sum(
        1
        for f, t, at in moves
        if f in keys and t in keys and keys.index(t) > keys.index(f) and start <= _utc(at) < today
    )
    return count / days
