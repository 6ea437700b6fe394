"""Stage engine speed: the demo's stages step, gate evaluation, health and forecast on the demo
data, and one evidence-carrying advance end to end (store, decide, apply)."""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from pathlib import Path


def _median(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(quick: bool) -> list[dict]:
    from sqlalchemy import select

    from copilot.auth import caller_from_row, system_caller
    from copilot.bootstrap import build_context
    from copilot.config import Settings
    from copilot.db.schema import OpportunityRow, UserRow
    from copilot.demo import DemoState, _steps, load_demo
    from copilot.stages import demo as stages_demo
    from copilot.stages.definitions import default_pipeline
    from copilot.stages.evidence import EvidenceUpload
    from copilot.stages.forecast import forecast
    from copilot.stages.gates import evaluate
    from copilot.stages.health import stage_health
    from copilot.stages.service import advance

    rows: list[dict] = []
    repeats = 3 if quick else 7
    with tempfile.TemporaryDirectory() as tmp:
        ctx = build_context(Settings(data_dir=Path(tmp) / "data", log_level="WARNING"))
        # time the stages step on its own: run the core step, then ours
        step_seconds: list[float] = []
        original = stages_demo.load_stages

        def timed(context, state: DemoState):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            result = original(context, state)
            step_seconds.append(time.perf_counter() - started)
            return result

        stages_demo.load_stages = timed  # type: ignore[assignment]
        try:
            assert any(name == "stages" for name, _ in _steps())
            started = time.perf_counter()
            load_demo(ctx)
            total = time.perf_counter() - started
        finally:
            stages_demo.load_stages = original  # type: ignore[assignment]
        rows.append(
            dict(
                area="stages",
                metric="demo stages step",
                value=round(step_seconds[0], 2),
                unit="s",
                target="< 2 s",
                ok=step_seconds[0] < 2,
            )
        )
        rows.append(
            dict(area="stages", metric="demo load total", value=round(total, 2), unit="s", target="", ok=None)
        )

        with ctx.db.read() as session:
            t = _median(lambda: stage_health(session, system_caller()), repeats)
            rows.append(
                dict(
                    area="stages",
                    metric="health (500 opps, stuck + heat map)",
                    value=round(t * 1000, 1),
                    unit="ms",
                    target="< 500 ms",
                    ok=t < 0.5,
                )
            )
            t = _median(lambda: forecast(session, system_caller()), repeats)
            rows.append(
                dict(
                    area="stages",
                    metric="forecast (500 opps)",
                    value=round(t * 1000, 1),
                    unit="ms",
                    target="< 500 ms",
                    ok=t < 0.5,
                )
            )

        pipeline = default_pipeline()

        class Ev:
            def __init__(self, i: int, r: str, k: str) -> None:
                self.id, self.requirement, self.kind = i, r, k

        offered = [
            Ev(i, r.id, r.kinds[0]) for i, r in enumerate(r for s in pipeline.stages for r in s.evidence)
        ]
        ticks = [c.id for s in pipeline.stages for c in s.checklist]
        n = 2000 if quick else 20000
        started = time.perf_counter()
        for _ in range(n):
            evaluate(pipeline, "初步接触", "法务签署完成", offered, ticks)
        per = (time.perf_counter() - started) / n
        rows.append(
            dict(
                area="stages",
                metric="gate evaluation (skip 4 stages)",
                value=round(per * 1e6, 1),
                unit="µs",
                target="< 1000 µs",
                ok=per < 1e-3,
            )
        )

        with ctx.db.read() as session:
            user = session.scalar(select(UserRow).where(UserRow.login == "wang.min"))
            caller = caller_from_row(user)
            opps = list(
                session.scalars(
                    select(OpportunityRow.id)
                    .where(
                        OpportunityRow.status == "open",
                        OpportunityRow.stage == "初步接触",
                        OpportunityRow.department_id == user.department_id,
                    )
                    .limit(repeats)
                )
            )
        times = []
        for opp in opps:
            started = time.perf_counter()
            advance(
                ctx,
                caller,
                opp,
                "需求分析",
                uploads=[
                    EvidenceUpload(
                        requirement="first_contact_record",
                        file_name="call.mp3",
                        stream=io.BytesIO(b"ID3" + bytes(200_000)),
                    )
                ],
                checklist=["contact_identified"],
            )
            times.append(time.perf_counter() - started)
        t = statistics.median(times)
        rows.append(
            dict(
                area="stages",
                metric="advance with a 200 KB upload",
                value=round(t * 1000, 1),
                unit="ms",
                target="< 300 ms",
                ok=t < 0.3,
            )
        )
        ctx.db.dispose()
    return rows
