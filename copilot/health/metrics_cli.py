"""`copilot metrics ...`: metric definitions (口径) side by side."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from copilot.auth import system_caller
from copilot.cli.common import JSON_HELP, context, emit, out

NAME = "metrics"
app = typer.Typer(
    help="Metric definitions (口径) counted side by side, with exclusions and rows.", no_args_is_help=True
)


@app.command("new-customers")
def new_customers_cmd(
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM (default: this month).")] = None,
    definition: Annotated[
        str | None, typer.Option("--definition", help="Only this definition, with all its rows.")
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="With --definition: only this exclusion (or 'counted').")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """本月新增客户 by each definition, exclusions by reason, and an alert past 15% apart."""
    from copilot.health import window
    from copilot.health.metrics import new_customers

    ctx = context()
    with ctx.db.read() as session:
        result = new_customers(
            session,
            system_caller(),
            window.month(month, ctx.settings.zone),
            definition=definition,
            reason=reason,
            limit=None if definition else 200,
        )

    def human(r: dict[str, Any]) -> None:
        table = Table(title=f"新增客户 {r['month']} ({r['leads_in_month']} leads arrived)")
        for col in ("definition", "count", "excluded by reason"):
            table.add_column(col)
        for d in r["definitions"]:
            table.add_row(
                f"{d['name']}\n{d['label']}",
                str(d["count"]),
                "\n".join(f"{e['count']:>5}  {e['label']}" for e in d["exclusions"]) or "—",
            )
        out.print(table)
        for alert in r["alerts"]:
            out.print(f"[red]ALERT[/red] {alert['message']}")
        if definition:
            for d in r["definitions"]:
                for e in d["exclusions"]:
                    for row in e["rows"]:
                        out.print(
                            f"  {e['reason']}: lead {row['lead_id']} {row['external_id'] or ''} {row['phone'] or ''} {row['email'] or ''}"
                        )

    emit(result, as_json, human)
