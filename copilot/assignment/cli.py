"""`copilot assign`: dry-run, health check, bulk reassign, rule sets (import/export/publish), SLA, stats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from copilot.cli.common import JSON_HELP, context, emit, err, out

NAME = "assign"
app = typer.Typer(
    help="Lead assignment: rules, dry-run, trace, health check, reassign, SLA.", no_args_is_help=True
)
rules_app = typer.Typer(
    help="Rule sets: import YAML as a draft, dry-run, publish, export, list.", no_args_is_help=True
)
app.add_typer(rules_app, name="rules")

JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def _dictionary(ctx: Any) -> Path | None:
    from copilot.assignment.dictionaries import dictionary_path

    return dictionary_path(ctx.settings)


def _print_simulation(r: dict[str, Any]) -> None:
    out.print(
        f"[bold]{r['rule_set']}[/]: {r['leads']} leads, outcomes {r['outcomes']}, assigned share {r['assigned_share']:.1%}"
    )
    table = Table("rule", "hits")
    for rule, hits in r["rule_hits"].items():
        table.add_row(rule, str(hits))
    out.print(table)
    people = Table("person", "new leads", "open before")
    for login, v in r["per_person"].items():
        people.add_row(login, str(v["new"]), str(v["open_before"]))
    out.print(people)
    if r["rules_never_hit"]:
        out.print(f"[yellow]rules never hit:[/] {', '.join(r['rules_never_hit'])}")
    for u in r["unassigned"][:20]:
        out.print(f"[red]unassigned[/] {u['lead']}: {u['why']}")
    if len(r["unassigned"]) > 20:
        out.print(f"... and {len(r['unassigned']) - 20} more unassigned (use --json)")


@app.command("simulate")
def simulate_cmd(
    rules: Annotated[
        Path | None,
        typer.Option("--rules", exists=True, dir_okay=False, help="Rules YAML (default: the published set)"),
    ] = None,
    leads: Annotated[
        Path | None, typer.Option("--leads", exists=True, dir_okay=False, help="Leads CSV/JSONL to route")
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option(
            "--sample", help="Route the N newest leads in the store (generated ones if it has none)"
        ),
    ] = None,
    paths: Annotated[
        bool, typer.Option("--paths/--no-paths", help="Include each lead's full path in --json")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Dry run (模拟运行): route leads without writing; hits per rule, load per person, unassigned, fallback use."""
    from copilot.assignment import dictionaries, service, simulate, store
    from copilot.errors import InvalidInput, NotFound

    ctx = context()
    if leads and sample:
        raise InvalidInput("give --leads or --sample, not both", details={"field": "leads"})
    with ctx.db.read() as session:
        if rules:
            rule_set = service.load_rule_file(rules)
        else:
            version = store.published_version(session)
            if version is None:
                raise NotFound(
                    "no rule set is published; pass --rules RULES.yaml", details={"field": "rules"}
                )
            rule_set = store.compiled(version)
        if leads:
            items = simulate.leads_from_file(leads)
        else:
            items = simulate.recent_leads(session, sample or 100)
            if not items:
                items = simulate.generated_leads(dictionaries.build(session, _dictionary(ctx)), sample or 100)
        report = simulate.simulate(session, rule_set, items, paths=paths and as_json)
    emit(report, as_json, _print_simulation)


@app.command("check")
def check_cmd(as_json: JsonOpt = False) -> None:
    """Sales-group health: inactive, departed or unauthorised members still in teams; empty pools."""
    from copilot.assignment.service import group_health

    with context().db.read() as session:
        report = group_health(session)

    def human(r: dict[str, Any]) -> None:
        if r["ok"]:
            out.print("all teams healthy")
        for m in r["members"]:
            out.print(f"[red]{m['login']}[/] in {m['team']}: {m['problem']} ({m['open_leads']} open leads)")
        for p in r["empty_pools"]:
            out.print(f"[red]rule {p['rule']}[/]: {p['pool']} has no one who can receive leads")

    emit(report, as_json, human)
    if not report["ok"]:
        raise typer.Exit(1)


@app.command("reassign")
def reassign_cmd(
    from_login: Annotated[str | None, typer.Option("--from", help="Leads owned by this login")] = None,
    unassigned: Annotated[bool, typer.Option("--unassigned", help="Open leads without owner")] = False,
    rule_version: Annotated[
        int | None, typer.Option("--rule-version", help="Leads routed by this version id")
    ] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Write the moves (default: preview only)")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Re-route open leads in bulk with the published rules; previews unless --apply."""
    from copilot.assignment.service import reassign

    ctx = context()
    with ctx.db.transaction() as session:
        result = reassign(
            session, from_login=from_login, unassigned=unassigned, rule_version=rule_version, apply=apply
        )

    def human(r: dict[str, Any]) -> None:
        verb = "moved" if r["applied"] else "would move"
        out.print(
            f"{r['selected']} leads selected; {verb}: " + ", ".join(f"{k} {v}" for k, v in r["to"].items())
        )
        if not r["applied"]:
            err.print("preview only: add --apply to write")

    emit(result, as_json, human)


@app.command("escalate")
def escalate_cmd(as_json: JsonOpt = False) -> None:
    """Run the SLA escalation now (the worker runs it every minute)."""
    from copilot.assignment.sla import escalate

    ctx = context()
    with ctx.db.transaction() as session:
        result = escalate(session, ctx.settings)
    emit(
        result,
        as_json,
        lambda r: out.print(
            f"{r['unclaimed']} unclaimed, {r['no_first_contact']} without first contact; {r['todos_created']} new to-dos"
        ),
    )


@app.command("stats")
def stats_cmd(
    days: Annotated[int, typer.Option(help="Window in days, up to now")] = 30, as_json: JsonOpt = False
) -> None:
    """Assignment success rate, time to first contact, invalid rate by source."""
    from datetime import timedelta

    from copilot.assignment.stats import assignment_stats
    from copilot.clock import now

    with context().db.read() as session:
        result = assignment_stats(session, since=now() - timedelta(days=days))

    def human(r: dict[str, Any]) -> None:
        routing = r["routing"]
        out.print(
            f"routing decisions {routing['decisions']}, success rate {routing['success_rate']}, outcomes {routing['outcomes']}"
        )
        out.print(f"time to first contact (h): {r['time_to_first_contact_hours']}")
        table = Table("source", "leads", "invalid", "rate")
        for source, s in r["invalid_by_source"].items():
            table.add_row(source, str(s["leads"]), str(s["invalid"]), f"{s['invalid_rate']:.1%}")
        out.print(table)

    emit(result, as_json, human)


@app.command("trace")
def trace_cmd(lead_id: int, as_json: JsonOpt = False) -> None:
    """Why a lead went where it went: rules tried, the pool, the pick (newest decision first)."""
    from copilot.assignment.service import lead_trace
    from copilot.auth import system_caller

    with context().db.read() as session:
        result = lead_trace(session, system_caller(), lead_id)
    emit(
        result, as_json, lambda r: out.print(r["latest"]["steps"]["summary"] if r["latest"] else r["message"])
    )


@app.command("invalid")
def invalid_cmd(
    lead_id: int,
    reason: Annotated[
        str, typer.Option(help="A code or label from the reason library (号码错误, 需求不符, 已购竞品 ...)")
    ],
    note: Annotated[str, typer.Option(help="Free text kept in the audit log")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Mark a lead invalid with a reason from the fixed library."""
    from copilot.assignment.service import mark_invalid
    from copilot.auth import system_caller

    with context().db.transaction() as session:
        result = mark_invalid(session, system_caller(), lead_id, reason, note)
    emit(result, as_json, lambda r: out.print(f"lead {r['lead_id']} marked invalid: {r['label']}"))


# --- rules -----------------------------------------------------------------------------------


@rules_app.command("import")
def rules_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    note: Annotated[str, typer.Option(help="Why this version")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Save a rules YAML as a new draft version and validate it (did-you-mean on unknown values)."""
    from copilot.assignment import service, versions

    ctx = context()
    rule_set = service.load_rule_file(file)
    with ctx.db.transaction() as session:
        row = versions.save_draft(session, rule_set, note=note, dictionary_path=_dictionary(ctx))
        result = versions.describe(session, row)
    emit(result, as_json, _print_version)


def _print_version(v: dict[str, Any]) -> None:
    out.print(f"{v['rule_set']} v{v['version']} (id {v['id']}): {v['status']}")
    validation = v.get("validation") or {}
    for e in validation.get("errors", []):
        out.print(f"[red]error[/] {e['path']}: {e['message']}")
    for w in validation.get("warnings", []):
        out.print(f"[yellow]warning[/] {w['path']}: {w['message']}")


@rules_app.command("validate")
def rules_validate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)], as_json: JsonOpt = False
) -> None:
    """Validate a rules YAML against the organisation without saving it."""
    from copilot.assignment import service, versions

    ctx = context()
    rule_set = service.load_rule_file(file)
    with ctx.db.read() as session:
        report = versions.check(session, rule_set, _dictionary(ctx))
    emit(
        report,
        as_json,
        lambda r: _print_version(
            {
                "rule_set": rule_set.name,
                "version": "-",
                "id": "-",
                "status": "ok" if r["ok"] else "invalid",
                "validation": r,
            }
        ),
    )
    if not report["ok"]:
        raise typer.Exit(2)


@rules_app.command("simulate")
def rules_simulate(
    version: str,
    sample: Annotated[int, typer.Option(help="Newest leads to route")] = 500,
    as_json: JsonOpt = False,
) -> None:
    """Dry-run a saved version (draft -> simulated); needed before publishing."""
    from copilot.assignment import versions

    ctx = context()
    with ctx.db.transaction() as session:
        row = versions.get_version(session, version)
        report = versions.simulate_version(session, row, sample=sample, dictionary_path=_dictionary(ctx))
        report["version"] = versions.describe(session, row)
    emit(report, as_json, _print_simulation)


@rules_app.command("publish")
def rules_publish(version: str, as_json: JsonOpt = False) -> None:
    """Publish a simulated, valid version; the previous one is retired."""
    from copilot.assignment import versions

    ctx = context()
    with ctx.db.transaction() as session:
        result = versions.publish(
            session,
            versions.get_version(session, version),
            dictionary_path=_dictionary(ctx),
        )
    emit(result, as_json, lambda v: out.print(f"published {v['rule_set']} v{v['version']} (id {v['id']})"))


@rules_app.command("export")
def rules_export(
    version: Annotated[str, typer.Argument(help="Version id, NAME@N, NAME or 'published'")] = "published",
    file: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout")] = None,
) -> None:
    """Export a version as YAML (the same shape `rules import` reads)."""
    from copilot.assignment import versions
    from copilot.assignment.rules import dump_yaml, parse_rule_set

    with context().db.read() as session:
        text = dump_yaml(parse_rule_set(versions.get_version(session, version).body))
    if file:
        file.write_text(text, encoding="utf-8")
        err.print(f"wrote {file}")
    else:
        out.print(text, markup=False, highlight=False)


@rules_app.command("list")
def rules_list(as_json: JsonOpt = False) -> None:
    """Every version of every rule set with its status."""
    from copilot.assignment import versions

    with context().db.read() as session:
        rows = versions.list_versions(session)

    def human(items: list[dict[str, Any]]) -> None:
        table = Table("id", "rule set", "version", "status", "valid", "published", "note")
        for v in items:
            table.add_row(
                str(v["id"]),
                v["rule_set"],
                str(v["version"]),
                v["status"],
                "yes" if v["validation_ok"] else "no",
                str(v["published_at"] or ""),
                v["note"],
            )
        out.print(table)

    emit(rows, as_json, human)
