"""`copilot health ...`: the weekly inspection report, its drill-down, kept reports, the lead flow."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from copilot.auth import system_caller
from copilot.cli.common import JSON_HELP, context, emit, out

NAME = "health"
app = typer.Typer(
    help="Weekly inspection (每周巡检): checks, drill-down, kept reports, lead flow.", no_args_is_help=True
)
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
WeekOpt = Annotated[str | None, typer.Option("--week", help="ISO week, e.g. 2026-W47 (default: this week).")]
ThresholdsOpt = Annotated[
    Path | None,
    typer.Option("--thresholds", exists=True, dir_okay=False, help="YAML overriding the bundled thresholds."),
]


@app.command("report")
def report_cmd(
    week: WeekOpt = None,
    html: Annotated[
        Path | None, typer.Option("--html", dir_okay=False, help="Write the self-contained HTML file.")
    ] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", dir_okay=False, help="Write the PDF.")] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Store the report in the list of kept reports.")
    ] = False,
    thresholds: ThresholdsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the five checks and the forecast gap for a week; exit 1 when a check fails."""
    from copilot.health import render, report

    ctx = context()
    with ctx.db.transaction() as session:
        built = report.build(session, system_caller(), ctx.settings, week, thresholds_path=thresholds)
        if keep:
            report.keep(session, built)
    if html:
        html.write_text(render.html(built), encoding="utf-8")
    if pdf:
        render.pdf(built, pdf)

    def human(r: Any) -> None:
        table = Table(title=f"每周巡检 {r.week}: {r.status}")
        for col in ("check", "status", "figure", "summary"):
            table.add_column(col)
        for c in r.checks:
            table.add_row(c.id, c.status, c.display, c.summary + "".join(f"\n· {x}" for x in c.reasons))
        out.print(table)
        for path in (html, pdf):
            if path:
                out.print(f"wrote {path}")

    emit(built, as_json, human)
    if built.status == "fail":
        raise typer.Exit(1)


@app.command("rows")
def rows_cmd(
    check: Annotated[
        str,
        typer.Argument(help="lead_latency, assignment, duplicates, stages, source_consistency, forecast_gap"),
    ],
    week: WeekOpt = None,
    thresholds: ThresholdsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every row behind one check's figure."""
    from copilot.health import report

    ctx = context()
    with ctx.db.read() as session:
        result = report.check_rows(
            session, system_caller(), ctx.settings, check, week, thresholds_path=thresholds
        )

    def human(c: Any) -> None:
        out.print(f"{c.title}: {c.display} ({c.status}); {c.rows_total} rows")
        for row in c.rows:
            out.print("  " + ", ".join(f"{k}={v}" for k, v in row.items() if v not in (None, [], "")))

    emit(result, as_json, human)


@app.command("reports")
def reports_cmd(limit: Annotated[int, typer.Option(help="Newest N.")] = 20, as_json: JsonOpt = False) -> None:
    """Kept reports (the worker keeps every one it produces), newest first."""
    from copilot.health import report

    with context().db.read() as session:
        rows = report.listing(session, limit)

    def human(items: list[dict[str, Any]]) -> None:
        table = Table(title="kept reports")
        for col in ("id", "week", "status", "trigger", "created", "mailed"):
            table.add_column(col)
        for r in items:
            table.add_row(
                str(r["id"]),
                r["week"],
                r["status"],
                r["trigger"],
                r["created_at"][:19],
                r["mailed_at"] or (r["mail_error"] or "—"),
            )
        out.print(table)

    emit(rows, as_json, human)


@app.command("send")
def send_cmd(week: WeekOpt = None, as_json: JsonOpt = False) -> None:
    """Produce, keep and mail the report now (what the worker does on schedule)."""
    from copilot.health.delivery import produce

    result = produce(context(), week=week, trigger="manual")
    emit(
        result,
        as_json,
        lambda r: out.print(
            f"report #{r['report_id']} {r['week']} {r['status']}: "
            + ("mailed" if r["mailed"] else r.get("error") or r.get("note", ""))
        ),
    )


@app.command("flow")
def flow_cmd(
    since: Annotated[str | None, typer.Option(help="YYYY-MM-DD or ISO time (default: 30 days ago).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Lead flow: counts per step and the drops by reason and rule."""
    from copilot.health import window
    from copilot.health.flow import lead_flow

    ctx = context()
    with ctx.db.read() as session:
        result = lead_flow(session, system_caller(), ctx.settings, window.since(since, ctx.settings.zone))

    def human(r: dict[str, Any]) -> None:
        for s in r["steps"]:
            out.print(f"{s['label']:<28} {s['count']}")
            for d in s["drops"]:
                rule = f" [rule {d['rule']}]" if d["rule"] else ""
                later = f" ({d['recovered_later']} recovered later)" if d["recovered_later"] else ""
                out.print(f"    −{d['count']} {d['reason']}{rule}{later}")
        for f in r["first_routing_failures"]:
            out.print(
                f"first routing decision failed: {f['count']} × {f['reason']} [rule {f['rule']}] "
                f"({f['dropped_earlier']} dropped at an earlier step, {f['recovered_later']} recovered later)"
            )
        for note in r["notes"]:
            out.print(f"note: {note}")

    emit(result, as_json, human)
