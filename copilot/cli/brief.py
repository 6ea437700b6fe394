"""`copilot brief CUSTOMER` and `copilot triggers ...`: the brief and its rules from the terminal."""

from __future__ import annotations

from typing import Annotated

import typer

from copilot.auth import system_caller
from copilot.cli.app import JsonOpt, app
from copilot.cli.common import context, emit, out

triggers_app = typer.Typer(
    help="Pain-point trigger rules: list, explain for a customer, scan.", no_args_is_help=True
)
app.add_typer(triggers_app, name="triggers")


def _customer_id(reference: str) -> int:
    from copilot.records.lookup import resolve_customer

    with context().db.read() as session:
        return resolve_customer(session, system_caller(), reference).id


@app.command("brief")
def brief_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id, external id or name.")],
    as_json: JsonOpt = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print Markdown with footnote citations.")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Skip the LLM even when COPILOT_LLM=openai.")
    ] = False,
) -> None:
    """The pre-visit brief: profile, signal wall, triggers, 3 questions, 3 talk tracks, all cited."""
    from services.brief import build_brief
    from services.brief_markdown import render_markdown

    result = build_brief(
        context(), system_caller(), _customer_id(customer), mode="offline" if offline else "auto"
    )
    if as_json:
        emit(result, True)
        return
    text = render_markdown(result)
    if markdown:
        typer.echo(text, nl=False)
    else:
        from rich.markdown import Markdown

        out.print(Markdown(text))


@triggers_app.command("list")
def triggers_list(as_json: JsonOpt = False) -> None:
    """The rules in force (shipped defaults and admins' versions)."""
    from services.trigger_rules import effective_rules

    with context().db.read() as session:
        rules = effective_rules(session)

    def human(rs):  # type: ignore[no-untyped-def]
        for r in rs:
            state = "" if r.enabled else " (disabled)"
            out.print(f"{r.id:28} {r.severity:6} {r.origin:7} v{r.version} {r.title.get('zh', '')}{state}")

    emit(rules, as_json, human)


@triggers_app.command("explain")
def triggers_explain(
    customer: Annotated[str, typer.Argument(help="Customer id, external id or name.")],
    as_json: JsonOpt = False,
) -> None:
    """Every rule for one customer: fired or not, and each condition's reason."""
    from copilot import clock
    from copilot.records import service as records
    from copilot.records.specs import SPECS
    from services.facts import load_facts
    from services.topics import default_matcher
    from services.trigger_rules import effective_rules
    from services.triggers import explain

    ctx = context()
    cid = _customer_id(customer)
    with ctx.db.read() as session:
        row = records.get_record(session, system_caller(), SPECS["customers"], cid)
        facts = load_facts(session, system_caller(), row, clock.now())
        rules = effective_rules(session)
    result = explain(rules, facts, default_matcher(ctx), ctx.settings.zone)

    def human(rows):  # type: ignore[no-untyped-def]
        for r in rows:
            out.print(f"[bold]{r['rule_id']}[/] {'FIRED' if r['fired'] else '-'}")
            for reason in r["reasons"]:
                out.print(f"    {reason}")

    emit(result, as_json, human)


@triggers_app.command("scan")
def triggers_scan(as_json: JsonOpt = False) -> None:
    """Evaluate every customer with recent signals and put new cards on owners' to-do lists."""
    from services.triggers_scan import scan_all

    result = scan_all(context())
    emit(
        result,
        as_json,
        lambda r: out.print(f"scanned {r['customers']} customers, {r['new_cards']} new cards"),
    )
