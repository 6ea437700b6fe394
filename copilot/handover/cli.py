"""`copilot handover map|prepare|practice|results`: thin commands over services.handover_practice."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from copilot.auth import system_caller
from copilot.cli.common import JSON_HELP, context, emit, err, out

NAME = "handover"
app = typer.Typer(
    help="Handover sandbox: relationship map, handover, practice conversations.", no_args_is_help=True
)
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def _print_map(p: Any) -> None:
    out.print(f"[bold]{p.customer_name}[/] — relationship map ({p.rules_id})")
    for line in p.missing + p.notes:
        err.print(f"missing: {line}")
    table = Table("person", "title", "role", "influence", "closeness", "last contact", "never met")
    for x in p.people:
        table.add_row(
            x.name,
            x.title or "",
            x.role,
            f"{x.influence:.2f}",
            str(x.closeness.score),
            f"{x.last_contact:%Y-%m-%d}" if x.last_contact else "",
            "yes" if x.never_met else "",
        )
    out.print(table)
    for c in p.conflicts:
        state = "resolved" if c.resolved else "UNRESOLVED"
        out.print(escape(f"conflict [{c.kind}, {state}] {c.occurred_at:%Y-%m-%d}: {c.summary}"))
    for q in p.promises:
        due = f"due {q.due:%Y-%m-%d}" if q.due else "no date"
        out.print(escape(f"promise [{q.status}] {due}: {q.text}  ({q.status_reason})"))
    for o in p.opportunities:
        out.print(
            escape(f"opportunity {o.name}: {o.stage}, {o.amount:,.0f}" + (f" — {o.gate}" if o.gate else ""))
        )


@app.command("map")
def map_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id, external id, uscc or exact name")],
    as_json: JsonOpt = False,
) -> None:
    """The account's relationship map: people, conflicts, promises, open opportunities, with evidence."""
    from services.handover_practice import customer_package

    with context().db.read() as session:
        package = customer_package(session, system_caller(), customer)
    emit(package, as_json, _print_map)


@app.command("prepare")
def prepare_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id, external id, uscc or exact name")],
    to: Annotated[str, typer.Option("--to", help="Login of the new owner")],
    as_json: JsonOpt = False,
) -> None:
    """Hand a customer over: reassign it (and its open opportunities and leads), keep the package."""
    from services.handover_practice import prepare_handover

    with context().db.transaction() as session:
        report = prepare_handover(session, system_caller(), customer, to)
    emit(
        report,
        as_json,
        lambda r: out.print(
            f"{r['customer']} handed over to {r['to']}: {r['people']} people, {r['unresolved_conflicts']} unresolved "
            f"conflicts, {r['open_promises']} open promises, {r['open_opportunities']} open opportunities"
        ),
    )


def _print_transcript(view: Any, score: Any) -> None:
    for t in view["turns"]:
        who = "rep" if t["speaker"] == "rep" else view["persona"]["name"]
        out.print(f"[bold]{who}:[/] {t['text']}")
    if score:
        out.print(f"\n[bold]score {score['score']}/100 — {'passed' if score['passed'] else 'not passed'}[/]")
        for c in score["criteria"]:
            out.print(f"  {c['grade'].upper():5} {c['label']}: {c['reason']}")
            if c["quote"]:
                out.print(f"        turn {c['turn']}: “{c['quote'][:120]}”")
            if c["grade"] != "good":
                out.print(f"        better: {c['better']}")


@app.command("practice")
def practice_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id, external id, uscc or exact name")],
    scenario: Annotated[str, typer.Option(help="introduce, repair_conflict or advance_deal")],
    script: Annotated[
        Path | None,
        typer.Option("--script", exists=True, dir_okay=False, help="The rep's turns, one per line"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Practise a key conversation with the simulated customer, then get the score and feedback."""
    from services import handover_practice as hp
    from services.generation import make_generator

    ctx = context()
    db = ctx.db
    caller = system_caller()
    generator = make_generator(ctx.settings)
    with db.transaction() as session:
        view = hp.start_session(session, caller, customer, scenario, generator=generator)
    if script is not None:
        lines = [line.strip() for line in script.read_text("utf-8").splitlines() if line.strip()]
    elif sys.stdin.isatty() and not as_json:
        lines = None
    else:
        lines = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
    if lines is None:  # interactive
        out.print(f"[dim]{view.goal}[/]  (empty line to finish)")
        out.print(f"[bold]{view.persona['name']}:[/] {view.turns[0]['text']}")
        while True:
            text = typer.prompt("you", default="", show_default=False)
            if not text.strip():
                break
            with db.transaction() as session:
                result = hp.add_turn(session, caller, view.id, text, generator=generator)
            out.print(f"[bold]{view.persona['name']}:[/] {result['reply']['text']}")
    else:
        for text in lines:
            with db.transaction() as session:
                hp.add_turn(session, caller, view.id, text, generator=generator)
    with db.transaction() as session:
        final = hp.finish_session(session, caller, view.id)
    data = {
        "session_id": final.id,
        "scenario": final.scenario,
        "attempt": final.attempt,
        "persona": final.persona,
        "turns": final.turns,
        "score": final.score,
        "passed": final.passed,
        "criteria": (final.result or {}).get("criteria", []),
        "summary": (final.result or {}).get("summary"),
    }
    if lines is None and not as_json:
        _print_transcript({"turns": [], "persona": final.persona}, final.result)
        return
    emit(data, as_json, lambda d: _print_transcript(final.model_dump(), final.result))


@app.command("results")
def results_cmd(as_json: JsonOpt = False) -> None:
    """Finished practice attempts and progress per user, customer and scenario."""
    from services.handover_practice import results

    with context().db.read() as session:
        data = results(session, system_caller())

    def human(d: dict) -> None:
        table = Table("user", "customer", "scenario", "scores", "best", "change")
        for p in d["progress"]:
            table.add_row(
                p["user"],
                str(p["customer_id"]),
                p["scenario"],
                " → ".join(f"{s:g}" for s in p["scores"]),
                f"{p['best']:g}",
                f"{p['change']:+g}",
            )
        out.print(table)

    emit(data, as_json, human)
