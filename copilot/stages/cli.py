"""`copilot stages ...`: health (stuck list + heat map), forecast, definitions, holds, timeouts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from copilot.auth import system_caller
from copilot.cli.common import JSON_HELP, context, emit, out

NAME = "stages"
app = typer.Typer(
    help="Opportunity stage gates: health, forecast, definitions, holds, timeouts.", no_args_is_help=True
)
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def _wan(amount: float) -> str:
    return f"{amount / 10000:,.1f}万"


@app.command("health")
def health_cmd(
    days: Annotated[
        float | None, typer.Option(help="Stuck = more than N days in stage (default: the stage timeout).")
    ] = None,
    dimension: Annotated[str, typer.Option(help="Heat map rows: rep, department or product.")] = "rep",
    limit: Annotated[int, typer.Option(help="Rows of the stuck list to print (JSON has all).")] = 30,
    as_json: JsonOpt = False,
) -> None:
    """Opportunities stuck past their stage's timeout, with owner and last activity; the heat map."""
    from copilot.stages.health import stage_health

    with context().db.read() as session:
        report = stage_health(session, system_caller(), days=days, dimension=dimension)  # type: ignore[arg-type]

    def human(r) -> None:  # type: ignore[no-untyped-def]
        table = Table(title=f"stuck: {len(r.stuck)} of {r.open_total} open (threshold: {r.threshold})")
        for col in (
            "id",
            "opportunity",
            "stage",
            "days",
            "over",
            "owner",
            "department",
            "last activity",
            "flags",
        ):
            table.add_column(col)
        for s in r.stuck[:limit]:
            flags = ",".join(f for f, on in (("frozen", s.frozen), ("downgraded", s.downgraded)) if on)
            table.add_row(
                str(s.id),
                s.name[:28],
                s.stage,
                f"{s.days_in_stage:.0f}",
                f"+{s.over_by_days:.0f}",
                s.owner or "-",
                s.department or "-",
                s.last_activity_at.date().isoformat() if s.last_activity_at else "-",
                flags,
            )
        out.print(table)
        heat = Table(title=f"days in stage by {r.heat_map.dimension} (avg / count, ! = over timeout)")
        heat.add_column(r.heat_map.dimension)
        for stage in r.heat_map.stages:
            heat.add_column(stage)
        for row in r.heat_map.rows:
            cells = []
            for stage in r.heat_map.stages:
                c = row.cells.get(stage)
                cells.append(
                    "" if c is None else f"{c.avg_days:.0f}d/{c.count}" + ("!" * min(c.over_timeout, 3))
                )
            heat.add_row(row.label, *cells)
        out.print(heat)

    emit(report, as_json, human)


@app.command("forecast")
def forecast_cmd(
    since: Annotated[
        str | None, typer.Option(help="Confirmed revenue paid on or after (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Confirmed revenue paid on or before (YYYY-MM-DD).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Weighted pipeline (amount × probability) kept apart from confirmed revenue (by payment date)."""
    from copilot.errors import InvalidInput
    from copilot.stages.forecast import forecast

    def parse(value: str | None, field: str) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            raise InvalidInput(
                f"{field} must be YYYY-MM-DD, got {value!r}", details={"field": field}
            ) from None

    with context().db.read() as session:
        result = forecast(session, system_caller(), parse(since, "since"), parse(until, "until"))

    def human(f) -> None:  # type: ignore[no-untyped-def]
        table = Table(
            title=f"weighted pipeline {_wan(f.weighted_pipeline)} (open {_wan(f.open_amount)}, {f.open_count})"
        )
        for col in ("stage", "p", "count", "amount", "weighted", "frozen", "downgraded"):
            table.add_column(col)
        for s in f.by_stage:
            table.add_row(
                s.stage,
                f"{s.probability:.2f}",
                str(s.count),
                _wan(s.amount),
                _wan(s.weighted),
                f"{s.frozen_count} ({_wan(s.frozen_amount)})",
                str(s.downgraded_count),
            )
        out.print(table)
        out.print(
            f"confirmed revenue (payments with evidence): [bold]{_wan(f.confirmed_revenue)}[/] in {f.confirmed_count} payments"
        )
        for m in f.confirmed_by_month:
            out.print(f"  {m.month}: {_wan(m.amount)} ({m.count})")
        out.print(
            f"marked won: {_wan(f.won_claimed_amount)} ({f.won_claimed_count}); "
            f"won without confirmed payment: {_wan(f.won_unconfirmed_amount)} ({f.won_unconfirmed_count})"
        )

    emit(result, as_json, human)


@app.command("definitions")
def definitions_cmd(
    as_json: JsonOpt = False,
    yaml_out: Annotated[
        bool, typer.Option("--yaml", help="Print as YAML (editable, for `stages set`).")
    ] = False,
) -> None:
    """The pipeline in force: stages, evidence, checklists, timeouts, probabilities, lost reasons."""
    from copilot.stages.definitions import active_pipeline

    with context().db.read() as session:
        pipeline = active_pipeline(session)
    if yaml_out:
        out.print(
            yaml.safe_dump(pipeline.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
            markup=False,
        )
        return

    def human(p) -> None:  # type: ignore[no-untyped-def]
        out.print(f"{p.name} (version {p.version})")
        for s in p.stages:
            ev = "; ".join(f"{r.action} [{'/'.join(r.kinds)}]×{r.min_count}" for r in s.evidence) or "-"
            timeout = f"{s.timeout_days:g}天" if s.timeout_days else "-"
            extra = f" = {s.outcome}, confirmed by {s.confirm_role.value}" if s.outcome else ""
            out.print(
                f"  {s.key}  p={s.probability:g}  timeout {timeout}  evidence: {ev}{extra}", markup=False
            )
        out.print("  lost reasons: " + ", ".join(f"{r.id} ({r.text})" for r in p.lost_reasons), markup=False)

    emit(pipeline, as_json, human)


@app.command("set")
def set_cmd(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="YAML or JSON pipeline")
    ],
    note: Annotated[str | None, typer.Option(help="Why it changed.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Replace the pipeline (validated; stored as a new version)."""
    from copilot.stages.definitions import replace_pipeline

    text = file.read_text("utf-8")
    data = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    with context().db.transaction() as session:
        pipeline = replace_pipeline(session, None, data, note)
    emit(
        pipeline,
        as_json,
        lambda p: out.print(f"pipeline version {p.version} in force ({len(p.stages)} stages)"),
    )


@app.command("holds")
def holds_cmd(as_json: JsonOpt = False) -> None:
    """Changes waiting for confirmation (finance payments, sentinel holds)."""
    from copilot.stages.service import list_holds

    with context().db.read() as session:
        holds = list_holds(session, system_caller())

    def human(items) -> None:  # type: ignore[no-untyped-def]
        for h in items:
            out.print(
                f"hold {h.id}: opportunity {h.opportunity_id} {h.from_stage} → {h.to_stage} ({h.kind}, "
                f"confirm: {h.confirm_role}, asked {h.requested_at:%Y-%m-%d %H:%M})",
                markup=False,
            )
        if not items:
            out.print("no pending holds")

    emit(holds, as_json, human)


@app.command("timeouts")
def timeouts_cmd(as_json: JsonOpt = False) -> None:
    """Run the timeout pass now (what `copilot worker` does every few minutes)."""
    from copilot.stages.timeouts import run_timeouts

    result = run_timeouts(context())
    emit(
        result,
        as_json,
        lambda r: out.print(
            f"checked {r['checked']} open: {r['overdue']} overdue, {r['frozen']} frozen, "
            f"{r['downgraded']} downgraded; {r['todos']} new to-dos"
        ),
    )
